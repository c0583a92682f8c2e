-- Self-service: plans of an API, applications owned by a developer or a
-- team, their credentials (stored only as HMAC digests) and their
-- subscriptions (at most one per application and API).

-- +goose Up
CREATE TABLE plans (
    id                    INTEGER PRIMARY KEY,
    api_id                INTEGER  NOT NULL REFERENCES apis (id) ON DELETE CASCADE,
    name                  TEXT     NOT NULL,
    description           TEXT     NOT NULL DEFAULT '',
    audience              TEXT     NOT NULL CHECK (audience IN ('public', 'partner', 'internal')),
    approval_mode         TEXT     NOT NULL CHECK (approval_mode IN ('automatic', 'manual')),
    key_mode              TEXT     NOT NULL CHECK (key_mode IN ('key_pair', 'api_key')),
    rate_per_second       INTEGER  NOT NULL DEFAULT 0 CHECK (rate_per_second >= 0),
    rate_per_minute       INTEGER  NOT NULL DEFAULT 0 CHECK (rate_per_minute >= 0),
    rate_per_hour         INTEGER  NOT NULL DEFAULT 0 CHECK (rate_per_hour >= 0),
    quota_per_day         INTEGER  NOT NULL DEFAULT 0 CHECK (quota_per_day >= 0),
    quota_per_month       INTEGER  NOT NULL DEFAULT 0 CHECK (quota_per_month >= 0),
    operation_limits      TEXT,    -- JSON object: operationId -> limits
    pricing_model         TEXT     NOT NULL CHECK (pricing_model IN ('free', 'monthly', 'per_call')),
    pricing_monthly_fee   TEXT     NOT NULL DEFAULT '', -- decimal string
    pricing_included_calls INTEGER NOT NULL DEFAULT 0,
    pricing_price_per_call TEXT    NOT NULL DEFAULT '', -- decimal string
    pricing_currency      TEXT     NOT NULL DEFAULT '', -- ISO 4217
    state                 TEXT     NOT NULL CHECK (state IN ('published', 'hidden', 'retired')),
    created_at            DATETIME NOT NULL,
    updated_at            DATETIME NOT NULL,
    UNIQUE (api_id, name)
);

CREATE TABLE applications (
    id            INTEGER PRIMARY KEY,
    owner_user_id INTEGER  REFERENCES users (id) ON DELETE CASCADE,
    owner_team_id INTEGER  REFERENCES teams (id) ON DELETE CASCADE,
    name          TEXT     NOT NULL,
    description   TEXT     NOT NULL DEFAULT '',
    ip_allowlist  TEXT,    -- JSON array of CIDRs
    status        TEXT     NOT NULL CHECK (status IN ('active', 'suspended')),
    app_id        TEXT     NOT NULL UNIQUE,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    CHECK ((owner_user_id IS NULL) <> (owner_team_id IS NULL))
);
CREATE INDEX applications_owner_user ON applications (owner_user_id);
CREATE INDEX applications_owner_team ON applications (owner_team_id);

-- digest is HMAC-SHA-256 of the secret with a server-side pepper; the
-- secret itself is never stored.
CREATE TABLE credentials (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER  NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    name           TEXT     NOT NULL DEFAULT '',
    prefix         TEXT     NOT NULL,
    digest         BLOB     NOT NULL UNIQUE CHECK (length(digest) = 32),
    kind           TEXT     NOT NULL CHECK (kind IN ('app_key', 'api_key')),
    expires_at     DATETIME,
    revoked_at     DATETIME,
    last_used_at   DATETIME,
    created_at     DATETIME NOT NULL
);
CREATE INDEX credentials_application ON credentials (application_id);

-- requested_by and decided_by are user IDs, kept when the user goes.
CREATE TABLE subscriptions (
    id               INTEGER PRIMARY KEY,
    application_id   INTEGER  NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    api_id           INTEGER  NOT NULL REFERENCES apis (id) ON DELETE CASCADE,
    plan_id          INTEGER  NOT NULL REFERENCES plans (id),
    state            TEXT     NOT NULL CHECK (state IN ('pending', 'active', 'rejected', 'suspended', 'cancelled')),
    requested_by     INTEGER  NOT NULL,
    decided_by       INTEGER,
    decision_comment TEXT     NOT NULL DEFAULT '',
    decided_at       DATETIME,
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL,
    UNIQUE (application_id, api_id)
);
CREATE INDEX subscriptions_api_state ON subscriptions (api_id, state);
CREATE INDEX subscriptions_plan ON subscriptions (plan_id);

-- +goose Down
DROP TABLE subscriptions;
DROP TABLE credentials;
DROP TABLE applications;
DROP TABLE plans;
