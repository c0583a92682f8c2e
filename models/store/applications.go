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

// visibleApps narrows a query over applications to those the viewer owns or
// whose team the viewer is a member of. Every read and change of an
// application, its credentials and subscriptions goes through it, so
// another developer's application is NotFound.
func visibleApps(db *gorm.DB, viewerID int64) *gorm.DB {
	return db.Where("(applications.owner_user_id = ? OR applications.owner_team_id IN (SELECT m.team_id FROM team_members m WHERE m.user_id = ?))", viewerID, viewerID)
}

// findVisibleApp returns the application when the viewer may see it, else
// NotFound.
func findVisibleApp(tx *gorm.DB, viewerID, appID int64) (models.Application, error) {
	var app models.Application
	if err := visibleApps(tx.Where("applications.id = ?", appID), viewerID).Take(&app).Error; err != nil {
		return models.Application{}, translate(fmt.Sprintf("find application %d", appID), "Application", err)
	}
	return app, nil
}

func applicationAudit(app models.Application) map[string]any {
	return map[string]any{
		"name": app.Name, "description": app.Description, "ip_allowlist": app.IPAllowlist,
		"status": app.Status, "app_id": app.AppID, "owner_user_id": app.OwnerUserID, "owner_team_id": app.OwnerTeamID,
	}
}

// CreateApplication stores a new active application. The viewer must be
// its owner, or a member of its owning team (else the team is NotFound);
// AppID comes from credentials.NewAppID. Invalid for an invalid
// application, Conflict for a taken AppID. Audited as "application.create".
func (s *Store) CreateApplication(ctx context.Context, actor models.Actor, viewerID int64, app models.Application) (models.Application, error) {
	app.ID = 0
	app.Name = strings.TrimSpace(app.Name)
	app.Status = models.ApplicationActive
	if app.IPAllowlist == nil {
		app.IPAllowlist = []string{}
	}
	if err := app.Validate(); err != nil {
		return models.Application{}, err
	}
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		if app.OwnerUserID != nil && *app.OwnerUserID != viewerID {
			return models.Errorf(models.Forbidden, "You may only create applications for yourself or your team.")
		}
		if app.OwnerTeamID != nil {
			var n int64
			if err := tx.Table("team_members").Where("team_id = ? AND user_id = ?", *app.OwnerTeamID, viewerID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return models.Errorf(models.NotFound, "Team not found")
			}
		}
		if err := tx.Create(&app).Error; err != nil {
			return err
		}
		a.record("application.create", "", applicationTarget(app.ID), nil, applicationAudit(app))
		return nil
	})
	if err != nil {
		return models.Application{}, translate("create application", "Application", err)
	}
	return app, nil
}

// UpdateApplication changes the name, description or IP allowlist of an
// application the viewer may see (else NotFound). Audited as
// "application.update".
func (s *Store) UpdateApplication(ctx context.Context, actor models.Actor, viewerID, appID int64, u models.ApplicationUpdate) (models.Application, error) {
	var out models.Application
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		before, err := findVisibleApp(tx, viewerID, appID)
		if err != nil {
			return err
		}
		after := before
		if u.Name != nil {
			after.Name = strings.TrimSpace(*u.Name)
		}
		if u.Description != nil {
			after.Description = *u.Description
		}
		if u.IPAllowlist != nil {
			after.IPAllowlist = append([]string{}, (*u.IPAllowlist)...)
		}
		if err := after.Validate(); err != nil {
			return err
		}
		res := tx.Model(&models.Application{}).Where("id = ?", appID).
			Select("name", "description", "ip_allowlist", "updated_at").Updates(&after)
		if res.Error != nil {
			return res.Error
		}
		if out, err = findVisibleApp(tx, viewerID, appID); err != nil {
			return err
		}
		a.record("application.update", "", applicationTarget(appID), applicationAudit(before), applicationAudit(out))
		return nil
	})
	if err != nil {
		return models.Application{}, translate(fmt.Sprintf("update application %d", appID), "Application", err)
	}
	return out, nil
}

// ListApplications returns the applications the viewer owns or shares
// through a team, by name.
func (s *Store) ListApplications(ctx context.Context, viewerID int64) ([]models.Application, error) {
	apps := []models.Application{}
	if err := visibleApps(s.read(ctx), viewerID).Order("lower(name), id").Find(&apps).Error; err != nil {
		return nil, translate(fmt.Sprintf("list applications of user %d", viewerID), "Applications", err)
	}
	return apps, nil
}

// FindApplication returns an application the viewer may see; any other is
// NotFound.
func (s *Store) FindApplication(ctx context.Context, viewerID, appID int64) (models.Application, error) {
	return findVisibleApp(s.read(ctx), viewerID, appID)
}

// SetApplicationStatus suspends or reactivates an application, which stops
// or restarts its credentials. It is an administrative action: the caller
// authorizes it (platform admins). Audited as "application.suspend" or
// "application.resume"; NotFound for an unknown application, Conflict when
// it already has the status.
func (s *Store) SetApplicationStatus(ctx context.Context, actor models.Actor, appID int64, status models.ApplicationStatus) error {
	if status != models.ApplicationActive && status != models.ApplicationSuspended {
		return models.Errorf(models.Invalid, "Status %q is not active or suspended.", status)
	}
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		var app models.Application
		if err := tx.Where("id = ?", appID).Take(&app).Error; err != nil {
			return translate(fmt.Sprintf("find application %d", appID), "Application", err)
		}
		if app.Status == status {
			return models.Errorf(models.Conflict, "The application is already %s.", status)
		}
		if err := tx.Model(&models.Application{}).Where("id = ?", appID).
			Updates(map[string]any{"status": status, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		action := "application.suspend"
		if status == models.ApplicationActive {
			action = "application.resume"
		}
		a.record(action, "", applicationTarget(appID), map[string]any{"status": app.Status}, map[string]any{"status": status})
		return nil
	})
	return translate(fmt.Sprintf("set status of application %d", appID), "Application", err)
}

// SuspendApplication is SetApplicationStatus to suspended.
func (s *Store) SuspendApplication(ctx context.Context, actor models.Actor, appID int64) error {
	return s.SetApplicationStatus(ctx, actor, appID, models.ApplicationSuspended)
}

func credentialAudit(c models.Credential) map[string]any {
	return map[string]any{"application_id": c.ApplicationID, "name": c.Name, "prefix": c.Prefix, "kind": c.Kind, "expires_at": c.ExpiresAt}
}

// AddCredential stores a credential (its digest only) for an application
// the viewer may see (else NotFound). An application holds at most
// models.MaxLiveAppKeys live app_keys (Conflict beyond) and at most one live
// api_key. Audited as "credential.create" (prefix and name, never the
// digest).
func (s *Store) AddCredential(ctx context.Context, actor models.Actor, viewerID int64, c models.Credential) (models.Credential, error) {
	c.ID = 0
	c.Name = strings.TrimSpace(c.Name)
	c.RevokedAt, c.LastUsedAt = nil, nil
	c.Digest = bytes.Clone(c.Digest)
	if err := c.Validate(); err != nil {
		return models.Credential{}, err
	}
	if c.ExpiresAt != nil && !c.ExpiresAt.After(s.now()) {
		return models.Credential{}, models.Errorf(models.Invalid, "The expiry date is in the past.")
	}
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		if _, err := findVisibleApp(tx, viewerID, c.ApplicationID); err != nil {
			return err
		}
		var live int64
		err := tx.Model(&models.Credential{}).
			Where("application_id = ? AND kind = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)", c.ApplicationID, c.Kind, s.now()).
			Count(&live).Error
		if err != nil {
			return err
		}
		limit := int64(models.MaxLiveAppKeys)
		if c.Kind == models.CredentialAPIKey {
			limit = 1
		}
		if live >= limit {
			if c.Kind == models.CredentialAPIKey {
				return models.Errorf(models.Conflict, "The application already has an API key; revoke it first.")
			}
			return models.Errorf(models.Conflict, "The application already has %d keys; revoke one first.", models.MaxLiveAppKeys)
		}
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		a.record("credential.create", "", credentialTarget(c.ID), nil, credentialAudit(c))
		return notifyCredential(tx, s.now(), models.NotifyKeyCreated, actor, c, "")
	})
	if err != nil {
		return models.Credential{}, translate("add credential", "Credential", err)
	}
	return c, nil
}

// RevokeCredential revokes a live credential of an application the viewer
// may see. Unknown, already revoked or someone else's credentials are
// NotFound. Audited as "credential.revoke".
func (s *Store) RevokeCredential(ctx context.Context, actor models.Actor, viewerID, credentialID int64) error {
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		var c models.Credential
		err := tx.Where("id = ? AND revoked_at IS NULL AND application_id IN (?)", credentialID,
			visibleApps(tx.Session(&gorm.Session{NewDB: true}).Model(&models.Application{}).Select("applications.id"), viewerID)).
			Take(&c).Error
		if err != nil {
			return translate(fmt.Sprintf("find credential %d", credentialID), "Credential", err)
		}
		now := s.now()
		res := tx.Model(&models.Credential{}).Where("id = ? AND revoked_at IS NULL", credentialID).Update("revoked_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.NotFound, "Credential not found")
		}
		a.record("credential.revoke", "", credentialTarget(credentialID), credentialAudit(c), map[string]any{"revoked_at": now})
		return notifyCredential(tx, now, models.NotifyKeyRevoked, actor, c, "")
	})
	return translate(fmt.Sprintf("revoke credential %d", credentialID), "Credential", err)
}

// ListCredentials returns the credentials of an application the viewer may
// see (else NotFound), newest first, revoked ones included. Digests are
// left out.
func (s *Store) ListCredentials(ctx context.Context, viewerID, appID int64) ([]models.Credential, error) {
	db := s.read(ctx)
	if _, err := findVisibleApp(db, viewerID, appID); err != nil {
		return nil, err
	}
	creds := []models.Credential{}
	err := s.read(ctx).Select("id", "application_id", "name", "prefix", "kind", "expires_at", "revoked_at", "last_used_at", "created_at").
		Where("application_id = ?", appID).Order("created_at DESC, id DESC").Find(&creds).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("list credentials of application %d", appID), "Credentials", err)
	}
	return creds, nil
}

// FindCredentialByDigest returns, for the gateway, the live credential with
// the digest, its application and the application's active subscriptions
// with their plans. A revoked or expired credential, a suspended
// application and an application whose owner is deactivated are all
// NotFound, like an unknown digest.
func (s *Store) FindCredentialByDigest(ctx context.Context, digest []byte) (models.GatewayCredential, error) {
	db := s.read(ctx)
	notFound := models.Errorf(models.NotFound, "Credential not found")
	if len(digest) != models.DigestLen {
		return models.GatewayCredential{}, notFound
	}
	var out models.GatewayCredential
	err := db.Where("digest = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)", digest, s.now()).
		Take(&out.Credential).Error
	if err != nil {
		return models.GatewayCredential{}, translate("find credential by digest", "Credential", err)
	}
	err = db.Where("id = ? AND status = ?", out.Credential.ApplicationID, models.ApplicationActive).
		Where("owner_user_id IS NULL OR owner_user_id IN (SELECT u.id FROM users u WHERE u.status = ?)", models.UserActive).
		Take(&out.Application).Error
	if err != nil {
		return models.GatewayCredential{}, translate("find application of credential", "Credential", err)
	}
	out.Subscriptions = []models.Subscription{}
	if err := db.Where("application_id = ? AND state = ?", out.Application.ID, models.SubscriptionActive).
		Order("api_id").Find(&out.Subscriptions).Error; err != nil {
		return models.GatewayCredential{}, translate("list subscriptions of credential", "Subscriptions", err)
	}
	out.Plans = make([]models.Plan, len(out.Subscriptions))
	for i, sub := range out.Subscriptions {
		p, err := findPlan(db, sub.PlanID)
		if err != nil {
			return models.GatewayCredential{}, err
		}
		out.Plans[i] = p
	}
	return out, nil
}

// MarkCredentialUsed records that the gateway admitted a request with the
// credential at the store's time. It only moves LastUsedAt forward, is not
// audited (it is usage, not a change of access), and ignores unknown IDs.
// The gateway should call it at most once a minute per credential.
func (s *Store) MarkCredentialUsed(ctx context.Context, credentialID int64) error {
	now := s.now()
	err := s.write(ctx).Model(&models.Credential{}).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", credentialID, now).
		Update("last_used_at", now).Error
	return translate(fmt.Sprintf("mark credential %d used", credentialID), "Credential", err)
}

// MarkCredentialsUsed records that the keys were used at a time (the
// gateway's batched form of MarkCredentialUsed): one statement per 500
// keys, never moving a key's last use backwards. The gateway revision does
// not move: last use changes nothing the gateway admits.
func (s *Store) MarkCredentialsUsed(ctx context.Context, ids []int64, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	for len(ids) > 0 {
		n := min(len(ids), 500)
		err := s.write(ctx).Model(&models.Credential{}).
			Where("id IN ? AND (last_used_at IS NULL OR last_used_at < ?)", ids[:n], at).
			Update("last_used_at", at).Error
		if err != nil {
			return translate("mark credentials used", "Credential", err)
		}
		ids = ids[n:]
	}
	return nil
}
