-- Per API version: request validation against its document at the gateway,
-- and the origins browsers may call it from (CORS). Both are gateway
-- settings: changing them moves the gateway revision.

-- +goose Up
ALTER TABLE api_versions ADD COLUMN validate_requests BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE api_versions ADD COLUMN cors_origins TEXT NOT NULL DEFAULT '[]'; -- JSON array of origins
DROP TRIGGER gateway_revision_api_versions_upd ON api_versions;
CREATE CONSTRAINT TRIGGER gateway_revision_api_versions_upd AFTER UPDATE OF state, slug, version, base_path, upstream_url, deprecated_at, sunset_at, document_hash, validate_requests, cors_origins ON api_versions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();

-- +goose Down
DROP TRIGGER gateway_revision_api_versions_upd ON api_versions;
CREATE CONSTRAINT TRIGGER gateway_revision_api_versions_upd AFTER UPDATE OF state, slug, version, base_path, upstream_url, deprecated_at, sunset_at, document_hash ON api_versions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
ALTER TABLE api_versions DROP COLUMN cors_origins;
ALTER TABLE api_versions DROP COLUMN validate_requests;
