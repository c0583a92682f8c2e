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
-- The bump is deferred to the end of the transaction and done once per
-- transaction: the revision row is then locked only while committing, by
-- every writer in the same order (last), so concurrent writers queue on it
-- instead of deadlocking against each other's row locks.
CREATE FUNCTION bump_gateway_revision() RETURNS trigger AS $$
BEGIN
    IF current_setting('portico.gateway_bumped', true) IS DISTINCT FROM txid_current()::text THEN
        UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
        PERFORM set_config('portico.gateway_bumped', txid_current()::text, true);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER gateway_revision_applications_ins_del AFTER INSERT OR DELETE ON applications DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
CREATE CONSTRAINT TRIGGER gateway_revision_applications_upd AFTER UPDATE OF status, ip_allowlist, owner_user_id, owner_team_id, app_id, name ON applications DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
CREATE CONSTRAINT TRIGGER gateway_revision_credentials_ins_del AFTER INSERT OR DELETE ON credentials DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
CREATE CONSTRAINT TRIGGER gateway_revision_credentials_upd AFTER UPDATE OF revoked_at, expires_at, digest, application_id, kind, prefix ON credentials DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
CREATE CONSTRAINT TRIGGER gateway_revision_subscriptions_ins_del AFTER INSERT OR DELETE ON subscriptions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
CREATE CONSTRAINT TRIGGER gateway_revision_subscriptions_upd AFTER UPDATE OF state, plan_id, api_id, application_id ON subscriptions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
CREATE CONSTRAINT TRIGGER gateway_revision_plans_ins_del AFTER INSERT OR DELETE ON plans DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
CREATE CONSTRAINT TRIGGER gateway_revision_plans_upd AFTER UPDATE OF api_id, name, key_mode, rate_per_second, rate_per_minute, rate_per_hour, quota_per_day, quota_per_month, operation_limits, state ON plans DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
CREATE CONSTRAINT TRIGGER gateway_revision_apis_ins_del AFTER INSERT OR DELETE ON apis DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
CREATE CONSTRAINT TRIGGER gateway_revision_apis_upd AFTER UPDATE OF slug, subsidiary_id ON apis DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
CREATE CONSTRAINT TRIGGER gateway_revision_api_versions_ins_del AFTER INSERT OR DELETE ON api_versions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
CREATE CONSTRAINT TRIGGER gateway_revision_api_versions_upd AFTER UPDATE OF state, slug, version, base_path, upstream_url, deprecated_at, sunset_at, document_hash ON api_versions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
CREATE CONSTRAINT TRIGGER gateway_revision_api_operations_ins_del AFTER INSERT OR DELETE ON api_operations DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
CREATE CONSTRAINT TRIGGER gateway_revision_users_upd AFTER UPDATE OF status ON users DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
CREATE CONSTRAINT TRIGGER gateway_revision_subsidiaries_upd AFTER UPDATE OF slug ON subsidiaries DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();

CREATE TABLE usage_buckets (
    application_id BIGINT   NOT NULL, -- 0 when no application was identified
    api_version_id BIGINT   NOT NULL,
    operation      TEXT     NOT NULL,
    status_class   INTEGER  NOT NULL,
    minute         TIMESTAMPTZ NOT NULL,
    count          BIGINT   NOT NULL,
    latency_ms_sum DOUBLE PRECISION NOT NULL,
    histogram      TEXT     NOT NULL, -- JSON array, usage.LatencyBounds
    PRIMARY KEY (application_id, api_version_id, operation, status_class, minute)
);
CREATE INDEX usage_buckets_minute ON usage_buckets (minute);

CREATE TABLE usage_batches (
    id          TEXT     PRIMARY KEY,
    source      TEXT     NOT NULL,
    received_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX usage_batches_received ON usage_batches (received_at);

-- +goose Down
DROP TABLE usage_batches;
DROP TABLE usage_buckets;
DROP TRIGGER gateway_revision_applications_ins_del ON applications;
DROP TRIGGER gateway_revision_applications_upd ON applications;
DROP TRIGGER gateway_revision_credentials_ins_del ON credentials;
DROP TRIGGER gateway_revision_credentials_upd ON credentials;
DROP TRIGGER gateway_revision_subscriptions_ins_del ON subscriptions;
DROP TRIGGER gateway_revision_subscriptions_upd ON subscriptions;
DROP TRIGGER gateway_revision_plans_ins_del ON plans;
DROP TRIGGER gateway_revision_plans_upd ON plans;
DROP TRIGGER gateway_revision_apis_ins_del ON apis;
DROP TRIGGER gateway_revision_apis_upd ON apis;
DROP TRIGGER gateway_revision_api_versions_ins_del ON api_versions;
DROP TRIGGER gateway_revision_api_versions_upd ON api_versions;
DROP TRIGGER gateway_revision_api_operations_ins_del ON api_operations;
DROP TRIGGER gateway_revision_users_upd ON users;
DROP TRIGGER gateway_revision_subsidiaries_upd ON subsidiaries;
DROP FUNCTION bump_gateway_revision();
DROP TABLE gateway_revision;
