-- Notifications: the in-portal inbox of each user, and the outbox of email
-- messages a mail worker delivers over SMTP with retries and backoff.
-- Both are written in the transaction of the change they report, so a
-- change that rolls back leaves no notice and no email.

-- +goose Up
-- link is a local path ("/apps/12"); the mail worker makes it absolute.
CREATE TABLE notifications (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT   NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT     NOT NULL,
    title      TEXT     NOT NULL,
    body       TEXT     NOT NULL DEFAULT '',
    link       TEXT     NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ
);
-- The inbox lists a user's notices newest first; the header counts the
-- unread ones on every page.
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_user_unread ON notifications (user_id) WHERE read_at IS NULL;

-- One email to one address. A worker claims due messages by setting
-- lease_until (and lease_token) so that two workers never send the same
-- message; attempts counts failed deliveries; dead_at is set when the
-- worker gives up, with last_error kept.
CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_address      TEXT     NOT NULL,
    subject         TEXT     NOT NULL,
    body_text       TEXT     NOT NULL,
    link            TEXT     NOT NULL DEFAULT '',
    attempts        INTEGER  NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_until     TIMESTAMPTZ,
    lease_token     TEXT     NOT NULL DEFAULT '',
    last_error      TEXT     NOT NULL DEFAULT '',
    sent_at         TIMESTAMPTZ,
    dead_at         TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND dead_at IS NULL;

-- When the "key expires soon" notice went out, so it goes out once.
ALTER TABLE credentials ADD COLUMN expiry_notice_sent_at TIMESTAMPTZ;
CREATE INDEX credentials_expiring ON credentials (expires_at) WHERE revoked_at IS NULL AND expiry_notice_sent_at IS NULL;

-- +goose Down
DROP INDEX credentials_expiring;
ALTER TABLE credentials DROP COLUMN expiry_notice_sent_at;
DROP TABLE outbox;
DROP TABLE notifications;
