package handlers

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
)

// toSignIn is the expected outcome of a page that an anonymous visitor may
// not see: 303 to the sign-in page.
const toSignIn = -303

// routeCase is the policy of one route: the request that exercises it and
// the status each persona gets.
type routeCase struct {
	path string         // the route's pattern with its parameters filled in
	want map[string]int // persona → status (toSignIn: a redirect to the sign-in page)
}

// everyone: every persona, anonymous included, gets status.
func everyone(status int) map[string]int {
	m := map[string]int{}
	for _, p := range personaNames() {
		m[p] = status
	}
	return m
}

// only: the personas named get status; other signed-in personas 403;
// anonymous visitors are sent to sign in (401 on /api/).
func only(api bool, status int, allowed ...string) map[string]int {
	m := everyone(http.StatusForbidden)
	m[anonymous] = toSignIn
	if api {
		m[anonymous] = http.StatusUnauthorized
	}
	for _, p := range allowed {
		m[p] = status
	}
	return m
}

// signedIn: every signed-in persona gets status; anonymous visitors are
// sent to sign in.
func signedIn(status int) map[string]int {
	m := everyone(status)
	m[anonymous] = toSignIn
	return m
}

// with returns m with overrides (persona, status, persona, status, …).
func with(m map[string]int, overrides ...any) map[string]int {
	for i := 0; i+1 < len(overrides); i += 2 {
		m[overrides[i].(string)] = overrides[i+1].(int)
	}
	return m
}

const (
	pubBank     = "publisher@bank"
	adminBank   = "subsidiary_admin@bank"
	adminInsure = "subsidiary_admin@insurance"
	platform    = "platform_admin"
	developer   = "developer"
	internal    = "internal"
)

// matrixFixture are the objects the routes of the matrix act on.
type matrixFixture struct {
	version string // the internal API's version slug
	target  int64  // a developer account that admins act on
	team    int64  // the developer persona's team
}

// routePolicies is the expected outcome of every route for every persona.
// A route the router has and this table lacks fails the test: add its
// policy here when you add a route.
func routePolicies(f matrixFixture) map[string]routeCase {
	target := strconv.FormatInt(f.target, 10)
	team := strconv.FormatInt(f.team, 10)
	internalAPI := "/apis/securities/trading-desk"
	// Internal APIs exist only for staff: everyone else gets 404.
	staffOnly := func(status int) map[string]int {
		return with(everyone(status), anonymous, http.StatusNotFound, developer, http.StatusNotFound)
	}
	return map[string]routeCase{
		// Public portal pages and documents.
		"GET /":                                  {"/", everyone(http.StatusOK)},
		"GET /apis":                              {"/apis", everyone(http.StatusOK)},
		"GET /apis/{subsidiary}/{api}":           {internalAPI, staffOnly(http.StatusOK)},
		"GET /apis/{subsidiary}/{api}/{version}": {internalAPI + "/" + f.version, staffOnly(http.StatusOK)},
		"GET /apis/{subsidiary}/{api}/{version}/openapi.json": {internalAPI + "/" + f.version + "/openapi.json", staffOnly(http.StatusOK)},
		"GET /apis/{subsidiary}/{api}/{version}/openapi.yaml": {internalAPI + "/" + f.version + "/openapi.yaml", staffOnly(http.StatusOK)},
		"GET /static/*": {"/static/app.css", everyone(http.StatusOK)},
		"GET /healthz":  {"/healthz", everyone(http.StatusOK)},
		"GET /readyz":   {"/readyz", everyone(http.StatusOK)},

		// Sign-in and out: open to everyone. A signed-in visitor of the
		// sign-in page is sent on; no SSO provider is configured here.
		"GET /login":                    {"/login", with(everyone(http.StatusSeeOther), anonymous, http.StatusOK)},
		"POST /login":                   {"/login", everyone(http.StatusUnprocessableEntity)},
		"POST /logout":                  {"/logout", everyone(http.StatusSeeOther)},
		"GET /auth/{provider}":          {"/auth/corporate", everyone(http.StatusNotFound)},
		"GET /auth/{provider}/callback": {"/auth/corporate/callback", everyone(http.StatusNotFound)},

		// The JSON API.
		"GET /api/v1/apis":         {"/api/v1/apis", everyone(http.StatusOK)},
		"GET /api/v1/openapi.json": {"/api/v1/openapi.json", everyone(http.StatusOK)},
		"GET /api/v1/openapi.yaml": {"/api/v1/openapi.yaml", everyone(http.StatusOK)},
		// Allowed callers get 415: the request has no document.
		"POST /api/v1/subsidiaries/{subsidiary}/versions": {"/api/v1/subsidiaries/bank/versions",
			only(true, http.StatusUnsupportedMediaType, pubBank, adminBank, platform)},

		// Gateway routes: who may import the subsidiary's APIs (or the
		// token); there is no version 999999 (the body is checked first).
		"GET /api/v1/subsidiaries/{subsidiary}/gateway/routes": {"/api/v1/subsidiaries/bank/gateway/routes",
			only(true, http.StatusOK, pubBank, adminBank, platform)},
		"PUT /api/v1/subsidiaries/{subsidiary}/gateway/routes/{versionID}": {"/api/v1/subsidiaries/bank/gateway/routes/999999",
			only(true, http.StatusBadRequest, pubBank, adminBank, platform)},

		// Administration.
		"GET /admin":       {"/admin", only(false, http.StatusOK, pubBank, adminBank, adminInsure, platform)},
		"GET /admin/audit": {"/admin/audit", only(false, http.StatusOK, adminBank, adminInsure, platform)},
		"GET /admin/subsidiaries/{subsidiary}/members/": {"/admin/subsidiaries/bank/members/",
			only(false, http.StatusOK, adminBank, platform)},
		"POST /admin/subsidiaries/{subsidiary}/members/invitations": {"/admin/subsidiaries/bank/members/invitations",
			only(false, http.StatusUnprocessableEntity, adminBank, platform)},
		"POST /admin/subsidiaries/{subsidiary}/members/{userID}/role": {"/admin/subsidiaries/bank/members/" + target + "/role",
			only(false, http.StatusUnprocessableEntity, adminBank, platform)},
		"POST /admin/subsidiaries/{subsidiary}/members/{userID}/roles/remove": {"/admin/subsidiaries/bank/members/" + target + "/roles/remove",
			only(false, http.StatusUnprocessableEntity, adminBank, platform)},
		// Gateway routes: who maintains the subsidiary's APIs; there is no
		// version 999999.
		"GET /admin/subsidiaries/{subsidiary}/gateway": {"/admin/subsidiaries/bank/gateway",
			only(false, http.StatusOK, pubBank, adminBank, platform)},
		"POST /admin/subsidiaries/{subsidiary}/gateway/{versionID}": {"/admin/subsidiaries/bank/gateway/999999",
			only(false, http.StatusNotFound, pubBank, adminBank, platform)},
		"GET /admin/users": {"/admin/users", only(false, http.StatusOK, platform)},
		// The target holds no subsidiary role: only a platform admin may
		// change their account.
		"POST /admin/users/{userID}/deactivate": {"/admin/users/" + target + "/deactivate", only(false, http.StatusSeeOther, platform)},
		"POST /admin/users/{userID}/reactivate": {"/admin/users/" + target + "/reactivate", only(false, http.StatusSeeOther, platform)},
		// Applications: platform admins only; there is no application 999999.
		"GET /admin/applications":                  {"/admin/applications", only(false, http.StatusOK, platform)},
		"POST /admin/applications/{appID}/suspend": {"/admin/applications/999999/suspend", only(false, http.StatusNotFound, platform)},
		"POST /admin/applications/{appID}/resume":  {"/admin/applications/999999/resume", only(false, http.StatusNotFound, platform)},

		// Invitations: any signed-in user may follow a link to an invitation
		// (the page asks to accept it); accepting an unknown token is 404.
		// The inbox: every signed-in user has one (marking all read
		// redirects back to it).
		"GET /inbox":       {"/inbox", signedIn(http.StatusOK)},
		"POST /inbox/read": {"/inbox/read", signedIn(http.StatusSeeOther)},

		"GET /invitations/{token}":  {"/invitations/no-such-token", signedIn(http.StatusOK)},
		"POST /invitations/{token}": {"/invitations/no-such-token", signedIn(http.StatusNotFound)},

		// Consumer teams: developers (and platform admins, who hold every
		// permission). The team is the developer's: a platform admin who is
		// not in it gets 404 (ownership in the store query), not its page.
		"GET /teams":  {"/teams", only(false, http.StatusOK, developer, platform)},
		"POST /teams": {"/teams", only(false, http.StatusUnprocessableEntity, developer, platform)},
		"GET /teams/{teamID}": {"/teams/" + team,
			with(only(false, http.StatusOK, developer), platform, http.StatusNotFound)},
		"POST /teams/{teamID}/invitations": {"/teams/" + team + "/invitations",
			with(only(false, http.StatusUnprocessableEntity, developer), platform, http.StatusNotFound)},
		"POST /teams/{teamID}/members/{userID}/remove": {"/teams/" + team + "/members/" + target + "/remove",
			only(false, http.StatusNotFound, developer, platform)},
	}
}

func TestRouteRoleMatrix(t *testing.T) {
	ip := newIdentityPortal(t)
	ip.seedCatalog(t)
	res := ip.seedInternal(t)
	ctx := context.Background()
	target := createTestUser(t, ip.st, "target@acme.example", models.UserExternal, roleGlobal(models.RoleDeveloper))
	team, err := ip.st.CreateTeam(ctx, testSystemActor, ip.users[developer].ID, "Acme Fintech")
	if err != nil {
		t.Fatal(err)
	}
	policies := routePolicies(matrixFixture{version: res.Version.Slug, target: target.ID, team: team.ID})
	// The JSON self-service and plan API (api_selfservice_test.go).
	maps.Copy(policies, apiSelfServicePolicies(seedAPIMatrix(t, ip, target.ID)))
	// The developer's application pages and the subscribe flow (applications_test.go).
	maps.Copy(policies, appPagesPolicies(seedAppPagesMatrix(t, ip)))
	// The plan editor, approval queue and subscriptions (plans_test.go).
	maps.Copy(policies, planPolicies(seedPlanMatrix(t, ip)))

	var routes []string
	err = chi.Walk(ip.p.handler.(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes = append(routes, method+" "+route)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(routes)
	for _, rt := range routes {
		if _, ok := policies[rt]; !ok {
			t.Errorf("route %q has no policy in the matrix: add a policy for the new route to routePolicies", rt)
		}
	}
	for rt := range policies {
		if !slices.Contains(routes, rt) {
			t.Errorf("the matrix has a policy for %q, which is not a route", rt)
		}
	}

	// One signed-in browser per persona.
	browsers := map[string]*browser{anonymous: ip.browser(t)}
	for _, p := range personas {
		b := ip.browser(t)
		b.mustSignIn(p.email)
		browsers[p.name] = b
	}
	for _, rt := range routes {
		c, ok := policies[rt]
		if !ok {
			continue
		}
		method, _, _ := strings.Cut(rt, " ")
		for _, persona := range personaNames() {
			want, ok := c.want[persona]
			if !ok {
				t.Errorf("%s: no expectation for %s", rt, persona)
				continue
			}
			t.Run(rt+" as "+persona, func(t *testing.T) {
				b := browsers[persona]
				if method == http.MethodPost && strings.HasSuffix(rt, "/logout") && persona != anonymous {
					// Signing out ends the persona's session: use a session of its own.
					b = ip.browser(t)
					b.mustSignIn(ip.users[persona].Email)
				}
				r := httptest.NewRequest(method, c.path, nil)
				if method == http.MethodPost && !strings.HasPrefix(c.path, "/api/") {
					r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				rec := b.do(r)
				if got := outcome(rec); got != want {
					t.Errorf("%s %s as %s: %s, want %s", method, c.path, persona, describe(rec), describeWant(want))
				}
			})
		}
	}
}

// outcome is the response's status, or toSignIn for a redirect to the
// sign-in page.
func outcome(rec *httptest.ResponseRecorder) int {
	if rec.Code == http.StatusSeeOther && strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		return toSignIn
	}
	return rec.Code
}

func describe(rec *httptest.ResponseRecorder) string {
	s := fmt.Sprintf("status %d", rec.Code)
	if loc := rec.Header().Get("Location"); loc != "" {
		s += " to " + loc
	}
	return s
}

func describeWant(want int) string {
	if want == toSignIn {
		return "a redirect to the sign-in page"
	}
	return fmt.Sprintf("status %d", want)
}
