-- Whether a plan lets clients send their credentials as query parameters
-- (app_id/app_key, api_key) instead of headers; off by default, as URLs end
-- up in logs. A gateway setting: it moves the gateway revision.

-- +goose Up
ALTER TABLE plans ADD COLUMN query_credentials BOOLEAN NOT NULL DEFAULT FALSE;
DROP TRIGGER gateway_revision_plans_upd ON plans;
CREATE CONSTRAINT TRIGGER gateway_revision_plans_upd AFTER UPDATE OF api_id, name, key_mode, rate_per_second, rate_per_minute, rate_per_hour, quota_per_day, quota_per_month, operation_limits, state, spike_arrest, operations, query_credentials ON plans DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();

-- +goose Down
DROP TRIGGER gateway_revision_plans_upd ON plans;
CREATE CONSTRAINT TRIGGER gateway_revision_plans_upd AFTER UPDATE OF api_id, name, key_mode, rate_per_second, rate_per_minute, rate_per_hour, quota_per_day, quota_per_month, operation_limits, state, spike_arrest, operations ON plans DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
ALTER TABLE plans DROP COLUMN query_credentials;
