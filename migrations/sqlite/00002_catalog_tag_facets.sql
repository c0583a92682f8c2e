-- The tag facet counts the tags of API products only (not the operation
-- tags of their documents, which the tag filter still matches): product tags
-- are what people browse by, and there are few enough of them to count on
-- every catalog request. catalog_tags becomes a WITHOUT ROWID table
-- clustered by API, so counting the tags of a set of APIs reads no other
-- pages, and an index by (api_tag, tag) covers the facet of the whole
-- catalog.

-- +goose Up
CREATE TABLE catalog_tags_v2 (
    api_id  INTEGER NOT NULL REFERENCES apis (id) ON DELETE CASCADE,
    tag     TEXT    NOT NULL,
    label   TEXT    NOT NULL,
    api_tag BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (api_id, tag)
) WITHOUT ROWID;
INSERT INTO catalog_tags_v2 (api_id, tag, label, api_tag)
SELECT t.api_id, t.tag, t.label, EXISTS (
    SELECT 1 FROM apis a, json_each(CASE WHEN json_valid(a.tags) AND json_type(a.tags) = 'array' THEN a.tags ELSE '[]' END) j
    WHERE a.id = t.api_id AND lower(trim(j.value)) = t.tag)
FROM catalog_tags t;
DROP TABLE catalog_tags;
ALTER TABLE catalog_tags_v2 RENAME TO catalog_tags;
CREATE INDEX catalog_tags_facet ON catalog_tags (api_tag, tag, label);

-- +goose Down
CREATE TABLE catalog_tags_v1 (
    api_id INTEGER NOT NULL REFERENCES apis (id) ON DELETE CASCADE,
    tag    TEXT    NOT NULL,
    label  TEXT    NOT NULL,
    PRIMARY KEY (api_id, tag)
);
INSERT INTO catalog_tags_v1 (api_id, tag, label) SELECT api_id, tag, label FROM catalog_tags;
DROP TABLE catalog_tags;
ALTER TABLE catalog_tags_v1 RENAME TO catalog_tags;
CREATE INDEX catalog_tags_tag ON catalog_tags (tag, api_id);
