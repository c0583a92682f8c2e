package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/portico/portico/credentials"
	"github.com/portico/portico/models"
)

// Tests of the plan pages (plans.go) and the route policies of the plan and
// approval pages: real routes over a real store, personas signed in through
// POST /login.

// subsidiaryAPI returns the ID of an API of the seeded catalog.
func subsidiaryAPI(t testing.TB, ip *identityPortal, subsidiary, slug string) models.API {
	t.Helper()
	apis, err := ip.st.ListSubsidiaryAPIs(context.Background(), subsidiary)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apis {
		if a.Slug == slug {
			return a
		}
	}
	t.Fatalf("no API %s/%s", subsidiary, slug)
	return models.API{}
}

// plansOf returns the plans of an API, any audience and state.
func plansOf(t testing.TB, ip *identityPortal, apiID int64) []models.Plan {
	t.Helper()
	plans, err := ip.st.ListPlans(context.Background(), apiID, models.Audiences)
	if err != nil {
		t.Fatal(err)
	}
	return plans
}

// testPlan creates a plan as the system.
func testPlan(t testing.TB, ip *identityPortal, apiID int64, name string, audience models.Audience, mode models.ApprovalMode) models.Plan {
	t.Helper()
	p, err := ip.st.CreatePlan(context.Background(), testSystemActor, []string{models.GlobalDomain}, models.Plan{
		APIID: apiID, Name: name, Audience: audience, ApprovalMode: mode, KeyMode: models.KeyModeKeyPair,
		Pricing: models.Pricing{Model: models.PricingFree}, State: models.PlanPublished,
	})
	if err != nil {
		t.Fatalf("create plan %s: %v", name, err)
	}
	return p
}

// testSubscription creates an application of the user and subscribes it to
// the plan through the store, as the user would.
func testSubscription(t testing.TB, ip *identityPortal, u models.User, appName string, plan models.Plan) models.Subscription {
	t.Helper()
	ctx := context.Background()
	id := u.ID
	actor := models.Actor{UserID: &id, Email: u.Email}
	app, err := ip.st.CreateApplication(ctx, actor, u.ID, models.Application{Name: appName, OwnerUserID: &id, AppID: credentials.NewAppID()})
	if err != nil {
		t.Fatalf("create application %s: %v", appName, err)
	}
	sub, err := ip.st.Subscribe(ctx, actor, u.ID, app.ID, plan.ID, models.Audiences)
	if err != nil {
		t.Fatalf("subscribe %s to %s: %v", appName, plan.Name, err)
	}
	return sub
}

// planMatrixFixture are the objects the plan and approval routes of the
// matrix act on.
type planMatrixFixture struct {
	api    int64 // bank/accounts-api
	plan   int64 // a plan of it
	sub    int64 // a rejected subscription to it: no decision applies any more
	insAPI int64 // insurance/quotes
}

// seedPlanMatrix creates the plan and the rejected subscription of the
// matrix over the seeded catalog.
func seedPlanMatrix(t *testing.T, ip *identityPortal) planMatrixFixture {
	t.Helper()
	api := subsidiaryAPI(t, ip, "bank", "accounts-api")
	plan := testPlan(t, ip, api.ID, "Matrix plan", models.AudiencePublic, models.ApprovalManual)
	sub := testSubscription(t, ip, ip.users[developer], "Matrix app", plan)
	if _, err := ip.st.DecideSubscription(context.Background(), testSystemActor, ip.users[platform].ID, []string{"bank"}, sub.ID, false, "Not for the matrix."); err != nil {
		t.Fatal(err)
	}
	return planMatrixFixture{api: api.ID, plan: plan.ID, sub: sub.ID, insAPI: subsidiaryAPI(t, ip, "insurance", "quotes").ID}
}

// planPolicies is the expected outcome of the plan and approval routes for
// every persona (merged into routePolicies by TestRouteRoleMatrix). Plans:
// the bank's admins and publishers, and platform admins; approvals: the
// bank's admins and platform admins. The insurance admin gets 403 on every
// bank URL. Empty forms are refused with 422; decisions on a rejected
// subscription are conflicts (409), a rejection without comment 422.
func planPolicies(f planMatrixFixture) map[string]routeCase {
	bank := "/admin/subsidiaries/bank"
	api := strconv.FormatInt(f.api, 10)
	plan := strconv.FormatInt(f.plan, 10)
	sub := bank + "/subscriptions/" + strconv.FormatInt(f.sub, 10)
	return map[string]routeCase{
		"GET /admin/subsidiaries/{subsidiary}/plans":     {bank + "/plans", only(false, http.StatusOK, pubBank, adminBank, platform)},
		"GET /admin/subsidiaries/{subsidiary}/plans/new": {bank + "/plans/new?api=" + api, only(false, http.StatusOK, pubBank, adminBank, platform)},
		"POST /admin/subsidiaries/{subsidiary}/plans": {bank + "/plans?api=" + api,
			only(false, http.StatusUnprocessableEntity, pubBank, adminBank, platform)},
		"GET /admin/subsidiaries/{subsidiary}/plans/{planID}": {bank + "/plans/" + plan, only(false, http.StatusOK, pubBank, adminBank, platform)},
		"POST /admin/subsidiaries/{subsidiary}/plans/{planID}": {bank + "/plans/" + plan,
			only(false, http.StatusUnprocessableEntity, pubBank, adminBank, platform)},
		"GET /admin/subsidiaries/{subsidiary}/approvals":                      {bank + "/approvals", only(false, http.StatusOK, adminBank, platform)},
		"GET /admin/subsidiaries/{subsidiary}/subscriptions":                  {bank + "/subscriptions?state=rejected", only(false, http.StatusOK, adminBank, platform)},
		"POST /admin/subsidiaries/{subsidiary}/subscriptions/{subID}/approve": {sub + "/approve", only(false, http.StatusConflict, adminBank, platform)},
		"POST /admin/subsidiaries/{subsidiary}/subscriptions/{subID}/reject":  {sub + "/reject", only(false, http.StatusUnprocessableEntity, adminBank, platform)},
		"POST /admin/subsidiaries/{subsidiary}/subscriptions/{subID}/suspend": {sub + "/suspend", only(false, http.StatusConflict, adminBank, platform)},
		"POST /admin/subsidiaries/{subsidiary}/subscriptions/{subID}/resume":  {sub + "/resume", only(false, http.StatusConflict, adminBank, platform)},
	}
}

// validPlanForm is a complete monthly plan; overrides are name, value
// pairs.
func validPlanForm(overrides ...string) url.Values {
	f := url.Values{
		"name": {"Gold"}, "description": {"For **production** traffic."}, "audience": {"public"},
		"approval_mode": {"manual"}, "key_mode": {"key_pair"},
		"rate_per_second": {"10"}, "rate_per_minute": {""}, "rate_per_hour": {""},
		"quota_per_day": {"10000"}, "quota_per_month": {""},
		"pricing_model": {"monthly"}, "monthly_fee": {"49.00"}, "included_calls": {"1000000"},
		"price_per_call": {"0.0005"}, "currency": {"eur"}, "state": {"published"},
		"op_id":              {"listAccounts", ""},
		"op_rate_per_second": {"2", ""}, "op_rate_per_minute": {"", ""}, "op_rate_per_hour": {"", ""},
		"op_quota_per_day": {"", ""}, "op_quota_per_month": {"", ""},
	}
	for i := 0; i+1 < len(overrides); i += 2 {
		f.Set(overrides[i], overrides[i+1])
	}
	return f
}

func TestPlanEditorCreatesEditsAndHidesAPlan(t *testing.T) {
	ip := newIdentityPortal(t)
	ip.seedCatalog(t)
	accounts := subsidiaryAPI(t, ip, "bank", "accounts-api")
	b := ip.signedIn(t, adminBank)

	rec := b.get("/admin/subsidiaries/bank/plans")
	wantStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body)
	if n := byTestID(doc, "plan-api").Length(); n != 2 {
		t.Errorf("plans page lists %d APIs, want the bank's 2", n)
	}
	if byTestID(doc, "no-plans").Length() != 2 {
		t.Error("APIs without plans do not say so")
	}
	newLink, _ := doc.Find(`[data-api="accounts-api"] [data-testid="new-plan-link"]`).Attr("href")
	rec = b.get(newLink)
	wantStatus(t, rec, http.StatusOK)
	doc = parseHTML(t, rec.Body)
	if doc.Find(`select[name="op_id"] option[value="listAccounts"]`).Length() == 0 {
		t.Error("the editor does not offer the API's operations for per-operation limits")
	}
	if v, _ := doc.Find(`input[name="api"]`).Attr("value"); v != strconv.FormatInt(accounts.ID, 10) {
		t.Errorf("editor posts api %q, want %d", v, accounts.ID)
	}

	form := validPlanForm()
	form.Set("api", strconv.FormatInt(accounts.ID, 10))
	rec = b.postForm("/admin/subsidiaries/bank/plans", form)
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/admin/subsidiaries/bank/plans?done=created" {
		t.Errorf("after create: Location %q", loc)
	}
	plans := plansOf(t, ip, accounts.ID)
	if len(plans) != 1 {
		t.Fatalf("stored %d plans, want 1", len(plans))
	}
	got := plans[0]
	want := models.Plan{
		ID: got.ID, APIID: accounts.ID, Name: "Gold", Description: "For **production** traffic.",
		Audience: models.AudiencePublic, ApprovalMode: models.ApprovalManual, KeyMode: models.KeyModeKeyPair,
		Limits:          models.Limits{RatePerSecond: 10, QuotaPerDay: 10000},
		OperationLimits: map[string]models.Limits{"listAccounts": {RatePerSecond: 2}},
		Pricing:         models.Pricing{Model: models.PricingMonthly, MonthlyFee: "49.00", IncludedCalls: 1000000, PricePerCall: "0.0005", Currency: "EUR"},
		State:           models.PlanPublished, CreatedAt: got.CreatedAt, UpdatedAt: got.UpdatedAt,
	}
	if got.Name != want.Name || got.Description != want.Description || got.Audience != want.Audience ||
		got.ApprovalMode != want.ApprovalMode || got.KeyMode != want.KeyMode || got.Limits != want.Limits ||
		got.Pricing != want.Pricing || got.State != want.State || len(got.OperationLimits) != 1 ||
		got.OperationLimits["listAccounts"] != want.OperationLimits["listAccounts"] {
		t.Errorf("stored plan = %+v\nwant %+v", got, want)
	}

	rec = b.get("/admin/subsidiaries/bank/plans?done=created")
	doc = parseHTML(t, rec.Body)
	if !strings.Contains(byTestID(doc, "notice").Text(), "The plan was created.") {
		t.Error("no confirmation after creating the plan")
	}
	row := doc.Find(`[data-testid="plan-row"][data-plan="Gold"]`)
	if price := strings.TrimSpace(row.Find(`[data-testid="plan-price"]`).Text()); price != "EUR 49.00 / month, 1,000,000 calls included, then EUR 0.0005 per call" {
		t.Errorf("price shown %q", price)
	}
	if limits := strings.TrimSpace(row.Find(`[data-testid="plan-limits"]`).Text()); !strings.HasPrefix(limits, "10/s · 10,000/day") || !strings.Contains(limits, "limits on 1 operations") {
		t.Errorf("limits shown %q", limits)
	}
	if s := strings.TrimSpace(row.Find(`[data-testid="plan-state"]`).Text()); s != "Published" {
		t.Errorf("state shown %q, want Published", s)
	}
	editURL, _ := row.Find(`[data-testid="edit-plan-link"]`).Attr("href")

	rec = b.get(editURL)
	wantStatus(t, rec, http.StatusOK)
	doc = parseHTML(t, rec.Body)
	if v, _ := byTestID(doc, "field-name").Attr("value"); v != "Gold" {
		t.Errorf("editor shows name %q, want Gold", v)
	}
	if v, _ := byTestID(doc, "field-monthly_fee").Attr("value"); v != "49.00" {
		t.Errorf("editor shows fee %q, want 49.00", v)
	}
	if doc.Find(`input[name="approval_mode"][value="manual"][checked]`).Length() != 1 {
		t.Error("editor does not check the plan's approval mode")
	}

	// Edit: raise the rate, drop the operation's limits, hide the plan.
	form = validPlanForm("rate_per_second", "20", "state", "hidden", "op_id", "")
	rec = b.postForm(editURL, form)
	wantStatus(t, rec, http.StatusSeeOther)
	got = plansOf(t, ip, accounts.ID)[0]
	if got.RatePerSecond != 20 || got.State != models.PlanHidden || len(got.OperationLimits) != 0 || got.Name != "Gold" {
		t.Errorf("after edit: %+v, want 20/s, hidden, no operation limits", got)
	}
	doc = parseHTML(t, b.get("/admin/subsidiaries/bank/plans").Body)
	if s := strings.TrimSpace(doc.Find(`[data-plan="Gold"] [data-testid="plan-state"]`).Text()); s != "Hidden" {
		t.Errorf("state shown after hiding %q, want Hidden", s)
	}
	if n := len(ip.auditEvents(t, "plan.update")); n != 1 {
		t.Errorf("%d plan.update audit events, want 1", n)
	}
}

func TestPlanEditorRefusesInvalidInputAndStoresNothing(t *testing.T) {
	ip := newIdentityPortal(t)
	ip.seedCatalog(t)
	accounts := subsidiaryAPI(t, ip, "bank", "accounts-api")
	existing := testPlan(t, ip, accounts.ID, "Existing", models.AudiencePublic, models.ApprovalAutomatic)
	b := ip.signedIn(t, adminBank)
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		field      string // data-testid "error-"+field
		wantText   string // in the field's error
	}{
		{"negative limit", validPlanForm("rate_per_second", "-5"), http.StatusUnprocessableEntity, "rate_per_second", "The limit per second must not be negative."},
		{"bad currency", validPlanForm("currency", "EURO"), http.StatusUnprocessableEntity, "currency", "is not an ISO 4217 code such as EUR"},
		{"monthly plan without fee", validPlanForm("monthly_fee", ""), http.StatusUnprocessableEntity, "monthly_fee", "The monthly fee is required for a monthly plan."},
		{"limit that is not a number", validPlanForm("quota_per_day", "lots"), http.StatusUnprocessableEntity, "quota_per_day", "Enter a whole number"},
		{"blank name", validPlanForm("name", "  "), http.StatusUnprocessableEntity, "name", "Name is required."},
		{"operation the API does not have", validPlanForm("op_id", "deleteEverything"), http.StatusUnprocessableEntity, "op", `has no operation "deleteEverything"`},
		{"name of another plan of the API", validPlanForm("name", "Existing"), http.StatusConflict, "name", "already has a plan named"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := tc.form
			form.Set("api", strconv.FormatInt(accounts.ID, 10))
			rec := b.postForm("/admin/subsidiaries/bank/plans", form)
			wantStatus(t, rec, tc.wantStatus)
			doc := parseHTML(t, rec.Body)
			if msg := byTestID(doc, "error-"+tc.field).Text(); !strings.Contains(msg, tc.wantText) {
				t.Errorf("error-%s = %q, want it to contain %q", tc.field, msg, tc.wantText)
			}
			if byTestID(doc, "form-errors").Length() != 1 {
				t.Error("no summary saying the plan was not saved")
			}
			// The user's input is shown back.
			if v, _ := byTestID(doc, "field-"+tc.field).Attr("value"); tc.field != "name" && tc.field != "op" && v != form.Get(tc.field) {
				t.Errorf("field %s shows %q, want the input %q", tc.field, v, form.Get(tc.field))
			}
			if v, _ := byTestID(doc, "field-description").Html(); !strings.Contains(v, "For **production** traffic.") {
				t.Errorf("description not kept: %q", v)
			}
			if plans := plansOf(t, ip, accounts.ID); len(plans) != 1 {
				t.Errorf("%d plans stored, want only the existing one", len(plans))
			}
		})
	}

	// Every problem shows at once, those of the form and those of the plan's rules.
	form := validPlanForm("quota_per_day", "lots", "rate_per_second", "-1", "currency", "E", "op_rate_per_second", "x")
	form.Set("api", strconv.FormatInt(accounts.ID, 10))
	doc := parseHTML(t, b.postForm("/admin/subsidiaries/bank/plans", form).Body)
	for _, id := range []string{"error-quota_per_day", "error-rate_per_second", "error-currency", "error-op"} {
		if byTestID(doc, id).Length() != 1 {
			t.Errorf("with several problems, %s is missing", id)
		}
	}

	// An invalid edit changes nothing.
	rec := b.postForm("/admin/subsidiaries/bank/plans/"+strconv.FormatInt(existing.ID, 10), validPlanForm("name", "Existing", "rate_per_hour", "-1"))
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	if msg := byTestID(parseHTML(t, rec.Body), "error-rate_per_hour").Text(); !strings.Contains(msg, "must not be negative") {
		t.Errorf("error-rate_per_hour = %q", msg)
	}
	if got := plansOf(t, ip, accounts.ID)[0]; got.RatePerHour != 0 || got.Pricing.Model != models.PricingFree || !got.UpdatedAt.Equal(existing.UpdatedAt) {
		t.Errorf("refused edit changed the plan: %+v", got)
	}
	if n := len(ip.auditEvents(t, "plan.create")); n != 1 {
		t.Errorf("%d plan.create audit events, want only the existing plan's", n)
	}
}

func TestPlanPagesAreForTheSubsidiarysAdminsAndPublishers(t *testing.T) {
	ip := newIdentityPortal(t)
	ip.seedCatalog(t)
	accounts := subsidiaryAPI(t, ip, "bank", "accounts-api")
	quotes := subsidiaryAPI(t, ip, "insurance", "quotes")
	bankPlan := testPlan(t, ip, accounts.ID, "Bank plan", models.AudiencePublic, models.ApprovalManual)
	bankPlanURL := "/admin/subsidiaries/bank/plans/" + strconv.FormatInt(bankPlan.ID, 10)
	asInsurance := "/admin/subsidiaries/insurance/plans/" + strconv.FormatInt(bankPlan.ID, 10)

	ins := ip.signedIn(t, adminInsure)
	for _, tc := range []struct {
		name string
		rec  func() int
		want int
	}{
		{"bank plans page", func() int { return ins.get("/admin/subsidiaries/bank/plans").Code }, http.StatusForbidden},
		{"bank plan through the bank URL", func() int { return ins.get(bankPlanURL).Code }, http.StatusForbidden},
		{"bank plan edit through the bank URL", func() int { return ins.postForm(bankPlanURL, validPlanForm()).Code }, http.StatusForbidden},
		{"bank plan through the insurance URL", func() int { return ins.get(asInsurance).Code }, http.StatusNotFound},
		{"bank plan edit through the insurance URL", func() int { return ins.postForm(asInsurance, validPlanForm()).Code }, http.StatusNotFound},
		{"new plan for a bank API through the insurance URL", func() int {
			return ins.get("/admin/subsidiaries/insurance/plans/new?api=" + strconv.FormatInt(accounts.ID, 10)).Code
		}, http.StatusNotFound},
		{"plan for a bank API through the insurance URL", func() int {
			return ins.postForm("/admin/subsidiaries/insurance/plans", validPlanForm("api", strconv.FormatInt(accounts.ID, 10))).Code
		}, http.StatusNotFound},
		{"own plans page", func() int { return ins.get("/admin/subsidiaries/insurance/plans").Code }, http.StatusOK},
	} {
		if got := tc.rec(); got != tc.want {
			t.Errorf("insurance admin, %s: status %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := plansOf(t, ip, accounts.ID); len(got) != 1 || got[0].Name != "Bank plan" || got[0].Pricing.Model != models.PricingFree {
		t.Errorf("bank plans after the insurance admin's attempts: %+v", got)
	}
	if got := plansOf(t, ip, quotes.ID); len(got) != 0 {
		t.Errorf("insurance plans after the attempts: %+v", got)
	}

	// A publisher of the bank edits plans but does not approve.
	pub := ip.signedIn(t, pubBank)
	rec := pub.postForm(bankPlanURL, validPlanForm("name", "Bank plan", "state", "retired"))
	wantStatus(t, rec, http.StatusSeeOther)
	if got := plansOf(t, ip, accounts.ID)[0]; got.State != models.PlanRetired {
		t.Errorf("publisher's edit not saved: %+v", got)
	}
	if rec := pub.get("/admin/subsidiaries/bank/approvals"); rec.Code != http.StatusForbidden {
		t.Errorf("publisher on approvals: status %d, want 403", rec.Code)
	}
	doc := parseHTML(t, pub.get("/admin").Body)
	if byTestID(doc, "plans-link").Length() != 1 || byTestID(doc, "approvals-link").Length() != 0 {
		t.Error("the publisher's admin page should link to plans and not to approvals")
	}

	// A developer gets 403 everywhere under /admin.
	dev := ip.signedIn(t, developer)
	for _, path := range []string{"/admin", "/admin/subsidiaries/bank/plans", bankPlanURL, "/admin/subsidiaries/bank/approvals", "/admin/subsidiaries/bank/subscriptions"} {
		if rec := dev.get(path); rec.Code != http.StatusForbidden {
			t.Errorf("developer GET %s: status %d, want 403", path, rec.Code)
		}
	}
	if rec := dev.postForm(bankPlanURL, validPlanForm()); rec.Code != http.StatusForbidden {
		t.Errorf("developer POST %s: status %d, want 403", bankPlanURL, rec.Code)
	}
}

// TestPlanEditorSpikeArrestReachesTheGatewaySnapshot: a spike arrest typed
// in the editor is stored and compiled into the gateway's plan.
func TestPlanEditorSpikeArrestReachesTheGatewaySnapshot(t *testing.T) {
	ip := newIdentityPortal(t)
	ip.seedCatalog(t)
	accounts := subsidiaryAPI(t, ip, "bank", "accounts-api")
	b := ip.signedIn(t, adminBank)
	form := validPlanForm("spike_arrest", "lots")
	form.Set("api", strconv.FormatInt(accounts.ID, 10))
	rec := b.postForm("/admin/subsidiaries/bank/plans", form)
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	if msg := byTestID(parseHTML(t, rec.Body), "error-spike_arrest").Text(); !strings.Contains(msg, "whole number") {
		t.Errorf("spike arrest 'lots': %q", msg)
	}
	form.Set("spike_arrest", "5")
	rec = b.postForm("/admin/subsidiaries/bank/plans", form)
	wantStatus(t, rec, http.StatusSeeOther)
	plans := plansOf(t, ip, accounts.ID)
	if len(plans) != 1 || plans[0].SpikeArrest != 5 {
		t.Fatalf("stored plans = %+v; want one with spike arrest 5", plans)
	}
	snap, err := ip.st.CompileSnapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range snap.Plans {
		if p.ID == plans[0].ID && p.Limits.SpikeArrest != 5 {
			t.Errorf("gateway plan spike arrest = %d, want 5", p.Limits.SpikeArrest)
		}
	}
}

// TestPlanEditorIncludedOperations: the operations checked in the editor
// are the plan's (and the gateway's); an operation the API does not have
// is refused with the reason.
func TestPlanEditorIncludedOperations(t *testing.T) {
	ip := newIdentityPortal(t)
	ip.seedCatalog(t)
	accounts := subsidiaryAPI(t, ip, "bank", "accounts-api")
	b := ip.signedIn(t, adminBank)
	form := validPlanForm()
	form.Set("api", strconv.FormatInt(accounts.ID, 10))
	form["included_ops"] = []string{"listAccounts", "noSuchOperation"}
	rec := b.postForm("/admin/subsidiaries/bank/plans", form)
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	doc := parseHTML(t, rec.Body)
	if msg := byTestID(doc, "error-operations").Text(); !strings.Contains(msg, "noSuchOperation") {
		t.Errorf("an unknown operation: %q", msg)
	}
	if doc.Find(`[data-testid="included-op"][value="listAccounts"][checked]`).Length() != 1 {
		t.Error("the refused form lost the checked operation")
	}
	form["included_ops"] = []string{"listAccounts"}
	wantStatus(t, b.postForm("/admin/subsidiaries/bank/plans", form), http.StatusSeeOther)
	plans := plansOf(t, ip, accounts.ID)
	if len(plans) != 1 || strings.Join(plans[0].Operations, ",") != "listAccounts" {
		t.Fatalf("stored plans = %+v; want one including only listAccounts", plans)
	}
	snap, err := ip.st.CompileSnapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range snap.Plans {
		if p.ID == plans[0].ID && strings.Join(p.Operations, ",") != "listAccounts" {
			t.Errorf("gateway plan operations = %v", p.Operations)
		}
	}
	// Editing with nothing checked includes everything again.
	delete(form, "included_ops")
	wantStatus(t, b.postForm("/admin/subsidiaries/bank/plans/"+strconv.FormatInt(plans[0].ID, 10), form), http.StatusSeeOther)
	if p := plansOf(t, ip, accounts.ID)[0]; len(p.Operations) != 0 {
		t.Errorf("after unchecking all, operations = %v", p.Operations)
	}
}

// TestPlanEditorQueryCredentials: the checkbox is stored and compiled into
// the gateway's plan; unchecked (the default) it is off.
func TestPlanEditorQueryCredentials(t *testing.T) {
	ip := newIdentityPortal(t)
	ip.seedCatalog(t)
	accounts := subsidiaryAPI(t, ip, "bank", "accounts-api")
	b := ip.signedIn(t, adminBank)
	form := validPlanForm()
	form.Set("api", strconv.FormatInt(accounts.ID, 10))
	wantStatus(t, b.postForm("/admin/subsidiaries/bank/plans", form), http.StatusSeeOther)
	p := plansOf(t, ip, accounts.ID)[0]
	if p.QueryCredentials {
		t.Fatal("a new plan accepts credentials in the query by default")
	}
	form.Set("query_credentials", "on")
	wantStatus(t, b.postForm("/admin/subsidiaries/bank/plans/"+strconv.FormatInt(p.ID, 10), form), http.StatusSeeOther)
	snap, err := ip.st.CompileSnapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, gp := range snap.Plans {
		if gp.ID == p.ID && !gp.QueryCredentials {
			t.Error("the gateway's plan does not accept query credentials after the editor turned them on")
		}
	}
	rec := b.get("/admin/subsidiaries/bank/plans/" + strconv.FormatInt(p.ID, 10))
	if byTestID(parseHTML(t, rec.Body), "field-query_credentials").Is("[checked]") == false {
		t.Error("the editor does not show the setting as on")
	}
}
