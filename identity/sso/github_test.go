package sso

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/portico/portico/models"
)

// fakeGitHub is a hand-written GitHub (Enterprise Server paths) over HTTP
// on loopback: GitHub itself cannot be reached from tests. It checks the
// client secret, one-time codes and PKCE, and serves /user and
// /user/emails.
type fakeGitHub struct {
	*httptest.Server
	user   map[string]any
	emails []map[string]any

	mu    sync.Mutex
	codes map[string]string // code → PKCE challenge
	auth  url.Values        // the last authorization request
}

func startFakeGitHub(t *testing.T) *fakeGitHub {
	t.Helper()
	g := &fakeGitHub{codes: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		code := randomToken()
		g.mu.Lock()
		g.auth = q
		g.codes[code] = q.Get("code_challenge")
		g.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		back.RawQuery = url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /login/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		code := r.PostFormValue("code")
		g.mu.Lock()
		challenge, known := g.codes[code]
		delete(g.codes, code)
		g.mu.Unlock()
		if id != "gh-client" || secret != "gh-secret" || !known || oauth2.S256ChallengeFromVerifier(r.PostFormValue("code_verifier")) != challenge {
			writeJSON(w, http.StatusOK, map[string]string{"error": "bad_verification_code"}) // GitHub answers errors with 200
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"access_token": "gho_test", "token_type": "bearer", "scope": "read:user,user:email"})
	})
	authorized := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer gho_test" {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /api/v3/user", authorized(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, g.user) }))
	mux.HandleFunc("GET /api/v3/user/emails", authorized(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, g.emails) }))
	g.Server = httptest.NewServer(mux)
	t.Cleanup(g.Close)
	return g
}

func TestSignIn_GitHub(t *testing.T) {
	octocat := map[string]any{"id": 4242, "login": "octocat", "name": "The Octocat", "email": "public@example.com"}
	tests := []struct {
		name      string
		user      map[string]any
		emails    []map[string]any
		want      Result
		wantCause error
	}{
		{
			name: "verified primary email, not the public one",
			user: octocat,
			emails: []map[string]any{
				{"email": "public@example.com", "primary": false, "verified": true},
				{"email": "Octo@Example.com", "primary": true, "verified": true},
			},
			want: Result{Provider: "github", Subject: "4242", Email: "octo@example.com", EmailVerified: true, Name: "The Octocat", Kind: models.UserExternal, ReturnTo: "/apps"},
		},
		{
			name:   "no name: the login",
			user:   map[string]any{"id": 7, "login": "ghost", "name": nil, "email": nil},
			emails: []map[string]any{{"email": "ghost@example.com", "primary": true, "verified": true}},
			want:   Result{Provider: "github", Subject: "7", Email: "ghost@example.com", EmailVerified: true, Name: "ghost", Kind: models.UserExternal, ReturnTo: "/apps"},
		},
		{
			name:      "primary email not verified",
			user:      octocat,
			emails:    []map[string]any{{"email": "octo@example.com", "primary": true, "verified": false}, {"email": "public@example.com", "primary": false, "verified": true}},
			wantCause: errNoEmail,
		},
		{
			name:      "no public email and no verified primary",
			user:      map[string]any{"id": 7, "login": "ghost", "email": nil},
			emails:    []map[string]any{{"email": "ghost@example.com", "primary": true, "verified": false}},
			wantCause: errNoEmail,
		},
		{
			name:      "no user ID",
			user:      map[string]any{"login": "nobody", "email": "nobody@example.com"},
			emails:    []map[string]any{{"email": "nobody@example.com", "primary": true, "verified": true}},
			wantCause: errNoSubject,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := startFakeGitHub(t)
			g.user, g.emails = tc.user, tc.emails
			m, _ := newManager(t, []ProviderConfig{{Name: "github", Type: TypeGitHub, Issuer: g.URL, ClientID: "gh-client", ClientSecret: "gh-secret", Kind: models.UserExternal}}, "https://portal.example")
			res, err := runFlow(t, m, "github", "/apps")

			g.mu.Lock()
			auth := g.auth
			g.mu.Unlock()
			if auth.Get("code_challenge_method") != "S256" || auth.Get("code_challenge") == "" || auth.Has("nonce") {
				t.Errorf("authorization request %v: want an S256 challenge and no nonce", auth)
			}
			if auth.Get("scope") != "read:user user:email" {
				t.Errorf("scope = %q; want read:user user:email", auth.Get("scope"))
			}
			if tc.wantCause != nil {
				msg := msgNoEmail
				if tc.wantCause == errNoSubject {
					msg = msgVerify
				}
				assertRefused(t, res, err, tc.wantCause, msg)
				if err != nil && strings.Contains(err.Error(), "gho_test") {
					t.Errorf("the error carries the access token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("sign-in refused: %v", err)
			}
			if !reflect.DeepEqual(res, tc.want) {
				t.Errorf("Result = %+v\nwant     %+v", res, tc.want)
			}
		})
	}
}
