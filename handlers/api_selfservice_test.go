package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	legacyrouter "github.com/getkin/kin-openapi/routers/legacy"
	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/credentials"
	"github.com/portico/portico/models"
)

// testPepper is the key pepper of the self-service API tests.
var testPepper = []byte("test-pepper-0123456789-0123456789-abcdef")

var keyPattern = regexp.MustCompile(`^` + credentials.KeyPattern + `$`)

// newSelfServicePortal is the identity portal with a key hasher and the
// test catalog (bank/accounts-api public, bank/payments-api partner,
// insurance/quotes public, securities/trading-desk internal).
func newSelfServicePortal(t *testing.T) *identityPortal {
	t.Helper()
	h, err := credentials.NewHasher(testPepper)
	if err != nil {
		t.Fatal(err)
	}
	ip := newIdentityPortal(t, func(o *Options) { o.KeyHasher = h })
	ip.seedCatalog(t)
	ip.seedInternal(t)
	return ip
}

// apiID returns the ID of a seeded API.
func (ip *identityPortal) apiID(t testing.TB, sub, api string) int64 {
	t.Helper()
	id, err := ip.st.FindAPIID(context.Background(), sub, api)
	if err != nil {
		t.Fatalf("find API %s/%s: %v", sub, api, err)
	}
	return id
}

// createTestPlan stores a published free plan for the API, changed by
// adjust.
func (ip *identityPortal) createTestPlan(t testing.TB, sub, api, name string, adjust ...func(*models.Plan)) models.Plan {
	t.Helper()
	p := models.Plan{
		APIID: ip.apiID(t, sub, api), Name: name, Audience: models.AudiencePublic,
		ApprovalMode: models.ApprovalAutomatic, KeyMode: models.KeyModeKeyPair,
		Pricing: models.Pricing{Model: models.PricingFree}, State: models.PlanPublished,
	}
	for _, f := range adjust {
		f(&p)
	}
	p, err := ip.st.CreatePlan(context.Background(), testSystemActor, []string{models.GlobalDomain}, p)
	if err != nil {
		t.Fatalf("create plan %s: %v %v", name, err, models.DetailsOf(err))
	}
	return p
}

// sendJSON sends a JSON request from the browser (same origin, with its
// session). body may be a string (sent as is), nil (no body) or a value.
func (b *browser) sendJSON(method, target string, body any) *httptest.ResponseRecorder {
	b.t.Helper()
	var data []byte
	switch v := body.(type) {
	case nil:
	case string:
		data = []byte(v)
	default:
		var err error
		if data, err = json.Marshal(v); err != nil {
			b.t.Fatal(err)
		}
	}
	r := httptest.NewRequest(method, target, bytes.NewReader(data))
	if data != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	return b.do(r)
}

// decodeAs decodes a JSON response body.
func decodeAs[T any](t testing.TB, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json; body: %s", ct, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode: %v; body: %s", err, rec.Body)
	}
	return v
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// signedInBrowser signs a new browser in as the persona.
func (ip *identityPortal) signedInBrowser(t *testing.T, persona string) *browser {
	t.Helper()
	b := ip.browser(t)
	b.mustSignIn(ip.users[persona].Email)
	return b
}

func TestAPISelfService_DeveloperFlow(t *testing.T) {
	ip := newSelfServicePortal(t)
	free := ip.createTestPlan(t, "bank", "accounts-api", "Sandbox")
	ip.createTestPlan(t, "bank", "accounts-api", "Old", func(p *models.Plan) { p.State = models.PlanHidden })
	dev := ip.signedInBrowser(t, developer)

	// The API's plans: the published one only, for anyone.
	plans := decodeAs[listJSON[planJSON]](t, ip.browser(t).get("/api/v1/apis/bank/accounts-api/plans"))
	if len(plans.Items) != 1 || plans.Items[0].ID != free.ID || plans.Items[0].Pricing.Model != models.PricingFree {
		t.Fatalf("plans = %+v, want only the published free plan", plans.Items)
	}

	rec := dev.sendJSON(http.MethodPost, "/api/v1/applications", map[string]any{
		"name": "  Budget app ", "description": "Reads balances.", "ip_allowlist": []string{"192.0.2.0/24"}})
	wantStatus(t, rec, http.StatusCreated)
	app := decodeAs[applicationJSON](t, rec)
	if app.Name != "Budget app" || app.TeamID != nil || app.Status != "active" || len(app.IPAllowlist) != 1 ||
		!regexp.MustCompile(`^`+credentials.AppIDPattern+`$`).MatchString(app.AppID) {
		t.Errorf("application = %+v", app)
	}
	appURL := "/api/v1/applications/" + itoa(app.ID)
	if loc := rec.Header().Get("Location"); loc != appURL {
		t.Errorf("Location = %q, want %q", loc, appURL)
	}

	rec = dev.sendJSON(http.MethodPost, appURL+"/subscriptions", map[string]any{"plan_id": free.ID})
	wantStatus(t, rec, http.StatusCreated)
	if s := decodeAs[subscriptionJSON](t, rec); s.State != "active" || s.PlanID != free.ID || s.ApplicationID != app.ID {
		t.Errorf("subscription = %+v, want active on the free plan", s)
	}

	rec = dev.sendJSON(http.MethodPost, appURL+"/keys", map[string]any{"name": "production"})
	wantStatus(t, rec, http.StatusCreated)
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	first := decodeAs[createdKeyJSON](t, rec)
	if !keyPattern.MatchString(first.Key) || !strings.HasPrefix(first.Key, first.Prefix) || first.Kind != "app_key" || !first.Live || first.Name != "production" {
		t.Fatalf("created key = %+v", first.keyJSON)
	}

	// Listing shows the prefix, never the secret.
	rec = dev.get(appURL + "/keys")
	wantStatus(t, rec, http.StatusOK)
	if strings.Contains(rec.Body.String(), first.Key) {
		t.Fatal("the key list shows the secret")
	}
	keys := decodeAs[listJSON[keyJSON]](t, rec)
	if len(keys.Items) != 1 || keys.Items[0].Prefix != first.Prefix || keys.Items[0].ID != first.ID {
		t.Fatalf("keys = %+v", keys.Items)
	}

	rec = dev.sendJSON(http.MethodPost, appURL+"/keys/"+itoa(first.ID)+"/rotate", map[string]any{"grace_seconds": 3600})
	wantStatus(t, rec, http.StatusCreated)
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("rotate Cache-Control = %q, want no-store", cc)
	}
	second := decodeAs[createdKeyJSON](t, rec)
	if !keyPattern.MatchString(second.Key) || second.Key == first.Key || second.ID == first.ID {
		t.Fatalf("rotated key = %+v", second.keyJSON)
	}
	if second.ExpiresAt != nil {
		t.Errorf("rotated key expires at %v, want no expiry (none asked)", second.ExpiresAt)
	}
	if second.Replaces == nil || second.Replaces.ID != first.ID || second.Replaces.ExpiresAt == nil ||
		second.Replaces.ExpiresAt.After(time.Now().Add(time.Hour+time.Minute)) {
		t.Errorf("replaces = %+v, want the old key expiring within the hour", second.Replaces)
	}

	rec = dev.sendJSON(http.MethodDelete, appURL+"/keys/"+itoa(second.ID), nil)
	wantStatus(t, rec, http.StatusNoContent)
	keys = decodeAs[listJSON[keyJSON]](t, dev.get(appURL+"/keys"))
	for _, k := range keys.Items {
		if k.ID == second.ID && (k.RevokedAt == nil || k.Live) {
			t.Errorf("revoked key = %+v", k)
		}
	}
	// Revoking it again: it is no longer a live key.
	wantStatus(t, dev.sendJSON(http.MethodDelete, appURL+"/keys/"+itoa(second.ID), nil), http.StatusNotFound)

	subs := decodeAs[listJSON[subscriptionJSON]](t, dev.get(appURL+"/subscriptions"))
	if len(subs.Items) != 1 {
		t.Fatalf("subscriptions = %+v", subs.Items)
	}
	rec = dev.sendJSON(http.MethodDelete, appURL+"/subscriptions/"+itoa(subs.Items[0].ID), nil)
	wantStatus(t, rec, http.StatusOK)
	if s := decodeAs[subscriptionJSON](t, rec); s.State != "cancelled" {
		t.Errorf("cancelled subscription state = %q", s.State)
	}

	rec = dev.sendJSON(http.MethodPatch, appURL, map[string]any{"description": "Reads balances and cards."})
	wantStatus(t, rec, http.StatusOK)
	if a := decodeAs[applicationJSON](t, rec); a.Description != "Reads balances and cards." || a.Name != "Budget app" || len(a.IPAllowlist) != 1 {
		t.Errorf("patched application = %+v, want only the description changed", a)
	}

	// No secret in the logs.
	for _, k := range []string{first.Key, second.Key} {
		if strings.Contains(ip.logs.String(), k) {
			t.Error("a secret key appears in the logs")
		}
	}
}

func TestAPISelfService_OtherDevelopersObjectsAreNotFound(t *testing.T) {
	ip := newSelfServicePortal(t)
	plan := ip.createTestPlan(t, "bank", "accounts-api", "Sandbox")
	other := ip.createTestPlan(t, "insurance", "quotes", "Broker")
	a := ip.signedInBrowser(t, developer)
	createTestUser(t, ip.st, "dev.b@rival.example", models.UserExternal, roleGlobal(models.RoleDeveloper))
	b := ip.browser(t)
	b.mustSignIn("dev.b@rival.example")

	app := decodeAs[applicationJSON](t, a.sendJSON(http.MethodPost, "/api/v1/applications", map[string]any{"name": "A's app"}))
	appURL := "/api/v1/applications/" + itoa(app.ID)
	key := decodeAs[createdKeyJSON](t, a.sendJSON(http.MethodPost, appURL+"/keys", map[string]any{"name": "prod"}))
	sub := decodeAs[subscriptionJSON](t, a.sendJSON(http.MethodPost, appURL+"/subscriptions", map[string]any{"plan_id": plan.ID}))
	keyURL := appURL + "/keys/" + itoa(key.ID)

	tests := []struct {
		name, method, path string
		body               any
	}{
		{"show the app", http.MethodGet, appURL, nil},
		{"rename the app", http.MethodPatch, appURL, map[string]any{"name": "mine now"}},
		{"list its keys", http.MethodGet, appURL + "/keys", nil},
		{"add a key", http.MethodPost, appURL + "/keys", map[string]any{"name": "stolen"}},
		{"rotate its key", http.MethodPost, keyURL + "/rotate", map[string]any{}},
		{"revoke its key", http.MethodDelete, keyURL, nil},
		{"list its subscriptions", http.MethodGet, appURL + "/subscriptions", nil},
		{"subscribe it", http.MethodPost, appURL + "/subscriptions", map[string]any{"plan_id": other.ID}},
		{"cancel its subscription", http.MethodDelete, appURL + "/subscriptions/" + itoa(sub.ID), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := b.sendJSON(tc.method, tc.path, tc.body)
			wantStatus(t, rec, http.StatusNotFound)
			if p := problemOf(t, rec); p.Detail == "" || strings.Contains(p.Detail, "A's app") {
				t.Errorf("problem detail = %q", p.Detail)
			}
		})
	}

	// B's own application cannot reach A's key or subscription either.
	bApp := decodeAs[applicationJSON](t, b.sendJSON(http.MethodPost, "/api/v1/applications", map[string]any{"name": "B's app"}))
	bURL := "/api/v1/applications/" + itoa(bApp.ID)
	wantStatus(t, b.sendJSON(http.MethodDelete, bURL+"/keys/"+itoa(key.ID), nil), http.StatusNotFound)
	wantStatus(t, b.sendJSON(http.MethodPost, bURL+"/keys/"+itoa(key.ID)+"/rotate", nil), http.StatusNotFound)
	wantStatus(t, b.sendJSON(http.MethodDelete, bURL+"/subscriptions/"+itoa(sub.ID), nil), http.StatusNotFound)
	// Nor can A, through its own application, reach a key by another
	// application's URL.
	wantStatus(t, a.sendJSON(http.MethodDelete, bURL+"/keys/"+itoa(key.ID), nil), http.StatusNotFound)

	// Nothing of A's changed.
	got := decodeAs[applicationJSON](t, a.get(appURL))
	if got.Name != "A's app" {
		t.Errorf("A's app name = %q", got.Name)
	}
	keys := decodeAs[listJSON[keyJSON]](t, a.get(appURL+"/keys"))
	if len(keys.Items) != 1 || !keys.Items[0].Live {
		t.Errorf("A's keys = %+v, want the one live key", keys.Items)
	}
	subs := decodeAs[listJSON[subscriptionJSON]](t, a.get(appURL+"/subscriptions"))
	if len(subs.Items) != 1 || subs.Items[0].State != "active" || subs.Items[0].PlanID != plan.ID {
		t.Errorf("A's subscriptions = %+v", subs.Items)
	}
}

func TestAPISelfService_BadInputIsExplainedAndNothingIsStored(t *testing.T) {
	ip := newSelfServicePortal(t)
	dev := ip.signedInBrowser(t, developer)
	tests := []struct {
		name        string
		contentType string
		body        string
		wantStatus  int
		wantDetail  string // in the problem's detail
		wantError   string // in one of the problem's errors ("" for none)
	}{
		{"malformed JSON", "application/json", `{"name": "x",}`, http.StatusBadRequest, "syntax error at line 1, column 14", ""},
		{"truncated JSON", "application/json", `{"name": "x"`, http.StatusBadRequest, "ends in the middle", ""},
		{"empty body", "application/json", ``, http.StatusBadRequest, "The request body is empty", ""},
		{"two objects", "application/json", `{"name":"x"} {"name":"y"}`, http.StatusBadRequest, "exactly one object", ""},
		{"not an object", "application/json", `["x"]`, http.StatusUnprocessableEntity, "must be a JSON object", ""},
		{"unknown field", "application/json", `{"name":"x","status":"suspended"}`, http.StatusUnprocessableEntity, "does not accept", `"status" is not a field`},
		{"wrong type", "application/json", `{"name":42}`, http.StatusUnprocessableEntity, "wrong type", "name must be a string, not a JSON number"},
		{"wrong type in a list", "application/json", `{"name":"x","ip_allowlist":"10.0.0.0/8"}`, http.StatusUnprocessableEntity, "wrong type", "ip_allowlist must be an array, not a JSON string"},
		{"blank name", "application/json", `{"name":"   "}`, http.StatusUnprocessableEntity, "", "name"},
		{"bad CIDR", "application/json", `{"name":"x","ip_allowlist":["10.0.0.1/8"]}`, http.StatusUnprocessableEntity, "", `ip_allowlist entry "10.0.0.1/8" is not a CIDR`},
		{"not JSON", "text/plain", `name=x`, http.StatusUnsupportedMediaType, "Content-Type: application/json", ""},
		{"too large", "application/json", `{"name":"` + strings.Repeat("x", maxJSONBody) + `"}`, http.StatusRequestEntityTooLarge, "64 KiB", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/api/v1/applications", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.contentType)
			rec := dev.do(r)
			wantStatus(t, rec, tc.wantStatus)
			p := problemOf(t, rec)
			if !strings.Contains(p.Detail, tc.wantDetail) {
				t.Errorf("detail = %q, want it to contain %q", p.Detail, tc.wantDetail)
			}
			if tc.wantError != "" && !strings.Contains(strings.Join(p.Errors, "\n"), tc.wantError) {
				t.Errorf("errors = %q, want one containing %q", p.Errors, tc.wantError)
			}
			if tc.wantError == "" && len(p.Errors) != 0 {
				t.Errorf("errors = %q, want none", p.Errors)
			}
		})
	}
	apps, err := ip.st.ListApplications(context.Background(), ip.users[developer].ID)
	if err != nil || len(apps) != 0 {
		t.Errorf("applications after refused requests = %v, %v; want none", apps, err)
	}

	// Keys: an unknown kind and a past expiry are refused; nothing stored.
	app := decodeAs[applicationJSON](t, dev.sendJSON(http.MethodPost, "/api/v1/applications", map[string]any{"name": "ok"}))
	keysURL := "/api/v1/applications/" + itoa(app.ID) + "/keys"
	for body, want := range map[string]string{
		`{"kind":"password"}`:                   `kind "password" is not app_key or api_key`,
		`{"expires_at":"tomorrow"}`:             "expires_at must be a date and time in RFC 3339 format",
		`{"expires_at":"2001-01-01T00:00:00Z"}`: "expiry date is in the past",
		`{"name":"x","grace_seconds":10}`:       `"grace_seconds" is not a field`,
	} {
		rec := dev.sendJSON(http.MethodPost, keysURL, body)
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		p := problemOf(t, rec)
		if all := p.Detail + "\n" + strings.Join(p.Errors, "\n"); !strings.Contains(all, want) {
			t.Errorf("%s: problem = %q %q, want %q", body, p.Detail, p.Errors, want)
		}
	}
	if keys := decodeAs[listJSON[keyJSON]](t, dev.get(keysURL)); len(keys.Items) != 0 {
		t.Errorf("keys after refused requests = %+v", keys.Items)
	}
	// Malformed IDs name nothing.
	wantStatus(t, dev.get("/api/v1/applications/01"), http.StatusNotFound)
	wantStatus(t, dev.get("/api/v1/applications/abc/keys"), http.StatusNotFound)
}

func TestAPISelfService_KeysNeedARecentSignIn(t *testing.T) {
	ip := newSelfServicePortal(t)
	dev := ip.signedInBrowser(t, developer)
	app := decodeAs[applicationJSON](t, dev.sendJSON(http.MethodPost, "/api/v1/applications", map[string]any{"name": "ok"}))
	keysURL := "/api/v1/applications/" + itoa(app.ID) + "/keys"
	key := decodeAs[createdKeyJSON](t, dev.sendJSON(http.MethodPost, keysURL, map[string]any{"name": "first"}))

	ip.clock.advance(11 * time.Minute)
	for name, path := range map[string]string{"create": keysURL, "rotate": keysURL + "/" + itoa(key.ID) + "/rotate"} {
		rec := dev.sendJSON(http.MethodPost, path, map[string]any{})
		wantStatus(t, rec, http.StatusUnauthorized)
		p := problemOf(t, rec)
		if !strings.Contains(p.Detail, "within the last 10 minutes") || !strings.Contains(p.Detail, "sign in to the portal again") {
			t.Errorf("%s: detail = %q", name, p.Detail)
		}
		if rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate header", name)
		}
	}
	// Listing still works, and nothing was created or rotated.
	rec := dev.get(keysURL)
	wantStatus(t, rec, http.StatusOK)
	if keys := decodeAs[listJSON[keyJSON]](t, rec); len(keys.Items) != 1 || !keys.Items[0].Live {
		t.Errorf("keys = %+v, want the first key only, live", keys.Items)
	}

	// Signing in again makes it work.
	dev.mustSignIn(ip.users[developer].Email)
	wantStatus(t, dev.sendJSON(http.MethodPost, keysURL, map[string]any{"name": "second"}), http.StatusCreated)
}

func TestAPISelfService_NoKeyHasherIs503(t *testing.T) {
	ip := newIdentityPortal(t)
	dev := ip.signedInBrowser(t, developer)
	app := decodeAs[applicationJSON](t, dev.sendJSON(http.MethodPost, "/api/v1/applications", map[string]any{"name": "ok"}))
	rec := dev.sendJSON(http.MethodPost, "/api/v1/applications/"+itoa(app.ID)+"/keys", map[string]any{})
	wantStatus(t, rec, http.StatusServiceUnavailable)
	if p := problemOf(t, rec); !strings.Contains(p.Detail, "not configured") {
		t.Errorf("detail = %q", p.Detail)
	}
}

// apiMatrixFixture are the objects of the JSON self-service rows of the
// route × role matrix.
type apiMatrixFixture struct {
	devApp   int64 // the developer persona's application
	otherApp int64 // an application of an account that is no persona
}

// seedAPIMatrix creates the applications of the matrix rows.
func seedAPIMatrix(t *testing.T, ip *identityPortal, otherUser int64) apiMatrixFixture {
	t.Helper()
	ctx := context.Background()
	mk := func(owner int64) int64 {
		app, err := ip.st.CreateApplication(ctx, testSystemActor, owner, models.Application{
			OwnerUserID: &owner, Name: "Matrix app", Status: models.ApplicationActive, AppID: credentials.NewAppID()})
		if err != nil {
			t.Fatal(err)
		}
		return app.ID
	}
	return apiMatrixFixture{devApp: mk(ip.users[developer].ID), otherApp: mk(otherUser)}
}

// apiSelfServicePolicies are the matrix rows of the JSON self-service and
// plan endpoints. Requests carry no body: allowed callers of endpoints that
// need one get 400. Developer endpoints: every signed-in role (each
// manages applications of its own); someone else's application is 404.
func apiSelfServicePolicies(f apiMatrixFixture) map[string]routeCase {
	dev := "/api/v1/applications/" + itoa(f.devApp)
	other := "/api/v1/applications/" + itoa(f.otherApp)
	// Every role may manage applications of its own (staff self-provision).
	apiSignedIn := func(status int) map[string]int {
		return with(everyone(status), anonymous, http.StatusUnauthorized)
	}
	apps := func(owner, others int) map[string]int {
		return with(apiSignedIn(others), developer, owner)
	}
	staffOnly := with(everyone(http.StatusOK), anonymous, http.StatusNotFound, developer, http.StatusNotFound)
	return map[string]routeCase{
		"GET /api/v1/apis/{subsidiary}/{api}/plans": {"/api/v1/apis/securities/trading-desk/plans", staffOnly},
		"GET /api/v1/applications":                  {"/api/v1/applications", apiSignedIn(http.StatusOK)},
		"POST /api/v1/applications":                 {"/api/v1/applications", apiSignedIn(http.StatusBadRequest)},
		"GET /api/v1/applications/{appID}":          {dev, apps(http.StatusOK, http.StatusNotFound)},
		"PATCH /api/v1/applications/{appID}":        {dev, apiSignedIn(http.StatusBadRequest)},
		"GET /api/v1/applications/{appID}/keys":     {dev + "/keys", apps(http.StatusOK, http.StatusNotFound)},
		"POST /api/v1/applications/{appID}/keys":    {other + "/keys", apiSignedIn(http.StatusNotFound)},
		"DELETE /api/v1/applications/{appID}/keys/{keyID}": {dev + "/keys/999999",
			apiSignedIn(http.StatusNotFound)},
		"POST /api/v1/applications/{appID}/keys/{keyID}/rotate": {dev + "/keys/999999/rotate",
			apiSignedIn(http.StatusNotFound)},
		"GET /api/v1/applications/{appID}/subscriptions":  {dev + "/subscriptions", apps(http.StatusOK, http.StatusNotFound)},
		"POST /api/v1/applications/{appID}/subscriptions": {dev + "/subscriptions", apiSignedIn(http.StatusBadRequest)},
		"DELETE /api/v1/applications/{appID}/subscriptions/{subID}": {dev + "/subscriptions/999999",
			apiSignedIn(http.StatusNotFound)},

		// Plans: admins and publishers of the subsidiary (and the token).
		"GET /api/v1/subsidiaries/{subsidiary}/plans":  {"/api/v1/subsidiaries/bank/plans", only(true, http.StatusOK, pubBank, adminBank, platform)},
		"POST /api/v1/subsidiaries/{subsidiary}/plans": {"/api/v1/subsidiaries/bank/plans", only(true, http.StatusBadRequest, pubBank, adminBank, platform)},
		"GET /api/v1/subsidiaries/{subsidiary}/plans/{planID}": {"/api/v1/subsidiaries/bank/plans/999999",
			only(true, http.StatusNotFound, pubBank, adminBank, platform)},
		"PATCH /api/v1/subsidiaries/{subsidiary}/plans/{planID}": {"/api/v1/subsidiaries/bank/plans/999999",
			only(true, http.StatusBadRequest, pubBank, adminBank, platform)},
		// Approvals: admins of the subsidiary, as people.
		"GET /api/v1/subsidiaries/{subsidiary}/approvals": {"/api/v1/subsidiaries/bank/approvals", only(true, http.StatusOK, adminBank, platform)},
		"POST /api/v1/subsidiaries/{subsidiary}/subscriptions/{subID}/decision": {"/api/v1/subsidiaries/bank/subscriptions/999999/decision",
			only(true, http.StatusBadRequest, adminBank, platform)},
		"POST /api/v1/subsidiaries/{subsidiary}/subscriptions/{subID}/suspend": {"/api/v1/subsidiaries/bank/subscriptions/999999/suspend",
			only(true, http.StatusNotFound, adminBank, platform)},
		"POST /api/v1/subsidiaries/{subsidiary}/subscriptions/{subID}/resume": {"/api/v1/subsidiaries/bank/subscriptions/999999/resume",
			only(true, http.StatusNotFound, adminBank, platform)},
	}
}

// conformance checks recorded responses against Portico's served OpenAPI
// document with kin-openapi's response validation.
type conformance struct {
	t      *testing.T
	router routers.Router
}

func newConformance(t *testing.T, ip *identityPortal) *conformance {
	t.Helper()
	rec := ip.get(t, "/api/v1/openapi.json")
	wantStatus(t, rec, http.StatusOK)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("load the document: %v", err)
	}
	router, err := legacyrouter.NewRouter(doc)
	if err != nil {
		t.Fatalf("router: %v", err)
	}
	return &conformance{t: t, router: router}
}

// check sends r through b and validates the response against the
// document's operation for r; it returns the response.
func (c *conformance) check(b *browser, method, target string, body any, want int) *httptest.ResponseRecorder {
	c.t.Helper()
	rec := b.sendJSON(method, target, body)
	wantStatus(c.t, rec, want)
	c.validate(method, target, rec)
	return rec
}

func (c *conformance) validate(method, target string, rec *httptest.ResponseRecorder) {
	c.t.Helper()
	req := httptest.NewRequest(method, target, nil)
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		c.t.Errorf("%s %s: not in the document: %v", method, target, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		c.t.Errorf("%s %s → %d does not conform to the document: %v\nbody: %.1500s", method, target, rec.Code, err, rec.Body)
	}
}

func TestAPIDoc_SelfServiceResponsesConformToTheDocument(t *testing.T) {
	ip := newSelfServicePortal(t)
	c := newConformance(t, ip)
	dev := ip.signedInBrowser(t, developer)
	admin := ip.signedInBrowser(t, adminBank)
	anon := ip.browser(t)

	// Plans (admin), then the public list.
	rec := c.check(admin, http.MethodPost, "/api/v1/subsidiaries/bank/plans", monthlyPlanJSON, http.StatusCreated)
	plan := decodeAs[planJSON](t, rec)
	free := c.check(admin, http.MethodPost, "/api/v1/subsidiaries/bank/plans",
		`{"api_id":`+itoa(plan.APIID)+`,"name":"Sandbox","audience":"public","approval_mode":"automatic"}`, http.StatusCreated)
	freePlan := decodeAs[planJSON](t, free)
	c.check(admin, http.MethodGet, "/api/v1/subsidiaries/bank/plans", nil, http.StatusOK)
	c.check(admin, http.MethodGet, "/api/v1/subsidiaries/bank/plans/"+itoa(plan.ID), nil, http.StatusOK)
	c.check(admin, http.MethodPatch, "/api/v1/subsidiaries/bank/plans/"+itoa(plan.ID), `{"description":"Changed."}`, http.StatusOK)
	c.check(admin, http.MethodPost, "/api/v1/subsidiaries/bank/plans", `{"name":1}`, http.StatusUnprocessableEntity)
	c.check(anon, http.MethodGet, "/api/v1/apis/bank/accounts-api/plans", nil, http.StatusOK)
	c.check(anon, http.MethodGet, "/api/v1/apis/securities/trading-desk/plans", nil, http.StatusNotFound)

	// Applications, keys, subscriptions.
	c.check(anon, http.MethodGet, "/api/v1/applications", nil, http.StatusUnauthorized)
	rec = c.check(dev, http.MethodPost, "/api/v1/applications", map[string]any{"name": "Conformant", "ip_allowlist": []string{"2001:db8::/32"}}, http.StatusCreated)
	app := decodeAs[applicationJSON](t, rec)
	appURL := "/api/v1/applications/" + itoa(app.ID)
	c.check(dev, http.MethodGet, "/api/v1/applications", nil, http.StatusOK)
	c.check(dev, http.MethodGet, appURL, nil, http.StatusOK)
	c.check(dev, http.MethodPatch, appURL, map[string]any{"name": "Renamed"}, http.StatusOK)
	c.check(dev, http.MethodPost, "/api/v1/applications", `{"name":`, http.StatusBadRequest)
	rec = c.check(dev, http.MethodPost, appURL+"/keys", map[string]any{"name": "prod", "expires_at": time.Now().Add(48 * time.Hour).UTC()}, http.StatusCreated)
	key := decodeAs[createdKeyJSON](t, rec)
	c.check(dev, http.MethodGet, appURL+"/keys", nil, http.StatusOK)
	rec = c.check(dev, http.MethodPost, appURL+"/keys/"+itoa(key.ID)+"/rotate", map[string]any{"grace_seconds": 60}, http.StatusCreated)
	rotated := decodeAs[createdKeyJSON](t, rec)
	if key.ExpiresAt == nil || rotated.ExpiresAt != nil {
		t.Errorf("expiries: old %v, rotated %v; want the rotated key not to inherit the old one's", key.ExpiresAt, rotated.ExpiresAt)
	}
	c.check(dev, http.MethodDelete, appURL+"/keys/"+itoa(rotated.ID), nil, http.StatusNoContent)
	c.check(dev, http.MethodGet, appURL+"/keys", nil, http.StatusOK) // revoked and expiring keys
	rec = c.check(dev, http.MethodPost, appURL+"/subscriptions", map[string]any{"plan_id": plan.ID}, http.StatusCreated)
	pending := decodeAs[subscriptionJSON](t, rec)
	c.check(dev, http.MethodPost, appURL+"/subscriptions", map[string]any{"plan_id": plan.ID}, http.StatusConflict)
	c.check(dev, http.MethodGet, appURL+"/subscriptions", nil, http.StatusOK)

	// Approvals.
	c.check(admin, http.MethodGet, "/api/v1/subsidiaries/bank/approvals", nil, http.StatusOK)
	subURL := "/api/v1/subsidiaries/bank/subscriptions/" + itoa(pending.ID)
	c.check(admin, http.MethodPost, subURL+"/decision", `{"decision":"approve","comment":"ok"}`, http.StatusOK)
	c.check(admin, http.MethodPost, subURL+"/suspend", nil, http.StatusOK)
	c.check(admin, http.MethodPost, subURL+"/resume", `{"comment":"paid"}`, http.StatusOK)
	c.check(dev, http.MethodGet, "/api/v1/subsidiaries/bank/approvals", nil, http.StatusForbidden)
	c.check(dev, http.MethodDelete, appURL+"/subscriptions/"+itoa(pending.ID), nil, http.StatusOK)

	// A second application on the free plan: active at once.
	other := decodeAs[applicationJSON](t, c.check(dev, http.MethodPost, "/api/v1/applications", map[string]any{"name": "Other"}, http.StatusCreated))
	c.check(dev, http.MethodPost, "/api/v1/applications/"+itoa(other.ID)+"/subscriptions", map[string]any{"plan_id": freePlan.ID}, http.StatusCreated)
	c.check(dev, http.MethodGet, "/api/v1/applications/999999", nil, http.StatusNotFound)
}

// TestAPIDoc_EveryAPIRouteIsDocumented walks the router: every route under
// /api/v1 must be an operation of Portico's document.
func TestAPIDoc_EveryAPIRouteIsDocumented(t *testing.T) {
	ip := newIdentityPortal(t)
	rec := ip.get(t, "/api/v1/openapi.json")
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"session", "adminToken"} {
		if doc.Components.SecuritySchemes[name] == nil {
			t.Errorf("the document lacks the %s security scheme", name)
		}
	}
	err = chi.Walk(ip.p.handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if !strings.HasPrefix(route, "/api/v1/") {
			return nil
		}
		item := doc.Paths.Value(route)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("%s %s is not described in handlers/apidoc/portico-openapi.yaml", method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAPISelfService_CrossSiteRequestsWithTheSessionAreRefused(t *testing.T) {
	ip := newSelfServicePortal(t)
	dev := ip.signedInBrowser(t, developer)
	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, "/api/v1/applications"},
		{http.MethodPatch, "/api/v1/applications/1"},
		{http.MethodDelete, "/api/v1/applications/1/keys/1"},
	} {
		r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(`{"name":"csrf"}`))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		r.Header.Set("Origin", "https://evil.example")
		rec := dev.do(r)
		wantStatus(t, rec, http.StatusForbidden)
		problemOf(t, rec)
	}
	if apps, err := ip.st.ListApplications(context.Background(), ip.users[developer].ID); err != nil || len(apps) != 0 {
		t.Errorf("applications = %v, %v; want none", apps, err)
	}
}

func TestAPISelfService_StaffSelfProvisionInternalPlans(t *testing.T) {
	ip := newSelfServicePortal(t)
	desk := ip.createTestPlan(t, "securities", "trading-desk", "Desk", func(p *models.Plan) {
		p.Audience, p.ApprovalMode = models.AudienceInternal, models.ApprovalManual
	})
	staff := ip.signedInBrowser(t, internal)
	plans := decodeAs[listJSON[planJSON]](t, staff.get("/api/v1/apis/securities/trading-desk/plans"))
	if len(plans.Items) != 1 || plans.Items[0].ID != desk.ID {
		t.Fatalf("internal plans for staff = %+v", plans.Items)
	}
	app := decodeAs[applicationJSON](t, staff.sendJSON(http.MethodPost, "/api/v1/applications", map[string]any{"name": "Risk engine"}))
	rec := staff.sendJSON(http.MethodPost, "/api/v1/applications/"+itoa(app.ID)+"/subscriptions", map[string]any{"plan_id": desk.ID})
	wantStatus(t, rec, http.StatusCreated)
	if s := decodeAs[subscriptionJSON](t, rec); s.State != "active" {
		t.Errorf("staff subscription to an internal plan = %q, want active at once", s.State)
	}

	// An external developer neither sees nor subscribes to it.
	dev := ip.signedInBrowser(t, developer)
	wantStatus(t, dev.get("/api/v1/apis/securities/trading-desk/plans"), http.StatusNotFound)
	devApp := decodeAs[applicationJSON](t, dev.sendJSON(http.MethodPost, "/api/v1/applications", map[string]any{"name": "Curious"}))
	wantStatus(t, dev.sendJSON(http.MethodPost, "/api/v1/applications/"+itoa(devApp.ID)+"/subscriptions", map[string]any{"plan_id": desk.ID}), http.StatusNotFound)
}
