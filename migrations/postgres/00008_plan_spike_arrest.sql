-- Spike arrest per plan: at most this many calls a second per application,
-- evenly spaced (0: none). A gateway setting: it moves the gateway revision.

-- +goose Up
ALTER TABLE plans ADD COLUMN spike_arrest BIGINT NOT NULL DEFAULT 0 CHECK (spike_arrest >= 0);
DROP TRIGGER gateway_revision_plans_upd ON plans;
CREATE CONSTRAINT TRIGGER gateway_revision_plans_upd AFTER UPDATE OF api_id, name, key_mode, rate_per_second, rate_per_minute, rate_per_hour, quota_per_day, quota_per_month, operation_limits, state, spike_arrest ON plans DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();

-- +goose Down
DROP TRIGGER gateway_revision_plans_upd ON plans;
CREATE CONSTRAINT TRIGGER gateway_revision_plans_upd AFTER UPDATE OF api_id, name, key_mode, rate_per_second, rate_per_minute, rate_per_hour, quota_per_day, quota_per_month, operation_limits, state ON plans DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_gateway_revision();
ALTER TABLE plans DROP COLUMN spike_arrest;
