package store_test

import (
	"context"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func TestAPIReads_PlansAreScopedToTheirSubsidiary(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		claims := mustPlan(t, s, w.insAdmin, "insurance", plan(w.insAPI.ID, "Broker", models.AudiencePartner, models.ApprovalManual))

		bank, err := s.ListSubsidiaryPlans(ctx, "bank")
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range bank {
			names = append(names, p.Name)
			if p.APIID != w.bankAPI.ID {
				t.Errorf("bank plans include %q of API %d", p.Name, p.APIID)
			}
		}
		// Every audience, published first then by name.
		if len(names) != 3 || names[0] != "Free" || names[1] != "Gold" || names[2] != "Internal" {
			t.Errorf("bank plans = %q, want Free, Gold, Internal", names)
		}
		if _, err := s.ListSubsidiaryPlans(ctx, "nowhere"); models.KindOf(err) != models.NotFound {
			t.Errorf("unknown subsidiary = %v, want NotFound", err)
		}

		got, err := s.FindSubsidiaryPlan(ctx, "insurance", claims.ID)
		if err != nil || got.ID != claims.ID || got.Name != "Broker" || got.Audience != models.AudiencePartner {
			t.Errorf("insurance plan = %+v, %v", got, err)
		}
		if _, err := s.FindSubsidiaryPlan(ctx, "bank", claims.ID); models.KindOf(err) != models.NotFound {
			t.Errorf("insurance plan through bank = %v, want NotFound", err)
		}

		id, err := s.FindAPIID(ctx, "bank", w.bankAPI.Slug)
		if err != nil || id != w.bankAPI.ID {
			t.Errorf("FindAPIID = %d, %v; want %d", id, err, w.bankAPI.ID)
		}
		if _, err := s.FindAPIID(ctx, "bank", w.insAPI.Slug); models.KindOf(err) != models.NotFound {
			t.Errorf("insurance API through bank = %v, want NotFound", err)
		}
	})
}
