package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/portico/portico/models"
)

// The reads of the subsidiary admin's pages (plan editor, approval queue,
// subscriptions). Callers authorize (plans:manage or subscriptions:approve
// in the subsidiary); these reads only scope to the subsidiary given.

// ListSubsidiaryAPIs returns every API of the subsidiary (any audience,
// listed or not), by name. An unknown subsidiary is NotFound.
func (s *Store) ListSubsidiaryAPIs(ctx context.Context, subsidiary string) ([]models.API, error) {
	sub, err := findSubsidiary(s.read(ctx), subsidiary)
	if err != nil {
		return nil, err
	}
	apis := []models.API{}
	if err := s.read(ctx).Where("subsidiary_id = ?", sub.ID).Order("lower(name), id").Find(&apis).Error; err != nil {
		return nil, translate("list APIs of "+subsidiary, "APIs", err)
	}
	return apis, nil
}

// FindPlanEditorAPI returns the subsidiary's API with the ID and the
// operationIds of its latest version (the newest published one, else the
// newest of any state). An API of another subsidiary is NotFound, like an
// unknown one.
func (s *Store) FindPlanEditorAPI(ctx context.Context, subsidiary string, apiID int64) (models.PlanEditorAPI, error) {
	var apis []models.API
	err := s.read(ctx).Table("apis").Select("apis.*").
		Joins("JOIN subsidiaries s ON s.id = apis.subsidiary_id").
		Where("apis.id = ? AND s.slug = ?", apiID, subsidiary).
		Limit(1).Find(&apis).Error
	if err != nil {
		return models.PlanEditorAPI{}, translate(fmt.Sprintf("find API %d", apiID), "API", err)
	}
	if len(apis) == 0 {
		return models.PlanEditorAPI{}, models.Errorf(models.NotFound, "There is no API with this number in %s.", subsidiary)
	}
	out := models.PlanEditorAPI{API: apis[0], OperationIDs: []string{}}
	var versions []int64
	err = s.read(ctx).Table("api_versions").Where("api_id = ?", apiID).
		Order("CASE state WHEN 'published' THEN 0 ELSE 1 END, id DESC").Limit(1).Pluck("id", &versions).Error
	if err != nil {
		return models.PlanEditorAPI{}, translate(fmt.Sprintf("find latest version of API %d", apiID), "API", err)
	}
	if len(versions) == 0 {
		return out, nil
	}
	var ids []string
	err = s.read(ctx).Table("api_operations").Where("api_version_id = ? AND operation_id <> ''", versions[0]).
		Distinct().Pluck("operation_id", &ids).Error
	if err != nil {
		return models.PlanEditorAPI{}, translate(fmt.Sprintf("list operations of API %d", apiID), "API", err)
	}
	slices.Sort(ids)
	out.OperationIDs = append(out.OperationIDs, ids...)
	return out, nil
}

// ListSubsidiarySubscriptions returns the subscriptions to the APIs of the
// subsidiary with their display data, in one state ("" for every state).
// Pending subscriptions come oldest request first (the approval queue's
// order), the others most recently changed first. An unknown subsidiary
// yields an empty list.
func (s *Store) ListSubsidiarySubscriptions(ctx context.Context, subsidiary string, state models.SubscriptionState) ([]models.SubscriptionRow, error) {
	q := s.read(ctx).Table("subscriptions").
		Select(`subscriptions.*,
			applications.name AS application_name, applications.app_id AS app_id,
			COALESCE(owner.email, '') AS owner_email, COALESCE(teams.name, '') AS team_name,
			COALESCE(requester.email, '') AS requester_email, COALESCE(decider.email, '') AS decider_email,
			a.name AS api_name, a.slug AS api_slug, plans.name AS plan_name, plans.audience AS plan_audience`).
		Joins("JOIN applications ON applications.id = subscriptions.application_id").
		Joins("JOIN plans ON plans.id = subscriptions.plan_id").
		Joins("JOIN apis a ON a.id = subscriptions.api_id").
		Joins("JOIN subsidiaries s ON s.id = a.subsidiary_id").
		Joins("LEFT JOIN users owner ON owner.id = applications.owner_user_id").
		Joins("LEFT JOIN teams ON teams.id = applications.owner_team_id").
		Joins("LEFT JOIN users requester ON requester.id = subscriptions.requested_by").
		Joins("LEFT JOIN users decider ON decider.id = subscriptions.decided_by").
		Where("s.slug = ?", subsidiary)
	if state != "" {
		q = q.Where("subscriptions.state = ?", state)
	}
	if state == models.SubscriptionPending {
		q = q.Order("subscriptions.updated_at, subscriptions.id")
	} else {
		q = q.Order("subscriptions.updated_at DESC, subscriptions.id DESC")
	}
	rows := []models.SubscriptionRow{}
	if err := q.Scan(&rows).Error; err != nil {
		return nil, translate("list subscriptions of "+subsidiary, "Subscriptions", err)
	}
	return rows, nil
}

// CountPendingSubscriptions returns how many subscriptions wait for
// approval, by subsidiary slug (subsidiaries with none are absent). Callers
// show only the counts of subsidiaries the viewer may approve in.
func (s *Store) CountPendingSubscriptions(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Slug  string
		Count int
	}
	err := s.read(ctx).Table("subscriptions").Select("s.slug AS slug, COUNT(*) AS count").
		Joins("JOIN apis a ON a.id = subscriptions.api_id").
		Joins("JOIN subsidiaries s ON s.id = a.subsidiary_id").
		Where("subscriptions.state = ?", models.SubscriptionPending).
		Group("s.slug").Scan(&rows).Error
	if err != nil {
		return nil, translate("count pending subscriptions", "Subscriptions", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Slug] = r.Count
	}
	return out, nil
}
