-- The tag facet counts the tags of API products only (not the operation
-- tags of their documents, which the tag filter still matches): product tags
-- are what people browse by, and there are few enough of them to count on
-- every catalog request. The indexes let the facet read index entries only.

-- +goose Up
ALTER TABLE catalog_tags ADD COLUMN api_tag BOOLEAN NOT NULL DEFAULT FALSE;
DROP INDEX catalog_tags_tag;
CREATE INDEX catalog_tags_facet ON catalog_tags (api_tag, tag, label);
CREATE INDEX catalog_tags_product ON catalog_tags (api_id, api_tag, tag, label);
UPDATE catalog_tags SET api_tag = TRUE
WHERE EXISTS (
    SELECT 1 FROM apis a
    CROSS JOIN LATERAL jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(a.tags::jsonb) = 'array' THEN a.tags::jsonb ELSE '[]'::jsonb END) AS j (value)
    WHERE a.id = catalog_tags.api_id AND lower(trim(j.value)) = catalog_tags.tag
);

-- +goose Down
DROP INDEX catalog_tags_product;
DROP INDEX catalog_tags_facet;
ALTER TABLE catalog_tags DROP COLUMN api_tag;
CREATE INDEX catalog_tags_tag ON catalog_tags (tag, api_id);
