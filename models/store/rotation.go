package store

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/portico/portico/models"
)

// MaxRotationGrace is the longest an old key may keep working after it was
// rotated.
const MaxRotationGrace = 30 * 24 * time.Hour

// RotateCredential replaces a live credential of an application the viewer
// may see (else NotFound) with next, a new credential of the same kind
// (next.ApplicationID and next.Kind are taken from the old one): the new
// key is stored first, then the old one stops working, at once when grace
// is zero, else after grace (its expiry is brought forward, never pushed
// back). The old key does not count against the application's key limit,
// so a full key ring can still rotate. Invalid for a negative grace or one
// beyond MaxRotationGrace. Audited as "credential.rotate" with both
// prefixes, never a digest. It returns the new credential and the old one
// as it now stands.
func (s *Store) RotateCredential(ctx context.Context, actor models.Actor, viewerID, credentialID int64, next models.Credential, grace time.Duration) (models.Credential, models.Credential, error) {
	if grace < 0 || grace > MaxRotationGrace {
		return models.Credential{}, models.Credential{}, models.Errorf(models.Invalid, "The grace period must be between 0 and %d days.", int(MaxRotationGrace/(24*time.Hour)))
	}
	next.ID = 0
	next.Name = strings.TrimSpace(next.Name)
	next.RevokedAt, next.LastUsedAt = nil, nil
	next.Digest = bytes.Clone(next.Digest)
	var old models.Credential
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		err := tx.Where("id = ? AND revoked_at IS NULL AND application_id IN (?)", credentialID,
			visibleApps(tx.Session(&gorm.Session{NewDB: true}).Model(&models.Application{}).Select("applications.id"), viewerID)).
			Take(&old).Error
		if err != nil {
			return translate(fmt.Sprintf("find credential %d", credentialID), "Credential", err)
		}
		now := s.now()
		if !old.Live(now) {
			return models.Errorf(models.Conflict, "The key has expired; create a new one instead.")
		}
		next.ApplicationID, next.Kind = old.ApplicationID, old.Kind
		if next.Name == "" {
			next.Name = old.Name
		}
		if err := next.Validate(); err != nil {
			return err
		}
		if next.ExpiresAt != nil && !next.ExpiresAt.After(now) {
			return models.Errorf(models.Invalid, "The expiry date is in the past.")
		}
		var live int64
		err = tx.Model(&models.Credential{}).
			Where("application_id = ? AND kind = ? AND id <> ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)", old.ApplicationID, old.Kind, old.ID, now).
			Count(&live).Error
		if err != nil {
			return err
		}
		limit := int64(models.MaxLiveAppKeys)
		if old.Kind == models.CredentialAPIKey {
			limit = 1
		}
		if live >= limit {
			return models.Errorf(models.Conflict, "The application already has %d other live keys; revoke one first.", live)
		}
		if err := tx.Create(&next).Error; err != nil {
			return err
		}
		before := credentialAudit(old)
		if grace == 0 {
			old.RevokedAt = &now
			err = tx.Model(&models.Credential{}).Where("id = ?", old.ID).Update("revoked_at", now).Error
		} else if until := now.Add(grace); old.ExpiresAt == nil || until.Before(*old.ExpiresAt) {
			old.ExpiresAt = &until
			// The rotation notice says when the old key stops: no
			// separate "expires soon" warning for it.
			err = tx.Model(&models.Credential{}).Where("id = ?", old.ID).
				Updates(map[string]any{"expires_at": until, "expiry_notice_sent_at": now}).Error
		}
		if err != nil {
			return err
		}
		a.record("credential.rotate", "", credentialTarget(old.ID), before, map[string]any{
			"replaced_by": credentialTarget(next.ID), "new_prefix": next.Prefix,
			"old_expires_at": old.ExpiresAt, "old_revoked_at": old.RevokedAt,
		})
		detail := fmt.Sprintf("The new key is %s; the old key stopped working at once.", keyLabel(next))
		if old.RevokedAt == nil && old.ExpiresAt != nil {
			detail = fmt.Sprintf("The new key is %s; the old key keeps working until %s.", keyLabel(next), old.ExpiresAt.UTC().Format("2 January 2006 at 15:04 UTC"))
		}
		return notifyCredential(tx, now, models.NotifyKeyRotated, actor, old, detail)
	})
	if err != nil {
		return models.Credential{}, models.Credential{}, translate(fmt.Sprintf("rotate credential %d", credentialID), "Credential", err)
	}
	old.Digest, next.Digest = nil, nil
	return next, old, nil
}
