package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico/portico/identity"
	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
)

// testPassword is the password of every test account.
const testPassword = "correct-horse-battery-staple-42"

var (
	testHashOnce sync.Once
	testHash     string
)

// testPasswordHash is the argon2id hash of testPassword, computed once per
// test binary.
func testPasswordHash(t testing.TB) string {
	t.Helper()
	testHashOnce.Do(func() {
		h, err := identity.HashPassword(testPassword)
		if err != nil {
			panic(err)
		}
		testHash = h
	})
	return testHash
}

// persona is a kind of user of the route × role matrix.
type persona struct {
	name  string // the matrix column, e.g. "publisher@bank"
	email string
	kind  models.UserKind
	roles []models.RoleAssignment
}

func roleGlobal(r models.Role) models.RoleAssignment {
	return models.RoleAssignment{Role: r, Domain: models.GlobalDomain}
}

func roleIn(r models.Role, sub string) models.RoleAssignment {
	return models.RoleAssignment{Role: r, Domain: sub}
}

// The personas, and anonymous (no account).
const anonymous = "anonymous"

var personas = []persona{
	{"developer", "dev@acme.example", models.UserExternal, []models.RoleAssignment{roleGlobal(models.RoleDeveloper)}},
	{"internal", "internal@meridian.example", models.UserStaff, []models.RoleAssignment{roleGlobal(models.RoleInternal)}},
	{"publisher@bank", "publisher@meridian.example", models.UserStaff, []models.RoleAssignment{roleIn(models.RolePublisher, "bank")}},
	{"subsidiary_admin@bank", "bank.admin@meridian.example", models.UserStaff, []models.RoleAssignment{roleIn(models.RoleSubsidiaryAdmin, "bank")}},
	{"subsidiary_admin@insurance", "insurance.admin@meridian.example", models.UserStaff, []models.RoleAssignment{roleIn(models.RoleSubsidiaryAdmin, "insurance")}},
	{"platform_admin", "platform.admin@meridian.example", models.UserStaff, []models.RoleAssignment{roleGlobal(models.RolePlatformAdmin)}},
}

// personaNames are the matrix columns: anonymous, then every persona.
func personaNames() []string {
	names := []string{anonymous}
	for _, p := range personas {
		names = append(names, p.name)
	}
	return names
}

// testClock is the real time shifted by an offset a test moves, so the
// session timeouts can be crossed without sleeping.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// identityPortal is the real portal over a real store with the persona
// accounts, the real authorizer and a test clock.
type identityPortal struct {
	*testPortal
	az    *identity.Authorizer
	clock *testClock
	users map[string]models.User // by persona name
}

var testSystemActor = models.Actor{Email: "system (test)"}

// newIdentityPortal builds the portal with an account (password
// testPassword) for every persona.
func newIdentityPortal(t testing.TB, adjust ...func(*Options)) *identityPortal {
	t.Helper()
	st := newTestStore(t)
	ctx := context.Background()
	ip := &identityPortal{clock: &testClock{}, users: map[string]models.User{}}
	for _, p := range personas {
		ip.users[p.name] = createTestUser(t, st, p.email, p.kind, p.roles...)
	}
	adapter, err := st.CasbinAdapter()
	if err != nil {
		t.Fatal(err)
	}
	if ip.az, err = identity.NewAuthorizer(adapter); err != nil {
		t.Fatal(err)
	}
	_ = ctx
	opts := append([]func(*Options){func(o *Options) {
		o.Authorizer = ip.az
		o.Now = ip.clock.now
	}}, adjust...)
	ip.testPortal = newTestPortalOver(t, st, opts...)
	return ip
}

// createTestUser creates an active account with testPassword and roles.
func createTestUser(t testing.TB, st *store.Store, email string, kind models.UserKind, roles ...models.RoleAssignment) models.User {
	t.Helper()
	ctx := context.Background()
	name, _, _ := strings.Cut(email, "@")
	u, err := st.CreateUser(ctx, testSystemActor, models.User{Email: email, Name: "Test " + name, Kind: kind, PasswordHash: testPasswordHash(t)})
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	for _, ra := range roles {
		if err := st.GrantRole(ctx, testSystemActor, u.ID, ra.Role, ra.Domain); err != nil {
			t.Fatalf("grant %s@%s to %s: %v", ra.Role, ra.Domain, email, err)
		}
	}
	return u
}

// browser is a client of the portal's handler that keeps cookies like a
// browser and sends same-origin fetch metadata with its requests.
type browser struct {
	t          testing.TB
	tp         *testPortal
	cookies    map[string]*http.Cookie
	remoteAddr string
}

func (tp *testPortal) browser(t testing.TB) *browser {
	return &browser{t: t, tp: tp, cookies: map[string]*http.Cookie{}, remoteAddr: "192.0.2.10:40000"}
}

// do sends r with the browser's cookies and keeps the cookies it sets.
func (b *browser) do(r *http.Request) *httptest.ResponseRecorder {
	b.t.Helper()
	for _, c := range b.cookies {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	r.RemoteAddr = b.remoteAddr
	if r.Header.Get("Sec-Fetch-Site") == "" {
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	rec := b.tp.do(r)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
			continue
		}
		b.cookies[c.Name] = c
	}
	return rec
}

func (b *browser) get(target string) *httptest.ResponseRecorder {
	b.t.Helper()
	return b.do(httptest.NewRequest(http.MethodGet, target, nil))
}

func (b *browser) postForm(target string, form url.Values) *httptest.ResponseRecorder {
	b.t.Helper()
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(r)
}

// signIn posts the sign-in form.
func (b *browser) signIn(email, password, returnTo string) *httptest.ResponseRecorder {
	b.t.Helper()
	form := url.Values{"email": {email}, "password": {password}}
	if returnTo != "" {
		form.Set("return_to", returnTo)
	}
	return b.postForm("/login", form)
}

// mustSignIn signs in as the persona and fails the test unless it worked.
func (b *browser) mustSignIn(email string) {
	b.t.Helper()
	rec := b.signIn(email, testPassword, "")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		b.t.Fatalf("sign in as %s: status %d, Location %q; body:\n%.2000s", email, rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	if b.session() == "" {
		b.t.Fatalf("sign in as %s set no session cookie", email)
	}
}

// session is the value of the session cookie, or "".
func (b *browser) session() string {
	if c := b.cookies[sessionCookiePlain]; c != nil {
		return c.Value
	}
	if c := b.cookies[sessionCookieSecure]; c != nil {
		return c.Value
	}
	return ""
}

// signedInAs returns the email the header shows as signed in, or "" for
// an anonymous page.
func (b *browser) signedInAs() string {
	b.t.Helper()
	rec := b.get("/apis")
	if rec.Code != http.StatusOK {
		b.t.Fatalf("GET /apis: status %d", rec.Code)
	}
	doc := parseHTML(b.t, rec.Body)
	if byTestID(doc, "user-menu").Length() == 0 {
		if byTestID(doc, "sign-in-link").Length() != 1 {
			b.t.Fatal("page shows neither the user menu nor the sign-in link")
		}
		return ""
	}
	email := strings.TrimSpace(byTestID(doc, "user-email").Text())
	if email == "" {
		email = strings.TrimSpace(byTestID(doc, "user-name").Text())
	}
	return email
}
