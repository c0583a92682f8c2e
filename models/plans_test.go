package models

import (
	"slices"
	"strings"
	"testing"
)

func validPlan() Plan {
	return Plan{
		APIID: 1, Name: "Gold", Audience: AudiencePublic, ApprovalMode: ApprovalManual, KeyMode: KeyModeKeyPair,
		Limits:          Limits{RatePerSecond: 10, QuotaPerMonth: 100000},
		OperationLimits: map[string]Limits{"listAccounts": {RatePerMinute: 60}},
		Pricing:         Pricing{Model: PricingMonthly, MonthlyFee: "49.00", IncludedCalls: 10000, PricePerCall: "0.002", Currency: "EUR"},
		State:           PlanPublished,
	}
}

func TestPlanValidate(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(*Plan)
		wantDetail []string // nil = valid; else every problem, in order
	}{
		{"complete monthly plan is valid", func(*Plan) {}, nil},
		{"free plan without currency is valid", func(p *Plan) { p.Pricing = Pricing{Model: PricingFree} }, nil},
		{"per-call plan is valid", func(p *Plan) { p.Pricing = Pricing{Model: PricingPerCall, PricePerCall: "0.01", Currency: "USD"} }, nil},
		{"no API", func(p *Plan) { p.APIID = 0 }, []string{"api_id is required"}},
		{"blank name", func(p *Plan) { p.Name = " " }, []string{"name is required"}},
		{"unknown audience, approval and key mode", func(p *Plan) { p.Audience, p.ApprovalMode, p.KeyMode = "world", "", "jwt" }, []string{
			`audience "world" is not one of public, partner, internal`,
			`approval_mode "" is not automatic or manual`,
			`key_mode "jwt" is not key_pair or api_key`,
		}},
		{"negative limits", func(p *Plan) { p.RatePerHour, p.QuotaPerDay = -1, -5 }, []string{
			"rate_per_hour must not be negative", "quota_per_day must not be negative",
		}},
		{"bad operation limits", func(p *Plan) {
			p.OperationLimits = map[string]Limits{"bad id!": {}, "getAccount": {RatePerSecond: -1}}
		}, []string{`operation_limits key "bad id!" is not an operationId`, "operation_limits[getAccount].rate_per_second must not be negative"}},
		{"float-looking amounts", func(p *Plan) { p.Pricing.MonthlyFee, p.Pricing.PricePerCall = "1e3", "-1" }, []string{
			`pricing.monthly_fee "1e3" is not a decimal amount such as 12.50`,
			`pricing.price_per_call "-1" is not a decimal amount such as 12.50`,
		}},
		{"lower-case currency", func(p *Plan) { p.Pricing.Currency = "eur" }, []string{`pricing.currency "eur" is not an ISO 4217 code such as EUR`}},
		{"monthly plan without fee", func(p *Plan) { p.Pricing.MonthlyFee = "0.00" }, []string{"pricing.monthly_fee is required for a monthly plan"}},
		{"free plan with a fee", func(p *Plan) { p.Pricing = Pricing{Model: PricingFree, MonthlyFee: "5"} }, []string{
			"pricing.model free has no fee, included calls or price per call",
		}},
		{"per-call plan without price", func(p *Plan) { p.Pricing = Pricing{Model: PricingPerCall, Currency: "EUR"} }, []string{
			"pricing.price_per_call is required for a per-call plan",
		}},
		{"unknown pricing model and state", func(p *Plan) { p.Pricing.Model, p.State = "tiered", "live" }, []string{
			`pricing.model "tiered" is not one of free, monthly, per_call`,
			`state "live" is not one of published, hidden, retired`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := validPlan()
			tc.edit(&p)
			err := p.Validate()
			if tc.wantDetail == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if KindOf(err) != Invalid {
				t.Fatalf("Validate() = %v, want Invalid", err)
			}
			if got := DetailsOf(err); !slices.Equal(got, tc.wantDetail) {
				t.Errorf("details = %q\nwant      %q", got, tc.wantDetail)
			}
			if !strings.HasPrefix(MessageOf(err), "invalid plan: "+tc.wantDetail[0]) {
				t.Errorf("message = %q", MessageOf(err))
			}
		})
	}
}

func TestPlanUpdateApply(t *testing.T) {
	name, state := "Silver", PlanHidden
	got := PlanUpdate{Name: &name, State: &state, Limits: &Limits{RatePerMinute: 5}}.Apply(validPlan())
	want := validPlan()
	want.Name, want.State, want.Limits = "Silver", PlanHidden, Limits{RatePerMinute: 5}
	if got.Name != want.Name || got.State != want.State || got.Limits != want.Limits || got.Pricing != want.Pricing || got.Audience != want.Audience {
		t.Errorf("Apply = %+v, want %+v", got, want)
	}
}
