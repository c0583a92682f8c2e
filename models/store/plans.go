package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/portico/portico/models"
)

func planTarget(id int64) string         { return "plan:" + strconv.FormatInt(id, 10) }
func applicationTarget(id int64) string  { return "application:" + strconv.FormatInt(id, 10) }
func credentialTarget(id int64) string   { return "credential:" + strconv.FormatInt(id, 10) }
func subscriptionTarget(id int64) string { return "subscription:" + strconv.FormatInt(id, 10) }

// scopeSubsidiaries narrows a query over apis joined to subsidiaries (as
// "s") to the subsidiaries given. A slice holding models.GlobalDomain means
// every subsidiary (a platform admin); an empty slice means none.
func scopeSubsidiaries(db *gorm.DB, subsidiaries []string) *gorm.DB {
	if slices.Contains(subsidiaries, models.GlobalDomain) {
		return db
	}
	if len(subsidiaries) == 0 {
		return db.Where("1 = 0")
	}
	return db.Where("s.slug IN ?", subsidiaries)
}

// apiSubsidiary returns the slug of the subsidiary of the API, when it is
// one of subsidiaries (see scopeSubsidiaries); otherwise the API is
// NotFound.
func apiSubsidiary(tx *gorm.DB, apiID int64, subsidiaries []string) (string, error) {
	var slugs []string
	q := tx.Table("apis AS a").Select("s.slug").Joins("JOIN subsidiaries s ON s.id = a.subsidiary_id").Where("a.id = ?", apiID)
	if err := scopeSubsidiaries(q, subsidiaries).Limit(1).Pluck("s.slug", &slugs).Error; err != nil {
		return "", fmt.Errorf("find API %d: %w", apiID, err)
	}
	if len(slugs) == 0 {
		return "", models.Errorf(models.NotFound, "API not found")
	}
	return slugs[0], nil
}

// planAudit is what the audit trail records of a plan.
func planAudit(p models.Plan) map[string]any {
	return map[string]any{
		"api_id": p.APIID, "name": p.Name, "audience": p.Audience, "approval_mode": p.ApprovalMode,
		"key_mode": p.KeyMode, "limits": p.Limits, "operation_limits": p.OperationLimits,
		"pricing": p.Pricing, "state": p.State,
	}
}

// CreatePlan stores a new plan for an API of one of subsidiaries (the
// subsidiaries whose plans the actor may edit; models.GlobalDomain for
// all). An API outside them is NotFound; an invalid plan is Invalid; a
// second plan of the same name for the API is Conflict. Audited as
// "plan.create" in the API's subsidiary.
func (s *Store) CreatePlan(ctx context.Context, actor models.Actor, subsidiaries []string, p models.Plan) (models.Plan, error) {
	p.ID = 0
	p.Name = strings.TrimSpace(p.Name)
	if err := p.Validate(); err != nil {
		return models.Plan{}, err
	}
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		sub, err := apiSubsidiary(tx, p.APIID, subsidiaries)
		if err != nil {
			return err
		}
		if err := tx.Create(&p).Error; err != nil {
			return err
		}
		a.record("plan.create", sub, planTarget(p.ID), nil, planAudit(p))
		return nil
	})
	if err != nil {
		return models.Plan{}, translate("create plan", fmt.Sprintf("Plan %q", p.Name), err)
	}
	return p, nil
}

// UpdatePlan changes a plan of an API of one of subsidiaries (see
// CreatePlan). A plan outside them is NotFound. Audited as "plan.update"
// with the plan before and after.
func (s *Store) UpdatePlan(ctx context.Context, actor models.Actor, subsidiaries []string, id int64, u models.PlanUpdate) (models.Plan, error) {
	var out models.Plan
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		before, err := findPlan(tx, id)
		if err != nil {
			return err
		}
		sub, err := apiSubsidiary(tx, before.APIID, subsidiaries)
		if err != nil {
			return models.Errorf(models.NotFound, "Plan not found")
		}
		after := u.Apply(before)
		after.Name = strings.TrimSpace(after.Name)
		if err := after.Validate(); err != nil {
			return err
		}
		if err := tx.Select("*").Omit("id", "api_id", "created_at").Updates(&after).Error; err != nil {
			return err
		}
		if after, err = findPlan(tx, id); err != nil {
			return err
		}
		a.record("plan.update", sub, planTarget(id), planAudit(before), planAudit(after))
		out = after
		return nil
	})
	if err != nil {
		return models.Plan{}, translate(fmt.Sprintf("update plan %d", id), "Plan", err)
	}
	return out, nil
}

func findPlan(db *gorm.DB, id int64) (models.Plan, error) {
	var p models.Plan
	if err := db.Where("id = ?", id).Take(&p).Error; err != nil {
		return models.Plan{}, translate(fmt.Sprintf("find plan %d", id), "Plan", err)
	}
	return p, nil
}

// FindPlan returns a plan whose audience is one of audiences (what the
// viewer may see); any other plan is NotFound.
func (s *Store) FindPlan(ctx context.Context, id int64, audiences []models.Audience) (models.Plan, error) {
	var p models.Plan
	err := s.read(ctx).Where("id = ? AND audience IN ?", id, audienceStrings(audiences)).Take(&p).Error
	if err != nil {
		return models.Plan{}, translate(fmt.Sprintf("find plan %d", id), "Plan", err)
	}
	return p, nil
}

// ListPlans returns the plans of an API whose audience is one of audiences,
// published first, then hidden and retired, by name. Filter by State for a
// public comparison table.
func (s *Store) ListPlans(ctx context.Context, apiID int64, audiences []models.Audience) ([]models.Plan, error) {
	plans := []models.Plan{}
	err := s.read(ctx).Where("api_id = ? AND audience IN ?", apiID, audienceStrings(audiences)).
		Order("CASE state WHEN 'published' THEN 0 WHEN 'hidden' THEN 1 ELSE 2 END, lower(name), id").
		Find(&plans).Error
	if err != nil {
		return nil, translate(fmt.Sprintf("list plans of API %d", apiID), "Plans", err)
	}
	return plans, nil
}

// audienceStrings returns audiences as strings, never empty (an empty IN
// list matches nothing on either dialect this way).
func audienceStrings(audiences []models.Audience) []string {
	out := make([]string, 0, len(audiences)+1)
	for _, a := range audiences {
		out = append(out, string(a))
	}
	if len(out) == 0 {
		out = append(out, "")
	}
	return out
}
