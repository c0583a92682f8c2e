package main

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portico/portico/internal/browsertest"
	"github.com/portico/portico/internal/oidctest"
	"github.com/portico/portico/internal/testenv"
)

// TestE2EPersonasSignInAndSeeWhatTheirRoleAllows signs each demo persona in
// through the sign-in form in headless chromium, and one staff member
// through a real OpenID Connect provider, and checks what each may see.
func TestE2EPersonasSignInAndSeeWhatTheirRoleAllows(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if browsertest.ExecPath() == "" {
		testenv.Missing(t, "chromium is not installed (apt-get install chromium); skipping the browser test")
	}
	idp := oidctest.Start(t, "bank-publishers")
	s := startServeEnv(t, map[string]string{
		"PORTICO_SSO_PROVIDERS":               "corporate",
		"PORTICO_SSO_CORPORATE_TYPE":          "oidc",
		"PORTICO_SSO_CORPORATE_ISSUER":        idp.Issuer,
		"PORTICO_SSO_CORPORATE_CLIENT_ID":     "portico",
		"PORTICO_SSO_CORPORATE_CLIENT_SECRET": "portal-secret",
		"PORTICO_SSO_CORPORATE_DISPLAY_NAME":  "Meridian staff",
		"PORTICO_SSO_CORPORATE_KIND":          "staff",
		"PORTICO_SSO_CORPORATE_GROUPS_CLAIM":  "groups",
		"PORTICO_SSO_CORPORATE_ROLE_MAP":      "bank-publishers=publisher@bank",
	}, "--demo")
	idp.AddClient("portico", s.URL+"/auth/corporate/callback")

	creds, err := readEnvFile(filepath.Join(s.DataDir, demoCredentialsFile))
	if err != nil {
		t.Fatalf("demo credentials: %v", err)
	}
	for _, k := range []string{"DEMO_PASSWORD", "DEMO_PLATFORM_ADMIN_EMAIL", "DEMO_BANK_ADMIN_EMAIL", "DEMO_INSURANCE_ADMIN_EMAIL", "DEMO_PUBLISHER_EMAIL", "DEMO_DEVELOPER_EMAIL", "DEMO_INTERNAL_EMAIL"} {
		if creds[k] == "" {
			t.Fatalf("demo-credentials.env lacks %s", k)
		}
	}
	shots := testenv.ArtifactsDir(t, "e2e-personas")

	// page is what a persona expects at a URL: reachable or refused.
	type page struct {
		path    string
		allowed bool
		testid  string // present when allowed
	}
	personas := []struct {
		name     string
		emailKey string
		internal bool // sees the internal Customer Onboarding API
		pages    []page
	}{
		{"platform-admin", "DEMO_PLATFORM_ADMIN_EMAIL", true, []page{
			{"/admin", true, "admin-subsidiaries"},
			{"/admin/subsidiaries/insurance/members", true, "member-row"},
			{"/admin/audit", true, "audit-row"},
			{"/admin/users", true, "users-total"},
		}},
		{"bank-admin", "DEMO_BANK_ADMIN_EMAIL", true, []page{
			{"/admin/subsidiaries/bank/members", true, "member-row"},
			{"/admin/subsidiaries/insurance/members", false, ""},
			{"/admin/users", false, ""},
		}},
		{"insurance-admin", "DEMO_INSURANCE_ADMIN_EMAIL", true, []page{
			{"/admin/subsidiaries/insurance/members", true, "member-row"},
			{"/admin/subsidiaries/bank/members", false, ""},
		}},
		{"publisher", "DEMO_PUBLISHER_EMAIL", true, []page{
			{"/admin/subsidiaries/bank/members", false, ""},
			{"/admin/audit", false, ""},
		}},
		{"developer", "DEMO_DEVELOPER_EMAIL", false, []page{
			{"/teams", true, "main"},
			{"/admin", false, ""},
		}},
		{"internal", "DEMO_INTERNAL_EMAIL", true, []page{
			{"/admin", false, ""},
			{"/admin/subsidiaries/bank/members", false, ""},
		}},
	}
	for _, p := range personas {
		t.Run(p.name, func(t *testing.T) {
			ctx := browsertest.New(t, 60*time.Second)
			email := creds[p.emailKey]
			if err := chromedp.Do(ctx,
				chromedp.Navigate(s.URL+"/login"),
				chromedp.WaitVisible(`[data-testid="login-form"]`),
				chromedp.SendKeys(`[data-testid="login-email"]`, email),
				chromedp.SendKeys(`[data-testid="login-password"]`, creds["DEMO_PASSWORD"]),
				chromedp.Click(`[data-testid="login-submit"]`),
				chromedp.WaitVisible(`[data-testid="user-menu"]`),
			); err != nil {
				t.Fatalf("sign in as %s: %v", email, err)
			}
			menu, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="user-menu"]`))
			if err != nil || !strings.Contains(menu, email) && !strings.Contains(menu, "Sign out") {
				t.Errorf("user menu after sign-in = %q (err %v)", menu, err)
			}
			assertInternalVisibility(t, ctx, s.URL, p.internal)
			for i, pg := range p.pages {
				checkPage(t, ctx, s.URL+pg.path, pg.allowed, pg.testid)
				if i == 0 {
					browsertest.Screenshot(t, ctx, shots, p.name)
				}
			}

			// Signing out ends the session: the admin pages send us to sign in.
			if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/"), chromedp.Click(`[data-testid="sign-out"]`), chromedp.WaitVisible(`[data-testid="sign-in-link"]`)); err != nil {
				t.Fatalf("sign out: %v", err)
			}
		})
	}

	t.Run("staff-through-sso", func(t *testing.T) {
		ctx := browsertest.New(t, 60*time.Second)
		if err := chromedp.Do(ctx,
			chromedp.Navigate(s.URL+"/login"),
			chromedp.Click(`[data-testid="sso-provider"][data-provider="corporate"]`),
			chromedp.WaitVisible(`input[name="username"]`),
			chromedp.SendKeys(`input[name="username"]`, idp.Username),
			chromedp.SendKeys(`input[name="password"]`, idp.Password),
			chromedp.Submit(`input[name="password"]`),
			chromedp.WaitVisible(`[data-testid="user-menu"]`),
		); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("sign in through the OpenID Connect provider: %v (at %s)", err, loc)
		}
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		if !strings.HasPrefix(loc, s.URL) {
			t.Fatalf("after SSO the browser is at %s, not the portal", loc)
		}
		// The provider's group claim made this person a publisher of the
		// bank: staff, so internal APIs show; not an admin of members.
		assertInternalVisibility(t, ctx, s.URL, true)
		checkPage(t, ctx, s.URL+"/admin/subsidiaries/bank/members", false, "")
		browsertest.Screenshot(t, ctx, shots, "sso-staff")
	})
}

// assertInternalVisibility checks whether the internal Customer Onboarding
// API shows in the catalog.
func assertInternalVisibility(t *testing.T, ctx context.Context, base string, want bool) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/apis?q=onboarding"), chromedp.WaitVisible(`main`)); err != nil {
		t.Fatalf("catalog: %v", err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="api-card"]').length`))
	if err != nil {
		t.Fatal(err)
	}
	if got := n > 0; got != want {
		t.Errorf("internal API Customer Onboarding visible = %v, want %v", got, want)
	}
}

// checkPage opens url and checks it is shown (with an element carrying
// testid) or refused with the error page.
func checkPage(t *testing.T, ctx context.Context, url string, allowed bool, testid string) {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(url))
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	status := int(resp.Status)
	if allowed {
		if status != http.StatusOK {
			t.Errorf("%s: status %d, want 200", url, status)
			return
		}
		sel := `[data-testid="` + testid + `"]`
		if testid == "main" {
			sel = "main"
		}
		if err := chromedp.Do(ctx, chromedp.WaitVisible(sel)); err != nil {
			t.Errorf("%s: %s not shown: %v", url, sel, err)
		}
		return
	}
	if status != http.StatusForbidden {
		t.Errorf("%s: status %d, want 403", url, status)
	}
}
