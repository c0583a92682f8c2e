package sso

import (
	"context"
	"errors"
	"fmt"
	"github.com/portico/portico/internal/oidctest"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico/portico/models"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// clock is a test clock: the real time shifted by an offset tests can move.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }
func newManager(t *testing.T, cfgs []ProviderConfig, callbackBase string) (*Manager, *clock) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	m, err := New(ctx, cfgs, callbackBase, testSecret, &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c := &clock{}
	m.now = c.now
	return m, c
}

// outcome is what the portal's callback got from Complete.
type outcome struct {
	res Result
	err error
}

// portal is a minimal portal over real HTTP on loopback: its sign-in and
// callback routes call the Manager the way handlers will.
type portal struct {
	*httptest.Server
	m atomic.Pointer[Manager]

	mu       sync.Mutex
	outcomes []outcome
}

func newPortal(t *testing.T) *portal {
	t.Helper()
	p := &portal{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /auth/{provider}", func(w http.ResponseWriter, r *http.Request) {
		err := p.m.Load().Begin(w, r, r.PathValue("provider"), r.URL.Query().Get("return_to"))
		if err != nil {
			http.Error(w, models.MessageOf(err), http.StatusNotFound)
		}
	})
	mux.HandleFunc("GET /auth/{provider}/callback", func(w http.ResponseWriter, r *http.Request) {
		res, err := p.m.Load().Complete(w, r, r.PathValue("provider"))
		p.mu.Lock()
		p.outcomes = append(p.outcomes, outcome{res, err})
		p.mu.Unlock()
		if err != nil {
			http.Error(w, models.MessageOf(err), http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "signed in as %s", res.Email)
	})
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

// last returns the outcome of the latest callback.
func (p *portal) last(t *testing.T) outcome {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.outcomes) == 0 {
		t.Fatal("the portal's callback was never called")
	}
	return p.outcomes[len(p.outcomes)-1]
}

func (p *portal) callbacks() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.outcomes)
}

// browser is an HTTP client with a cookie jar that follows redirects, except
// to URLs starting with stopAt.
type browser struct {
	t       *testing.T
	c       *http.Client
	jar     *cookiejar.Jar
	stopAt  string
	visited []*url.URL
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, jar: jar}
	b.c = &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			b.visited = append(b.visited, req.URL)
			if b.stopAt != "" && strings.HasPrefix(req.URL.String(), b.stopAt) {
				return http.ErrUseLastResponse
			}
			if len(via) > 10 {
				return errors.New("too many redirects")
			}
			return nil
		},
	}
	return b
}

// page is a fetched response with its body read.
type page struct {
	*http.Response
	body string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{resp, string(body)}
}

func (b *browser) get(u string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) postForm(u string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// authURL is the first URL the browser was redirected to outside the portal:
// the provider's authorization endpoint.
func (b *browser) authURL(portalURL string) *url.URL {
	b.t.Helper()
	for _, u := range b.visited {
		if !strings.HasPrefix(u.String(), portalURL) {
			return u
		}
	}
	b.t.Fatal("the browser was never sent to the provider")
	return nil
}

// cookie returns the browser's cookie called name for u, or nil.
func (b *browser) cookie(u, name string) *http.Cookie {
	b.t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range b.jar.Cookies(pu) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// setCookie stores a cookie for u as a browser would after Set-Cookie.
func (b *browser) setCookie(u string, c *http.Cookie) {
	b.t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		b.t.Fatal(err)
	}
	b.jar.SetCookies(pu, []*http.Cookie{{Name: c.Name, Value: c.Value, Path: "/"}})
}

// zitadelOP is zitadel/oidc's example OpenID Provider, run in-process and
// served over HTTP on loopback.
type zitadelOP struct {
	Issuer   string
	Username string // the example user: sub "id1", email test-user@zitadel.ch
	Password string
}

// startZitadelOP starts the OP with one web client (PKCE-capable, secret
// "portal-secret") whose redirect URIs are callbacks; groups, when given,
// go into every ID token.
func startZitadelOP(t *testing.T, clientID string, callbacks []string, groups []string) *zitadelOP {
	t.Helper()
	p := oidctest.Start(t, groups...)
	p.AddClient(clientID, callbacks...)
	return &zitadelOP{Issuer: p.Issuer, Username: p.Username, Password: p.Password}
}

// logIn submits the OP's login form shown on loginPage.
func (op *zitadelOP) logIn(t *testing.T, b *browser, loginPage page) page {
	t.Helper()
	if loginPage.StatusCode != http.StatusOK || !strings.Contains(loginPage.body, `name="password"`) {
		t.Fatalf("expected the OP's login form, got %d at %s", loginPage.StatusCode, loginPage.Request.URL)
	}
	id := loginPage.Request.URL.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("login page %s has no authRequestID", loginPage.Request.URL)
	}
	return b.postForm(op.Issuer+"/login/username", url.Values{"id": {id}, "username": {op.Username}, "password": {op.Password}})
}

// toCallback signs b in at the OP starting from the portal's sign-in URL
// and returns the callback URL the OP sent the browser to, without
// following it.
func (op *zitadelOP) toCallback(t *testing.T, b *browser, portalURL, provider, returnTo string) string {
	t.Helper()
	b.stopAt = portalURL + "/auth/" + provider + "/callback"
	defer func() { b.stopAt = "" }()
	start := portalURL + "/auth/" + provider
	if returnTo != "" {
		start += "?return_to=" + url.QueryEscape(returnTo)
	}
	done := op.logIn(t, b, b.get(start))
	loc := done.Header.Get("Location")
	if done.StatusCode != http.StatusFound || !strings.HasPrefix(loc, b.stopAt) {
		t.Fatalf("after login: status %d, Location %q; want a redirect to the callback", done.StatusCode, loc)
	}
	return loc
}

// flowOf opens the flow cookie the browser holds for the portal.
func flowOf(t *testing.T, m *Manager, b *browser, portalURL string) flow {
	t.Helper()
	c := b.cookie(portalURL, m.cookie)
	if c == nil {
		t.Fatal("the browser has no flow cookie")
	}
	f, err := m.open(c.Value)
	if err != nil {
		t.Fatalf("open flow cookie: %v", err)
	}
	return f
}

// assertRefused checks that err is a user-safe Unauthenticated refusal for
// the wanted cause.
func assertRefused(t *testing.T, res Result, err error, wantCause error, wantMsg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("sign-in succeeded (%+v); want refusal: %v", res, wantCause)
	}
	if !errors.Is(err, wantCause) {
		t.Errorf("err = %v; want cause %v", err, wantCause)
	}
	if k := models.KindOf(err); k != models.Unauthenticated {
		t.Errorf("kind = %s; want unauthenticated", k)
	}
	if msg := models.MessageOf(err); msg != wantMsg {
		t.Errorf("message = %q; want %q", msg, wantMsg)
	}
	if res.Subject != "" || res.Email != "" {
		t.Errorf("refused sign-in returned an identity: %+v", res)
	}
}
