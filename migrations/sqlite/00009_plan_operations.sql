-- The operations a plan includes (JSON array of operationIds; empty: all of
-- the API's operations). A gateway setting: it moves the gateway revision.

-- +goose Up
ALTER TABLE plans ADD COLUMN operations TEXT; -- JSON array; NULL or [] includes every operation
DROP TRIGGER gateway_revision_plans_upd;
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_plans_upd AFTER UPDATE OF api_id, name, key_mode, rate_per_second, rate_per_minute, rate_per_hour, quota_per_day, quota_per_month, operation_limits, state, spike_arrest, operations ON plans
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER gateway_revision_plans_upd;
-- +goose StatementBegin
CREATE TRIGGER gateway_revision_plans_upd AFTER UPDATE OF api_id, name, key_mode, rate_per_second, rate_per_minute, rate_per_hour, quota_per_day, quota_per_month, operation_limits, state, spike_arrest ON plans
BEGIN
    UPDATE gateway_revision SET revision = revision + 1 WHERE id = 1;
END;
-- +goose StatementEnd
ALTER TABLE plans DROP COLUMN operations;
