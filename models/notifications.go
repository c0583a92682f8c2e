package models

import (
	"strings"
	"time"
)

// NotificationKind says what a notification reports.
type NotificationKind string

// Notification kinds.
const (
	// To the admins of the API's subsidiary: a subscription waits for them.
	NotifySubscriptionRequested NotificationKind = "subscription_requested"
	// To the requester of a subscription: the decision, or a change by an
	// approver.
	NotifySubscriptionApproved  NotificationKind = "subscription_approved"
	NotifySubscriptionRejected  NotificationKind = "subscription_rejected"
	NotifySubscriptionSuspended NotificationKind = "subscription_suspended"
	NotifySubscriptionResumed   NotificationKind = "subscription_resumed"
	// To the application's owner, or every member of its team.
	NotifyKeyCreated  NotificationKind = "key_created"
	NotifyKeyRotated  NotificationKind = "key_rotated"
	NotifyKeyRevoked  NotificationKind = "key_revoked"
	NotifyKeyExpiring NotificationKind = "key_expiring"
)

// Notification is one notice in a user's in-portal inbox. Link is a local
// path ("/apps/12"); emails make it absolute with the portal's public URL.
// Notifications never hold a secret: keys appear by their prefix only.
type Notification struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    int64
	Kind      NotificationKind
	Title     string
	Body      string
	Link      string
	CreatedAt time.Time
	ReadAt    *time.Time
}

// Unread reports whether the user has not marked n read.
func (n Notification) Unread() bool { return n.ReadAt == nil }

// MaxNotificationTitleLen bounds a notification's title (and its email's
// subject), in characters.
const MaxNotificationTitleLen = 200

// OneLine makes s safe for a single-line field such as an email header:
// every run of control characters (CR and LF included) becomes one space,
// and the result is trimmed and cut to max characters (0: no limit).
func OneLine(s string, max int) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := strings.TrimSpace(b.String())
	if max > 0 {
		if rs := []rune(out); len(rs) > max {
			out = strings.TrimSpace(string(rs[:max-1])) + "…"
		}
	}
	return out
}

// OutboxMessage is one email to one address, waiting in the outbox for the
// mail worker. A worker claims it with a lease (LeaseUntil, LeaseToken) so
// that two workers never send it twice; a failed delivery is retried after
// DeliveryBackoff, and given up (DeadAt) after MaxDeliveryAttempts, with
// LastError kept. Link is the local path the body refers to; the worker
// appends it to the body as an absolute URL.
type OutboxMessage struct {
	ID            int64 `gorm:"primaryKey"`
	ToAddress     string
	Subject       string
	BodyText      string
	Link          string
	Attempts      int
	NextAttemptAt time.Time
	LeaseUntil    *time.Time
	LeaseToken    string `json:"-"`
	LastError     string
	SentAt        *time.Time
	DeadAt        *time.Time
	CreatedAt     time.Time
}

// TableName is the outbox table.
func (OutboxMessage) TableName() string { return "outbox" }

// MaxDeliveryAttempts is how many failed deliveries of an email the worker
// makes before it gives up on it.
const MaxDeliveryAttempts = 10

// DeliveryBackoff is how long the worker waits before the next delivery of
// an email that failed attempts times (attempts ≥ 1): a minute, doubling,
// at most an hour. Ten attempts span about four hours.
func DeliveryBackoff(attempts int) time.Duration {
	if attempts < 1 {
		return 0
	}
	d := time.Minute
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
