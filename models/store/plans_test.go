package store_test

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func TestPlansRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		in := models.Plan{
			APIID: w.bankAPI.ID, Name: "  Business  ", Description: "For **businesses**.", Audience: models.AudiencePartner,
			ApprovalMode: models.ApprovalManual, KeyMode: models.KeyModeAPIKey,
			Limits:          models.Limits{RatePerSecond: 5, RatePerMinute: 100, RatePerHour: 3000, QuotaPerDay: 50000, QuotaPerMonth: 1000000},
			OperationLimits: map[string]models.Limits{"createPayment": {RatePerSecond: 1, QuotaPerDay: 100}},
			Pricing:         models.Pricing{Model: models.PricingMonthly, MonthlyFee: "199.00", IncludedCalls: 100000, PricePerCall: "0.0015", Currency: "EUR"},
			State:           models.PlanHidden,
		}
		n := len(allEvents(t, s))
		created, err := s.CreatePlan(ctx, actorOf(w.bankAdmin), []string{"bank"}, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.FindPlan(ctx, created.ID, allAudiences)
		if err != nil {
			t.Fatal(err)
		}
		want := in
		want.ID, want.Name, want.CreatedAt, want.UpdatedAt = created.ID, "Business", got.CreatedAt, got.UpdatedAt
		if !reflect.DeepEqual(got, want) {
			t.Errorf("FindPlan =\n%+v\nwant\n%+v", got, want)
		}
		if got.CreatedAt.IsZero() || !got.CreatedAt.Equal(created.CreatedAt) {
			t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, created.CreatedAt)
		}
		events := eventsSince(t, s, n)
		if len(events) != 1 || events[0].Action != "plan.create" || events[0].Subsidiary != "bank" || events[0].Target != "plan:"+itoa(created.ID) {
			t.Fatalf("events = %+v", events)
		}
		if after := decode(t, events[0].After); after["name"] != "Business" || after["audience"] != "partner" {
			t.Errorf("plan.create After = %v", after)
		}

		name, state := "Business+", models.PlanPublished
		updated, err := s.UpdatePlan(ctx, actorOf(w.bankAdmin), []string{"bank"}, created.ID, models.PlanUpdate{
			Name: &name, State: &state, Limits: &models.Limits{RatePerSecond: 9},
			OperationLimits: &map[string]models.Limits{},
		})
		if err != nil {
			t.Fatal(err)
		}
		want.Name, want.State, want.Limits, want.OperationLimits = "Business+", models.PlanPublished, models.Limits{RatePerSecond: 9}, map[string]models.Limits{}
		want.UpdatedAt = updated.UpdatedAt
		if !reflect.DeepEqual(updated, want) {
			t.Errorf("UpdatePlan =\n%+v\nwant\n%+v", updated, want)
		}
		events = eventsSince(t, s, n)
		if got := actions(events); !slices.Equal(got, []string{"plan.create", "plan.update"}) {
			t.Fatalf("actions = %v", got)
		}
		if before := decode(t, events[1].Before); before["name"] != "Business" || before["state"] != "hidden" {
			t.Errorf("plan.update Before = %v", before)
		}
		wantChainIntact(t, s)
	})
}

func TestPlansAreEditedOnlyWithinTheEditorsSubsidiaries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		n := len(allEvents(t, s))
		name := "Stolen"
		for _, tc := range []struct {
			name string
			run  func() error
			kind models.Kind
		}{
			{"insurance admin cannot create a bank plan", func() error {
				_, err := s.CreatePlan(ctx, actorOf(w.insAdmin), []string{"insurance"}, plan(w.bankAPI.ID, "X", models.AudiencePublic, models.ApprovalAutomatic))
				return err
			}, models.NotFound},
			{"no subsidiaries may create nothing", func() error {
				_, err := s.CreatePlan(ctx, actorOf(w.insAdmin), nil, plan(w.bankAPI.ID, "X", models.AudiencePublic, models.ApprovalAutomatic))
				return err
			}, models.NotFound},
			{"insurance admin cannot update a bank plan", func() error {
				_, err := s.UpdatePlan(ctx, actorOf(w.insAdmin), []string{"insurance"}, w.free.ID, models.PlanUpdate{Name: &name})
				return err
			}, models.NotFound},
			{"unknown plan", func() error {
				_, err := s.UpdatePlan(ctx, actorOf(w.bankAdmin), []string{"bank"}, 9999, models.PlanUpdate{Name: &name})
				return err
			}, models.NotFound},
			{"duplicate name", func() error {
				_, err := s.CreatePlan(ctx, actorOf(w.bankAdmin), []string{"bank"}, plan(w.bankAPI.ID, "Free", models.AudiencePublic, models.ApprovalAutomatic))
				return err
			}, models.Conflict},
			{"renaming to a taken name", func() error {
				taken := "Gold"
				_, err := s.UpdatePlan(ctx, actorOf(w.bankAdmin), []string{"bank"}, w.free.ID, models.PlanUpdate{Name: &taken})
				return err
			}, models.Conflict},
			{"invalid plan", func() error {
				p := plan(w.bankAPI.ID, "", "nobody", models.ApprovalAutomatic)
				_, err := s.CreatePlan(ctx, actorOf(w.bankAdmin), []string{"bank"}, p)
				if got := len(models.DetailsOf(err)); got != 2 {
					t.Errorf("details = %q, want 2", models.DetailsOf(err))
				}
				return err
			}, models.Invalid},
			{"invalid update", func() error {
				bad := models.Audience("nobody")
				_, err := s.UpdatePlan(ctx, actorOf(w.bankAdmin), []string{"bank"}, w.free.ID, models.PlanUpdate{Audience: &bad})
				return err
			}, models.Invalid},
		} {
			t.Run(tc.name, func(t *testing.T) { wantKind(t, tc.run(), tc.kind, "") })
		}
		if got := eventsSince(t, s, n); len(got) != 0 {
			t.Errorf("failed changes wrote events %v", actions(got))
		}
		if p, err := s.FindPlan(ctx, w.free.ID, allAudiences); err != nil || p.Name != "Free" {
			t.Errorf("FindPlan after failed updates = %+v, %v", p, err)
		}
		// A platform admin may edit any subsidiary's plans.
		if _, err := s.UpdatePlan(ctx, system, []string{models.GlobalDomain}, w.free.ID, models.PlanUpdate{Name: &name}); err != nil {
			t.Errorf("platform admin UpdatePlan: %v", err)
		}
	})
}

func TestListPlansByAudience(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		retired := plan(w.bankAPI.ID, "Alpha", models.AudiencePublic, models.ApprovalAutomatic)
		retired.State = models.PlanRetired
		old := mustPlan(t, s, w.bankAdmin, "bank", retired)
		for _, tc := range []struct {
			name      string
			audiences []models.Audience
			apiID     int64
			wantIDs   []int64
		}{
			{"public viewers see public plans, published first", publicOnly, w.bankAPI.ID, []int64{w.free.ID, w.manual.ID, old.ID}},
			{"staff see internal plans too", allAudiences, w.bankAPI.ID, []int64{w.free.ID, w.manual.ID, w.internalPlan.ID, old.ID}},
			{"no audiences see nothing", nil, w.bankAPI.ID, nil},
			{"an API without plans has none", allAudiences, w.insAPI.ID, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				plans, err := s.ListPlans(ctx, tc.apiID, tc.audiences)
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, p := range plans {
					ids = append(ids, p.ID)
				}
				if !slices.Equal(ids, tc.wantIDs) {
					t.Errorf("plan IDs = %v, want %v", ids, tc.wantIDs)
				}
			})
		}
		_, err := s.FindPlan(ctx, w.internalPlan.ID, publicOnly)
		wantKind(t, err, models.NotFound, "Plan not found")
	})
}
