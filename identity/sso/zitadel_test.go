package sso

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/portico/portico/models"
)

// zitadelEnv is a portal signing in at zitadel/oidc's example OP with two
// providers, "corporate" and "partners", registered as one client.
type zitadelEnv struct {
	portal *portal
	op     *zitadelOP
	m      *Manager
	clock  *clock
}

func newZitadelEnv(t *testing.T, groups []string, corporate ProviderConfig) *zitadelEnv {
	t.Helper()
	p := newPortal(t)
	op := startZitadelOP(t, "portal", []string{p.URL + "/auth/corporate/callback", p.URL + "/auth/partners/callback"}, groups)
	corporate.Name, corporate.Type, corporate.Issuer = "corporate", TypeOIDC, op.Issuer
	corporate.ClientID, corporate.ClientSecret = "portal", "portal-secret"
	partners := ProviderConfig{Name: "partners", Type: TypeOIDC, Issuer: op.Issuer, ClientID: "portal", ClientSecret: "portal-secret", Kind: models.UserExternal}
	m, c := newManager(t, []ProviderConfig{corporate, partners}, p.URL)
	p.m.Store(m)
	return &zitadelEnv{portal: p, op: op, m: m, clock: c}
}

func TestSignIn_ZitadelFullFlow(t *testing.T) {
	e := newZitadelEnv(t, nil, ProviderConfig{DisplayName: "Meridian staff", Kind: models.UserExternal})
	b := newBrowser(t)

	callback := e.op.toCallback(t, b, e.portal.URL, "corporate", "/apis/bank?tab=plans")
	f := flowOf(t, e.m, b, e.portal.URL)
	flowCookie := b.cookie(e.portal.URL, e.m.cookie)

	// The authorization request carried the flow's state, nonce and S256 PKCE challenge.
	auth := b.authURL(e.portal.URL)
	q := auth.Query()
	wantQuery := map[string]string{
		"client_id":             "portal",
		"redirect_uri":          e.portal.URL + "/auth/corporate/callback",
		"response_type":         "code",
		"state":                 f.State,
		"nonce":                 f.Nonce,
		"code_challenge":        oauth2.S256ChallengeFromVerifier(f.Verifier),
		"code_challenge_method": "S256",
	}
	for k, want := range wantQuery {
		if got := q.Get(k); got != want {
			t.Errorf("authorization URL %s = %q; want %q", k, got, want)
		}
	}
	if !strings.HasPrefix(auth.String(), e.op.Issuer+"/auth?") {
		t.Errorf("authorization URL = %s; want the OP's discovered endpoint", auth)
	}
	if scopes := strings.Fields(q.Get("scope")); !reflect.DeepEqual(scopes, []string{"openid", "email", "profile"}) {
		t.Errorf("scope = %q; want openid email profile", scopes)
	}
	if f.State == f.Nonce || len(f.State) < 43 || len(f.Verifier) < 43 {
		t.Errorf("state %q, nonce %q, verifier %q: want distinct values of 256 bits", f.State, f.Nonce, f.Verifier)
	}
	if f.ReturnTo != "/apis/bank?tab=plans" || f.Provider != "corporate" {
		t.Errorf("flow = %+v; want provider corporate, returnTo /apis/bank?tab=plans", f)
	}
	if flowCookie.Value == "" || strings.Contains(flowCookie.Value, f.State) {
		t.Error("the flow cookie must be sealed: it shows the state")
	}

	done := b.get(callback)
	if done.StatusCode != http.StatusOK || done.body != "signed in as test-user@zitadel.ch" {
		t.Fatalf("callback: %d %q", done.StatusCode, done.body)
	}
	got := e.portal.last(t)
	if got.err != nil {
		t.Fatalf("Complete: %v", got.err)
	}
	want := Result{
		Provider:      "corporate",
		Subject:       "id1",
		Email:         "test-user@zitadel.ch", // from userinfo: this OP keeps it out of the ID token
		EmailVerified: true,
		Name:          "Test User",
		Kind:          models.UserExternal,
		ReturnTo:      "/apis/bank?tab=plans",
	}
	if !reflect.DeepEqual(got.res, want) {
		t.Errorf("Result = %+v\nwant     %+v", got.res, want)
	}
	if c := b.cookie(e.portal.URL, e.m.cookie); c != nil {
		t.Errorf("flow cookie still set after the callback: %q", c.Value)
	}
	if got, want := e.m.Providers(), []Provider{
		{Name: "corporate", DisplayName: "Meridian staff", Kind: models.UserExternal},
		{Name: "partners", DisplayName: "partners", Kind: models.UserExternal},
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("Providers() = %+v; want %+v", got, want)
	}
}

func TestSignIn_ZitadelStaffGroupsGrantRoles(t *testing.T) {
	e := newZitadelEnv(t, []string{"bank-publishers", "group-admins", "bank-admins", "unmapped"}, ProviderConfig{
		Kind:        models.UserStaff,
		GroupsClaim: "groups",
		RoleMap: map[string][]models.RoleAssignment{
			"bank-publishers": {{Role: models.RolePublisher, Domain: "bank"}},
			"bank-admins":     {{Role: models.RoleSubsidiaryAdmin, Domain: "bank"}, {Role: models.RolePublisher, Domain: "bank"}},
			"group-admins":    {{Role: models.RolePlatformAdmin}},
			"insurance-team":  {{Role: models.RolePublisher, Domain: "insurance"}},
		},
	})
	b := newBrowser(t)
	b.get(e.op.toCallback(t, b, e.portal.URL, "corporate", ""))
	got := e.portal.last(t)
	if got.err != nil {
		t.Fatalf("Complete: %v", got.err)
	}
	want := Result{
		Provider:      "corporate",
		Subject:       "id1",
		Email:         "test-user@zitadel.ch",
		EmailVerified: true,
		Name:          "Test User",
		Groups:        []string{"bank-publishers", "group-admins", "bank-admins", "unmapped"},
		Kind:          models.UserStaff,
		Roles: []models.RoleAssignment{
			{Role: models.RolePublisher, Domain: "bank"},
			{Role: models.RolePlatformAdmin, Domain: models.GlobalDomain},
			{Role: models.RoleSubsidiaryAdmin, Domain: "bank"},
		},
		ReturnTo: "/",
	}
	if !reflect.DeepEqual(got.res, want) {
		t.Errorf("Result = %+v\nwant     %+v", got.res, want)
	}
	// The groups scope is asked for when the groups claim is "groups".
	if scopes := b.authURL(e.portal.URL).Query().Get("scope"); scopes != "openid email profile groups" {
		t.Errorf("scope = %q; want openid email profile groups", scopes)
	}
}

// TestSignIn_ZitadelRefusals drives refusals the real OP can produce:
// login CSRF (THREATS P1), state tampering, code replay, PKCE and nonce
// mismatches, expired or tampered flow cookies, provider mix-up.
func TestSignIn_ZitadelRefusals(t *testing.T) {
	e := newZitadelEnv(t, nil, ProviderConfig{Kind: models.UserExternal})
	corporate := e.portal.URL + "/auth/corporate/callback"

	tests := []struct {
		name      string
		run       func(t *testing.T) page // returns the victim's callback page
		wantCause error
		wantMsg   string
	}{
		{
			name: "attacker's callback in a browser without a flow (login CSRF)",
			run: func(t *testing.T) page {
				attacker := newBrowser(t)
				callback := e.op.toCallback(t, attacker, e.portal.URL, "corporate", "")
				return newBrowser(t).get(callback)
			},
			wantCause: errNoFlow, wantMsg: msgExpired,
		},
		{
			name: "attacker's callback in a browser with its own pending flow (login CSRF)",
			run: func(t *testing.T) page {
				attacker := newBrowser(t)
				callback := e.op.toCallback(t, attacker, e.portal.URL, "corporate", "")
				victim := newBrowser(t)
				victim.get(e.portal.URL + "/auth/corporate") // the victim started a sign-in
				return victim.get(callback)
			},
			wantCause: errState, wantMsg: msgExpired,
		},
		{
			name: "callback without state",
			run: func(t *testing.T) page {
				b := newBrowser(t)
				return b.get(withQuery(t, e.op.toCallback(t, b, e.portal.URL, "corporate", ""), "state", ""))
			},
			wantCause: errState, wantMsg: msgExpired,
		},
		{
			name: "callback with another state",
			run: func(t *testing.T) page {
				b := newBrowser(t)
				return b.get(withQuery(t, e.op.toCallback(t, b, e.portal.URL, "corporate", ""), "state", randomToken()))
			},
			wantCause: errState, wantMsg: msgExpired,
		},
		{
			name: "replayed callback after the flow was used",
			run: func(t *testing.T) page {
				b := newBrowser(t)
				callback := e.op.toCallback(t, b, e.portal.URL, "corporate", "")
				if first := b.get(callback); first.StatusCode != http.StatusOK {
					t.Fatalf("first callback: %d %s", first.StatusCode, first.body)
				}
				return b.get(callback)
			},
			wantCause: errNoFlow, wantMsg: msgExpired,
		},
		{
			name: "replayed code with a copy of the used flow cookie",
			run: func(t *testing.T) page {
				b := newBrowser(t)
				callback := e.op.toCallback(t, b, e.portal.URL, "corporate", "")
				saved := b.cookie(e.portal.URL, e.m.cookie)
				if first := b.get(callback); first.StatusCode != http.StatusOK {
					t.Fatalf("first callback: %d %s", first.StatusCode, first.body)
				}
				b.setCookie(e.portal.URL, saved)
				return b.get(callback) // the OP refuses the code a second time
			},
			wantCause: errExchange, wantMsg: msgProvider,
		},
		{
			name: "code exchanged with another PKCE verifier",
			run: func(t *testing.T) page {
				b := newBrowser(t)
				callback := e.op.toCallback(t, b, e.portal.URL, "corporate", "")
				f := flowOf(t, e.m, b, e.portal.URL)
				f.Verifier = oauth2.GenerateVerifier()
				reseal(t, e.m, b, e.portal.URL, f)
				return b.get(callback)
			},
			wantCause: errExchange, wantMsg: msgProvider,
		},
		{
			name: "ID token nonce differs from the flow's",
			run: func(t *testing.T) page {
				b := newBrowser(t)
				callback := e.op.toCallback(t, b, e.portal.URL, "corporate", "")
				f := flowOf(t, e.m, b, e.portal.URL)
				f.Nonce = randomToken()
				reseal(t, e.m, b, e.portal.URL, f)
				return b.get(callback)
			},
			wantCause: errNonce, wantMsg: msgVerify,
		},
		{
			name: "flow older than 10 minutes",
			run: func(t *testing.T) page {
				b := newBrowser(t)
				callback := e.op.toCallback(t, b, e.portal.URL, "corporate", "")
				e.clock.advance(flowTTL + time.Second)
				t.Cleanup(func() { e.clock.advance(-flowTTL - time.Second) })
				return b.get(callback)
			},
			wantCause: errFlowExpired, wantMsg: msgExpired,
		},
		{
			name: "tampered flow cookie",
			run: func(t *testing.T) page {
				b := newBrowser(t)
				callback := e.op.toCallback(t, b, e.portal.URL, "corporate", "")
				c := b.cookie(e.portal.URL, e.m.cookie)
				v := []byte(c.Value)
				v[len(v)/2] ^= 1
				b.setCookie(e.portal.URL, &http.Cookie{Name: c.Name, Value: string(v)})
				return b.get(callback)
			},
			wantCause: errBadFlow, wantMsg: msgExpired,
		},
		{
			name: "partners flow completed at the corporate callback (mix-up)",
			run: func(t *testing.T) page {
				b := newBrowser(t)
				callback := e.op.toCallback(t, b, e.portal.URL, "partners", "")
				return b.get(strings.Replace(callback, "/auth/partners/", "/auth/corporate/", 1))
			},
			wantCause: errFlowProvider, wantMsg: msgExpired,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := e.portal.callbacks()
			got := tc.run(t)
			if e.portal.callbacks() == before {
				t.Fatal("the portal's callback was not called")
			}
			if got.StatusCode != http.StatusUnauthorized || got.body != tc.wantMsg+"\n" {
				t.Errorf("callback page: %d %q; want 401 %q", got.StatusCode, got.body, tc.wantMsg)
			}
			if !strings.HasPrefix(got.Request.URL.String(), corporate) {
				t.Errorf("the browser ended at %s, not the callback", got.Request.URL)
			}
			last := e.portal.last(t)
			assertRefused(t, last.res, last.err, tc.wantCause, tc.wantMsg)
		})
	}
}

// reseal replaces the browser's flow cookie by f, sealed with m's key: a
// stand-in for a flow whose verifier or nonce does not match the request.
func reseal(t *testing.T, m *Manager, b *browser, portalURL string, f flow) {
	t.Helper()
	v, err := m.seal(f)
	if err != nil {
		t.Fatal(err)
	}
	b.setCookie(portalURL, &http.Cookie{Name: m.cookie, Value: v})
}

// withQuery returns u with query parameter k set to v (removed when v is "").
func withQuery(t *testing.T, u, k, v string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	if v == "" {
		q.Del(k)
	} else {
		q.Set(k, v)
	}
	pu.RawQuery = q.Encode()
	return pu.String()
}

func TestNew_ZitadelDiscoveryIssuerMismatch(t *testing.T) {
	op := startZitadelOP(t, "portal", []string{"http://127.0.0.1:1/auth/corporate/callback"}, nil)
	// The OP is reached, but calls itself http://127.0.0.1:…, not http://localhost:….
	configured := strings.Replace(op.Issuer, "127.0.0.1", "localhost", 1)
	_, err := New(t.Context(), []ProviderConfig{{
		Name: "corporate", Type: TypeOIDC, Issuer: configured, ClientID: "portal", ClientSecret: "portal-secret", Kind: models.UserStaff,
	}}, "http://127.0.0.1:1", testSecret, nil)
	var mismatch *oidc.IssuerMismatchError
	if !errors.As(err, &mismatch) {
		t.Fatalf("New: %v; want an issuer mismatch", err)
	}
	if mismatch.Provided != configured || mismatch.Discovered != op.Issuer {
		t.Errorf("mismatch = %+v; want provided %s, discovered %s", mismatch, configured, op.Issuer)
	}
	if !strings.Contains(err.Error(), `sso provider "corporate"`) {
		t.Errorf("error %q does not name the provider", err)
	}
}

func TestNew_DiscoveryIsBoundedByContext(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hang.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := New(ctx, []ProviderConfig{{
		Name: "slow", Type: TypeOIDC, Issuer: hang.URL, ClientID: "c", ClientSecret: "s", Kind: models.UserExternal,
	}}, "http://127.0.0.1:1", testSecret, nil)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), `sso provider "slow"`) {
		t.Errorf("New: %v; want a deadline error naming the provider", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("New took %s despite a 200ms deadline", d)
	}
}
