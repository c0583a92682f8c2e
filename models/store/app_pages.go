package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/portico/portico/models"
)

// ListAppSummaries returns, as models.AppSummary, the applications the viewer owns or shares
// through a team (see ListApplications), by name, with their counts. Keys
// are counted live at the store's time.
func (s *Store) ListAppSummaries(ctx context.Context, viewerID int64) ([]models.AppSummary, error) {
	out := []models.AppSummary{}
	now := s.now()
	db := s.read(ctx)
	err := visibleApps(db.Table("applications"), viewerID).
		Joins("LEFT JOIN teams t ON t.id = applications.owner_team_id").
		Select(`applications.*, COALESCE(t.name, '') AS team_name,
			(SELECT COUNT(*) FROM subscriptions su WHERE su.application_id = applications.id AND su.state <> ?) AS subscriptions,
			(SELECT COUNT(*) FROM credentials c WHERE c.application_id = applications.id AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > ?)) AS live_keys`,
			models.SubscriptionCancelled, now).
		Order("lower(applications.name), applications.id").
		Scan(&out).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("list application summaries of user %d", viewerID), "Applications", err)
	}
	return out, nil
}

// FindAppPage returns an application the viewer may see (else NotFound)
// with its team's name, its keys and its subscriptions: what the
// application's page shows, in one call.
func (s *Store) FindAppPage(ctx context.Context, viewerID, appID int64) (models.AppPage, error) {
	db := s.read(ctx)
	app, err := findVisibleApp(db, viewerID, appID)
	if err != nil {
		return models.AppPage{}, err
	}
	out := models.AppPage{Application: app, Keys: []models.Credential{}}
	if app.OwnerTeamID != nil {
		var names []string
		if err := s.read(ctx).Table("teams").Where("id = ?", *app.OwnerTeamID).Pluck("name", &names).Error; err != nil {
			return models.AppPage{}, translate(fmt.Sprintf("find team of application %d", appID), "Team", err)
		}
		if len(names) > 0 {
			out.TeamName = names[0]
		}
	}
	err = s.read(ctx).Select("id", "application_id", "name", "prefix", "kind", "expires_at", "revoked_at", "last_used_at", "created_at").
		Where("application_id = ?", appID).Order("created_at DESC, id DESC").Find(&out.Keys).Error
	if err != nil {
		return models.AppPage{}, translate(fmt.Sprintf("list credentials of application %d", appID), "Credentials", err)
	}
	if out.Subscriptions, err = s.ListAppSubscriptions(ctx, viewerID, appID); err != nil {
		return models.AppPage{}, err
	}
	return out, nil
}

// ListAppSubscriptions returns the subscriptions of an application the
// viewer may see (else NotFound), by API name, with their API and plan.
func (s *Store) ListAppSubscriptions(ctx context.Context, viewerID, appID int64) ([]models.AppSubscription, error) {
	db := s.read(ctx)
	if _, err := findVisibleApp(db, viewerID, appID); err != nil {
		return nil, err
	}
	out := []models.AppSubscription{}
	err := s.read(ctx).Table("subscriptions").
		Joins("JOIN apis a ON a.id = subscriptions.api_id").
		Joins("JOIN subsidiaries sd ON sd.id = a.subsidiary_id").
		Joins("JOIN plans p ON p.id = subscriptions.plan_id").
		Where("subscriptions.application_id = ?", appID).
		Select("subscriptions.*, a.name AS api_name, a.slug AS api_slug, sd.slug AS subsidiary_slug, sd.name AS subsidiary_name, p.name AS plan_name").
		Order("lower(a.name), subscriptions.id").
		Scan(&out).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("list subscriptions of application %d", appID), "Subscriptions", err)
	}
	return out, nil
}

// FindAppCredential returns the credential credID of application appID
// when the viewer may see the application (its digest left out). A
// credential of another application, or of an application the viewer may
// not see, is NotFound.
func (s *Store) FindAppCredential(ctx context.Context, viewerID, appID, credID int64) (models.Credential, error) {
	var c models.Credential
	err := s.read(ctx).Omit("digest").
		Where("id = ? AND application_id = ? AND application_id IN (?)", credID, appID, visibleAppIDs(s.read(ctx), viewerID)).
		Take(&c).Error
	if err != nil {
		return models.Credential{}, translate(fmt.Sprintf("find credential %d of application %d", credID, appID), "Key", err)
	}
	c.Digest = nil
	return c, nil
}

// FindAppSubscription returns the subscription subID of application appID
// when the viewer may see the application; any other is NotFound.
func (s *Store) FindAppSubscription(ctx context.Context, viewerID, appID, subID int64) (models.Subscription, error) {
	var sub models.Subscription
	err := s.read(ctx).
		Where("id = ? AND application_id = ? AND application_id IN (?)", subID, appID, visibleAppIDs(s.read(ctx), viewerID)).
		Take(&sub).Error
	if err != nil {
		return models.Subscription{}, translate(fmt.Sprintf("find subscription %d of application %d", subID, appID), "Subscription", err)
	}
	return sub, nil
}

// visibleAppIDs is a subquery of the IDs of the applications the viewer may
// see.
func visibleAppIDs(db *gorm.DB, viewerID int64) *gorm.DB {
	return visibleApps(db.Session(&gorm.Session{NewDB: true}).Model(&models.Application{}).Select("applications.id"), viewerID)
}
