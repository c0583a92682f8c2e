package handlers

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/portico/portico/identity/sso"
	"github.com/portico/portico/internal/oidctest"
	"github.com/portico/portico/models"
)

// ssoPortal is the real portal served over HTTP on loopback, signing in at
// zitadel/oidc's example OpenID Provider (run in-process) through two
// providers: "corporate" (staff; the group "bank-publishers" grants
// publisher@bank) and "partners" (external developers).
type ssoPortal struct {
	*identityPortal
	url    string // the portal's base URL
	issuer string
}

func newSSOPortal(t *testing.T) *ssoPortal {
	t.Helper()
	portalLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	portalURL := "http://" + portalLn.Addr().String()

	idp := oidctest.Start(t, "bank-publishers", "unmapped")
	idp.AddClient("portal", portalURL+"/auth/corporate/callback", portalURL+"/auth/partners/callback")
	issuer := idp.Issuer

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	m, err := sso.New(ctx, []sso.ProviderConfig{
		{
			Name: "corporate", DisplayName: "Meridian staff", Type: sso.TypeOIDC, Issuer: issuer,
			ClientID: "portal", ClientSecret: "portal-secret", Kind: models.UserStaff, GroupsClaim: "groups",
			RoleMap: map[string][]models.RoleAssignment{"bank-publishers": {roleIn(models.RolePublisher, "bank")}},
		},
		{
			Name: "partners", DisplayName: "Partner login", Type: sso.TypeOIDC, Issuer: issuer,
			ClientID: "portal", ClientSecret: "portal-secret", Kind: models.UserExternal,
		},
	}, portalURL, []byte("0123456789abcdef0123456789abcdef"), &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("sso.New: %v", err)
	}

	ip := newIdentityPortal(t, func(o *Options) {
		o.SSO = m
		o.BaseURL = portalURL
	})
	srv := &http.Server{Handler: ip.p.handler, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(portalLn) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &ssoPortal{identityPortal: ip, url: portalURL, issuer: issuer}
}

// webBrowser is an HTTP client with a cookie jar that follows redirects and
// remembers where it went.
type webBrowser struct {
	t       *testing.T
	c       *http.Client
	jar     *cookiejar.Jar
	visited []*url.URL
	stopAt  string // do not follow redirects to URLs with this prefix
}

func newWebBrowser(t *testing.T) *webBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &webBrowser{t: t, jar: jar}
	b.c = &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		b.visited = append(b.visited, req.URL)
		if b.stopAt != "" && strings.HasPrefix(req.URL.String(), b.stopAt) {
			return http.ErrUseLastResponse
		}
		if len(via) > 10 {
			return errors.New("too many redirects")
		}
		return nil
	}}
	return b
}

type webPage struct {
	*http.Response
	body string
}

func (b *webBrowser) do(req *http.Request) webPage {
	b.t.Helper()
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return webPage{resp, string(body)}
}

func (b *webBrowser) get(u string) webPage {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *webBrowser) postForm(u string, form url.Values) webPage {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *webBrowser) cookie(u, name string) *http.Cookie {
	pu, _ := url.Parse(u)
	for _, c := range b.jar.Cookies(pu) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// signInAtOP follows a sign-in started at start (a portal URL) through the
// OP's login form and returns the page the browser ends on.
func (sp *ssoPortal) signInAtOP(t *testing.T, b *webBrowser, start string) webPage {
	t.Helper()
	login := b.get(start)
	if login.StatusCode != http.StatusOK || !strings.Contains(login.body, `name="password"`) {
		t.Fatalf("expected the OP's login form, got %d at %s", login.StatusCode, login.Request.URL)
	}
	id := login.Request.URL.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("login page %s has no authRequestID", login.Request.URL)
	}
	host := strings.TrimPrefix(sp.issuer, "http://")
	return b.postForm(sp.issuer+"/login/username", url.Values{"id": {id}, "username": {"test-user@" + hostOnly(host)}, "password": {"verysecure"}})
}

func hostOnly(hostport string) string {
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	return h
}

func TestSSO_StaffProviderGroupGrantsPublisherOfTheBank(t *testing.T) {
	sp := newSSOPortal(t)
	ctx := context.Background()
	b := newWebBrowser(t)

	// The sign-in page offers both providers, passing return_to on.
	page := b.get(sp.url + "/login?return_to=" + url.QueryEscape("/apis?q=accounts"))
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(page.body))
	if err != nil {
		t.Fatal(err)
	}
	var hrefs []string
	byTestID(doc, "sso-provider").Each(func(_ int, s *goquery.Selection) {
		h, _ := s.Attr("href")
		hrefs = append(hrefs, h)
	})
	want := []string{"/auth/corporate?return_to=%2Fapis%3Fq%3Daccounts", "/auth/partners?return_to=%2Fapis%3Fq%3Daccounts"}
	if !slices.Equal(hrefs, want) {
		t.Errorf("provider links = %q, want %q", hrefs, want)
	}

	// A session token planted before the sign-in does not survive it.
	planted := &http.Cookie{Name: sessionCookiePlain, Value: "planted-before-sso-0123456789abcdefghij", Path: "/"}
	pu, _ := url.Parse(sp.url)
	b.jar.SetCookies(pu, []*http.Cookie{planted})

	end := sp.signInAtOP(t, b, sp.url+hrefs[0])
	if end.StatusCode != http.StatusOK || end.Request.URL.String() != sp.url+"/apis?q=accounts" {
		t.Fatalf("sign-in ended at %s with %d, want %s/apis?q=accounts", end.Request.URL, end.StatusCode, sp.url)
	}
	c := b.cookie(sp.url, sessionCookiePlain)
	if c == nil || c.Value == planted.Value {
		t.Fatalf("session cookie after SSO = %+v; want a new token", c)
	}
	endDoc, _ := goquery.NewDocumentFromReader(strings.NewReader(end.body))
	if got := strings.TrimSpace(byTestID(endDoc, "user-email").Text()); got != "test-user@zitadel.ch" {
		t.Errorf("header shows %q, want the OP's user", got)
	}

	u, err := sp.st.FindUserByEmail(ctx, "test-user@zitadel.ch")
	if err != nil {
		t.Fatal(err)
	}
	if u.Kind != models.UserStaff || !u.EmailVerified || u.LastLoginAt == nil {
		t.Errorf("user = %+v; want verified staff with a last sign-in", u)
	}
	roles, err := sp.st.ListRoles(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantRoles := []models.RoleAssignment{
		{UserID: u.ID, Role: models.RoleInternal, Domain: models.GlobalDomain}, // every staff account's default
		{UserID: u.ID, Role: models.RolePublisher, Domain: "bank"},             // from the group claim
	}
	if !slices.Equal(roles, wantRoles) {
		t.Errorf("roles = %+v; want %+v", roles, wantRoles)
	}
	evs := sp.auditEvents(t, "auth.sign_in")
	if len(evs) != 1 || evs[0].ActorID == nil || *evs[0].ActorID != u.ID || !strings.Contains(evs[0].After, "corporate") {
		t.Errorf("sign-in audit = %+v", evs)
	}

	// The role is in force on the session: the publisher imports into the
	// bank, and not into the insurer; internal APIs are visible.
	imp := func(sub string) int {
		req, _ := http.NewRequest(http.MethodPost, sp.url+"/api/v1/subsidiaries/"+sub+"/versions", strings.NewReader(string(readTestdata(t, "quotes.yaml"))))
		req.Header.Set("Content-Type", "application/yaml")
		return b.do(req).StatusCode
	}
	if got := imp("bank"); got != http.StatusCreated {
		t.Errorf("import into bank = %d, want 201", got)
	}
	if got := imp("insurance"); got != http.StatusForbidden {
		t.Errorf("import into insurance = %d, want 403", got)
	}
	sp.seedInternal(t)
	if got := b.get(sp.url + "/apis/securities/trading-desk").StatusCode; got != http.StatusOK {
		t.Errorf("internal API page = %d, want 200 for staff", got)
	}
}

func TestSSO_RefusalsShowTheSignInPageAndAreAudited(t *testing.T) {
	sp := newSSOPortal(t)

	t.Run("a callback without a sign-in in progress", func(t *testing.T) {
		b := newWebBrowser(t)
		page := b.get(sp.url + "/auth/corporate/callback?state=forged&code=stolen")
		if page.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status = %d, want 401", page.StatusCode)
		}
		doc, _ := goquery.NewDocumentFromReader(strings.NewReader(page.body))
		if msg := strings.TrimSpace(byTestID(doc, "error-message").Text()); !strings.Contains(msg, "expired or was already used") {
			t.Errorf("message = %q", msg)
		}
		if byTestID(doc, "login-form").Length() != 1 || byTestID(doc, "sso-provider").Length() != 2 {
			t.Error("the refusal does not show the sign-in page")
		}
		if b.cookie(sp.url, sessionCookiePlain) != nil {
			t.Error("a refused callback set a session")
		}
		evs := sp.auditEvents(t, "auth.sign_in_failed")
		if len(evs) == 0 || !strings.Contains(evs[0].After, "sso:corporate") || strings.Contains(evs[0].After, "stolen") {
			t.Errorf("failure audit = %+v; want the provider, never the code", evs)
		}
	})

	t.Run("a replayed callback", func(t *testing.T) {
		b := newWebBrowser(t)
		b.stopAt = sp.url + "/auth/corporate/callback"
		done := sp.signInAtOP(t, b, sp.url+"/auth/corporate")
		callback := done.Header.Get("Location")
		if done.StatusCode != http.StatusFound || !strings.HasPrefix(callback, b.stopAt) {
			t.Fatalf("after login: %d to %q", done.StatusCode, callback)
		}
		b.stopAt = ""
		first := b.get(callback)
		if first.StatusCode != http.StatusOK || first.Request.URL.String() != sp.url+"/" {
			t.Fatalf("first callback ended at %s with %d", first.Request.URL, first.StatusCode)
		}
		// The same callback again: the flow cookie was used up.
		if again := b.get(callback); again.StatusCode != http.StatusUnauthorized {
			t.Errorf("replayed callback in the same browser: %d, want 401", again.StatusCode)
		}
		// And from another browser holding no flow.
		other := newWebBrowser(t)
		again := other.get(callback)
		if again.StatusCode != http.StatusUnauthorized || other.cookie(sp.url, sessionCookiePlain) != nil {
			t.Errorf("replayed callback: %d, session %v", again.StatusCode, other.cookie(sp.url, sessionCookiePlain))
		}
	})

	for _, payload := range []string{"//evil.example", "/\\evil.example", "/%09/evil.example", "https://evil.example", "javascript:alert(1)"} {
		t.Run("return_to "+payload, func(t *testing.T) {
			b := newWebBrowser(t)
			end := sp.signInAtOP(t, b, sp.url+"/auth/corporate?return_to="+url.QueryEscape(payload))
			if end.Request.URL.String() != sp.url+"/" {
				t.Errorf("landed on %s, want %s/", end.Request.URL, sp.url)
			}
		})
	}
}

// A partner (external) IdP vouching for the email of a staff account must
// not sign in to it: partners run their own IdPs and can assert any address.
func TestSSO_ExternalProviderCannotTakeOverAStaffAccount(t *testing.T) {
	sp := newSSOPortal(t)
	staff := newWebBrowser(t)
	if end := sp.signInAtOP(t, staff, sp.url+"/auth/corporate"); end.StatusCode != http.StatusOK || end.Request.URL.String() != sp.url+"/" {
		t.Fatalf("staff sign-in ended at %s with %d", end.Request.URL, end.StatusCode)
	}
	b := newWebBrowser(t)
	end := sp.signInAtOP(t, b, sp.url+"/auth/partners")
	if end.StatusCode != http.StatusConflict {
		t.Errorf("partner sign-in with the staff email: %d at %s, want 409", end.StatusCode, end.Request.URL)
	}
	if b.cookie(sp.url, sessionCookiePlain) != nil {
		t.Error("the partner identity got a session on the staff account")
	}
}
