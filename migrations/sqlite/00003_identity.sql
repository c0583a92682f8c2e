-- Identity: users and their links to identity providers, roles (a typed
-- table the store queries, mirrored into casbin_rule for the authorizer),
-- consumer teams, invitations, server-side sessions, sign-in throttling and
-- the append-only, hash-chained audit trail.

-- +goose Up
CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT     NOT NULL UNIQUE, -- lower case
    name           TEXT     NOT NULL DEFAULT '',
    kind           TEXT     NOT NULL CHECK (kind IN ('external', 'staff')),
    status         TEXT     NOT NULL CHECK (status IN ('active', 'deactivated')),
    email_verified BOOLEAN  NOT NULL DEFAULT FALSE,
    password_hash  TEXT     NOT NULL DEFAULT '',
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    last_login_at  DATETIME
);

CREATE TABLE external_identities (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider   TEXT     NOT NULL,
    subject    TEXT     NOT NULL,
    email      TEXT     NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    UNIQUE (provider, subject)
);
CREATE INDEX external_identities_user ON external_identities (user_id);

-- Who holds which role where. domain is a subsidiary slug or '*' (global).
-- source is '' for a role granted by a person (or the CLI), else the name of
-- the identity provider whose group claim granted it; those are revoked
-- when the provider stops sending the group.
CREATE TABLE role_assignments (
    user_id    INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT     NOT NULL CHECK (role IN ('platform_admin', 'subsidiary_admin', 'publisher', 'developer', 'internal')),
    domain     TEXT     NOT NULL,
    source     TEXT     NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    PRIMARY KEY (user_id, role, domain)
);
CREATE INDEX role_assignments_domain ON role_assignments (domain, user_id);

-- casbin's policy table, exactly as github.com/casbin/gorm-adapter/v3
-- v3.39.0 would create it (the adapter is opened with TurnOffAutoMigrate).
CREATE TABLE casbin_rule (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    ptype TEXT,
    v0    TEXT,
    v1    TEXT,
    v2    TEXT,
    v3    TEXT,
    v4    TEXT,
    v5    TEXT
);
CREATE UNIQUE INDEX idx_casbin_rule ON casbin_rule (ptype, v0, v1, v2, v3, v4, v5);

-- One row, bumped by every change to casbin_rule, so authorizers in any
-- process know cheaply when to reload.
CREATE TABLE policy_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO policy_version (id, version) VALUES (1, 0);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    name       TEXT     NOT NULL,
    owner_id   INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL
);
CREATE INDEX teams_owner ON teams (owner_id);

CREATE TABLE team_members (
    team_id    INTEGER  NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT     NOT NULL CHECK (role IN ('owner', 'member')),
    created_at DATETIME NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id, team_id);

-- An invitation targets a role in a domain or a team, never both. Only the
-- SHA-256 of its token is stored. invited_by is 0 for the system.
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    email       TEXT     NOT NULL,
    role        TEXT     NOT NULL DEFAULT '',
    domain      TEXT     NOT NULL DEFAULT '',
    team_id     INTEGER  REFERENCES teams (id) ON DELETE CASCADE,
    token_hash  TEXT     NOT NULL UNIQUE,
    invited_by  INTEGER  NOT NULL DEFAULT 0,
    expires_at  DATETIME NOT NULL,
    accepted_at DATETIME,
    created_at  DATETIME NOT NULL,
    CHECK ((team_id IS NULL) = (role <> '' AND domain <> ''))
);
CREATE INDEX invitations_email ON invitations (email);
CREATE INDEX invitations_domain ON invitations (domain);

-- Server-side sessions (alexedwards/scs). The token itself is never stored,
-- only its SHA-256, so a copy of the database holds no live session.
CREATE TABLE sessions (
    token_hash TEXT     PRIMARY KEY,
    data       BLOB     NOT NULL,
    expiry     DATETIME NOT NULL,
    user_id    INTEGER  REFERENCES users (id) ON DELETE CASCADE
);
CREATE INDEX sessions_expiry ON sessions (expiry);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed sign-ins, per key (a lower-case email or a client IP).
CREATE TABLE login_failures (
    id  INTEGER PRIMARY KEY,
    key TEXT     NOT NULL,
    at  DATETIME NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);

-- The audit trail. IDs are assigned by the store (1, 2, 3, ...), each event
-- carries the hash of the one before, and the triggers below refuse to
-- change or delete events and to insert one that does not extend the chain.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY,
    at          DATETIME NOT NULL,
    actor_id    INTEGER, -- no foreign key: the trail outlives what it records
    actor_email TEXT     NOT NULL DEFAULT '',
    subsidiary  TEXT     NOT NULL DEFAULT '',
    action      TEXT     NOT NULL,
    target      TEXT     NOT NULL DEFAULT '',
    "before"    TEXT     NOT NULL DEFAULT '',
    "after"     TEXT     NOT NULL DEFAULT '',
    request_id  TEXT     NOT NULL DEFAULT '',
    client_ip   TEXT     NOT NULL DEFAULT '',
    prev_hash   TEXT     NOT NULL,
    hash        TEXT     NOT NULL
);
CREATE INDEX audit_events_subsidiary ON audit_events (subsidiary, id);
CREATE INDEX audit_events_action ON audit_events (action, id);
CREATE INDEX audit_events_actor_email ON audit_events (actor_email, id);
CREATE INDEX audit_events_at ON audit_events (at);

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
WHEN NEW.id IS NOT (SELECT coalesce(max(id), 0) + 1 FROM audit_events)
  OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1), '')
BEGIN
    SELECT RAISE(ABORT, 'audit_events: the event does not extend the chain');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_events_chain;
DROP TRIGGER audit_events_no_delete;
DROP TRIGGER audit_events_no_update;
DROP TABLE audit_events;
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
