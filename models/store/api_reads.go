package store

import (
	"context"
	"fmt"

	"github.com/portico/portico/models"
)

// The reads of the admin JSON API (/api/v1/subsidiaries/{subsidiary}/…):
// plans seen from the subsidiary that owns their API. Callers authorize
// (plans:manage in the subsidiary); these reads only scope to it.

// ListSubsidiaryPlans returns every plan (any audience, any state) of the
// APIs of the subsidiary, by API and then as ListPlans orders them. An
// unknown subsidiary is NotFound.
func (s *Store) ListSubsidiaryPlans(ctx context.Context, subsidiary string) ([]models.Plan, error) {
	sub, err := findSubsidiary(s.read(ctx), subsidiary)
	if err != nil {
		return nil, err
	}
	plans := []models.Plan{}
	err = s.read(ctx).Table("plans").Select("plans.*").
		Joins("JOIN apis a ON a.id = plans.api_id").
		Where("a.subsidiary_id = ?", sub.ID).
		Order("a.slug, CASE plans.state WHEN 'published' THEN 0 WHEN 'hidden' THEN 1 ELSE 2 END, lower(plans.name), plans.id").
		Find(&plans).Error
	if err != nil {
		return nil, translate("list plans of "+subsidiary, "Plans", err)
	}
	return plans, nil
}

// FindSubsidiaryPlan returns the plan with the ID if its API belongs to
// the subsidiary (any audience, any state); a plan of another subsidiary's
// API is NotFound, like an unknown one.
func (s *Store) FindSubsidiaryPlan(ctx context.Context, subsidiary string, id int64) (models.Plan, error) {
	var plans []models.Plan
	err := s.read(ctx).Table("plans").Select("plans.*").
		Joins("JOIN apis a ON a.id = plans.api_id").
		Joins("JOIN subsidiaries s ON s.id = a.subsidiary_id").
		Where("plans.id = ? AND s.slug = ?", id, subsidiary).
		Limit(1).Find(&plans).Error
	if err != nil {
		return models.Plan{}, translate(fmt.Sprintf("find plan %d", id), "Plan", err)
	}
	if len(plans) == 0 {
		return models.Plan{}, models.Errorf(models.NotFound, "There is no plan %d in subsidiary %s.", id, subsidiary)
	}
	return plans[0], nil
}

// FindAPIID returns the ID of the subsidiary's API with the slug, listed or
// not (a plan may be prepared before the API is published). An unknown API
// is NotFound.
func (s *Store) FindAPIID(ctx context.Context, subsidiary, api string) (int64, error) {
	var ids []int64
	err := s.read(ctx).Table("apis AS a").
		Joins("JOIN subsidiaries s ON s.id = a.subsidiary_id").
		Where("s.slug = ? AND a.slug = ?", subsidiary, api).
		Limit(1).Pluck("a.id", &ids).Error
	if err != nil {
		return 0, translate(fmt.Sprintf("find API %s/%s", subsidiary, api), "API", err)
	}
	if len(ids) == 0 {
		return 0, models.Errorf(models.NotFound, "There is no API %q in subsidiary %s.", api, subsidiary)
	}
	return ids[0], nil
}
