-- The operations a plan includes (JSON array of operationIds; empty: all of
-- the API's operations). A gateway setting: it moves the gateway revision.

-- +goose Up
ALTER TABLE plans ADD COLUMN operations TEXT; -- JSON array; NULL or [] includes every operation
DROP TRIGGER gateway_revision_plans_upd ON plans;
CREATE CONSTRAINT TRIGGER gateway_revision_plans_upd AFTER UPDATE OF api_id, name, key_mode, rate_per_second, rate_per_minute, rate_per_hour, quota_per_day, quota_per_month, operation_limits, state, spike_arrest, operations ON plans DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();

-- +goose Down
DROP TRIGGER gateway_revision_plans_upd ON plans;
CREATE CONSTRAINT TRIGGER gateway_revision_plans_upd AFTER UPDATE OF api_id, name, key_mode, rate_per_second, rate_per_minute, rate_per_hour, quota_per_day, quota_per_month, operation_limits, state, spike_arrest ON plans DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
ALTER TABLE plans DROP COLUMN operations;
