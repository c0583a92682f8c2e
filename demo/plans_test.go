package demo_test

import (
	"context"
	"testing"

	"github.com/portico/portico/demo"
	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
	"github.com/portico/portico/openapi"
)

func preparer(ctx context.Context, name string, data []byte) (models.VersionImport, error) {
	return openapi.PrepareImport(ctx, openapi.SingleFile(name, data), openapi.ImportOptions{})
}

// planSnapshot returns every plan by "subsidiary/name".
func planSnapshot(t *testing.T, st *store.Store) map[string]models.Plan {
	t.Helper()
	out := map[string]models.Plan{}
	for _, sub := range []string{"bank", "insurance", "securities"} {
		apis, err := st.ListSubsidiaryAPIs(context.Background(), sub)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range apis {
			plans, err := st.ListPlans(context.Background(), a.ID, models.Audiences)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range plans {
				out[sub+"/"+p.Name] = p
			}
		}
	}
	return out
}

func TestLoadPlansTwiceYieldsTheSamePlans(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	if _, err := demo.Load(ctx, st, preparer); err != nil {
		t.Fatal(err)
	}
	n, err := demo.LoadPlans(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(demo.Plans()) {
		t.Errorf("first load created %d plans, want %d", n, len(demo.Plans()))
	}
	first := planSnapshot(t, st)
	if len(first) != len(demo.Plans()) {
		t.Fatalf("stored plans = %d, want %d: %v", len(first), len(demo.Plans()), first)
	}

	// A restart loads everything again.
	if _, err := demo.Load(ctx, st, preparer); err != nil {
		t.Fatal(err)
	}
	if n, err = demo.LoadPlans(ctx, st); err != nil || n != 0 {
		t.Fatalf("second load created %d plans (%v), want 0", n, err)
	}
	second := planSnapshot(t, st)
	if len(second) != len(first) {
		t.Fatalf("after the second load %d plans, want %d", len(second), len(first))
	}
	for k, p := range first {
		q := second[k]
		if p.ID != q.ID || p.APIID != q.APIID || p.Name != q.Name || p.Limits != q.Limits || p.Pricing != q.Pricing ||
			p.Audience != q.Audience || p.ApprovalMode != q.ApprovalMode || p.State != q.State || !p.UpdatedAt.Equal(q.UpdatedAt) {
			t.Errorf("%s changed on reload:\n%+v\n%+v", k, p, q)
		}
	}

	prod := first["bank/Production"]
	want := models.Pricing{Model: models.PricingMonthly, MonthlyFee: "49.00", IncludedCalls: 1_000_000, PricePerCall: "0.0005", Currency: "EUR"}
	if prod.Pricing != want || prod.ApprovalMode != models.ApprovalManual || prod.RatePerSecond != 100 {
		t.Errorf("Production = %+v, want monthly EUR 49.00, manual, 100/s", prod)
	}
	sandbox := first["bank/Sandbox"]
	if sandbox.Pricing.Model != models.PricingFree || sandbox.ApprovalMode != models.ApprovalAutomatic ||
		sandbox.RatePerSecond != 10 || sandbox.QuotaPerDay != 10_000 || sandbox.APIID != prod.APIID {
		t.Errorf("Sandbox = %+v, want free, automatic, 10/s, 10,000/day on the Production plan's API", sandbox)
	}
	if p := first["bank/Partner"]; p.Audience != models.AudiencePartner || p.APIID != prod.APIID {
		t.Errorf("Partner = %+v, want a partner plan of the accounts API", p)
	}
	if p := first["bank/Internal"]; p.Audience != models.AudienceInternal || p.APIID == prod.APIID {
		t.Errorf("Internal = %+v, want an internal plan of another API", p)
	}
	for _, k := range []string{"insurance/Starter", "securities/Developer"} {
		if p := first[k]; p.Pricing.Model != models.PricingFree || p.ApprovalMode != models.ApprovalAutomatic || p.State != models.PlanPublished {
			t.Errorf("%s = %+v, want a free automatic published plan", k, p)
		}
	}
}
