package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/portico/portico/models"
)

// Notifications are written by notify inside the transaction of the change
// they report (Subscribe, DecideSubscription, SuspendSubscription,
// AddCredential, RotateCredential, RevokeCredential), so a change that
// rolls back leaves no notice and no email, and a change that commits
// always has both. Each recipient gets an inbox row and an outbox row (an
// email to their address); deactivated users get neither.

// maxLastErrorLen bounds the delivery error kept on an outbox row.
const maxLastErrorLen = 500

// notify writes n to the inbox of every active user of userIDs (duplicates
// and zero IDs ignored) and queues one email per recipient.
func notify(tx *gorm.DB, now time.Time, userIDs []int64, n models.Notification) error {
	ids := make([]int64, 0, len(userIDs))
	for _, id := range userIDs {
		if id != 0 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var users []models.User
	if err := tx.Select("id", "email", "name").Where("id IN ? AND status = ?", ids, models.UserActive).Order("id").Find(&users).Error; err != nil {
		return fmt.Errorf("find recipients: %w", err)
	}
	n.Title = models.OneLine(n.Title, models.MaxNotificationTitleLen)
	for _, u := range users {
		row := n
		row.ID, row.UserID, row.CreatedAt, row.ReadAt = 0, u.ID, now, nil
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("write notification: %w", err)
		}
		greeting := "Hello,"
		if name := models.OneLine(u.Name, 100); name != "" {
			greeting = "Hello " + name + ","
		}
		msg := models.OutboxMessage{
			ToAddress: u.Email, Subject: n.Title, BodyText: greeting + "\n\n" + n.Body, Link: n.Link,
			NextAttemptAt: now, CreatedAt: now,
		}
		if err := tx.Create(&msg).Error; err != nil {
			return fmt.Errorf("queue email: %w", err)
		}
	}
	return nil
}

// subsidiaryApprovers returns the active subsidiary admins of slug, except
// the requester (four eyes: they may not decide on their own request).
// When the subsidiary has none, the platform admins are asked instead, so
// a request never waits unseen. Roles are read from role_assignments, the
// table casbin_rule's grouping rows mirror.
func subsidiaryApprovers(tx *gorm.DB, slug string, requesterID int64) ([]int64, error) {
	find := func(role models.Role, domain string) ([]int64, error) {
		var ids []int64
		err := tx.Table("role_assignments r").Select("r.user_id").
			Joins("JOIN users u ON u.id = r.user_id").
			Where("r.role = ? AND r.domain = ? AND u.status = ? AND r.user_id <> ?", role, domain, models.UserActive, requesterID).
			Order("r.user_id").Pluck("r.user_id", &ids).Error
		return ids, err
	}
	ids, err := find(models.RoleSubsidiaryAdmin, slug)
	if err != nil || len(ids) > 0 {
		return ids, err
	}
	return find(models.RolePlatformAdmin, models.GlobalDomain)
}

// appRecipients returns who hears about an application's keys: its owner,
// or every member of its owning team.
func appRecipients(tx *gorm.DB, app models.Application) ([]int64, error) {
	if app.OwnerUserID != nil {
		return []int64{*app.OwnerUserID}, nil
	}
	if app.OwnerTeamID == nil {
		return nil, nil
	}
	var ids []int64
	err := tx.Table("team_members").Where("team_id = ?", *app.OwnerTeamID).Order("user_id").Pluck("user_id", &ids).Error
	return ids, err
}

// subscriptionNames are what a notice about a subscription names.
type subscriptionNames struct {
	AppID          int64
	AppName        string
	APIName        string
	PlanName       string
	Slug           string
	SubsidiaryName string
}

func findSubscriptionNames(tx *gorm.DB, subID int64) (subscriptionNames, error) {
	var n subscriptionNames
	err := tx.Table("subscriptions sub").
		Select("ap.id AS app_id, ap.name AS app_name, a.name AS api_name, p.name AS plan_name, s.slug AS slug, s.name AS subsidiary_name").
		Joins("JOIN applications ap ON ap.id = sub.application_id").
		Joins("JOIN apis a ON a.id = sub.api_id").
		Joins("JOIN plans p ON p.id = sub.plan_id").
		Joins("JOIN subsidiaries s ON s.id = a.subsidiary_id").
		Where("sub.id = ?", subID).Take(&n).Error
	if err != nil {
		return n, fmt.Errorf("find names of subscription %d: %w", subID, err)
	}
	return n, nil
}

func appLink(appID int64) string { return fmt.Sprintf("/apps/%d", appID) }

// notifySubscription tells whoever a subscription's new state concerns:
// the approvers of a pending one, else the requester.
func notifySubscription(tx *gorm.DB, now time.Time, sub models.Subscription, requester string) error {
	names, err := findSubscriptionNames(tx, sub.ID)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("the application %q to the %s plan of %s", names.AppName, names.PlanName, names.APIName)
	comment := ""
	if c := strings.TrimSpace(sub.DecisionComment); c != "" {
		comment = "\n\nComment from the reviewer:\n" + c
	}
	n := models.Notification{Link: appLink(names.AppID)}
	to := []int64{sub.RequestedBy}
	switch sub.State {
	case models.SubscriptionPending:
		n.Kind = models.NotifySubscriptionRequested
		n.Title = fmt.Sprintf("Approval requested: %s for %s", names.APIName, names.AppName)
		n.Body = fmt.Sprintf("%s asks to subscribe %s (%s). The request waits in the approval queue of %s.",
			requester, what, names.SubsidiaryName, names.SubsidiaryName)
		n.Link = "/admin/subsidiaries/" + names.Slug + "/approvals"
		if to, err = subsidiaryApprovers(tx, names.Slug, sub.RequestedBy); err != nil {
			return err
		}
	case models.SubscriptionActive:
		n.Kind = models.NotifySubscriptionApproved
		n.Title = fmt.Sprintf("Subscription approved: %s (%s)", names.APIName, names.PlanName)
		n.Body = fmt.Sprintf("The subscription of %s is active: its keys work with %s now.%s", what, names.APIName, comment)
		if sub.DecidedBy == nil {
			n.Title = fmt.Sprintf("Subscription active: %s (%s)", names.APIName, names.PlanName)
			n.Body = fmt.Sprintf("The subscription of %s was approved automatically: its keys work with %s now.", what, names.APIName)
		}
	case models.SubscriptionRejected:
		n.Kind = models.NotifySubscriptionRejected
		n.Title = fmt.Sprintf("Subscription rejected: %s (%s)", names.APIName, names.PlanName)
		n.Body = fmt.Sprintf("An administrator of %s rejected the subscription of %s.%s", names.SubsidiaryName, what, comment)
	case models.SubscriptionSuspended:
		n.Kind = models.NotifySubscriptionSuspended
		n.Title = fmt.Sprintf("Subscription suspended: %s (%s)", names.APIName, names.PlanName)
		n.Body = fmt.Sprintf("An administrator of %s suspended the subscription of %s: its keys no longer work with %s.%s",
			names.SubsidiaryName, what, names.APIName, comment)
	default:
		return nil
	}
	return notify(tx, now, to, n)
}

// notifyResumed tells the requester that a suspended subscription works
// again.
func notifyResumed(tx *gorm.DB, now time.Time, sub models.Subscription) error {
	names, err := findSubscriptionNames(tx, sub.ID)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("An administrator of %s resumed the subscription of the application %q to the %s plan of %s: its keys work again.",
		names.SubsidiaryName, names.AppName, names.PlanName, names.APIName)
	if c := strings.TrimSpace(sub.DecisionComment); c != "" {
		body += "\n\nComment from the reviewer:\n" + c
	}
	return notify(tx, now, []int64{sub.RequestedBy}, models.Notification{
		Kind:  models.NotifySubscriptionResumed,
		Title: fmt.Sprintf("Subscription resumed: %s (%s)", names.APIName, names.PlanName),
		Body:  body, Link: appLink(names.AppID),
	})
}

// keyLabel names a credential in a notice by its name and prefix; never
// by anything secret.
func keyLabel(c models.Credential) string {
	label := c.Prefix + "…"
	if c.Name != "" {
		label = fmt.Sprintf("%q (%s…)", c.Name, c.Prefix)
	}
	return label
}

// notifyCredential tells the application's owner or team about a change of
// one of its keys.
func notifyCredential(tx *gorm.DB, now time.Time, kind models.NotificationKind, actor models.Actor, c models.Credential, detail string) error {
	var app models.Application
	if err := tx.Where("id = ?", c.ApplicationID).Take(&app).Error; err != nil {
		return fmt.Errorf("find application %d: %w", c.ApplicationID, err)
	}
	to, err := appRecipients(tx, app)
	if err != nil {
		return err
	}
	by := ""
	if actor.Email != "" {
		by = " by " + actor.Email
	}
	n := models.Notification{Kind: kind, Link: appLink(app.ID)}
	switch kind {
	case models.NotifyKeyCreated:
		n.Title = "New key for " + app.Name
		n.Body = fmt.Sprintf("The key %s was created for the application %q%s.", keyLabel(c), app.Name, by)
	case models.NotifyKeyRotated:
		n.Title = "Key rotated for " + app.Name
		n.Body = fmt.Sprintf("The key %s of the application %q was rotated%s. %s", keyLabel(c), app.Name, by, detail)
	case models.NotifyKeyRevoked:
		n.Title = "Key revoked for " + app.Name
		n.Body = fmt.Sprintf("The key %s of the application %q was revoked%s: requests made with it are refused.", keyLabel(c), app.Name, by)
	case models.NotifyKeyExpiring:
		n.Title = "A key of " + app.Name + " expires soon"
		n.Body = fmt.Sprintf("The key %s of the application %q expires on %s. Rotate it before then to keep the application working.",
			keyLabel(c), app.Name, c.ExpiresAt.UTC().Format("2 January 2006 at 15:04 UTC"))
	}
	if kind != models.NotifyKeyExpiring {
		n.Body += " If you did not expect this, review the application's keys."
	}
	return notify(tx, now, to, n)
}

// ListNotifications returns the user's newest notifications, at most limit
// (1 to 200; other values mean 50), newest first.
func (s *Store) ListNotifications(ctx context.Context, userID int64, limit int) ([]models.Notification, error) {
	if limit < 1 || limit > 200 {
		limit = 50
	}
	out := []models.Notification{}
	if err := s.read(ctx).Where("user_id = ?", userID).Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, translate(fmt.Sprintf("list notifications of user %d", userID), "Notifications", err)
	}
	return out, nil
}

// UnreadNotifications counts the user's unread notifications (one indexed
// COUNT: the header shows it on every page).
func (s *Store) UnreadNotifications(ctx context.Context, userID int64) (int64, error) {
	var n int64
	if err := s.read(ctx).Model(&models.Notification{}).Where("user_id = ? AND read_at IS NULL", userID).Count(&n).Error; err != nil {
		return 0, translate(fmt.Sprintf("count unread notifications of user %d", userID), "Notifications", err)
	}
	return n, nil
}

// MarkNotificationsRead marks the user's notifications ids read, or all of
// them when ids is nil. An ID that is not one of the user's notifications
// (someone else's, or unknown) is NotFound, and then nothing is marked.
func (s *Store) MarkNotificationsRead(ctx context.Context, userID int64, ids []int64) error {
	err := s.write(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Model(&models.Notification{}).Where("user_id = ? AND read_at IS NULL", userID)
		if ids != nil {
			uniq := slices.Compact(slices.Sorted(slices.Values(ids)))
			if len(uniq) == 0 {
				return nil
			}
			var mine int64
			if err := tx.Model(&models.Notification{}).Where("user_id = ? AND id IN ?", userID, uniq).Count(&mine).Error; err != nil {
				return err
			}
			if mine != int64(len(uniq)) {
				return models.Errorf(models.NotFound, "Notification not found")
			}
			q = q.Where("id IN ?", uniq)
		}
		return q.Update("read_at", s.now()).Error
	})
	return translate(fmt.Sprintf("mark notifications of user %d read", userID), "Notification", err)
}

// ClaimOutbox leases up to limit emails that are due at the worker's time
// at (not sent, not given up, next attempt reached, no live lease) for
// lease, oldest due first, and returns them. Two workers, in one process
// or two, never hold the same message: on PostgreSQL the rows are locked
// FOR UPDATE SKIP LOCKED, and on SQLite the claim runs in a write
// transaction, which holds the database's write lock. The worker reports
// each message back with MarkOutboxSent or MarkOutboxFailed and its
// LeaseToken; a message whose worker died is claimable again once the
// lease ends.
func (s *Store) ClaimOutbox(ctx context.Context, at time.Time, limit int, lease time.Duration) ([]models.OutboxMessage, error) {
	if limit < 1 {
		limit = 1
	}
	at = at.UTC()
	token, err := leaseToken()
	if err != nil {
		return nil, err
	}
	until := at.Add(lease)
	due := func(q *gorm.DB) *gorm.DB {
		return q.Where("sent_at IS NULL AND dead_at IS NULL AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)", at, at)
	}
	out := []models.OutboxMessage{}
	err = s.write(ctx).Transaction(func(tx *gorm.DB) error {
		sub := due(tx.Session(&gorm.Session{NewDB: true}).Model(&models.OutboxMessage{}).Select("id")).
			Order("next_attempt_at, id").Limit(limit)
		if s.dialect == DialectPostgres {
			sub = sub.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate, Options: clause.LockingOptionsSkipLocked})
		}
		res := due(tx.Model(&models.OutboxMessage{}).Where("id IN (?)", sub)).
			Updates(map[string]any{"lease_until": until, "lease_token": token})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil
		}
		return tx.Where("lease_token = ? AND sent_at IS NULL AND dead_at IS NULL", token).Order("next_attempt_at, id").Find(&out).Error
	})
	if err != nil {
		return nil, translate("claim outbox", "Outbox", err)
	}
	return out, nil
}

func leaseToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("make lease token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// MarkOutboxSent records that the message leased with token was delivered
// at at. It is Conflict when the lease was lost (another worker claimed
// the message after the lease ended).
func (s *Store) MarkOutboxSent(ctx context.Context, id int64, token string, at time.Time) error {
	res := s.write(ctx).Model(&models.OutboxMessage{}).
		Where("id = ? AND lease_token = ? AND sent_at IS NULL AND dead_at IS NULL", id, token).
		Updates(map[string]any{"sent_at": at.UTC(), "lease_until": nil})
	if res.Error != nil {
		return translate(fmt.Sprintf("mark email %d sent", id), "Email", res.Error)
	}
	if res.RowsAffected == 0 {
		return models.Errorf(models.Conflict, "The email's lease was lost.")
	}
	return nil
}

// MarkOutboxFailed records a failed delivery at at of the message leased
// with token: one more attempt, the cause kept in LastError, the next
// attempt after models.DeliveryBackoff. After models.MaxDeliveryAttempts
// attempts, or at once when permanent (the server refused the message for
// good), the message is given up (DeadAt). It returns the message as it
// now stands; Conflict when the lease was lost.
func (s *Store) MarkOutboxFailed(ctx context.Context, id int64, token string, at time.Time, cause string, permanent bool) (models.OutboxMessage, error) {
	at = at.UTC()
	cause = models.OneLine(cause, maxLastErrorLen)
	var out models.OutboxMessage
	err := s.write(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("id = ? AND lease_token = ? AND sent_at IS NULL AND dead_at IS NULL", id, token).Take(&out).Error; err != nil {
			if err == gorm.ErrRecordNotFound {
				return models.Errorf(models.Conflict, "The email's lease was lost.")
			}
			return err
		}
		out.Attempts++
		out.LastError = cause
		out.LeaseUntil = nil
		updates := map[string]any{"attempts": out.Attempts, "last_error": cause, "lease_until": nil}
		if permanent || out.Attempts >= models.MaxDeliveryAttempts {
			out.DeadAt = &at
			updates["dead_at"] = at
		} else {
			out.NextAttemptAt = at.Add(models.DeliveryBackoff(out.Attempts))
			updates["next_attempt_at"] = out.NextAttemptAt
		}
		return tx.Model(&models.OutboxMessage{}).Where("id = ? AND lease_token = ?", id, token).Updates(updates).Error
	})
	if err != nil {
		return models.OutboxMessage{}, translate(fmt.Sprintf("mark email %d failed", id), "Email", err)
	}
	return out, nil
}

// ListOutbox returns the newest emails of the outbox, at most limit (1 to
// 500; other values mean 100), newest first: for operators and tests.
func (s *Store) ListOutbox(ctx context.Context, limit int) ([]models.OutboxMessage, error) {
	if limit < 1 || limit > 500 {
		limit = 100
	}
	out := []models.OutboxMessage{}
	if err := s.read(ctx).Order("id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, translate("list outbox", "Outbox", err)
	}
	return out, nil
}

// NotifyExpiringCredentials warns the owners of live credentials that
// expire within the given time (models.NotifyKeyExpiring), once per
// credential: the warning is recorded on the credential in the same
// transaction, so concurrent scans do not warn twice. It returns how many
// credentials were warned about.
func (s *Store) NotifyExpiringCredentials(ctx context.Context, within time.Duration) (int, error) {
	now := s.now()
	var creds []models.Credential
	err := s.read(ctx).Select("id", "application_id", "name", "prefix", "kind", "expires_at", "created_at").
		Where("revoked_at IS NULL AND expiry_notice_sent_at IS NULL AND expires_at > ? AND expires_at <= ?", now, now.Add(within)).
		Order("expires_at, id").Limit(500).Find(&creds).Error
	if err != nil {
		return 0, translate("find expiring credentials", "Credentials", err)
	}
	warned := 0
	for _, c := range creds {
		err := s.write(ctx).Transaction(func(tx *gorm.DB) error {
			res := tx.Model(&models.Credential{}).Where("id = ? AND expiry_notice_sent_at IS NULL AND revoked_at IS NULL", c.ID).
				Update("expiry_notice_sent_at", now)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			warned++
			return notifyCredential(tx, now, models.NotifyKeyExpiring, models.Actor{}, c, "")
		})
		if err != nil {
			return warned, translate(fmt.Sprintf("warn about expiring credential %d", c.ID), "Credential", err)
		}
	}
	return warned, nil
}

// PruneOutbox deletes emails sent or given up before the given time (the
// outbox is a queue, not an archive; the inbox keeps the notices). It
// returns how many were deleted.
func (s *Store) PruneOutbox(ctx context.Context, before time.Time) (int64, error) {
	before = before.UTC()
	res := s.write(ctx).Where("(sent_at IS NOT NULL AND sent_at < ?) OR (dead_at IS NOT NULL AND dead_at < ?)", before, before).
		Delete(&models.OutboxMessage{})
	if res.Error != nil {
		return 0, translate("prune outbox", "Outbox", res.Error)
	}
	return res.RowsAffected, nil
}
