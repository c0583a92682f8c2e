-- The API catalog: subsidiaries, API products, their versions with the
-- documents as uploaded, the operations indexed for search, the derived
-- catalog tables the portal queries, and the portal-wide settings.

-- +goose Up
CREATE TABLE subsidiaries (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        TEXT        NOT NULL UNIQUE,
    name        TEXT        NOT NULL,
    description TEXT        NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE apis (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subsidiary_id BIGINT      NOT NULL REFERENCES subsidiaries (id) ON DELETE CASCADE,
    slug          TEXT        NOT NULL,
    name          TEXT        NOT NULL,
    summary       TEXT        NOT NULL DEFAULT '',
    description   TEXT        NOT NULL DEFAULT '',
    audience      TEXT        NOT NULL CHECK (audience IN ('public', 'partner', 'internal')),
    tags          TEXT,       -- JSON array
    featured      BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (subsidiary_id, slug)
);

CREATE TABLE api_versions (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    api_id           BIGINT      NOT NULL REFERENCES apis (id) ON DELETE CASCADE,
    version          TEXT        NOT NULL,
    slug             TEXT        NOT NULL,
    state            TEXT        NOT NULL CHECK (state IN ('draft', 'in_review', 'published', 'deprecated', 'retired')),
    open_api_version TEXT        NOT NULL DEFAULT '',
    format           TEXT        NOT NULL DEFAULT '',
    root_path        TEXT        NOT NULL DEFAULT '',
    document_hash    TEXT        NOT NULL,
    title            TEXT        NOT NULL DEFAULT '',
    description      TEXT        NOT NULL DEFAULT '',
    servers          TEXT,       -- JSON array
    tags             TEXT,       -- JSON array
    operation_count  INTEGER     NOT NULL DEFAULT 0,
    warnings         TEXT,       -- JSON array
    base_path        TEXT        NOT NULL DEFAULT '',
    upstream_url     TEXT        NOT NULL DEFAULT '',
    deprecated_at    TIMESTAMPTZ,
    sunset_at        TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (api_id, slug)
);
CREATE INDEX api_versions_api_state ON api_versions (api_id, state);

-- Large values live apart from api_versions so that catalog queries never
-- page through megabytes of documents.
CREATE TABLE api_version_documents (
    api_version_id BIGINT PRIMARY KEY REFERENCES api_versions (id) ON DELETE CASCADE,
    document       BYTEA NOT NULL,
    render_model   BYTEA
);

CREATE TABLE api_version_files (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    api_version_id BIGINT  NOT NULL REFERENCES api_versions (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    path           TEXT    NOT NULL,
    content        BYTEA   NOT NULL,
    UNIQUE (api_version_id, path)
);

CREATE TABLE api_operations (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    api_version_id BIGINT  NOT NULL REFERENCES api_versions (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    method         TEXT    NOT NULL,
    path           TEXT    NOT NULL,
    operation_id   TEXT    NOT NULL DEFAULT '',
    summary        TEXT    NOT NULL DEFAULT '',
    tags           TEXT    -- JSON array
);
CREATE INDEX api_operations_version ON api_operations (api_version_id, position);

-- Derived from the listed versions of each API by the store whenever they
-- change. An API has a row here exactly when it appears in the catalog.
CREATE TABLE catalog_entries (
    api_id             BIGINT PRIMARY KEY REFERENCES apis (id) ON DELETE CASCADE,
    current_version_id BIGINT  NOT NULL REFERENCES api_versions (id) ON DELETE CASCADE,
    version_count      INTEGER NOT NULL,
    states             TEXT    NOT NULL -- JSON array, in lifecycle order
);

-- API tags and the tags of listed versions, lower-cased for filtering.
CREATE TABLE catalog_tags (
    api_id BIGINT NOT NULL REFERENCES apis (id) ON DELETE CASCADE,
    tag    TEXT   NOT NULL,
    label  TEXT   NOT NULL,
    PRIMARY KEY (api_id, tag)
);
CREATE INDEX catalog_tags_tag ON catalog_tags (tag, api_id);

-- Normalized search text per catalog entry (lower-case words, diacritics
-- removed) and its weighted tsvector. The 'simple' configuration keeps the
-- words as the store wrote them, so both dialects match the same way.
CREATE TABLE catalog_search (
    api_id      BIGINT PRIMARY KEY REFERENCES apis (id) ON DELETE CASCADE,
    name        TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    versions    TEXT NOT NULL DEFAULT '',
    operations  TEXT NOT NULL DEFAULT '',
    document    TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, name), 'A') ||
        setweight(to_tsvector('simple'::regconfig, tags), 'A') ||
        setweight(to_tsvector('simple'::regconfig, summary), 'B') ||
        setweight(to_tsvector('simple'::regconfig, description), 'C') ||
        setweight(to_tsvector('simple'::regconfig, versions), 'C') ||
        setweight(to_tsvector('simple'::regconfig, operations), 'D')
    ) STORED
);
CREATE INDEX catalog_search_document ON catalog_search USING GIN (document);

-- A single row (id 1) with the texts of the home page.
CREATE TABLE portal_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    group_name    TEXT        NOT NULL DEFAULT '',
    group_tagline TEXT        NOT NULL DEFAULT '',
    group_about   TEXT        NOT NULL DEFAULT '',
    updated_at    TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE portal_settings;
DROP TABLE catalog_search;
DROP TABLE catalog_tags;
DROP TABLE catalog_entries;
DROP TABLE api_operations;
DROP TABLE api_version_files;
DROP TABLE api_version_documents;
DROP TABLE api_versions;
DROP TABLE apis;
DROP TABLE subsidiaries;
