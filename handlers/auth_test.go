package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/alexedwards/scs/v2"
	"github.com/portico/portico/identity"
	"github.com/portico/portico/identity/sso"
	"github.com/portico/portico/models"
)

// auditEvents returns the audit events with the action, newest first.
func (ip *identityPortal) auditEvents(t testing.TB, action string) []models.AuditEvent {
	t.Helper()
	evs, _, err := ip.st.ListAudit(context.Background(), models.AuditFilter{Action: action, PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// sessionExists reports whether the store holds a live session for token.
func (ip *identityPortal) sessionExists(t testing.TB, token string) bool {
	t.Helper()
	_, found, err := ip.st.SessionStore().Find(token)
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// signInError returns the error message of a sign-in page.
func signInError(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	doc := parseHTML(t, rec.Body)
	sel := byTestID(doc, "error-message")
	if sel.Length() != 1 {
		t.Fatalf("sign-in page has %d error messages", sel.Length())
	}
	if byTestID(doc, "login-form").Length() != 1 {
		t.Fatal("sign-in page lacks the form")
	}
	return strings.TrimSpace(sel.Text())
}

func TestSignIn_LocalAccount(t *testing.T) {
	ip := newIdentityPortal(t)
	b := ip.browser(t)

	page := b.get("/login?return_to=" + url.QueryEscape("/apis?q=pay"))
	wantStatus(t, page, http.StatusOK)
	if cc := page.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("sign-in page Cache-Control = %q, want no-store", cc)
	}
	doc := parseHTML(t, page.Body)
	form := byTestID(doc, "login-form")
	if m, _ := form.Attr("method"); m != "post" {
		t.Errorf("form method = %q", m)
	}
	if a, _ := form.Attr("action"); a != "/login" {
		t.Errorf("form action = %q", a)
	}
	for _, name := range []string{"email", "password"} {
		if form.Find(`input[name="`+name+`"]`).Length() != 1 {
			t.Errorf("form lacks the %s field", name)
		}
	}
	if v, _ := form.Find(`input[name="return_to"]`).Attr("value"); v != "/apis?q=pay" {
		t.Errorf("return_to = %q", v)
	}
	if byTestID(doc, "error-message").Length() != 0 || byTestID(doc, "demo-accounts").Length() != 0 {
		t.Error("a fresh sign-in page shows an error or demo accounts")
	}
	if b.session() != "" {
		t.Error("showing the sign-in page created a session")
	}

	dev := ip.users["developer"]
	rec := b.signIn("  DEV@acme.example ", testPassword, "/apis?q=pay")
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/apis?q=pay" {
		t.Errorf("Location = %q, want the return_to path", loc)
	}
	if got := b.signedInAs(); got != dev.Email {
		t.Errorf("signed in as %q, want %q", got, dev.Email)
	}
	// A signed-in visitor of the sign-in page is sent on.
	again := b.get("/login?return_to=/apis")
	if again.Code != http.StatusSeeOther || again.Header().Get("Location") != "/apis" {
		t.Errorf("GET /login when signed in: %d %q", again.Code, again.Header().Get("Location"))
	}

	evs := ip.auditEvents(t, "auth.sign_in")
	if len(evs) != 1 || evs[0].ActorEmail != dev.Email || evs[0].ActorID == nil || *evs[0].ActorID != dev.ID ||
		evs[0].ClientIP != "192.0.2.10" || evs[0].RequestID != rec.Header().Get(requestIDHeader) || !strings.Contains(evs[0].After, "local") {
		t.Errorf("sign-in audit = %+v", evs)
	}
	u, err := ip.st.FindUser(context.Background(), dev.ID)
	if err != nil || u.LastLoginAt == nil {
		t.Errorf("last login not recorded: %+v %v", u, err)
	}
	n, err := ip.st.CountUserSessions(context.Background(), dev.ID)
	if err != nil || n != 1 {
		t.Errorf("sessions bound to the user = %d (%v), want 1", n, err)
	}
}

func TestSignIn_NilSSOManagerAndAuthorizerMeanNone(t *testing.T) {
	tp := newTestPortal(t, func(o *Options) {
		o.SSO = (*sso.Manager)(nil)
		o.Authorizer = (*identity.Authorizer)(nil)
	})
	rec := tp.browser(t).get("/login")
	wantStatus(t, rec, http.StatusOK)
	if byTestID(parseHTML(t, rec.Body), "sso-providers").Length() != 0 {
		t.Error("providers listed without an SSO manager")
	}
	wantStatus(t, tp.browser(t).get("/auth/corporate"), http.StatusNotFound)
}

func TestSignIn_FailuresLookAlike(t *testing.T) {
	ip := newIdentityPortal(t)
	ctx := context.Background()
	sso := createTestUser(t, ip.st, "sso-only@acme.example", models.UserExternal)
	if err := ip.st.SetPassword(ctx, testSystemActor, sso.ID, ""); err != nil {
		t.Fatal(err)
	}
	gone := createTestUser(t, ip.st, "gone@acme.example", models.UserExternal)
	if err := ip.st.DeactivateUser(ctx, testSystemActor, gone.ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, email, password, reason string
	}{
		{"wrong password", "dev@acme.example", "not-the-password", "wrong password"},
		{"unknown email", "nobody@acme.example", testPassword, "unknown email"},
		{"account without a password", "sso-only@acme.example", testPassword, "no local password"},
		{"deactivated account with the right password", "gone@acme.example", testPassword, "account deactivated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := ip.browser(t)
			rec := b.signIn(tc.email, tc.password, "/apis")
			wantStatus(t, rec, http.StatusUnauthorized)
			body := rec.Body.String()
			if msg := signInError(t, rec); msg != msgBadCredentials {
				t.Errorf("message = %q, want %q", msg, msgBadCredentials)
			}
			if b.session() != "" {
				t.Error("a failed sign-in set a session cookie")
			}
			if strings.Contains(body, tc.password) {
				t.Error("the page echoes the password")
			}
			doc := parseHTML(t, strings.NewReader(body))
			if v, _ := doc.Find(`input[name="email"]`).Attr("value"); v != tc.email {
				t.Errorf("email field = %q, want the email typed", v)
			}
			if v, _ := doc.Find(`input[name="return_to"]`).Attr("value"); v != "/apis" {
				t.Errorf("return_to field = %q", v)
			}
			evs := ip.auditEvents(t, "auth.sign_in_failed")
			if len(evs) == 0 || evs[0].Target != "email:"+tc.email || !strings.Contains(evs[0].After, tc.reason) || evs[0].ClientIP != "192.0.2.10" {
				t.Errorf("latest failure audit = %+v, want target email:%s and reason %q", evs, tc.email, tc.reason)
			}
		})
	}

	t.Run("blank fields are asked for", func(t *testing.T) {
		rec := ip.browser(t).signIn("", "", "")
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		if msg := signInError(t, rec); msg != "Enter your email and password." {
			t.Errorf("message = %q", msg)
		}
	})
}

func TestSignIn_ThrottledPerEmailAndPerIP(t *testing.T) {
	ip := newIdentityPortal(t, func(o *Options) {
		o.LoginThrottle = identity.Throttle{MaxFailures: 3, Window: 15 * time.Minute, Lockout: 10 * time.Minute}
		o.IPThrottle = identity.Throttle{MaxFailures: 5, Window: 15 * time.Minute, Lockout: 10 * time.Minute}
	})
	b := ip.browser(t)
	for i := 0; i < 3; i++ {
		wantStatus(t, b.signIn("dev@acme.example", "wrong", ""), http.StatusUnauthorized)
	}
	// Locked: even the right password is refused, without checking it.
	rec := b.signIn("dev@acme.example", testPassword, "")
	wantStatus(t, rec, http.StatusTooManyRequests)
	ra, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if err != nil || ra < 590 || ra > 600 {
		t.Errorf("Retry-After = %q, want about 600 seconds", rec.Header().Get("Retry-After"))
	}
	if msg := signInError(t, rec); !strings.Contains(msg, "Too many failed sign-in attempts") || !strings.Contains(msg, "10 minutes") {
		t.Errorf("message = %q", msg)
	}
	if b.session() != "" {
		t.Fatal("a throttled sign-in set a session")
	}
	// Another address locks the email too; another email from this address is not locked yet.
	other := ip.browser(t)
	other.remoteAddr = "198.51.100.7:5555"
	wantStatus(t, other.signIn("dev@acme.example", testPassword, ""), http.StatusTooManyRequests)
	b.mustSignIn("internal@meridian.example")

	// The lockout ends Lockout after the last failure.
	ip.clock.advance(10*time.Minute + time.Second)
	b2 := ip.browser(t)
	b2.mustSignIn("dev@acme.example")

	// Per client IP: failures against different emails add up. (A fresh
	// portal: the store stamps failures with its own, real clock.)
	ip = newIdentityPortal(t, func(o *Options) {
		o.IPThrottle = identity.Throttle{MaxFailures: 5, Window: 15 * time.Minute, Lockout: 10 * time.Minute}
	})
	attacker := ip.browser(t)
	attacker.remoteAddr = "203.0.113.9:1000"
	for i := 0; i < 5; i++ {
		wantStatus(t, attacker.signIn("guess"+strconv.Itoa(i)+"@acme.example", "x", ""), http.StatusUnauthorized)
	}
	wantStatus(t, attacker.signIn("publisher@meridian.example", testPassword, ""), http.StatusTooManyRequests)
	elsewhere := ip.browser(t)
	elsewhere.mustSignIn("publisher@meridian.example")
}

func TestSession_FixationAndRenewal(t *testing.T) {
	ip := newIdentityPortal(t)
	ctx := context.Background()

	// An attacker plants a session token (a live, anonymous one) in the victim's browser.
	planted := "planted-token-0123456789abcdefghijklmno"
	data, err := scs.GobCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{"note": "attacker"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ip.st.SessionStore().Commit(planted, data, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	victim := ip.browser(t)
	victim.cookies[sessionCookiePlain] = &http.Cookie{Name: sessionCookiePlain, Value: planted}
	victim.mustSignIn("bank.admin@meridian.example")
	if victim.session() == planted {
		t.Fatal("sign-in kept the pre-login session token")
	}
	if ip.sessionExists(t, planted) {
		t.Error("the pre-login token still has a session in the store")
	}
	attacker := ip.browser(t)
	attacker.cookies[sessionCookiePlain] = &http.Cookie{Name: sessionCookiePlain, Value: planted}
	if got := attacker.signedInAs(); got != "" {
		t.Errorf("the planted token is signed in as %q", got)
	}
	if got := victim.signedInAs(); got != "bank.admin@meridian.example" {
		t.Errorf("victim signed in as %q", got)
	}

	// A privilege change gives the session a new token; the old one dies.
	before := victim.session()
	if err := ip.st.GrantRole(ctx, testSystemActor, ip.users["subsidiary_admin@bank"].ID, models.RolePublisher, "insurance"); err != nil {
		t.Fatal(err)
	}
	if err := ip.az.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := victim.signedInAs(); got != "bank.admin@meridian.example" {
		t.Fatalf("after the role change, signed in as %q", got)
	}
	if victim.session() == before || victim.session() == "" {
		t.Error("the session token was not renewed after a role change")
	}
	if ip.sessionExists(t, before) {
		t.Error("the token from before the role change still has a session")
	}
	// And the new role is in force at once.
	rec := victim.do(importRequestNoAuth("/api/v1/subsidiaries/insurance/versions", "application/yaml", readTestdata(t, "quotes.yaml")))
	wantStatus(t, rec, http.StatusCreated)
}

// importRequestNoAuth is an import request without the admin token.
func importRequestNoAuth(target, contentType string, body []byte) *http.Request {
	r := importRequest(target, contentType, body)
	r.Header.Del("Authorization")
	return r
}

func TestSignOut_EndsTheSessionOnTheServer(t *testing.T) {
	ip := newIdentityPortal(t)
	b := ip.browser(t)
	b.mustSignIn("dev@acme.example")
	token := b.session()

	doc := parseHTML(t, b.get("/").Body)
	form := byTestID(doc, "sign-out").Closest("form")
	if m, _ := form.Attr("method"); m != "post" {
		t.Errorf("sign-out form method = %q, want post", m)
	}
	if a, _ := form.Attr("action"); a != "/logout" {
		t.Errorf("sign-out form action = %q", a)
	}
	wantStatus(t, b.get("/logout"), http.StatusMethodNotAllowed)

	rec := b.postForm("/logout", nil)
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/" {
		t.Errorf("Location = %q", loc)
	}
	if b.session() != "" {
		t.Error("sign-out did not clear the cookie")
	}
	if ip.sessionExists(t, token) {
		t.Error("the session still exists in the store")
	}
	dev := ip.users["developer"]
	if evs := ip.auditEvents(t, "auth.sign_out"); len(evs) != 1 || evs[0].ActorID == nil || *evs[0].ActorID != dev.ID ||
		evs[0].Target != "user:"+strconv.FormatInt(dev.ID, 10) || evs[0].RequestID != rec.Header().Get(requestIDHeader) {
		t.Errorf("sign-out audit = %+v", evs)
	}
	// Replaying the old cookie gets an anonymous page.
	replay := ip.browser(t)
	replay.cookies[sessionCookiePlain] = &http.Cookie{Name: sessionCookiePlain, Value: token}
	if got := replay.signedInAs(); got != "" {
		t.Errorf("the old cookie is still signed in as %q", got)
	}
	// Signing out without a session is harmless.
	wantStatus(t, ip.browser(t).postForm("/logout", nil), http.StatusSeeOther)
}

func TestSession_IdleTimeout(t *testing.T) {
	ip := newIdentityPortal(t)
	b := ip.browser(t)
	b.mustSignIn("internal@meridian.example")
	token := b.session()
	for i := 0; i < 4; i++ {
		ip.clock.advance(29 * time.Minute)
		if got := b.signedInAs(); got != "internal@meridian.example" {
			t.Fatalf("after %d × 29 minutes of activity, signed in as %q", i+1, got)
		}
	}
	ip.clock.advance(30 * time.Minute)
	if got := b.signedInAs(); got != "" {
		t.Fatalf("after 30 idle minutes, still signed in as %q", got)
	}
	if b.session() != "" {
		t.Error("the expired session's cookie was not cleared")
	}
	if ip.sessionExists(t, token) {
		t.Error("the expired session is still in the store")
	}
}

func TestSession_AbsoluteTimeout(t *testing.T) {
	ip := newIdentityPortal(t, func(o *Options) { o.SessionLifetime = 2 * time.Hour })
	b := ip.browser(t)
	b.mustSignIn("internal@meridian.example")
	for elapsed := 20 * time.Minute; elapsed < 2*time.Hour; elapsed += 20 * time.Minute {
		ip.clock.advance(20 * time.Minute)
		if got := b.signedInAs(); got == "" {
			t.Fatalf("signed out after %s of activity, before the absolute timeout", elapsed)
		}
	}
	ip.clock.advance(20 * time.Minute)
	if got := b.signedInAs(); got != "" {
		t.Fatalf("still signed in as %q past the absolute timeout", got)
	}

	// The default absolute timeout is 12 hours.
	ip2 := newIdentityPortal(t)
	b2 := ip2.browser(t)
	b2.mustSignIn("internal@meridian.example")
	for i := 0; i < 24; i++ {
		ip2.clock.advance(29 * time.Minute)
		if got := b2.signedInAs(); got == "" {
			t.Fatalf("signed out after %d × 29 minutes", i+1)
		}
	}
	ip2.clock.advance(25 * time.Minute) // 12 h 1 min after sign-in
	if got := b2.signedInAs(); got != "" {
		t.Fatalf("still signed in 12 hours after sign-in")
	}
}

func TestSession_DeactivationEndsItAtOnce(t *testing.T) {
	ip := newIdentityPortal(t)
	ctx := context.Background()
	b := ip.browser(t)
	b.mustSignIn("publisher@meridian.example")
	token := b.session()
	data, found, err := ip.st.SessionStore().Find(token)
	if err != nil || !found {
		t.Fatalf("session not in the store: %v", err)
	}
	if err := ip.st.DeactivateUser(ctx, testSystemActor, ip.users["publisher@bank"].ID); err != nil {
		t.Fatal(err)
	}
	if got := b.signedInAs(); got != "" {
		t.Fatalf("deactivated user still signed in as %q", got)
	}

	// Even a session row that survived the deactivation is refused and ended.
	if err := ip.st.SessionStore().Commit(token, data, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	stale := ip.browser(t)
	stale.cookies[sessionCookiePlain] = &http.Cookie{Name: sessionCookiePlain, Value: token}
	if got := stale.signedInAs(); got != "" {
		t.Fatalf("a surviving session of a deactivated user is signed in as %q", got)
	}
	if ip.sessionExists(t, token) {
		t.Error("the surviving session was not destroyed")
	}
	rec := stale.do(importRequestNoAuth("/api/v1/subsidiaries/bank/versions", "application/yaml", readTestdata(t, "quotes.yaml")))
	wantStatus(t, rec, http.StatusUnauthorized)
}

func TestReturnTo_OpenRedirectPayloadsLandHome(t *testing.T) {
	ip := newIdentityPortal(t)
	payloads := []string{
		"//evil.example", "/\\evil.example", "/%09/evil.example", "/\t/evil", "https://evil.example",
		"javascript:alert(1)", "%2F%2Fevil.example", "/%2F%2Fevil.example", "/%5Cevil.example", "http:/evil.example",
		"\\\\evil.example", " //evil.example",
	}
	for _, p := range payloads {
		t.Run(p, func(t *testing.T) {
			page := ip.browser(t).get("/login?return_to=" + url.QueryEscape(p))
			wantStatus(t, page, http.StatusOK)
			doc := parseHTML(t, page.Body)
			if v, _ := byTestID(doc, "login-form").Find(`input[name="return_to"]`).Attr("value"); v != "/" {
				t.Errorf("sign-in form return_to = %q, want /", v)
			}
			b := ip.browser(t)
			rec := b.signIn("dev@acme.example", testPassword, p)
			wantStatus(t, rec, http.StatusSeeOther)
			if loc := rec.Header().Get("Location"); loc != "/" {
				t.Errorf("Location = %q, want /", loc)
			}
		})
	}
	t.Run("a local path is kept", func(t *testing.T) {
		rec := ip.browser(t).signIn("dev@acme.example", testPassword, "/apis/bank/accounts-api?tab=versions")
		if loc := rec.Header().Get("Location"); loc != "/apis/bank/accounts-api?tab=versions" {
			t.Errorf("Location = %q", loc)
		}
	})
}

func TestCSRF_CrossOriginSignInAndOutAreRefused(t *testing.T) {
	ip := newIdentityPortal(t)
	b := ip.browser(t)
	b.mustSignIn("dev@acme.example")
	tests := []struct {
		name, target   string
		header, value  string
		form           url.Values
		wantSignedInAs string
	}{
		{"sign-in from a foreign origin (login CSRF)", "/login", "Origin", "https://evil.example",
			url.Values{"email": {"internal@meridian.example"}, "password": {testPassword}}, "dev@acme.example"},
		{"sign-out from another site", "/logout", "Sec-Fetch-Site", "cross-site", nil, "dev@acme.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, tc.target, strings.NewReader(tc.form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set(tc.header, tc.value)
			if tc.header == "Origin" {
				r.Header.Set("Sec-Fetch-Site", "cross-site")
			}
			rec := b.do(r)
			wantStatus(t, rec, http.StatusForbidden)
			if got := b.signedInAs(); got != tc.wantSignedInAs {
				t.Errorf("signed in as %q, want %q", got, tc.wantSignedInAs)
			}
		})
	}
}

func TestSessionCookie_Attributes(t *testing.T) {
	tests := []struct {
		name, baseURL, wantName string
		wantSecure              bool
	}{
		{"plain http (local and demo runs)", "", sessionCookiePlain, false},
		{"plain http with a base URL", "http://localhost:8080", sessionCookiePlain, false},
		{"https: __Host- prefix and Secure", "https://developer.example.com", sessionCookieSecure, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ip := newIdentityPortal(t, func(o *Options) { o.BaseURL = tc.baseURL })
			b := ip.browser(t)
			rec := b.signIn("dev@acme.example", testPassword, "")
			wantStatus(t, rec, http.StatusSeeOther)
			var c *http.Cookie
			for _, x := range rec.Result().Cookies() {
				if x.Name == tc.wantName {
					c = x
				}
			}
			if c == nil {
				t.Fatalf("no %s cookie in %q", tc.wantName, rec.Header().Values("Set-Cookie"))
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.Secure != tc.wantSecure {
				t.Errorf("cookie = %+v; want HttpOnly, SameSite=Lax, Path=/, no Domain, Secure=%v", c, tc.wantSecure)
			}
			if c.MaxAge != 0 || !c.Expires.IsZero() {
				t.Errorf("cookie persists (Max-Age %d, Expires %s); want a browser-session cookie", c.MaxAge, c.Expires)
			}
			if len(c.Value) < 40 {
				t.Errorf("session token %q is short", c.Value)
			}
		})
	}
}

func TestSignInPage_DemoAccounts(t *testing.T) {
	demo := []DemoAccount{
		{Persona: "External developer", Email: "dev@acme.example", Password: testPassword},
		{Persona: "Admin of Meridian Bank", Email: "bank.admin@meridian.example", Password: testPassword},
	}
	ip := newIdentityPortal(t, func(o *Options) { o.DemoAccounts = demo })
	b := ip.browser(t)
	page := b.get("/login?return_to=/apis")
	wantStatus(t, page, http.StatusOK)
	doc := parseHTML(t, page.Body)
	rows := byTestID(byTestID(doc, "demo-accounts"), "demo-account")
	if rows.Length() != len(demo) {
		t.Fatalf("%d demo accounts listed, want %d", rows.Length(), len(demo))
	}
	for i, d := range demo {
		row := rows.Eq(i)
		if got := strings.TrimSpace(byTestID(row, "demo-email").Text()); got != d.Email {
			t.Errorf("row %d email = %q", i, got)
		}
		if got := strings.TrimSpace(byTestID(row, "demo-password").Text()); got != d.Password {
			t.Errorf("row %d password = %q", i, got)
		}
		if !strings.Contains(row.Text(), d.Persona) {
			t.Errorf("row %d lacks the persona %q", i, d.Persona)
		}
	}
	// The one-click form of a row signs in as that persona.
	form := rows.Eq(1).Find("form")
	vals := url.Values{}
	form.Find("input").Each(func(_ int, s *goquery.Selection) {
		n, _ := s.Attr("name")
		v, _ := s.Attr("value")
		vals.Set(n, v)
	})
	rec := b.postForm("/login", vals)
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/apis" {
		t.Errorf("Location = %q", loc)
	}
	if got := b.signedInAs(); got != "bank.admin@meridian.example" {
		t.Errorf("signed in as %q", got)
	}
}

func TestHeader_UserMenuPerPersona(t *testing.T) {
	ip := newIdentityPortal(t)
	page := parseHTML(t, ip.browser(t).get("/apis?q=pay").Body)
	link := byTestID(page, "sign-in-link")
	if href, _ := link.Attr("href"); href != "/login?return_to="+url.QueryEscape("/apis?q=pay") {
		t.Errorf("anonymous sign-in link = %q", href)
	}
	if byTestID(page, "user-menu").Length() != 0 {
		t.Error("anonymous page shows a user menu")
	}
	tests := []struct {
		persona, wantName   string
		wantAdmin, wantTeam bool
	}{
		{"developer", "Test dev", false, true},
		{"internal", "Test internal", false, false},
		{"publisher@bank", "Test publisher", true, false}, // edits the bank's plans
		{"subsidiary_admin@bank", "Test bank.admin", true, false},
		{"platform_admin", "Test platform.admin", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.persona, func(t *testing.T) {
			b := ip.browser(t)
			b.mustSignIn(ip.users[tc.persona].Email)
			doc := parseHTML(t, b.get("/").Body)
			if got := strings.TrimSpace(byTestID(doc, "user-name").Text()); got != tc.wantName {
				t.Errorf("user name = %q, want %q", got, tc.wantName)
			}
			if got := strings.TrimSpace(byTestID(doc, "user-email").Text()); got != ip.users[tc.persona].Email {
				t.Errorf("user email = %q", got)
			}
			if byTestID(doc, "sign-in-link").Length() != 0 {
				t.Error("signed-in page shows the sign-in link")
			}
			if got := doc.Find(`nav a[href="/admin"]`).Length() == 1; got != tc.wantAdmin {
				t.Errorf("Admin link shown = %v, want %v", got, tc.wantAdmin)
			}
			if got := doc.Find(`nav a[href="/teams"]`).Length() == 1; got != tc.wantTeam {
				t.Errorf("Teams link shown = %v, want %v", got, tc.wantTeam)
			}
		})
	}
}

func TestSignedInPages_ArePrivateAndLogTheUser(t *testing.T) {
	ip := newIdentityPortal(t)
	b := ip.browser(t)
	if cc := b.get("/apis").Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("anonymous catalog Cache-Control = %q, want no-cache", cc)
	}
	b.mustSignIn("internal@meridian.example")
	for _, p := range []string{"/", "/apis", "/api/v1/apis"} {
		rec := b.get(p)
		wantStatus(t, rec, http.StatusOK)
		if cc := rec.Header().Get("Cache-Control"); cc != "private, no-cache" {
			t.Errorf("%s Cache-Control = %q, want private, no-cache", p, cc)
		}
		if !strings.Contains(strings.Join(rec.Header().Values("Vary"), ","), "Cookie") {
			t.Errorf("%s does not vary on Cookie", p)
		}
	}
	want := "user_id=" + strconv.FormatInt(ip.users["internal"].ID, 10)
	if logs := ip.logs.String(); !strings.Contains(logs, want) || strings.Contains(logs, testPassword) || strings.Contains(logs, b.session()) {
		t.Errorf("request log lacks %s, or holds the password or session token:\n%s", want, logs)
	}
}

func TestSignIn_AcceptsPendingInvitations(t *testing.T) {
	ip := newIdentityPortal(t)
	ctx := context.Background()
	if _, _, err := ip.st.CreateInvitation(ctx, testSystemActor, models.Invitation{
		Email: "internal@meridian.example", Role: models.RolePublisher, Domain: "insurance",
	}); err != nil {
		t.Fatal(err)
	}
	b := ip.browser(t)
	b.mustSignIn("internal@meridian.example")
	roles, err := ip.st.ListRoles(ctx, ip.users["internal"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(roles, func(ra models.RoleAssignment) bool {
		return ra.Role == models.RolePublisher && ra.Domain == "insurance"
	}) {
		t.Fatalf("roles after sign-in = %+v; want the invitation's publisher@insurance", roles)
	}
	// The new role is in force on the session just started.
	rec := b.do(importRequestNoAuth("/api/v1/subsidiaries/insurance/versions", "application/yaml", readTestdata(t, "quotes.yaml")))
	wantStatus(t, rec, http.StatusCreated)
	if evs := ip.auditEvents(t, "invitation.accept"); len(evs) != 1 {
		t.Errorf("invitation.accept events = %d, want 1", len(evs))
	}
}

// Parallel guesses must not outrun the per-email throttle: every attempt
// checks the lockout before any of them has recorded its failure, unless
// attempts on one email are serialized.
func TestSignIn_ThrottleHoldsAgainstParallelGuesses(t *testing.T) {
	ip := newIdentityPortal(t, func(o *Options) {
		o.LoginThrottle = identity.Throttle{MaxFailures: 3, Window: 15 * time.Minute, Lockout: 10 * time.Minute}
	})
	const attempts = 24
	codes := make(chan int, attempts)
	var wg sync.WaitGroup
	for i := range attempts {
		b := ip.browser(t)
		b.remoteAddr = "203.0.113." + strconv.Itoa(i+1) + ":1000" // spread over IPs, like a botnet
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- b.signIn("dev@acme.example", "guess-"+strconv.Itoa(i), "").Code
		}()
	}
	wg.Wait()
	close(codes)
	checked := 0
	for c := range codes {
		switch c {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("unexpected status %d", c)
		}
	}
	if checked > 3 {
		t.Errorf("%d passwords were checked in parallel, want at most the throttle's 3", checked)
	}
}
