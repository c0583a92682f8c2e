-- Spike arrest per plan: at most this many calls a second per application,
-- evenly spaced (0: none). A gateway setting: it moves the gateway revision.

-- +goose Up
ALTER TABLE plans ADD COLUMN spike_arrest INTEGER NOT NULL DEFAULT 0 CHECK (spike_arrest >= 0);
DROP TRIGGER gateway_revision_plans_upd;
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_plans_upd AFTER UPDATE OF api_id, name, key_mode, rate_per_second, rate_per_minute, rate_per_hour, quota_per_day, quota_per_month, operation_limits, state, spike_arrest ON plans
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER gateway_revision_plans_upd;
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_plans_upd AFTER UPDATE OF api_id, name, key_mode, rate_per_second, rate_per_minute, rate_per_hour, quota_per_day, quota_per_month, operation_limits, state ON plans
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
ALTER TABLE plans DROP COLUMN spike_arrest;
