package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/portico/portico/models"
)

// tokenJSON sends a JSON request with the bootstrap admin token, as a
// script would (no cookies, no browser fetch metadata).
func (ip *identityPortal) tokenJSON(t testing.TB, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Bearer "+testAdminToken)
	return ip.do(r)
}

const monthlyPlanJSON = `{
  "api": "accounts-api", "name": "Business", "description": "For **production** use.",
  "audience": "public", "approval_mode": "manual", "key_mode": "key_pair",
  "limits": {"rate_per_second": 10, "quota_per_month": 100000},
  "operation_limits": {"listAccounts": {"rate_per_second": 2}},
  "pricing": {"model": "monthly", "monthly_fee": "49.00", "included_calls": 100000, "price_per_call": "0.001", "currency": "eur"}
}`

func TestAPIPlans_AdminCreatesAndChangesPlans(t *testing.T) {
	ip := newSelfServicePortal(t)
	admin := ip.signedInBrowser(t, adminBank)

	rec := admin.sendJSON(http.MethodPost, "/api/v1/subsidiaries/bank/plans", monthlyPlanJSON)
	wantStatus(t, rec, http.StatusCreated)
	p := decodeAs[planJSON](t, rec)
	if p.APIID != ip.apiID(t, "bank", "accounts-api") || p.Name != "Business" || p.State != "published" ||
		p.Pricing.Currency != "EUR" || p.Pricing.MonthlyFee != "49.00" || p.Limits.RatePerSecond != 10 ||
		p.OperationLimits["listAccounts"].RatePerSecond != 2 || p.ApprovalMode != "manual" {
		t.Errorf("created plan = %+v", p)
	}
	planURL := "/api/v1/subsidiaries/bank/plans/" + itoa(p.ID)
	if loc := rec.Header().Get("Location"); loc != planURL {
		t.Errorf("Location = %q, want %q", loc, planURL)
	}

	rec = admin.sendJSON(http.MethodPatch, planURL, `{"state":"hidden","limits":{"rate_per_second":20}}`)
	wantStatus(t, rec, http.StatusOK)
	if got := decodeAs[planJSON](t, rec); got.State != "hidden" || got.Limits.RatePerSecond != 20 || got.Limits.QuotaPerMonth != 0 || got.Name != "Business" {
		t.Errorf("patched plan = %+v", got)
	}
	rec = admin.sendJSON(http.MethodPatch, planURL, `{"api_id":`+itoa(ip.apiID(t, "bank", "payments-api"))+`}`)
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	if p := problemOf(t, rec); len(p.Errors) != 1 || !strings.Contains(p.Errors[0], "never changes") {
		t.Errorf("moving a plan: errors = %q", p.Errors)
	}
	list := decodeAs[listJSON[planJSON]](t, admin.get("/api/v1/subsidiaries/bank/plans"))
	if len(list.Items) != 1 || list.Items[0].ID != p.ID || list.Items[0].State != "hidden" {
		t.Errorf("bank plans = %+v", list.Items)
	}
	// A hidden plan is not offered on the API's public plan list.
	if pub := decodeAs[listJSON[planJSON]](t, admin.get("/api/v1/apis/bank/accounts-api/plans")); len(pub.Items) != 0 {
		t.Errorf("public plans = %+v, want none", pub.Items)
	}
	wantStatus(t, admin.sendJSON(http.MethodPost, "/api/v1/subsidiaries/bank/plans", monthlyPlanJSON), http.StatusConflict)
}

func TestAPIPlans_BadPlansAreExplainedAndNotStored(t *testing.T) {
	ip := newSelfServicePortal(t)
	admin := ip.signedInBrowser(t, adminBank)
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantErrors []string
	}{
		{"negative limits", `{"api":"accounts-api","name":"x","audience":"public","approval_mode":"automatic","limits":{"rate_per_second":-1},"operation_limits":{"op":{"quota_per_day":-5}}}`,
			http.StatusUnprocessableEntity, []string{"rate_per_second must not be negative", "operation_limits[op].quota_per_day must not be negative"}},
		{"limits of the wrong type", `{"api":"accounts-api","name":"x","audience":"public","approval_mode":"automatic","limits":{"rate_per_second":"ten"}}`,
			http.StatusUnprocessableEntity, []string{"limits.rate_per_second must be an integer, not a JSON string"}},
		{"unknown field", `{"api":"accounts-api","name":"x","audience":"public","approval_mode":"automatic","price":"free"}`,
			http.StatusUnprocessableEntity, []string{`"price" is not a field`}},
		{"bad enums and price", `{"api":"accounts-api","name":"x","audience":"everyone","approval_mode":"sometimes","pricing":{"model":"monthly","monthly_fee":"lots","currency":"EUR"}}`,
			http.StatusUnprocessableEntity, []string{`audience "everyone"`, `approval_mode "sometimes"`, `pricing.monthly_fee "lots" is not a decimal amount`}},
		{"no API", `{"name":"x","audience":"public","approval_mode":"automatic"}`,
			http.StatusUnprocessableEntity, []string{"api_id or api is required"}},
		{"another subsidiary's API", `{"api":"quotes","name":"x","audience":"public","approval_mode":"automatic"}`,
			http.StatusNotFound, nil},
		{"malformed JSON", `{"api":"accounts-api",`, http.StatusBadRequest, nil},
		{"too large", `{"description":"` + strings.Repeat("x", maxJSONBody) + `"}`, http.StatusRequestEntityTooLarge, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := admin.sendJSON(http.MethodPost, "/api/v1/subsidiaries/bank/plans", tc.body)
			wantStatus(t, rec, tc.wantStatus)
			p := problemOf(t, rec)
			all := strings.Join(p.Errors, "\n")
			for _, want := range tc.wantErrors {
				if !strings.Contains(all, want) {
					t.Errorf("errors = %q, want one containing %q", p.Errors, want)
				}
			}
			if p.Detail == "" {
				t.Error("problem without detail")
			}
		})
	}
	plans, err := ip.st.ListSubsidiaryPlans(context.Background(), "bank")
	if err != nil || len(plans) != 0 {
		t.Errorf("bank plans after refused requests = %v, %v; want none", plans, err)
	}
}

func TestAPIPlans_ApprovalQueueAndDecisions(t *testing.T) {
	ip := newSelfServicePortal(t)
	manual := ip.createTestPlan(t, "bank", "accounts-api", "Production", func(p *models.Plan) { p.ApprovalMode = models.ApprovalManual })
	dev := ip.signedInBrowser(t, developer)
	admin := ip.signedInBrowser(t, adminBank)

	app := decodeAs[applicationJSON](t, dev.sendJSON(http.MethodPost, "/api/v1/applications", map[string]any{"name": "Prod app"}))
	rec := dev.sendJSON(http.MethodPost, "/api/v1/applications/"+itoa(app.ID)+"/subscriptions", map[string]any{"plan_id": manual.ID})
	wantStatus(t, rec, http.StatusCreated)
	sub := decodeAs[subscriptionJSON](t, rec)
	if sub.State != "pending" {
		t.Fatalf("subscription state = %q, want pending", sub.State)
	}

	queue := decodeAs[listJSON[subscriptionJSON]](t, admin.get("/api/v1/subsidiaries/bank/approvals"))
	if len(queue.Items) != 1 || queue.Items[0].ID != sub.ID {
		t.Fatalf("approval queue = %+v", queue.Items)
	}
	subURL := "/api/v1/subsidiaries/bank/subscriptions/" + itoa(sub.ID)
	rec = admin.sendJSON(http.MethodPost, subURL+"/decision", `{"decision":"maybe"}`)
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	if p := problemOf(t, rec); len(p.Errors) != 1 || !strings.Contains(p.Errors[0], `"approve" or "reject"`) {
		t.Errorf("errors = %q", p.Errors)
	}
	rec = admin.sendJSON(http.MethodPost, subURL+"/decision", `{"decision":"approve","comment":"Welcome aboard."}`)
	wantStatus(t, rec, http.StatusOK)
	if s := decodeAs[subscriptionJSON](t, rec); s.State != "active" || s.DecisionComment != "Welcome aboard." || s.DecidedAt == nil {
		t.Errorf("approved subscription = %+v", s)
	}
	if q := decodeAs[listJSON[subscriptionJSON]](t, admin.get("/api/v1/subsidiaries/bank/approvals")); len(q.Items) != 0 {
		t.Errorf("queue after the decision = %+v", q.Items)
	}
	// Deciding twice is a conflict.
	wantStatus(t, admin.sendJSON(http.MethodPost, subURL+"/decision", `{"decision":"reject"}`), http.StatusConflict)

	rec = admin.sendJSON(http.MethodPost, subURL+"/suspend", `{"comment":"Unpaid invoice."}`)
	wantStatus(t, rec, http.StatusOK)
	if s := decodeAs[subscriptionJSON](t, rec); s.State != "suspended" {
		t.Errorf("suspended state = %q", s.State)
	}
	rec = admin.sendJSON(http.MethodPost, subURL+"/resume", nil)
	wantStatus(t, rec, http.StatusOK)
	if s := decodeAs[subscriptionJSON](t, rec); s.State != "active" {
		t.Errorf("resumed state = %q", s.State)
	}
	// The developer sees the decision.
	subs := decodeAs[listJSON[subscriptionJSON]](t, dev.get("/api/v1/applications/"+itoa(app.ID)+"/subscriptions"))
	if len(subs.Items) != 1 || subs.Items[0].State != "active" {
		t.Errorf("developer's subscriptions = %+v", subs.Items)
	}
}

func TestAPIPlans_AdminsOfAnotherSubsidiaryCannotReachTheBanks(t *testing.T) {
	ip := newSelfServicePortal(t)
	plan := ip.createTestPlan(t, "bank", "accounts-api", "Production", func(p *models.Plan) { p.ApprovalMode = models.ApprovalManual })
	dev := ip.signedInBrowser(t, developer)
	app := decodeAs[applicationJSON](t, dev.sendJSON(http.MethodPost, "/api/v1/applications", map[string]any{"name": "Prod app"}))
	sub := decodeAs[subscriptionJSON](t, dev.sendJSON(http.MethodPost, "/api/v1/applications/"+itoa(app.ID)+"/subscriptions", map[string]any{"plan_id": plan.ID}))
	ins := ip.signedInBrowser(t, adminInsure)

	tests := []struct {
		name, method, path, body string
		want                     int
	}{
		{"list the bank's plans", http.MethodGet, "/api/v1/subsidiaries/bank/plans", "", http.StatusForbidden},
		{"create a bank plan", http.MethodPost, "/api/v1/subsidiaries/bank/plans", monthlyPlanJSON, http.StatusForbidden},
		{"read a bank plan through insurance", http.MethodGet, "/api/v1/subsidiaries/insurance/plans/" + itoa(plan.ID), "", http.StatusNotFound},
		{"change a bank plan through insurance", http.MethodPatch, "/api/v1/subsidiaries/insurance/plans/" + itoa(plan.ID), `{"state":"retired"}`, http.StatusNotFound},
		{"create a plan for a bank API through insurance", http.MethodPost, "/api/v1/subsidiaries/insurance/plans",
			`{"api_id":` + itoa(plan.APIID) + `,"name":"Sneaky","audience":"public","approval_mode":"automatic"}`, http.StatusNotFound},
		{"read the bank's approval queue", http.MethodGet, "/api/v1/subsidiaries/bank/approvals", "", http.StatusForbidden},
		{"approve a bank subscription", http.MethodPost, "/api/v1/subsidiaries/bank/subscriptions/" + itoa(sub.ID) + "/decision", `{"decision":"approve"}`, http.StatusForbidden},
		{"approve a bank subscription through insurance", http.MethodPost, "/api/v1/subsidiaries/insurance/subscriptions/" + itoa(sub.ID) + "/decision", `{"decision":"approve"}`, http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			rec := ins.sendJSON(tc.method, tc.path, body)
			wantStatus(t, rec, tc.want)
			problemOf(t, rec)
		})
	}
	got, err := ip.st.FindSubsidiaryPlan(context.Background(), "bank", plan.ID)
	if err != nil || got.State != models.PlanPublished {
		t.Errorf("bank plan = %+v, %v; want it unchanged", got, err)
	}
	plans, _ := ip.st.ListSubsidiaryPlans(context.Background(), "bank")
	if len(plans) != 1 {
		t.Errorf("bank plans = %d, want 1", len(plans))
	}
	q := decodeAs[listJSON[subscriptionJSON]](t, ip.signedInBrowser(t, adminBank).get("/api/v1/subsidiaries/bank/approvals"))
	if len(q.Items) != 1 || q.Items[0].State != "pending" {
		t.Errorf("bank queue = %+v, want the subscription still pending", q.Items)
	}
}

func TestAPIPlans_BootstrapTokenManagesPlansButDecidesNothing(t *testing.T) {
	ip := newSelfServicePortal(t)
	rec := ip.tokenJSON(t, http.MethodPost, "/api/v1/subsidiaries/bank/plans", monthlyPlanJSON)
	wantStatus(t, rec, http.StatusCreated)
	p := decodeAs[planJSON](t, rec)

	events, _, err := ip.st.ListAudit(context.Background(), models.AuditFilter{Action: "plan.create"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range events {
		if e.Target == "plan:"+itoa(p.ID) {
			found = true
			if e.ActorEmail != ActorBootstrapToken || e.ActorID != nil || e.Subsidiary != "bank" {
				t.Errorf("audit event = actor %q (%v) in %q, want bootstrap-token in bank", e.ActorEmail, e.ActorID, e.Subsidiary)
			}
		}
	}
	if !found {
		t.Errorf("no plan.create event for plan %d", p.ID)
	}
	wantStatus(t, ip.tokenJSON(t, http.MethodGet, "/api/v1/subsidiaries/bank/plans/"+itoa(p.ID), ""), http.StatusOK)

	// A subscription waiting for a decision.
	dev := ip.signedInBrowser(t, developer)
	app := decodeAs[applicationJSON](t, dev.sendJSON(http.MethodPost, "/api/v1/applications", map[string]any{"name": "Prod app"}))
	sub := decodeAs[subscriptionJSON](t, dev.sendJSON(http.MethodPost, "/api/v1/applications/"+itoa(app.ID)+"/subscriptions", map[string]any{"plan_id": p.ID}))

	for _, path := range []string{"/subscriptions/" + itoa(sub.ID) + "/decision", "/subscriptions/" + itoa(sub.ID) + "/suspend", "/approvals"} {
		method, body := http.MethodPost, `{"decision":"approve"}`
		if path == "/approvals" {
			method, body = http.MethodGet, ""
		}
		rec := ip.tokenJSON(t, method, "/api/v1/subsidiaries/bank"+path, body)
		wantStatus(t, rec, http.StatusForbidden)
		if d := problemOf(t, rec).Detail; !strings.Contains(d, "must be taken by a person") || !strings.Contains(d, "four-eyes") {
			t.Errorf("%s: detail = %q", path, d)
		}
	}
	// A wrong token is 401, not 403.
	r := httptest.NewRequest(http.MethodGet, "/api/v1/subsidiaries/bank/approvals", nil)
	r.Header.Set("Authorization", "Bearer wrong")
	wantStatus(t, ip.do(r), http.StatusUnauthorized)

	subs := decodeAs[listJSON[subscriptionJSON]](t, dev.get("/api/v1/applications/"+itoa(app.ID)+"/subscriptions"))
	if len(subs.Items) != 1 || subs.Items[0].State != "pending" {
		t.Errorf("subscription = %+v, want it still pending", subs.Items)
	}
}
