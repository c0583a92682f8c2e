-- The gateway: a configuration revision every change that matters to the
-- gateway bumps, in the transaction of the change, through triggers (so
-- every writer counts: portal, JSON API, command line, other control-plane
-- processes); gateways compile a new snapshot when it moves. Columns the
-- gateway does not read (last sign-in, last use of a key, expiry notices)
-- do not bump it. And usage: counts per application x API version x
-- operation x status class x minute with latency histograms, written in
-- idempotent batches.

-- +goose Up
CREATE TABLE gateway_revision (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision BIGINT  NOT NULL
);
INSERT INTO gateway_revision (id, revision) VALUES (1, 1);

-- +goose StatementBegin
CREATE TRIGGER gateway_revision_applications_ins AFTER INSERT ON applications
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_applications_del AFTER DELETE ON applications
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_applications_upd AFTER UPDATE OF status, ip_allowlist, owner_user_id, owner_team_id, app_id, name ON applications
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_credentials_ins AFTER INSERT ON credentials
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_credentials_del AFTER DELETE ON credentials
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_credentials_upd AFTER UPDATE OF revoked_at, expires_at, digest, application_id, kind, prefix ON credentials
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_subscriptions_ins AFTER INSERT ON subscriptions
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_subscriptions_del AFTER DELETE ON subscriptions
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_subscriptions_upd AFTER UPDATE OF state, plan_id, api_id, application_id ON subscriptions
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_plans_ins AFTER INSERT ON plans
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_plans_del AFTER DELETE ON plans
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_plans_upd AFTER UPDATE OF api_id, name, key_mode, rate_per_second, rate_per_minute, rate_per_hour, quota_per_day, quota_per_month, operation_limits, state ON plans
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_apis_ins AFTER INSERT ON apis
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_apis_del AFTER DELETE ON apis
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_apis_upd AFTER UPDATE OF slug, subsidiary_id ON apis
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_api_versions_ins AFTER INSERT ON api_versions
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_api_versions_del AFTER DELETE ON api_versions
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_api_versions_upd AFTER UPDATE OF state, slug, version, base_path, upstream_url, deprecated_at, sunset_at, document_hash ON api_versions
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_api_operations_ins AFTER INSERT ON api_operations
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_api_operations_del AFTER DELETE ON api_operations
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_users_upd AFTER UPDATE OF status ON users
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_subsidiaries_upd AFTER UPDATE OF slug ON subsidiaries
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd

CREATE TABLE usage_buckets (
    application_id INTEGER  NOT NULL, -- 0 when no application was identified
    api_version_id INTEGER  NOT NULL,
    operation      TEXT     NOT NULL,
    status_class   INTEGER  NOT NULL,
    minute         DATETIME NOT NULL,
    count          INTEGER  NOT NULL,
    latency_ms_sum REAL     NOT NULL,
    histogram      TEXT     NOT NULL, -- JSON array, usage.LatencyBounds
    PRIMARY KEY (application_id, api_version_id, operation, status_class, minute)
);
CREATE INDEX usage_buckets_minute ON usage_buckets (minute);

CREATE TABLE usage_batches (
    id          TEXT     PRIMARY KEY,
    source      TEXT     NOT NULL,
    received_at DATETIME NOT NULL
);
CREATE INDEX usage_batches_received ON usage_batches (received_at);

-- +goose Down
DROP TABLE usage_batches;
DROP TABLE usage_buckets;
DROP TRIGGER gateway_revision_applications_ins;
DROP TRIGGER gateway_revision_applications_del;
DROP TRIGGER gateway_revision_applications_upd;
DROP TRIGGER gateway_revision_credentials_ins;
DROP TRIGGER gateway_revision_credentials_del;
DROP TRIGGER gateway_revision_credentials_upd;
DROP TRIGGER gateway_revision_subscriptions_ins;
DROP TRIGGER gateway_revision_subscriptions_del;
DROP TRIGGER gateway_revision_subscriptions_upd;
DROP TRIGGER gateway_revision_plans_ins;
DROP TRIGGER gateway_revision_plans_del;
DROP TRIGGER gateway_revision_plans_upd;
DROP TRIGGER gateway_revision_apis_ins;
DROP TRIGGER gateway_revision_apis_del;
DROP TRIGGER gateway_revision_apis_upd;
DROP TRIGGER gateway_revision_api_versions_ins;
DROP TRIGGER gateway_revision_api_versions_del;
DROP TRIGGER gateway_revision_api_versions_upd;
DROP TRIGGER gateway_revision_api_operations_ins;
DROP TRIGGER gateway_revision_api_operations_del;
DROP TRIGGER gateway_revision_users_upd;
DROP TRIGGER gateway_revision_subsidiaries_upd;
DROP TABLE gateway_revision;
