package demo

import (
	"context"
	"fmt"

	"github.com/portico/portico/models"
)

// PlanStore is what loading the demo plans needs from persistence.
// *store.Store satisfies it.
type PlanStore interface {
	ListSubsidiaryAPIs(ctx context.Context, subsidiary string) ([]models.API, error)
	ListPlans(ctx context.Context, apiID int64, audiences []models.Audience) ([]models.Plan, error)
	CreatePlan(ctx context.Context, actor models.Actor, subsidiaries []string, p models.Plan) (models.Plan, error)
}

// APIPlan is a demo plan and the API it is offered on.
type APIPlan struct {
	Subsidiary string // slug
	API        string // the API's slug within the subsidiary
	Plan       models.Plan
}

// Plans returns the demo plans:
//
//	bank/accounts            Sandbox (free, automatic, 10/s, 10,000/day),
//	                         Production (EUR 49.00 a month, 1,000,000 calls
//	                         included, then EUR 0.0005 per call; manual;
//	                         100/s), Partner (partners, manual)
//	bank/customer-onboarding Internal (internal, manual: staff are
//	                         self-provisioned anyway)
//	insurance/claims         Starter (free, automatic)
//	securities/market-data   Developer (free, automatic)
func Plans() []APIPlan {
	free := models.Pricing{Model: models.PricingFree}
	plan := func(name, description string, audience models.Audience, mode models.ApprovalMode, limits models.Limits, pricing models.Pricing) models.Plan {
		return models.Plan{
			Name: name, Description: description, Audience: audience, ApprovalMode: mode,
			KeyMode: models.KeyModeKeyPair, Limits: limits, Pricing: pricing, State: models.PlanPublished,
		}
	}
	return []APIPlan{
		{"bank", "accounts", plan("Sandbox",
			"Try the Accounts API for free against **sandbox data**. Keys are issued at once.",
			models.AudiencePublic, models.ApprovalAutomatic,
			models.Limits{RatePerSecond: 10, QuotaPerDay: 10_000}, free)},
		{"bank", "accounts", plan("Production",
			"Live account data for your customers. Meridian Bank reviews each subscription, usually within one business day.",
			models.AudiencePublic, models.ApprovalManual,
			models.Limits{RatePerSecond: 100},
			models.Pricing{Model: models.PricingMonthly, MonthlyFee: "49.00", IncludedCalls: 1_000_000, PricePerCall: "0.0005", Currency: "EUR"})},
		{"bank", "accounts", plan("Partner",
			"For partner fintechs under contract with Meridian Bank. Invited consumer teams only.",
			models.AudiencePartner, models.ApprovalManual, models.Limits{RatePerSecond: 200}, free)},
		{"bank", "customer-onboarding", plan("Internal",
			"For the group's own teams. Staff get their keys at once (self-provisioning).",
			models.AudienceInternal, models.ApprovalManual, models.Limits{RatePerSecond: 50}, free)},
		{"insurance", "claims", plan("Starter",
			"Free access to the Claims API, keys issued at once.",
			models.AudiencePublic, models.ApprovalAutomatic,
			models.Limits{RatePerSecond: 5, QuotaPerDay: 5_000}, free)},
		{"securities", "market-data", plan("Developer",
			"Free delayed market data for building and testing, keys issued at once.",
			models.AudiencePublic, models.ApprovalAutomatic,
			models.Limits{RatePerSecond: 5, QuotaPerDay: 10_000}, free)},
	}
}

// LoadPlans creates the demo plans that do not exist yet (looked up by API
// and name), as the system actor, and returns how many it created. It is
// idempotent: a plan an admin has edited since is left as it is. It runs
// after Load, which creates the APIs.
func LoadPlans(ctx context.Context, st PlanStore) (int, error) {
	created := 0
	apis := map[string]map[string]int64{} // subsidiary → API slug → ID
	for _, dp := range Plans() {
		if apis[dp.Subsidiary] == nil {
			list, err := st.ListSubsidiaryAPIs(ctx, dp.Subsidiary)
			if err != nil {
				return created, fmt.Errorf("load demo plans: APIs of %s: %w", dp.Subsidiary, err)
			}
			apis[dp.Subsidiary] = map[string]int64{}
			for _, a := range list {
				apis[dp.Subsidiary][a.Slug] = a.ID
			}
		}
		apiID, ok := apis[dp.Subsidiary][dp.API]
		if !ok {
			return created, fmt.Errorf("load demo plans: no API %s/%s", dp.Subsidiary, dp.API)
		}
		existing, err := st.ListPlans(ctx, apiID, models.Audiences)
		if err != nil {
			return created, fmt.Errorf("load demo plans: plans of %s/%s: %w", dp.Subsidiary, dp.API, err)
		}
		if hasPlan(existing, dp.Plan.Name) {
			continue
		}
		p := dp.Plan
		p.APIID = apiID
		if _, err := st.CreatePlan(ctx, systemActor, []string{models.GlobalDomain}, p); err != nil {
			return created, fmt.Errorf("load demo plans: %s on %s/%s: %w", p.Name, dp.Subsidiary, dp.API, err)
		}
		created++
	}
	return created, nil
}

func hasPlan(plans []models.Plan, name string) bool {
	for _, p := range plans {
		if p.Name == name {
			return true
		}
	}
	return false
}
