package handlers

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/portico/portico/credentials"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// keyInText finds secret keys in pages.
var keyInText = regexp.MustCompile(credentials.KeyPattern)

// appWorld is the identity portal with a key hasher, the catalog, and
// plans: on bank/accounts-api a free automatic plan, an internal plan
// (manual, so only staff self-provisioning makes it active at once), a
// hidden and a retired plan; on insurance/quotes a paid manual plan.
// bank/payments-api has no plan.
type appWorld struct {
	*identityPortal
	free, internalPlan, hidden, retired, gold models.Plan
}

func newAppWorld(t *testing.T) *appWorld {
	t.Helper()
	hasher, err := credentials.NewHasher([]byte("test pepper of at least thirty-two bytes"))
	if err != nil {
		t.Fatal(err)
	}
	ip := newIdentityPortal(t, func(o *Options) { o.KeyHasher = hasher })
	ip.seedCatalog(t)
	w := &appWorld{identityPortal: ip}
	ctx := context.Background()
	apiID := func(sub, api string) int64 {
		p, err := ip.st.FindAPIProduct(ctx, sub, api)
		if err != nil {
			t.Fatal(err)
		}
		return p.API.ID
	}
	accounts, quotes := apiID("bank", "accounts-api"), apiID("insurance", "quotes")
	mk := func(sub string, p models.Plan) models.Plan {
		p, err := ip.st.CreatePlan(ctx, testSystemActor, []string{sub}, p)
		if err != nil {
			t.Fatalf("create plan %s: %v", p.Name, err)
		}
		return p
	}
	base := func(apiID int64, name string, aud models.Audience, mode models.ApprovalMode, state models.PlanState) models.Plan {
		return models.Plan{APIID: apiID, Name: name, Audience: aud, ApprovalMode: mode, KeyMode: models.KeyModeKeyPair,
			Pricing: models.Pricing{Model: models.PricingFree}, State: state}
	}
	free := base(accounts, "Starter", models.AudiencePublic, models.ApprovalAutomatic, models.PlanPublished)
	free.Limits = models.Limits{RatePerSecond: 5, QuotaPerDay: 10000}
	free.Description = "Try it with **test data** <script>alert(1)</script>."
	w.free = mk("bank", free)
	w.internalPlan = mk("bank", base(accounts, "Staff", models.AudienceInternal, models.ApprovalManual, models.PlanPublished))
	w.hidden = mk("bank", base(accounts, "Legacy", models.AudiencePublic, models.ApprovalAutomatic, models.PlanHidden))
	w.retired = mk("bank", base(accounts, "Old", models.AudiencePublic, models.ApprovalAutomatic, models.PlanRetired))
	gold := base(quotes, "Gold", models.AudiencePublic, models.ApprovalManual, models.PlanPublished)
	gold.KeyMode = models.KeyModeAPIKey
	gold.Pricing = models.Pricing{Model: models.PricingMonthly, MonthlyFee: "49.00", IncludedCalls: 100000, PricePerCall: "0.002", Currency: "EUR"}
	gold.Limits = models.Limits{RatePerMinute: 600, QuotaPerMonth: 2000000}
	w.gold = mk("insurance", gold)
	return w
}

// signedIn returns a browser signed in as the persona.
func (w *appWorld) signedIn(t *testing.T, persona string) *browser {
	t.Helper()
	b := w.browser(t)
	b.mustSignIn(w.users[persona].Email)
	return b
}

// createApp creates an application through the form and returns its page's
// path.
func createApp(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	rec := b.postForm("/apps", form)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("POST /apps: status %d; body:\n%.3000s", rec.Code, rec.Body)
	}
	loc := rec.Header().Get("Location")
	path, _, _ := strings.Cut(loc, "?")
	if !regexp.MustCompile(`^/apps/[0-9]+$`).MatchString(path) {
		t.Fatalf("POST /apps went to %q, want an application's page", loc)
	}
	return path
}

// subscribe posts the subscribe form and returns where it went.
func subscribe(t *testing.T, b *browser, product string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	return b.postForm(product+"/subscribe", form)
}

func TestApplications_DeveloperCreatesSubscribesAndManagesKeys(t *testing.T) {
	w := newAppWorld(t)
	b := w.signedIn(t, developer)

	// No application yet: the empty state explains what one is.
	doc := parseHTML(t, b.get("/apps").Body)
	if byTestID(doc, "empty-state").Length() != 1 || byTestID(doc, "app-form").Length() != 1 {
		t.Fatal("the empty list shows no empty state or no create form")
	}
	if byTestID(doc, "app-row").Length() != 0 {
		t.Fatal("a new developer has applications")
	}

	// A bad allowlist is explained, with the input kept.
	rec := b.postForm("/apps", url.Values{"name": {"Mobile"}, "owner": {"me"}, "ip_allowlist": {"192.0.2.1/24"}})
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	doc = parseHTML(t, rec.Body)
	if msg := byTestID(doc, "error-ip_allowlist").Text(); !strings.Contains(msg, "192.0.2.0/24") {
		t.Errorf("allowlist error = %q, want it to suggest 192.0.2.0/24", msg)
	}
	if got := byTestID(doc, "field-name").AttrOr("value", ""); got != "Mobile" {
		t.Errorf("name field = %q after a failed post, want the input kept", got)
	}

	app := createApp(t, b, url.Values{"name": {"Mobile"}, "description": {"iOS app"}, "owner": {"me"}, "ip_allowlist": {"192.0.2.0/24\n2001:db8::/32"}})
	rec = b.get(app + "?done=created")
	wantStatus(t, rec, http.StatusOK)
	doc = parseHTML(t, rec.Body)
	appID := byTestID(doc, "app-id-value").AttrOr("value", "")
	if !regexp.MustCompile(`^` + credentials.AppIDPattern + `$`).MatchString(appID) {
		t.Fatalf("app_id shown = %q, want an app_id", appID)
	}
	if byTestID(doc, "copy-app-id").Length() != 1 || byTestID(doc, "usage-empty").Length() != 1 {
		t.Error("the application page lacks the copy button or the usage section")
	}
	if got := byTestID(doc, "field-ip_allowlist").Text(); got != "192.0.2.0/24\n2001:db8::/32" {
		t.Errorf("edit form allowlist = %q", got)
	}

	// Subscribe: an automatic free plan is active at once, a manual one waits.
	rec = subscribe(t, b, "/apis/bank/accounts-api", url.Values{"plan_id": {itoa64(w.free.ID)}, "application": {app[len("/apps/"):]}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != app+"?done=subscribed" {
		t.Fatalf("subscribe to the free plan: %s, want 303 to %s?done=subscribed", describe(rec), app)
	}
	rec = subscribe(t, b, "/apis/insurance/quotes", url.Values{"plan_id": {itoa64(w.gold.ID)}, "application": {app[len("/apps/"):]}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != app+"?done=requested" {
		t.Fatalf("subscribe to the manual plan: %s, want 303 to %s?done=requested", describe(rec), app)
	}
	doc = parseHTML(t, b.get(app+"?done=requested").Body)
	if n := byTestID(doc, "notice").Text(); !strings.Contains(n, "Request sent for approval") {
		t.Errorf("notice = %q", n)
	}
	states := map[string]string{}
	byTestID(doc, "subscription-row").Each(func(_ int, s *goquery.Selection) {
		states[strings.TrimSpace(byTestID(s, "subscription-plan").Text())] = s.AttrOr("data-state", "")
	})
	if states["Starter"] != "active" || states["Gold"] != "pending" || len(states) != 2 {
		t.Errorf("subscriptions = %v, want Starter active and Gold pending", states)
	}

	// Create a key: shown once, with the app_id, never cached.
	rec = b.postForm(app+"/keys", url.Values{"name": {"ci"}, "kind": {"app_key"}})
	wantStatus(t, rec, http.StatusOK)
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	doc = parseHTML(t, rec.Body)
	secret := byTestID(doc, "key-secret").AttrOr("value", "")
	if !keyInText.MatchString(secret) || !strings.HasPrefix(secret, "ptk_app_") {
		t.Fatalf("key shown = %q, want a ptk_app_ key", secret)
	}
	if _, err := credentials.ParseKey(secret); err != nil {
		t.Fatalf("the key shown does not parse: %v", err)
	}
	if got := byTestID(doc, "revealed-app-id").AttrOr("value", ""); got != appID {
		t.Errorf("app_id on the key page = %q, want %q", got, appID)
	}
	if byTestID(doc, "copy-key").Length() != 1 || !strings.Contains(byTestID(doc, "key-warning").Text(), "fingerprint") {
		t.Error("the key page lacks the copy button or the warning")
	}
	if rec.Header().Get("Location") != "" {
		t.Error("the key page redirects")
	}

	// Afterwards the page shows only the prefix.
	body := b.get(app).Body.String()
	if strings.Contains(body, secret) || keyInText.MatchString(body) {
		t.Fatal("the application page shows the key after its first display")
	}
	doc = parseHTML(t, strings.NewReader(body))
	prefix := strings.TrimSuffix(strings.TrimSpace(byTestID(doc, "key-prefix").Text()), "…")
	if len(prefix) < 8 || !strings.HasPrefix(secret, prefix) {
		t.Errorf("prefix shown = %q, want the start of the key", prefix)
	}
	keyID := byTestID(doc, "key-row").AttrOr("data-key-id", "")

	// Rotate with one hour of grace: a new key once; the old one expires.
	rec = b.postForm(app+"/keys/"+keyID+"/rotate", url.Values{"grace": {"1h"}})
	wantStatus(t, rec, http.StatusOK)
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Error("the rotated key's page may be cached")
	}
	doc = parseHTML(t, rec.Body)
	next := byTestID(doc, "key-secret").AttrOr("value", "")
	if !keyInText.MatchString(next) || next == secret {
		t.Fatalf("rotated key = %q, want a new key", next)
	}
	if !strings.Contains(byTestID(doc, "replaced-key").Text(), "keeps working until") {
		t.Errorf("replaced key text = %q", byTestID(doc, "replaced-key").Text())
	}
	body = b.get(app).Body.String()
	if strings.Contains(body, next) || strings.Contains(body, secret) {
		t.Fatal("the application page shows a key")
	}
	doc = parseHTML(t, strings.NewReader(body))
	old := doc.Find(`[data-testid="key-row"][data-key-id="` + keyID + `"]`)
	if old.AttrOr("data-state", "") != "live" || strings.TrimSpace(byTestID(old, "key-expires").Text()) == "Never" {
		t.Errorf("old key: state %q, expires %q; want live with an expiry", old.AttrOr("data-state", ""), byTestID(old, "key-expires").Text())
	}
	if n := byTestID(doc, "key-row").Length(); n != 2 {
		t.Errorf("%d keys listed, want 2", n)
	}

	// Revoke the old key.
	rec = b.postForm(app+"/keys/"+keyID+"/revoke", nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != app+"?done=revoked" {
		t.Fatalf("revoke: %s", describe(rec))
	}
	doc = parseHTML(t, b.get(app).Body)
	if got := doc.Find(`[data-testid="key-row"][data-key-id="`+keyID+`"]`).AttrOr("data-state", ""); got != "revoked" {
		t.Errorf("revoked key state = %q", got)
	}

	// The list counts subscriptions and live keys.
	doc = parseHTML(t, b.get("/apps").Body)
	row := byTestID(doc, "app-row")
	if row.Length() != 1 || strings.TrimSpace(byTestID(row, "app-subscriptions").Text()) != "2" ||
		strings.TrimSpace(byTestID(row, "app-live-keys").Text()) != "1" || strings.TrimSpace(byTestID(row, "app-owner").Text()) != "You" ||
		byTestID(row, "app-id").Text() != appID {
		t.Errorf("app row: subscriptions %q, live keys %q, owner %q, app_id %q", byTestID(row, "app-subscriptions").Text(),
			byTestID(row, "app-live-keys").Text(), byTestID(row, "app-owner").Text(), byTestID(row, "app-id").Text())
	}

	// Cancel the pending subscription.
	doc = parseHTML(t, b.get(app).Body)
	var subID string
	byTestID(doc, "subscription-row").Each(func(_ int, s *goquery.Selection) {
		if s.AttrOr("data-state", "") == "pending" {
			subID = s.AttrOr("data-subscription-id", "")
		}
	})
	rec = b.postForm(app+"/subscriptions/"+subID+"/cancel", nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("cancel: %s", describe(rec))
	}
	doc = parseHTML(t, b.get(app).Body)
	if got := doc.Find(`[data-subscription-id="`+subID+`"]`).AttrOr("data-state", ""); got != "cancelled" {
		t.Errorf("cancelled subscription state = %q", got)
	}

	// Edit.
	rec = b.postForm(app, url.Values{"name": {"Mobile 2"}, "description": {""}, "ip_allowlist": {""}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("update: %s", describe(rec))
	}
	if got := byTestID(parseHTML(t, b.get(app).Body), "app-name").Text(); got != "Mobile 2" {
		t.Errorf("name after update = %q", got)
	}

	// The keys never reached the logs, nor the database files (the SQLite
	// file and its WAL, in this test's temporary directories).
	if logs := w.logs.String(); strings.Contains(logs, secret) || strings.Contains(logs, next) {
		t.Error("a key is in the logs")
	}
	files, sawAppID := 0, false
	err := filepath.WalkDir(filepath.Dir(t.TempDir()), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		sawAppID = sawAppID || bytes.Contains(data, []byte(appID))
		if bytes.Contains(data, []byte(secret)) || bytes.Contains(data, []byte(next)) {
			t.Errorf("%s holds a key in clear", filepath.Base(path))
		}
		return nil
	})
	if err != nil || !sawAppID {
		// The app_id is stored in clear: not finding it means the scan
		// missed the database.
		t.Errorf("scanned %d files, app_id found %v: %v", files, sawAppID, err)
	}
}

func TestApplications_OtherDevelopersGet404AndTeammatesShare(t *testing.T) {
	w := newAppWorld(t)
	ctx := context.Background()
	a := w.signedIn(t, developer)
	bUser := createTestUser(t, w.st, "b@other.example", models.UserExternal, roleGlobal(models.RoleDeveloper))
	mate := createTestUser(t, w.st, "mate@acme.example", models.UserExternal, roleGlobal(models.RoleDeveloper))
	aID := w.users[developer].ID
	team, err := w.st.CreateTeam(ctx, testSystemActor, aID, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := w.st.CreateInvitation(ctx, models.Actor{UserID: &aID, Email: w.users[developer].Email}, models.Invitation{Email: mate.Email, TeamID: &team.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.AcceptInvitationToken(ctx, models.Actor{UserID: &mate.ID, Email: mate.Email}, mate, token); err != nil {
		t.Fatal(err)
	}

	own := createApp(t, a, url.Values{"name": {"Private"}, "owner": {"me"}})
	shared := createApp(t, a, url.Values{"name": {"Shared"}, "owner": {itoa64(team.ID)}})
	if rec := subscribe(t, a, "/apis/bank/accounts-api", url.Values{"plan_id": {itoa64(w.free.ID)}, "application": {own[len("/apps/"):]}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("subscribe: %s", describe(rec))
	}
	rec := a.postForm(own+"/keys", url.Values{"kind": {"app_key"}})
	wantStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, a.get(own).Body)
	keyID := byTestID(doc, "key-row").AttrOr("data-key-id", "")
	subID := byTestID(doc, "subscription-row").AttrOr("data-subscription-id", "")
	if keyID == "" || subID == "" {
		t.Fatal("no key or subscription listed")
	}

	b := w.browser(t)
	b.mustSignIn(bUser.Email)
	for _, c := range []struct {
		name, method, path string
		form               url.Values
	}{
		{"A's application page", http.MethodGet, own, nil},
		{"update A's application", http.MethodPost, own, url.Values{"name": {"Mine now"}}},
		{"create a key for A's application", http.MethodPost, own + "/keys", url.Values{"kind": {"app_key"}}},
		{"rotate A's key", http.MethodPost, own + "/keys/" + keyID + "/rotate", url.Values{"grace": {"0"}}},
		{"revoke A's key", http.MethodPost, own + "/keys/" + keyID + "/revoke", nil},
		{"cancel A's subscription", http.MethodPost, own + "/subscriptions/" + subID + "/cancel", nil},
		{"subscribe with A's application", http.MethodPost, "/apis/insurance/quotes/subscribe", url.Values{"plan_id": {itoa64(w.gold.ID)}, "application": {own[len("/apps/"):]}}},
		{"A's team application", http.MethodGet, shared, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var rec *httptest.ResponseRecorder
			if c.method == http.MethodGet {
				rec = b.get(c.path)
			} else {
				rec = b.postForm(c.path, c.form)
			}
			wantStatus(t, rec, http.StatusNotFound)
			if strings.Contains(rec.Body.String(), "Private") {
				t.Error("the 404 page names A's application")
			}
		})
	}
	// Nothing changed: A's key still works, the subscription is active.
	doc = parseHTML(t, a.get(own).Body)
	if byTestID(doc, "key-row").AttrOr("data-state", "") != "live" || byTestID(doc, "subscription-row").AttrOr("data-state", "") != "active" || byTestID(doc, "app-name").Text() != "Private" {
		t.Error("B's refused requests changed A's application")
	}
	if n := byTestID(parseHTML(t, b.get("/apps").Body), "app-row").Length(); n != 0 {
		t.Errorf("B lists %d applications, want none", n)
	}

	// A teammate sees the team's application, not A's own.
	m := w.browser(t)
	m.mustSignIn(mate.Email)
	doc = parseHTML(t, m.get("/apps").Body)
	if rows := byTestID(doc, "app-row"); rows.Length() != 1 || byTestID(rows, "app-link").Text() != "Shared" || byTestID(rows, "app-owner").Text() != "Team Acme" {
		t.Errorf("teammate's list: %d rows, first %q", rows.Length(), byTestID(rows, "app-link").Text())
	}
	wantStatus(t, m.get(shared), http.StatusOK)
	wantStatus(t, m.get(own), http.StatusNotFound)

	// A cross-origin form post is refused, and changes nothing.
	r := httptest.NewRequest(http.MethodPost, own+"/keys/"+keyID+"/revoke", nil)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	rec = a.do(r)
	wantStatus(t, rec, http.StatusForbidden)
	if got := byTestID(parseHTML(t, a.get(own).Body), "key-row").AttrOr("data-state", ""); got != "live" {
		t.Errorf("after a cross-site revoke the key is %q", got)
	}
}

func TestApplications_StaleSignInMustConfirmBeforeAKeyIsShown(t *testing.T) {
	w := newAppWorld(t)
	b := w.signedIn(t, developer)
	app := createApp(t, b, url.Values{"name": {"Mobile"}, "owner": {"me"}})
	rec := b.postForm(app+"/keys", url.Values{"kind": {"app_key"}})
	wantStatus(t, rec, http.StatusOK)
	keyID := byTestID(parseHTML(t, b.get(app).Body), "key-row").AttrOr("data-key-id", "")

	w.clock.advance(11 * time.Minute)
	reauth := "/login?reauth=1&return_to=" + url.QueryEscape(app)
	for _, c := range []struct {
		name, path string
		form       url.Values
	}{
		{"create", app + "/keys", url.Values{"kind": {"app_key"}}},
		{"rotate", app + "/keys/" + keyID + "/rotate", url.Values{"grace": {"0"}}},
	} {
		rec := b.postForm(c.path, c.form)
		wantStatus(t, rec, http.StatusUnauthorized)
		body := rec.Body.String()
		doc := parseHTML(t, strings.NewReader(body))
		if byTestID(doc, "reauth-required").Length() != 1 || !strings.Contains(body, "Confirm it’s you") {
			t.Fatalf("%s: no “Confirm it’s you” page:\n%.3000s", c.name, body)
		}
		if got := byTestID(doc, "reauth-link").AttrOr("href", ""); got != reauth {
			t.Errorf("%s: sign-in link = %q, want %q", c.name, got, reauth)
		}
		if keyInText.MatchString(body) {
			t.Errorf("%s: a key was shown to a stale session", c.name)
		}
	}
	// Nothing was created or rotated.
	doc := parseHTML(t, b.get(app).Body)
	if n := byTestID(doc, "key-row").Length(); n != 1 || byTestID(doc, "key-row").AttrOr("data-state", "") != "live" {
		t.Fatalf("after refused requests: %d keys", n)
	}

	// The sign-in page asks the signed-in user to confirm, email fixed.
	rec = b.get(reauth)
	wantStatus(t, rec, http.StatusOK)
	doc = parseHTML(t, rec.Body)
	email := byTestID(doc, "login-email")
	if email.AttrOr("value", "") != w.users[developer].Email || email.AttrOr("readonly", "x") == "x" {
		t.Errorf("email field: value %q, readonly %v", email.AttrOr("value", ""), email.AttrOr("readonly", "x") != "x")
	}
	if byTestID(doc, "reauth-explanation").Length() != 1 || doc.Find(`input[name="reauth"]`).AttrOr("value", "") != "1" {
		t.Error("the confirm page lacks its explanation or its reauth field")
	}
	before := b.session()

	// A wrong password keeps asking.
	rec = b.postForm("/login", url.Values{"email": {w.users[developer].Email}, "password": {"wrong"}, "return_to": {app}, "reauth": {"1"}})
	wantStatus(t, rec, http.StatusUnauthorized)
	if byTestID(parseHTML(t, rec.Body), "reauth-explanation").Length() != 1 {
		t.Error("after a wrong password the page is no longer the confirm page")
	}
	rec = b.postForm("/login", url.Values{"email": {w.users[developer].Email}, "password": {testPassword}, "return_to": {app}, "reauth": {"1"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != app {
		t.Fatalf("confirm: %s, want 303 to %s", describe(rec), app)
	}
	if b.session() == before {
		t.Error("signing in again kept the session token")
	}
	rec = b.postForm(app+"/keys/"+keyID+"/rotate", url.Values{"grace": {"0"}})
	wantStatus(t, rec, http.StatusOK)
	if !keyInText.MatchString(byTestID(parseHTML(t, rec.Body), "key-secret").AttrOr("value", "")) {
		t.Error("after confirming, rotating shows no key")
	}

	// Without reauth=1 the sign-in page still sends a signed-in user on.
	if rec := b.get("/login?return_to=" + url.QueryEscape(app)); rec.Code != http.StatusSeeOther {
		t.Errorf("GET /login signed in: %s", describe(rec))
	}
}

func TestProductPage_PlanTable(t *testing.T) {
	w := newAppWorld(t)
	anon := w.browser(t)
	dev := w.signedIn(t, developer)
	staff := w.signedIn(t, internal)
	admin := w.signedIn(t, adminBank)

	plans := func(b *browser, path string) []string {
		t.Helper()
		rec := b.get(path)
		wantStatus(t, rec, http.StatusOK)
		var names []string
		byTestID(parseHTML(t, rec.Body), "plan-name").Each(func(_ int, s *goquery.Selection) {
			names = append(names, strings.TrimSpace(s.Find("span").First().Text()))
		})
		return names
	}
	for _, c := range []struct {
		who  string
		b    *browser
		want string
	}{
		{"anonymous", anon, "Starter"},
		{"developer", dev, "Starter"},
		{"staff", staff, "Staff,Starter"},
		{"bank admin (hidden and retired marked)", admin, "Staff,Starter,Legacy,Old"},
	} {
		if got := strings.Join(plans(c.b, "/apis/bank/accounts-api"), ","); got != c.want {
			t.Errorf("%s sees plans %q, want %q", c.who, got, c.want)
		}
	}

	// Prices, limits, approval, key type and Subscribe link.
	doc := parseHTML(t, anon.get("/apis/insurance/quotes").Body)
	table := byTestID(doc, "plan-table")
	for id, want := range map[string]string{
		"plan-price":    "EUR 49.00 a month100,000 calls includedEUR 0.002 per extra call",
		"plan-rates":    "600 per minute",
		"plan-quotas":   "2,000,000 calls per month",
		"plan-approval": "Manual: reviewed by Meridian Insurance",
		"plan-key-type": "API key",
	} {
		if got := strings.TrimSpace(byTestID(table, id).Text()); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if got := byTestID(table, "plan-subscribe").AttrOr("href", ""); got != "/apis/insurance/quotes/subscribe?plan="+itoa64(w.gold.ID) {
		t.Errorf("Subscribe link = %q", got)
	}
	if byTestID(doc, "manage-plans").Length() != 0 {
		t.Error("an anonymous visitor sees Manage plans")
	}
	doc = parseHTML(t, admin.get("/apis/bank/accounts-api").Body)
	if got := byTestID(doc, "manage-plans").AttrOr("href", ""); got != "/admin/subsidiaries/bank/plans" {
		t.Errorf("Manage plans link for the bank admin = %q", got)
	}
	if n := byTestID(doc, "plan-state").Length(); n != 2 {
		t.Errorf("%d plans marked hidden or retired for the admin, want 2", n)
	}
	if n := byTestID(doc, "plan-subscribe").Length(); n != 2 {
		t.Errorf("%d Subscribe buttons for the admin, want 2 (published plans only)", n)
	}
	doc = parseHTML(t, dev.get("/apis/bank/accounts-api").Body)
	if got := strings.TrimSpace(byTestID(doc, "plan-approval").Text()); got != "Automatic: approved at once" {
		t.Errorf("approval of the free plan = %q", got)
	}
	if got := strings.TrimSpace(byTestID(doc, "plan-rates").Text()); got != "5 per second" {
		t.Errorf("rates of the free plan = %q", got)
	}
	desc := byTestID(doc, "plan-description")
	if desc.Find("strong").Text() != "test data" || desc.Find("script").Length() != 0 || strings.Contains(desc.Text(), "**") {
		t.Errorf("plan description is not sanitized Markdown: %q", desc.Text())
	}
	// No plan: an empty state.
	doc = parseHTML(t, anon.get("/apis/bank/payments-api").Body)
	if byTestID(doc, "plans-empty").Length() != 1 || byTestID(doc, "plan-table").Length() != 0 {
		t.Error("an API without plans shows no empty state")
	}

	// Anonymous visitors who press Subscribe are sent to sign in and back.
	sub := "/apis/bank/accounts-api/subscribe?plan=" + itoa64(w.free.ID)
	rec := anon.get(sub)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != views.SignInURL(sub) {
		t.Errorf("anonymous subscribe: %s, want the sign-in page returning to %s", describe(rec), sub)
	}
	doc = parseHTML(t, dev.get(sub).Body)
	if byTestID(doc, "subscribe-form").Length() != 1 || !strings.Contains(byTestID(doc, "approval-text").Text(), "Approved at once") {
		t.Error("the subscribe page lacks the form or the approval text")
	}
	doc = parseHTML(t, dev.get("/apis/insurance/quotes/subscribe?plan="+itoa64(w.gold.ID)).Body)
	if got := byTestID(doc, "approval-text").Text(); !strings.Contains(got, "An administrator of Meridian Insurance reviews your request") {
		t.Errorf("approval text of the manual plan = %q", got)
	}
}

func TestSubscribe_PlansOutsideTheViewersReach(t *testing.T) {
	w := newAppWorld(t)
	dev := w.signedIn(t, developer)
	app := createApp(t, dev, url.Values{"name": {"Mobile"}, "owner": {"me"}})
	appNum := app[len("/apps/"):]
	for _, c := range []struct {
		name string
		plan models.Plan
		api  string
	}{
		{"internal plan", w.internalPlan, "/apis/bank/accounts-api"},
		{"hidden plan", w.hidden, "/apis/bank/accounts-api"},
		{"retired plan", w.retired, "/apis/bank/accounts-api"},
		{"another API's plan", w.gold, "/apis/bank/accounts-api"},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantStatus(t, dev.get(c.api+"/subscribe?plan="+itoa64(c.plan.ID)), http.StatusNotFound)
			rec := subscribe(t, dev, c.api, url.Values{"plan_id": {itoa64(c.plan.ID)}, "application": {appNum}})
			wantStatus(t, rec, http.StatusNotFound)
			rec = subscribe(t, dev, c.api, url.Values{"plan_id": {itoa64(c.plan.ID)}, "new_app_name": {"Sneaky"}, "owner": {"me"}})
			wantStatus(t, rec, http.StatusNotFound)
		})
	}
	doc := parseHTML(t, dev.get("/apps").Body)
	if n := byTestID(doc, "app-row").Length(); n != 1 {
		t.Errorf("%d applications after refused subscriptions, want 1 (none created)", n)
	}
	if n := byTestID(parseHTML(t, dev.get(app).Body), "subscription-row").Length(); n != 0 {
		t.Errorf("%d subscriptions after refused requests", n)
	}

	// Subscribing twice to the same plan is explained on the form.
	if rec := subscribe(t, dev, "/apis/bank/accounts-api", url.Values{"plan_id": {itoa64(w.free.ID)}, "application": {appNum}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("subscribe: %s", describe(rec))
	}
	rec := subscribe(t, dev, "/apis/bank/accounts-api", url.Values{"plan_id": {itoa64(w.free.ID)}, "application": {appNum}})
	wantStatus(t, rec, http.StatusConflict)
	if got := byTestID(parseHTML(t, rec.Body), "error-application").Text(); !strings.Contains(got, "already subscribed") {
		t.Errorf("error = %q", got)
	}

	// A staff member self-provisions the internal plan with a new application.
	staff := w.signedIn(t, internal)
	rec = subscribe(t, staff, "/apis/bank/accounts-api", url.Values{"plan_id": {itoa64(w.internalPlan.ID)}, "new_app_name": {"Branch tool"}, "owner": {"me"}})
	if rec.Code != http.StatusSeeOther || !strings.HasSuffix(rec.Header().Get("Location"), "?done=subscribed") {
		t.Fatalf("staff subscribe: %s", describe(rec))
	}
	doc = parseHTML(t, staff.get(rec.Header().Get("Location")).Body)
	if got := byTestID(doc, "subscription-row").AttrOr("data-state", ""); got != "active" || byTestID(doc, "app-name").Text() != "Branch tool" {
		t.Errorf("staff subscription state = %q on %q, want active at once", got, byTestID(doc, "app-name").Text())
	}
	if !strings.Contains(byTestID(doc, "notice").Text(), "Subscribed") {
		t.Errorf("notice = %q", byTestID(doc, "notice").Text())
	}
}

// seedAppPagesMatrix makes the objects the application routes of the
// matrix act on: the developer persona's application with a key to rotate,
// a key to revoke and an active subscription, and a published plan.
func seedAppPagesMatrix(t *testing.T, ip *identityPortal) appPagesFixture {
	t.Helper()
	ctx := context.Background()
	dev := ip.users[developer]
	p, err := ip.st.FindAPIProduct(ctx, "bank", "accounts-api")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := ip.st.CreatePlan(ctx, testSystemActor, []string{"bank"}, models.Plan{APIID: p.API.ID, Name: "Matrix", Audience: models.AudiencePublic,
		ApprovalMode: models.ApprovalAutomatic, KeyMode: models.KeyModeKeyPair, Pricing: models.Pricing{Model: models.PricingFree}, State: models.PlanPublished})
	if err != nil {
		t.Fatal(err)
	}
	actor := models.Actor{UserID: &dev.ID, Email: dev.Email}
	app, err := ip.st.CreateApplication(ctx, actor, dev.ID, models.Application{OwnerUserID: &dev.ID, Name: "Matrix pages", AppID: credentials.NewAppID()})
	if err != nil {
		t.Fatal(err)
	}
	key := func(name string) int64 {
		c, err := ip.st.AddCredential(ctx, actor, dev.ID, models.Credential{ApplicationID: app.ID, Name: name, Prefix: "ptk_app_" + name,
			Digest: []byte(strings.Repeat(name[:1], models.DigestLen)), Kind: models.CredentialAppKey})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	sub, err := ip.st.Subscribe(ctx, actor, dev.ID, app.ID, plan.ID, models.Audiences)
	if err != nil {
		t.Fatal(err)
	}
	return appPagesFixture{app: app.ID, rotateKey: key("rotate"), revokeKey: key("xrevoke"), sub: sub.ID, plan: plan.ID}
}

type appPagesFixture struct{ app, rotateKey, revokeKey, sub, plan int64 }

// appPagesPolicies are the matrix rows of the developer's application
// pages and the subscribe flow. Every role may manage applications of its
// own; an application of someone else is 404. Requests carry no form:
// allowed callers of forms get 422 (or 404 for the subscribe form without
// a plan); revoking and cancelling need no input (303).
func appPagesPolicies(f appPagesFixture) map[string]routeCase {
	app := views.AppURL(f.app)
	owner := func(status int) map[string]int {
		return with(signedIn(http.StatusNotFound), developer, status)
	}
	return map[string]routeCase{
		"GET /apps":                                       {"/apps", signedIn(http.StatusOK)},
		"POST /apps":                                      {"/apps", signedIn(http.StatusUnprocessableEntity)},
		"GET /apps/{appID}":                               {app, owner(http.StatusOK)},
		"POST /apps/{appID}":                              {app, owner(http.StatusUnprocessableEntity)},
		"POST /apps/{appID}/keys":                         {app + "/keys", owner(http.StatusUnprocessableEntity)},
		"POST /apps/{appID}/keys/{keyID}/rotate":          {views.KeyActionURL(f.app, f.rotateKey, "rotate"), owner(http.StatusUnprocessableEntity)},
		"POST /apps/{appID}/keys/{keyID}/revoke":          {views.KeyActionURL(f.app, f.revokeKey, "revoke"), owner(http.StatusSeeOther)},
		"POST /apps/{appID}/subscriptions/{subID}/cancel": {views.CancelSubscriptionURL(f.app, f.sub), owner(http.StatusSeeOther)},
		"GET /apis/{subsidiary}/{api}/subscribe":          {views.SubscribeURL("bank", "accounts-api", f.plan), signedIn(http.StatusOK)},
		"POST /apis/{subsidiary}/{api}/subscribe":         {views.SubscribeURL("bank", "accounts-api", 0), signedIn(http.StatusNotFound)},
	}
}

func TestApplications_KeyFormRefusalsAreExplained(t *testing.T) {
	w := newAppWorld(t)
	b := w.signedIn(t, developer)
	app := createApp(t, b, url.Values{"name": {"Mobile"}, "owner": {"me"}})

	for _, c := range []struct {
		name   string
		form   url.Values
		status int
		field  string
		want   string
	}{
		{"expiry in the past", url.Values{"kind": {"app_key"}, "expires": {"2001-01-01"}}, http.StatusUnprocessableEntity, "error-expires", "in the past"},
		{"expiry not a date", url.Values{"kind": {"app_key"}, "expires": {"next week"}}, http.StatusUnprocessableEntity, "error-expires", "YYYY-MM-DD"},
		{"unknown kind", url.Values{"kind": {"master_key"}}, http.StatusUnprocessableEntity, "error-kind", "Choose the kind of key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := b.postForm(app+"/keys", c.form)
			wantStatus(t, rec, c.status)
			body := rec.Body.String()
			if got := byTestID(parseHTML(t, strings.NewReader(body)), c.field).Text(); !strings.Contains(got, c.want) {
				t.Errorf("%s = %q, want it to contain %q", c.field, got, c.want)
			}
			if keyInText.MatchString(body) {
				t.Error("a refused form shows a key")
			}
		})
	}

	// A single API key, with an expiry; a second one is explained.
	rec := b.postForm(app+"/keys", url.Values{"kind": {"api_key"}, "name": {"server"}, "expires": {time.Now().AddDate(1, 0, 0).Format(time.DateOnly)}})
	wantStatus(t, rec, http.StatusOK)
	if secret := byTestID(parseHTML(t, rec.Body), "key-secret").AttrOr("value", ""); !strings.HasPrefix(secret, "ptk_api_") || !keyInText.MatchString(secret) {
		t.Fatalf("API key shown = %q", secret)
	}
	rec = b.postForm(app+"/keys", url.Values{"kind": {"api_key"}})
	wantStatus(t, rec, http.StatusConflict)
	if got := byTestID(parseHTML(t, rec.Body), "error-kind").Text(); !strings.Contains(got, "already has an API key") {
		t.Errorf("second API key error = %q", got)
	}
	doc := parseHTML(t, b.get(app).Body)
	if n := byTestID(doc, "key-row").Length(); n != 1 || strings.TrimSpace(byTestID(doc, "key-expires").Text()) == "Never" {
		t.Errorf("%d keys listed (want 1, with its expiry)", n)
	}
}

func TestApplications_WithoutAKeyPepperKeysAreUnavailable(t *testing.T) {
	ip := newIdentityPortal(t)
	b := ip.browser(t)
	b.mustSignIn(ip.users[developer].Email)
	app := createApp(t, b, url.Values{"name": {"Mobile"}, "owner": {"me"}})
	rec := b.postForm(app+"/keys", url.Values{"kind": {"app_key"}})
	wantStatus(t, rec, http.StatusServiceUnavailable)
	if msg := errorMessage(t, rec); !strings.Contains(msg, "Issuing keys is not configured") {
		t.Errorf("message = %q", msg)
	}
	if n := byTestID(parseHTML(t, b.get(app).Body), "key-row").Length(); n != 0 {
		t.Errorf("%d keys stored without a pepper", n)
	}
}

// An account that signs in only through an identity provider confirms who
// it is there: the confirm page offers the providers, not a password form.
func TestApplications_SSOAccountConfirmsAtItsProvider(t *testing.T) {
	sp := newSSOPortal(t)
	b := newWebBrowser(t)
	if end := sp.signInAtOP(t, b, sp.url+"/auth/corporate"); end.StatusCode != http.StatusOK {
		t.Fatalf("SSO sign-in ended with %d at %s", end.StatusCode, end.Request.URL)
	}
	created := b.postForm(sp.url+"/apps", url.Values{"name": {"Branch tool"}, "owner": {"me"}})
	if created.StatusCode != http.StatusOK || !strings.HasPrefix(created.Request.URL.Path, "/apps/") {
		t.Fatalf("create application: %d at %s", created.StatusCode, created.Request.URL)
	}
	app := created.Request.URL.Path

	sp.clock.advance(11 * time.Minute)
	refused := b.postForm(sp.url+app+"/keys", url.Values{"kind": {"app_key"}})
	if refused.StatusCode != http.StatusUnauthorized || !strings.Contains(refused.body, `data-testid="reauth-required"`) {
		t.Fatalf("stale create key: %d", refused.StatusCode)
	}
	page := b.get(sp.url + views.ReauthURL(app))
	doc := parseHTML(t, strings.NewReader(page.body))
	if page.StatusCode != http.StatusOK || byTestID(doc, "reauth-explanation").Length() != 1 {
		t.Fatalf("confirm page: %d", page.StatusCode)
	}
	if byTestID(doc, "login-form").Length() != 0 {
		t.Error("the confirm page offers a password form to an account without a password")
	}
	var hrefs []string
	byTestID(doc, "sso-provider").Each(func(_ int, s *goquery.Selection) { hrefs = append(hrefs, s.AttrOr("href", "")) })
	wantHref := "/auth/corporate?return_to=" + url.QueryEscape(app)
	if len(hrefs) == 0 || hrefs[0] != wantHref {
		t.Fatalf("provider links = %q, want the first to be %q", hrefs, wantHref)
	}
	end := sp.signInAtOP(t, b, sp.url+wantHref)
	if end.StatusCode != http.StatusOK || end.Request.URL.Path != app {
		t.Fatalf("confirming at the provider ended at %s with %d, want %s", end.Request.URL, end.StatusCode, app)
	}
	// Signed in again: the request passes the recent sign-in check. This
	// portal has no key pepper, so the answer is 503, not the confirm page.
	again := b.postForm(sp.url+app+"/keys", url.Values{"kind": {"app_key"}})
	if again.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("create key after confirming: %d, want 503 (no pepper configured)", again.StatusCode)
	}
}

// A rejected request shows the approver's reason on the application page,
// and the application may ask again.
func TestApplications_RejectedSubscriptionShowsTheReason(t *testing.T) {
	w := newAppWorld(t)
	ctx := context.Background()
	b := w.signedIn(t, developer)
	app := createApp(t, b, url.Values{"name": {"Mobile"}, "owner": {"me"}})
	if rec := subscribe(t, b, "/apis/insurance/quotes", url.Values{"plan_id": {itoa64(w.gold.ID)}, "application": {app[len("/apps/"):]}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("subscribe: %s", describe(rec))
	}
	subID := byTestID(parseHTML(t, b.get(app).Body), "subscription-row").AttrOr("data-subscription-id", "")
	id, err := strconv.ParseInt(subID, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	approver := w.users[adminInsure]
	_, err = w.st.DecideSubscription(ctx, models.Actor{UserID: &approver.ID, Email: approver.Email}, approver.ID, []string{"insurance"}, id, false, "Tell us about your use case first.")
	if err != nil {
		t.Fatal(err)
	}
	doc := parseHTML(t, b.get(app).Body)
	row := byTestID(doc, "subscription-row")
	if row.AttrOr("data-state", "") != "rejected" || strings.TrimSpace(byTestID(row, "subscription-state").Text()) != "Rejected" {
		t.Errorf("state = %q", row.AttrOr("data-state", ""))
	}
	if got := byTestID(row, "subscription-comment").Text(); !strings.Contains(got, "Reason given:") || !strings.Contains(got, "Tell us about your use case first.") {
		t.Errorf("comment = %q", got)
	}
	if byTestID(row, "subscription-cancel").Length() != 0 {
		t.Error("a rejected subscription offers Cancel")
	}
	if rec := subscribe(t, b, "/apis/insurance/quotes", url.Values{"plan_id": {itoa64(w.gold.ID)}, "application": {app[len("/apps/"):]}}); rec.Code != http.StatusSeeOther || !strings.HasSuffix(rec.Header().Get("Location"), "done=requested") {
		t.Errorf("asking again: %s", describe(rec))
	}
}
