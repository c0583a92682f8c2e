package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/portico/portico/internal/browsertest"
	"github.com/portico/portico/internal/testenv"
)

// TestE2ESelfService walks the heart of the portal in headless chromium: an
// external developer creates an application, subscribes it to the free
// Sandbox plan and copies a key; a Production subscription waits until a
// bank admin approves it in the browser; an internal user self-provisions a
// key for an internal plan. The keys shown once then appear nowhere else:
// not in later pages, not in the logs, not in the database files.
func TestE2ESelfService(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if browsertest.ExecPath() == "" {
		testenv.Missing(t, "chromium is not installed (apt-get install chromium); skipping the browser test")
	}
	s := startServeEnv(t, nil, "--demo", "--log-level", "debug")
	creds, err := readEnvFile(filepath.Join(s.DataDir, demoCredentialsFile))
	if err != nil {
		t.Fatalf("demo credentials: %v", err)
	}
	password := creds["DEMO_PASSWORD"]
	shots := testenv.ArtifactsDir(t, "e2e-selfservice")

	dev := browsertest.New(t, 120*time.Second)
	grantClipboard(t, dev, s.URL)
	signIn(t, dev, s.URL, creds["DEMO_DEVELOPER_EMAIL"], password)

	// "My applications" starts empty and creates an application.
	do(t, dev, "create an application",
		chromedp.Navigate(s.URL+"/apps"),
		chromedp.WaitVisible(`[data-testid="app-form"]`),
		chromedp.SendKeys(`[data-testid="field-name"]`, "Budget Planner"),
		chromedp.Click(`[data-testid="app-create"]`),
		chromedp.WaitVisible(`[data-testid="app-id-value"]`),
	)
	if name := text(t, dev, `[data-testid="app-name"]`); name != "Budget Planner" {
		t.Errorf("application page heading = %q, want Budget Planner", name)
	}
	appURL := location(t, dev)

	// Subscribe it to the free Sandbox plan from the API page's plan table.
	openPlan(t, dev, s.URL+"/apis/bank/accounts", "Sandbox")
	browsertest.Screenshot(t, dev, shots, "subscribe-sandbox")
	if got := text(t, dev, `[data-testid="approval-text"]`); !strings.Contains(got, "at once") {
		t.Errorf("the Sandbox plan's approval text = %q, want it to say access is immediate", got)
	}
	do(t, dev, "subscribe to Sandbox",
		chromedp.Click(`[data-testid="subscribe-submit"]`),
		chromedp.WaitVisible(`[data-testid="subscription-row"]`),
	)
	if st := subscriptionState(t, dev, "Accounts API"); st != "active" {
		t.Fatalf("Sandbox subscription state = %q, want active", st)
	}

	// Create a key: shown once, with copy buttons that really copy.
	do(t, dev, "create a key",
		chromedp.SendKeys(`#key-name`, "laptop"),
		chromedp.Click(`[data-testid="key-create"]`),
		chromedp.WaitVisible(`[data-testid="key-reveal"]`),
		chromedp.WaitVisible(`[data-testid="copy-key"]`),
		chromedp.Click(`[data-testid="copy-key"]`),
		chromedp.WaitVisible(`[data-testid="copy-key"][data-copied="true"]`),
	)
	devKey := value(t, dev, `[data-testid="key-secret"]`)
	devAppID := value(t, dev, `[data-testid="revealed-app-id"]`)
	clip, err := chromedp.Run(dev, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("read the clipboard: %v", err)
	}
	if clip != devKey || devKey == "" {
		t.Errorf("clipboard after Copy = %q, want the key shown (%d characters)", clip, len(devKey))
	}
	if status := text(t, dev, `[data-testid="copy-status"]`); !strings.Contains(status, "Copied") {
		t.Errorf("screen-reader status after Copy = %q", status)
	}
	browsertest.Screenshot(t, dev, shots, "key-reveal")
	keyShape := regexp.MustCompile(`^[a-z]+_[A-Za-z0-9_]{20,}$`)
	if !keyShape.MatchString(devKey) {
		t.Errorf("key %q lacks the recognizable prefix", redact(devKey))
	}
	do(t, dev, "back to the application",
		chromedp.Click(`[data-testid="back-to-app"]`),
		chromedp.WaitVisible(`[data-testid="key-row"]`),
	)
	if got := count(t, dev, `[data-testid="key-row"][data-state="live"]`); got != 1 {
		t.Errorf("live keys on the application page = %d, want 1", got)
	}

	// The Production plan needs an admin: a new application made on the
	// subscribe page waits in the queue.
	openPlan(t, dev, s.URL+"/apis/bank/accounts", "Production")
	do(t, dev, "subscribe a new application to Production",
		chooseNewApplication(),
		chromedp.WaitVisible(`[data-testid="field-new_app_name"]`),
		chromedp.SendKeys(`[data-testid="field-new_app_name"]`, "Budget Planner Live"),
		chromedp.Click(`[data-testid="subscribe-submit"]`),
		chromedp.WaitVisible(`[data-testid="subscription-row"]`),
	)
	liveAppURL := location(t, dev)
	if st := subscriptionState(t, dev, "Accounts API"); st != "pending" {
		t.Fatalf("Production subscription state = %q, want pending", st)
	}
	browsertest.Screenshot(t, dev, shots, "pending")

	// A bank admin approves it in the browser, with a comment.
	admin := browsertest.New(t, 90*time.Second)
	signIn(t, admin, s.URL, creds["DEMO_BANK_ADMIN_EMAIL"], password)
	row := `[data-testid="approval-row"][data-application="Budget Planner Live"]`
	do(t, admin, "open the approval queue",
		chromedp.Navigate(s.URL+"/admin"),
		chromedp.WaitVisible(`[data-testid="admin-subsidiary"][data-subsidiary="bank"] [data-testid="pending-count"]`),
		chromedp.Click(`[data-testid="admin-subsidiary"][data-subsidiary="bank"] [data-testid="approvals-link"]`),
		chromedp.WaitVisible(row),
	)
	browsertest.Screenshot(t, admin, shots, "approval-queue")
	do(t, admin, "approve",
		chromedp.SendKeys(row+` [data-testid="decision-comment"]`, "Welcome to production."),
		chromedp.Click(row+` [data-testid="approve-button"]`),
		chromedp.WaitVisible(`[data-testid="notice"]`),
		chromedp.WaitNotPresent(row),
	)

	// The developer sees the decision, with the comment, and in the inbox.
	do(t, dev, "reload the application", chromedp.Navigate(liveAppURL), chromedp.WaitVisible(`[data-testid="subscription-row"]`))
	if st := subscriptionState(t, dev, "Accounts API"); st != "active" {
		t.Errorf("Production subscription after approval = %q, want active", st)
	}
	if c := text(t, dev, `[data-testid="subscription-comment"]`); !strings.Contains(c, "Welcome to production.") {
		t.Errorf("approver's comment on the application page = %q", c)
	}
	do(t, dev, "open the inbox", chromedp.Navigate(s.URL+"/inbox"), chromedp.WaitVisible(`main`))
	if inbox := text(t, dev, `main`); !strings.Contains(inbox, "approved") && !strings.Contains(inbox, "Approved") {
		t.Errorf("the inbox does not tell the developer the subscription was approved:\n%s", inbox)
	}

	// An internal user self-provisions the internal plan: active at once.
	staff := browsertest.New(t, 90*time.Second)
	signIn(t, staff, s.URL, creds["DEMO_INTERNAL_EMAIL"], password)
	openPlan(t, staff, s.URL+"/apis/bank/customer-onboarding", "Internal")
	do(t, staff, "self-provision the internal plan",
		chooseNewApplication(),
		chromedp.SendKeys(`[data-testid="field-new_app_name"]`, "Branch onboarding tablet"),
		chromedp.Click(`[data-testid="subscribe-submit"]`),
		chromedp.WaitVisible(`[data-testid="subscription-row"]`),
	)
	if st := subscriptionState(t, staff, "Customer Onboarding"); st != "active" {
		t.Fatalf("internal plan subscription state = %q, want active without approval", st)
	}
	staffAppURL := location(t, staff)
	do(t, staff, "create the internal key",
		chromedp.Click(`[data-testid="key-create"]`),
		chromedp.WaitVisible(`[data-testid="key-secret"]`),
	)
	staffKey := value(t, staff, `[data-testid="key-secret"]`)
	browsertest.Screenshot(t, staff, shots, "internal-key")

	// Canary: each key was in exactly one response. Later pages, the logs
	// and the database files do not hold it.
	pages := []struct {
		ctx context.Context
		url string
	}{
		{dev, appURL}, {dev, liveAppURL}, {dev, s.URL + "/apps"}, {dev, s.URL + "/inbox"},
		{staff, staffAppURL}, {staff, s.URL + "/inbox"}, {admin, s.URL + "/admin/subsidiaries/bank/subscriptions"},
	}
	for _, p := range pages {
		do(t, p.ctx, "open "+p.url, chromedp.Navigate(p.url), chromedp.WaitVisible(`main`))
		html, err := chromedp.Run(p.ctx, chromedp.OuterHTML(`html`))
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{devKey, staffKey} {
			if strings.Contains(html, key) || strings.Contains(html, key[len(key)-16:]) {
				t.Errorf("%s shows a key after its first display", p.url)
			}
		}
	}
	logs := s.Stdout.String() + s.Stderr.String()
	files, _ := filepath.Glob(filepath.Join(s.DataDir, "portico.db*"))
	if len(files) == 0 {
		t.Fatalf("no SQLite files in %s", s.DataDir)
	}
	var db []byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		db = append(db, b...)
	}
	if !strings.Contains(string(db), devAppID) {
		t.Fatalf("the scan of the database files finds not even the app_id %s: it cannot vouch for the keys", devAppID)
	}
	if !strings.Contains(logs, "method=POST route=/apps/{appID}/keys status=200") {
		t.Fatalf("the debug log holds no request lines: it cannot vouch for the keys:\n%s", logs)
	}
	for _, key := range []string{devKey, staffKey} {
		if strings.Contains(logs, key) {
			t.Errorf("key %s is in the server's logs", redact(key))
		}
		if strings.Contains(string(db), key) {
			t.Errorf("key %s is in the database files in clear", redact(key))
		}
	}
}

// signIn signs a demo persona in through the sign-in form.
func signIn(t *testing.T, ctx context.Context, base, email, password string) {
	t.Helper()
	do(t, ctx, "sign in as "+email,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`[data-testid="login-form"]`),
		chromedp.SendKeys(`[data-testid="login-email"]`, email),
		chromedp.SendKeys(`[data-testid="login-password"]`, password),
		chromedp.Click(`[data-testid="login-submit"]`),
		chromedp.WaitVisible(`[data-testid="user-menu"]`),
	)
}

// openPlan opens an API page and follows the Subscribe link of the plan
// named name in its comparison table.
func openPlan(t *testing.T, ctx context.Context, apiURL, name string) {
	t.Helper()
	do(t, ctx, "open "+apiURL, chromedp.Navigate(apiURL), chromedp.WaitVisible(`[data-testid="plan-table"]`))
	id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		for (const th of document.querySelectorAll('[data-testid="plan-name"]')) {
			if (th.textContent.includes(`+jsString(name)+`)) return th.dataset.planId;
		}
		return "";
	})()`))
	if err != nil || id == "" {
		t.Fatalf("plan %q is not in the plan table of %s (err %v)", name, apiURL, err)
	}
	do(t, ctx, "subscribe to "+name,
		chromedp.Click(`[data-testid="plan-subscribe"][data-plan-id="`+id+`"]`),
		chromedp.WaitVisible(`[data-testid="subscribe-form"]`),
	)
}

// subscriptionState is the state of the application's subscription to the
// API named api, as its page shows it.
func subscriptionState(t *testing.T, ctx context.Context, api string) string {
	t.Helper()
	st, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		for (const row of document.querySelectorAll('[data-testid="subscription-row"]')) {
			if (row.querySelector('[data-testid="subscription-api"]').textContent.includes(`+jsString(api)+`)) return row.dataset.state;
		}
		return "";
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// grantClipboard lets the portal's pages write to and read the clipboard,
// as a person clicking Copy would.
func grantClipboard(t *testing.T, ctx context.Context, origin string) {
	t.Helper()
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name},
			Setting:    browser.PermissionSettingGranted,
			Origin:     origin,
		}); err != nil {
			t.Fatalf("grant %s: %v", name, err)
		}
	}
}

// chooseNewApplication picks "A new application…" on the subscribe page,
// as a person choosing it from the list would (the change event shows the
// new application's fields).
func chooseNewApplication() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`(() => {
			const s = document.querySelector('[data-testid="subscribe-app"]');
			s.value = "";
			s.dispatchEvent(new Event("change", {bubbles: true}));
			return true;
		})()`)(ctx, tg)
		return err
	})
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("%s: %v (at %s)", what, err, loc)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(v)
}

func value(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Value(sel))
	if err != nil {
		t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}

func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(sel)+`).length`))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if i := strings.IndexAny(loc, "?#"); i >= 0 {
		loc = loc[:i]
	}
	return loc
}

// redact shows only a key's prefix, so a failing test does not print it.
func redact(key string) string {
	if len(key) > 8 {
		return key[:8] + "…"
	}
	return "…"
}
