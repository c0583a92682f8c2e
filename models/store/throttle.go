package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// maxFailuresListed caps what LoginFailures returns: a throttle needs the
// recent failures, not every one of a long attack.
const maxFailuresListed = 1000

// loginFailureRow is one failed sign-in counted against a key.
type loginFailureRow struct {
	ID  int64 `gorm:"primaryKey"`
	Key string
	At  time.Time
}

func (loginFailureRow) TableName() string { return "login_failures" }

// emailThrottleKey is the key failures against an email are counted under:
// the address in lower case (cut to the longest valid address). Emails and
// IP addresses cannot collide, since only emails contain "@": text without
// "@" (which no account has) gets no key, so a form posting an IP address
// as the email cannot count failures against that IP.
func emailThrottleKey(email string) string {
	k := auditEmail(email)
	if !strings.Contains(k, "@") {
		return ""
	}
	return k
}

// auditEmail is the email of a sign-in attempt as the audit trail names it.
func auditEmail(email string) string {
	return clip(strings.ToLower(strings.TrimSpace(email)), 254)
}

// addLoginFailures counts a failure at now against each non-empty key.
func addLoginFailures(tx *gorm.DB, now time.Time, keys ...string) error {
	for _, k := range keys {
		if k == "" {
			continue
		}
		if err := tx.Create(&loginFailureRow{Key: clip(k, 254), At: now}).Error; err != nil {
			return err
		}
	}
	return nil
}

// LoginFailures returns the times of the failed sign-ins counted against
// key since the time given, oldest first (at most the latest 1000). Keys
// are what RecordSignInFailure counts under: an email (any case) and the
// client IP as the Actor carried it.
func (s *Store) LoginFailures(ctx context.Context, key string, since time.Time) ([]time.Time, error) {
	var rows []loginFailureRow
	err := s.read(ctx).Select("at").Where("key = ? AND at >= ?", normalizeThrottleKey(key), utc(since)).
		Order("at DESC, id DESC").Limit(maxFailuresListed).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list login failures: %w", err)
	}
	out := make([]time.Time, len(rows))
	for i, r := range rows {
		out[len(rows)-1-i] = r.At
	}
	return out, nil
}

// ClearLoginFailures forgets the failures counted against key (after a
// successful sign-in, for the email).
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	if err := s.write(ctx).Where("key = ?", normalizeThrottleKey(key)).Delete(&loginFailureRow{}).Error; err != nil {
		return fmt.Errorf("clear login failures: %w", err)
	}
	return nil
}

// PruneLoginFailures deletes failures older than before, which no throttle
// window reaches any more.
func (s *Store) PruneLoginFailures(ctx context.Context, before time.Time) error {
	if err := s.write(ctx).Where("at < ?", utc(before)).Delete(&loginFailureRow{}).Error; err != nil {
		return fmt.Errorf("prune login failures: %w", err)
	}
	return nil
}

func normalizeThrottleKey(key string) string {
	if strings.Contains(key, "@") {
		return emailThrottleKey(key)
	}
	return clip(strings.TrimSpace(key), 254)
}
