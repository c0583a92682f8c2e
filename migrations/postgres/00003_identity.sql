-- Identity: users and their links to identity providers, roles (a typed
-- table the store queries, mirrored into casbin_rule for the authorizer),
-- consumer teams, invitations, server-side sessions, sign-in throttling and
-- the append-only, hash-chained audit trail.

-- +goose Up
CREATE TABLE users (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email          TEXT        NOT NULL UNIQUE, -- lower case
    name           TEXT        NOT NULL DEFAULT '',
    kind           TEXT        NOT NULL CHECK (kind IN ('external', 'staff')),
    status         TEXT        NOT NULL CHECK (status IN ('active', 'deactivated')),
    email_verified BOOLEAN     NOT NULL DEFAULT FALSE,
    password_hash  TEXT        NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    last_login_at  TIMESTAMPTZ
);

CREATE TABLE external_identities (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider   TEXT        NOT NULL,
    subject    TEXT        NOT NULL,
    email      TEXT        NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (provider, subject)
);
CREATE INDEX external_identities_user ON external_identities (user_id);

-- Who holds which role where. domain is a subsidiary slug or '*' (global).
-- source is '' for a role granted by a person (or the CLI), else the name of
-- the identity provider whose group claim granted it; those are revoked
-- when the provider stops sending the group.
CREATE TABLE role_assignments (
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT        NOT NULL CHECK (role IN ('platform_admin', 'subsidiary_admin', 'publisher', 'developer', 'internal')),
    domain     TEXT        NOT NULL,
    source     TEXT        NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, role, domain)
);
CREATE INDEX role_assignments_domain ON role_assignments (domain, user_id);

-- casbin's policy table, exactly as github.com/casbin/gorm-adapter/v3
-- v3.39.0 would create it (the adapter is opened with TurnOffAutoMigrate).
CREATE TABLE casbin_rule (
    id    BIGSERIAL PRIMARY KEY,
    ptype VARCHAR(100),
    v0    VARCHAR(100),
    v1    VARCHAR(100),
    v2    VARCHAR(100),
    v3    VARCHAR(100),
    v4    VARCHAR(100),
    v5    VARCHAR(100)
);
CREATE UNIQUE INDEX idx_casbin_rule ON casbin_rule (ptype, v0, v1, v2, v3, v4, v5);

-- One row, bumped by every change to casbin_rule, so authorizers in any
-- process know cheaply when to reload.
CREATE TABLE policy_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO policy_version (id, version) VALUES (1, 0);

CREATE TABLE teams (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT        NOT NULL,
    owner_id   BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX teams_owner ON teams (owner_id);

CREATE TABLE team_members (
    team_id    BIGINT      NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT        NOT NULL CHECK (role IN ('owner', 'member')),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id, team_id);

-- An invitation targets a role in a domain or a team, never both. Only the
-- SHA-256 of its token is stored. invited_by is 0 for the system.
CREATE TABLE invitations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       TEXT        NOT NULL,
    role        TEXT        NOT NULL DEFAULT '',
    domain      TEXT        NOT NULL DEFAULT '',
    team_id     BIGINT      REFERENCES teams (id) ON DELETE CASCADE,
    token_hash  TEXT        NOT NULL UNIQUE,
    invited_by  BIGINT      NOT NULL DEFAULT 0,
    expires_at  TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL,
    CHECK ((team_id IS NULL) = (role <> '' AND domain <> ''))
);
CREATE INDEX invitations_email ON invitations (email);
CREATE INDEX invitations_domain ON invitations (domain);

-- Server-side sessions (alexedwards/scs). The token itself is never stored,
-- only its SHA-256, so a copy of the database holds no live session.
CREATE TABLE sessions (
    token_hash TEXT        PRIMARY KEY,
    data       BYTEA       NOT NULL,
    expiry     TIMESTAMPTZ NOT NULL,
    user_id    BIGINT      REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX sessions_expiry ON sessions (expiry);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins, per key (a lower-case email or a client IP).
CREATE TABLE login_failures (
    id  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key TEXT        NOT NULL,
    at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);

-- The audit trail. IDs are assigned by the store (1, 2, 3, ...) under an
-- advisory lock, each event carries the hash of the one before, and the
-- triggers below refuse to change, delete or truncate events and to insert
-- one that does not extend the chain.
CREATE TABLE audit_events (
    id          BIGINT      PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    BIGINT, -- no foreign key: the trail outlives what it records
    actor_email TEXT        NOT NULL DEFAULT '',
    subsidiary  TEXT        NOT NULL DEFAULT '',
    action      TEXT        NOT NULL,
    target      TEXT        NOT NULL DEFAULT '',
    "before"    TEXT        NOT NULL DEFAULT '',
    "after"     TEXT        NOT NULL DEFAULT '',
    request_id  TEXT        NOT NULL DEFAULT '',
    client_ip   TEXT        NOT NULL DEFAULT '',
    prev_hash   TEXT        NOT NULL,
    hash        TEXT        NOT NULL
);
CREATE INDEX audit_events_subsidiary ON audit_events (subsidiary, id);
CREATE INDEX audit_events_action ON audit_events (action, id);
CREATE INDEX audit_events_actor_email ON audit_events (actor_email, id);
CREATE INDEX audit_events_at ON audit_events (at);

-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_id   BIGINT;
    last_hash TEXT;
BEGIN
    SELECT id, hash INTO last_id, last_hash FROM audit_events ORDER BY id DESC LIMIT 1;
    IF NEW.id IS DISTINCT FROM coalesce(last_id, 0) + 1 OR NEW.prev_hash IS DISTINCT FROM coalesce(last_hash, '') THEN
        RAISE EXCEPTION 'audit_events: the event does not extend the chain' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_chain();

-- +goose Down
DROP TABLE audit_events;
DROP FUNCTION audit_events_chain();
DROP FUNCTION audit_events_append_only();
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE invitations;
DROP TABLE team_members;
DROP TABLE teams;
DROP TABLE policy_version;
DROP TABLE casbin_rule;
DROP TABLE role_assignments;
DROP TABLE external_identities;
DROP TABLE users;
