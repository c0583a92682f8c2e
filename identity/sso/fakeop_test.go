package sso

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc/oidctest"
	"golang.org/x/oauth2"

	"github.com/portico/portico/models"
)

// fakeOP is a hand-written OpenID Provider over HTTP on loopback, for the
// failures a real provider cannot be made to produce on demand: it issues
// whatever ID token a test crafts (another issuer or audience, expired,
// signed with a key outside its JWKS, …). Everything else it does properly:
// discovery, JWKS, one-time codes, client authentication, PKCE S256.
type fakeOP struct {
	*httptest.Server
	key, rogue *rsa.PrivateKey
	keys       *oidctest.Server

	// What a test changes before the sign-in.
	discoveryIssuer string                             // default: the server's URL
	editClaims      func(claims map[string]any)        // edits the ID token's claims
	signWith        *rsa.PrivateKey                    // default: key, which the JWKS lists
	rawIDToken      func(claims map[string]any) string // replaces the signed ID token
	noIDToken       bool
	userinfo        map[string]any // served at /userinfo when set
	authError       string         // the authorization endpoint answers error=…
	callbackExtra   url.Values     // added to the callback's query

	mu    sync.Mutex
	codes map[string]fakeGrant
}

type fakeGrant struct {
	nonce, challenge, redirectURI, accessToken string
}

const (
	fakeClientID = "portal"
	fakeSecret   = "portal-secret"
)

var fakeKeys = sync.OnceValue(func() [2]*rsa.PrivateKey {
	var keys [2]*rsa.PrivateKey
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

func startFakeOP(t *testing.T) *fakeOP {
	t.Helper()
	keys := fakeKeys()
	f := &fakeOP{key: keys[0], rogue: keys[1], codes: map[string]fakeGrant{}}
	f.keys = &oidctest.Server{PublicKeys: []oidctest.PublicKey{{PublicKey: f.key.Public(), KeyID: "k1", Algorithm: "RS256"}}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", f.discovery)
	mux.Handle("GET /keys", f.keys)
	mux.HandleFunc("GET /auth", f.authorize)
	mux.HandleFunc("POST /token", f.token)
	mux.HandleFunc("GET /userinfo", f.serveUserinfo)
	f.Server = httptest.NewServer(mux)
	f.keys.SetIssuer(f.URL)
	t.Cleanup(f.Close)
	return f
}

func (f *fakeOP) discovery(w http.ResponseWriter, r *http.Request) {
	issuer := f.discoveryIssuer
	if issuer == "" {
		issuer = f.URL
	}
	doc := map[string]any{
		"issuer":                                issuer,
		"authorization_endpoint":                f.URL + "/auth",
		"token_endpoint":                        f.URL + "/token",
		"jwks_uri":                              f.URL + "/keys",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
	}
	if f.userinfo != nil {
		doc["userinfo_endpoint"] = f.URL + "/userinfo"
	}
	writeJSON(w, http.StatusOK, doc)
}

func (f *fakeOP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != fakeClientID || q.Get("response_type") != "code" ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	answer := url.Values{"state": {q.Get("state")}}
	if f.authError != "" {
		answer.Set("error", f.authError)
		answer.Set("error_description", "<script>alert(1)</script>")
	} else {
		code := randomToken()
		f.mu.Lock()
		f.codes[code] = fakeGrant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirectURI: back.String(), accessToken: "at-" + randomToken()}
		f.mu.Unlock()
		answer.Set("code", code)
	}
	for k, vs := range f.callbackExtra {
		answer[k] = vs
	}
	back.RawQuery = answer.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (f *fakeOP) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if id != fakeClientID || secret != fakeSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	code := r.PostFormValue("code")
	f.mu.Lock()
	g, ok := f.codes[code]
	delete(f.codes, code)
	f.mu.Unlock()
	if !ok || r.PostFormValue("grant_type") != "authorization_code" || r.PostFormValue("redirect_uri") != g.redirectURI ||
		oauth2.S256ChallengeFromVerifier(r.PostFormValue("code_verifier")) != g.challenge {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	now := time.Now()
	claims := map[string]any{
		"iss":            f.URL,
		"sub":            "fake-user-7",
		"aud":            fakeClientID,
		"exp":            now.Add(5 * time.Minute).Unix(),
		"iat":            now.Unix(),
		"nonce":          g.nonce,
		"email":          "Dev.Eloper@Example.COM",
		"email_verified": true,
		"name":           "Dev Eloper",
	}
	if f.editClaims != nil {
		f.editClaims(claims)
	}
	body := map[string]any{"access_token": g.accessToken, "token_type": "Bearer", "expires_in": 300}
	if !f.noIDToken {
		if f.rawIDToken != nil {
			body["id_token"] = f.rawIDToken(claims)
		} else {
			key := f.key
			if f.signWith != nil {
				key = f.signWith
			}
			payload, _ := json.Marshal(claims)
			body["id_token"] = oidctest.SignIDToken(key, "k1", "RS256", string(payload))
		}
	}
	writeJSON(w, http.StatusOK, body)
}

func (f *fakeOP) serveUserinfo(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer at-") {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	writeJSON(w, http.StatusOK, f.userinfo)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// runFlow signs in at provider through m: Begin, the provider's
// authorization endpoint over HTTP, then Complete with the browser's flow
// cookie.
func runFlow(t *testing.T, m *Manager, provider, returnTo string) (Result, error) {
	t.Helper()
	begin := httptest.NewRecorder()
	if err := m.Begin(begin, httptest.NewRequest(http.MethodGet, "https://portal.example/auth/"+provider, nil), provider, returnTo); err != nil {
		t.Fatalf("Begin: %v", err)
	}
	if begin.Code != http.StatusFound {
		t.Fatalf("Begin answered %d; want 302", begin.Code)
	}
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get(begin.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(callback, "https://portal.example/auth/"+provider+"/callback?") {
		t.Fatalf("provider answered %d, Location %q; want a redirect to the callback", resp.StatusCode, callback)
	}
	req := httptest.NewRequest(http.MethodGet, callback, nil)
	for _, c := range begin.Result().Cookies() {
		req.AddCookie(c)
	}
	return m.Complete(httptest.NewRecorder(), req, provider)
}

// TestSignIn_CraftedTokenRefusals covers THREATS P9 with ID tokens a real
// provider would not issue, and provider error answers.
func TestSignIn_CraftedTokenRefusals(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(f *fakeOP)
		wantCause error
		wantMsg   string
	}{
		{"ID token from another issuer", func(f *fakeOP) {
			f.editClaims = func(c map[string]any) { c["iss"] = "https://evil.example" }
		}, errIDToken, msgVerify},
		{"ID token for another audience", func(f *fakeOP) {
			f.editClaims = func(c map[string]any) { c["aud"] = "another-client" }
		}, errIDToken, msgVerify},
		{"ID token for several audiences, authorized party another client", func(f *fakeOP) {
			f.editClaims = func(c map[string]any) {
				c["aud"] = []string{fakeClientID, "another-client"}
				c["azp"] = "another-client"
			}
		}, errIDToken, msgVerify},
		{"expired ID token", func(f *fakeOP) {
			f.editClaims = func(c map[string]any) {
				c["iat"] = time.Now().Add(-time.Hour).Unix()
				c["exp"] = time.Now().Add(-time.Minute).Unix()
			}
		}, errIDToken, msgVerify},
		{"ID token signed with a key outside the JWKS", func(f *fakeOP) {
			f.signWith = f.rogue
		}, errIDToken, msgVerify},
		{"unsigned ID token (alg none)", func(f *fakeOP) {
			f.rawIDToken = func(c map[string]any) string {
				payload, _ := json.Marshal(c)
				return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"k1"}`)) + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
			}
		}, errIDToken, msgVerify},
		{"ID token with another nonce", func(f *fakeOP) {
			f.editClaims = func(c map[string]any) { c["nonce"] = "another-nonce" }
		}, errNonce, msgVerify},
		{"ID token without nonce", func(f *fakeOP) {
			f.editClaims = func(c map[string]any) { delete(c, "nonce") }
		}, errNonce, msgVerify},
		{"ID token whose at_hash is not the access token's", func(f *fakeOP) {
			f.editClaims = func(c map[string]any) { c["at_hash"] = "bm90LXRoZS1oYXNo" }
		}, errIDToken, msgVerify},
		{"token response without ID token", func(f *fakeOP) {
			f.noIDToken = true
		}, errNoIDToken, msgVerify},
		{"no email in the ID token and no userinfo endpoint", func(f *fakeOP) {
			f.editClaims = func(c map[string]any) { delete(c, "email"); delete(c, "email_verified") }
		}, errNoEmail, msgNoEmail},
		{"userinfo about another subject", func(f *fakeOP) {
			f.editClaims = func(c map[string]any) { delete(c, "email") }
			f.userinfo = map[string]any{"sub": "someone-else", "email": "someone@example.com", "email_verified": true}
		}, errUserInfo, msgVerify},
		{"provider answers error=access_denied", func(f *fakeOP) {
			f.authError = "access_denied"
		}, errProviderError, msgCancelled},
		{"provider answers error=server_error", func(f *fakeOP) {
			f.authError = "server_error"
		}, errProviderError, msgProvider},
		{"callback names another issuer (RFC 9207)", func(f *fakeOP) {
			f.callbackExtra = url.Values{"iss": {"https://evil.example"}}
		}, errIssuerParam, msgVerify},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFakeOP(t)
			tc.setup(f)
			m, _ := newManager(t, []ProviderConfig{{Name: "partner", Type: TypeOIDC, Issuer: f.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, Kind: models.UserExternal}}, "https://portal.example")
			res, err := runFlow(t, m, "partner", "/apps")
			assertRefused(t, res, err, tc.wantCause, tc.wantMsg)
			if err != nil && (strings.Contains(err.Error(), "eyJ") || strings.Contains(err.Error(), "at-") || strings.Contains(err.Error(), "<script>")) {
				t.Errorf("the error carries token or provider text: %v", err)
			}
		})
	}
}

// TestSignIn_FakeOPAccepts checks the fake OP's honest answers are
// accepted, so the refusals above are due to the one thing each changes.
func TestSignIn_FakeOPAccepts(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fakeOP)
		want  Result
	}{
		{"valid ID token", func(f *fakeOP) {}, Result{
			Provider: "partner", Subject: "fake-user-7", Email: "dev.eloper@example.com", EmailVerified: true,
			Name: "Dev Eloper", Kind: models.UserExternal, ReturnTo: "/apps",
		}},
		{"several audiences, authorized party us", func(f *fakeOP) {
			f.editClaims = func(c map[string]any) { c["aud"] = []string{fakeClientID, "another-client"}; c["azp"] = fakeClientID }
		}, Result{
			Provider: "partner", Subject: "fake-user-7", Email: "dev.eloper@example.com", EmailVerified: true,
			Name: "Dev Eloper", Kind: models.UserExternal, ReturnTo: "/apps",
		}},
		{"email from userinfo, email_verified as a string", func(f *fakeOP) {
			f.editClaims = func(c map[string]any) { delete(c, "email"); delete(c, "email_verified"); delete(c, "name") }
			f.userinfo = map[string]any{"sub": "fake-user-7", "email": "Info@Example.com", "email_verified": "true", "preferred_username": "info"}
		}, Result{
			Provider: "partner", Subject: "fake-user-7", Email: "info@example.com", EmailVerified: true,
			Name: "info", Kind: models.UserExternal, ReturnTo: "/apps",
		}},
		{"unverified email is reported as such", func(f *fakeOP) {
			f.editClaims = func(c map[string]any) { c["email_verified"] = false }
		}, Result{
			Provider: "partner", Subject: "fake-user-7", Email: "dev.eloper@example.com", EmailVerified: false,
			Name: "Dev Eloper", Kind: models.UserExternal, ReturnTo: "/apps",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFakeOP(t)
			tc.setup(f)
			m, _ := newManager(t, []ProviderConfig{{Name: "partner", Type: TypeOIDC, Issuer: f.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, Kind: models.UserExternal}}, "https://portal.example")
			res, err := runFlow(t, m, "partner", "/apps")
			if err != nil {
				t.Fatalf("sign-in refused: %v", err)
			}
			if !reflect.DeepEqual(res, tc.want) {
				t.Errorf("Result = %+v\nwant     %+v", res, tc.want)
			}
		})
	}
}

func TestNew_FakeOPDiscoveryIssuerMismatch(t *testing.T) {
	f := startFakeOP(t)
	f.discoveryIssuer = "https://evil.example"
	_, err := New(t.Context(), []ProviderConfig{{Name: "partner", Type: TypeOIDC, Issuer: f.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, Kind: models.UserExternal}}, "https://portal.example", testSecret, nil)
	if err == nil || !strings.Contains(err.Error(), `sso provider "partner"`) || !strings.Contains(err.Error(), "https://evil.example") {
		t.Errorf("New: %v; want an issuer mismatch naming the provider", err)
	}
}

// TestSignIn_ProviderTypes signs in through the google, gitlab and
// microsoft types, pointed at the fake OP (the real ones cannot be reached
// from tests), and checks each type's default issuer.
func TestSignIn_ProviderTypes(t *testing.T) {
	tests := []struct {
		typ         string
		kind        models.UserKind
		wantDisplay string
	}{
		{TypeGoogle, models.UserExternal, "Google"},
		{TypeGitLab, models.UserStaff, "GitLab"}, // self-managed GitLab may vouch for staff
		{TypeMicrosoft, models.UserStaff, "Microsoft"},
	}
	for _, tc := range tests {
		t.Run(tc.typ, func(t *testing.T) {
			f := startFakeOP(t)
			m, _ := newManager(t, []ProviderConfig{{Name: tc.typ, Type: tc.typ, Issuer: f.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, Kind: tc.kind}}, "https://portal.example")
			res, err := runFlow(t, m, tc.typ, "/")
			if err != nil {
				t.Fatalf("sign-in refused: %v", err)
			}
			want := Result{Provider: tc.typ, Subject: "fake-user-7", Email: "dev.eloper@example.com", EmailVerified: true, Name: "Dev Eloper", Kind: tc.kind, ReturnTo: "/"}
			if !reflect.DeepEqual(res, want) {
				t.Errorf("Result = %+v\nwant     %+v", res, want)
			}
			if got := m.Providers(); !reflect.DeepEqual(got, []Provider{{Name: tc.typ, DisplayName: tc.wantDisplay, Kind: tc.kind}}) {
				t.Errorf("Providers() = %+v; want display name %q", got, tc.wantDisplay)
			}
		})
	}

	issuers := []struct {
		cfg  ProviderConfig
		want string
	}{
		{ProviderConfig{Type: TypeGoogle}, "https://accounts.google.com"},
		{ProviderConfig{Type: TypeGitLab}, "https://gitlab.com"},
		{ProviderConfig{Type: TypeGitLab, Issuer: "https://gitlab.meridian.example"}, "https://gitlab.meridian.example"},
		{ProviderConfig{Type: TypeMicrosoft, Issuer: "72f988bf-86f1-41af-91ab-2d7cd011db47"}, "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"},
		{ProviderConfig{Type: TypeMicrosoft, Issuer: "https://login.microsoftonline.us/t/v2.0"}, "https://login.microsoftonline.us/t/v2.0"},
		{ProviderConfig{Type: TypeOIDC, Issuer: "https://tenant.auth0.example/"}, "https://tenant.auth0.example/"},
	}
	for _, tc := range issuers {
		if got := issuerURL(tc.cfg); got != tc.want {
			t.Errorf("issuerURL(%s %q) = %q; want %q", tc.cfg.Type, tc.cfg.Issuer, got, tc.want)
		}
	}
}
