package main

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portico/portico/internal/browsertest"
	"github.com/portico/portico/internal/testenv"
)

// gatewayCall is one request through the gateway with a key pair.
func gatewayCall(t *testing.T, url, appID, appKey string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if appID != "" {
		req.Header.Set("X-App-Id", appID)
	}
	if appKey != "" {
		req.Header.Set("X-App-Key", appKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// waitStatus calls url until it answers want, for at most within, and
// returns how long that took.
func waitStatus(t *testing.T, url, appID, appKey string, want int, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		resp, body := gatewayCall(t, url, appID, appKey)
		if resp.StatusCode == want {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("%s still answers %d after %v, want %d:\n%s", url, resp.StatusCode, within, want, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDemoGatewayQuickstart follows the README: serve --demo writes a key
// for the gateway, curl with it gets 200, without it 401, and beyond the
// plan's rate 429 with Retry-After.
func TestDemoGatewayQuickstart(t *testing.T) {
	s := startServe(t, "--demo")
	creds, err := readEnvFile(filepath.Join(s.DataDir, demoCredentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"GATEWAY_URL", "APP_ID", "APP_KEY", "DEMO_PATH", "DEMO_RATE_PER_SECOND", "DEMO_PASSWORD"} {
		if creds[k] == "" {
			t.Fatalf("demo-credentials.env lacks %s", k)
		}
	}
	if creds["GATEWAY_URL"] != s.GatewayURL {
		t.Errorf("GATEWAY_URL = %s, the gateway listens at %s", creds["GATEWAY_URL"], s.GatewayURL)
	}
	url := creds["GATEWAY_URL"] + creds["DEMO_PATH"]

	resp, body := gatewayCall(t, url, creds["APP_ID"], creds["APP_KEY"])
	if resp.StatusCode != http.StatusOK || !json.Valid([]byte(body)) {
		t.Fatalf("demo call: %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("RateLimit-Policy") == "" || resp.Header.Get("RateLimit") == "" {
		t.Errorf("no RateLimit-Policy / RateLimit headers: %v", resp.Header)
	}

	resp, body = gatewayCall(t, url, "", "")
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("call without a key: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, _ = gatewayCall(t, url, creds["APP_ID"], creds["APP_KEY"][:len(creds["APP_KEY"])-1]+"x")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("call with a mistyped key: %d, want 401", resp.StatusCode)
	}

	rate, err := strconv.Atoi(creds["DEMO_RATE_PER_SECOND"])
	if err != nil || rate <= 0 {
		t.Fatalf("DEMO_RATE_PER_SECOND = %q", creds["DEMO_RATE_PER_SECOND"])
	}
	limited := 0
	for i := 0; i < 3*rate; i++ {
		resp, body := gatewayCall(t, url, creds["APP_ID"], creds["APP_KEY"])
		if resp.StatusCode == http.StatusTooManyRequests {
			limited++
			if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
				t.Errorf("429 with Retry-After %q", resp.Header.Get("Retry-After"))
			}
			if !strings.Contains(body, "rate") {
				t.Errorf("429 body does not say why: %s", body)
			}
		}
	}
	if limited == 0 {
		t.Errorf("%d calls in a burst on a plan of %d per second: none refused", 3*rate, rate)
	}
	if strings.Contains(s.Stdout.String()+s.Stderr.String(), creds["APP_KEY"]) {
		t.Error("the demo key is in the server's output")
	}
}

// TestE2EKeyFromBrowserWorksAtGatewayUntilRevoked: a developer's key made
// in the browser works through the gateway within a second, and stops
// working within a second of its revocation in the browser.
func TestE2EKeyFromBrowserWorksAtGatewayUntilRevoked(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if browsertest.ExecPath() == "" {
		testenv.Missing(t, "chromium is not installed (apt-get install chromium); skipping the browser test")
	}
	s := startServe(t, "--demo", "--log-level", "debug", "--usage-flush-every", "200ms")
	creds, err := readEnvFile(filepath.Join(s.DataDir, demoCredentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	url := s.GatewayURL + creds["DEMO_PATH"]

	dev := browsertest.New(t, 90*time.Second)
	signIn(t, dev, s.URL, creds["DEMO_DEVELOPER_EMAIL"], creds["DEMO_PASSWORD"])
	do(t, dev, "create an application",
		chromedp.Navigate(s.URL+"/apps"),
		chromedp.SendKeys(`[data-testid="field-name"]`, "Gateway check"),
		chromedp.Click(`[data-testid="app-create"]`),
		chromedp.WaitVisible(`[data-testid="app-id-value"]`),
	)
	openPlan(t, dev, s.URL+"/apis/bank/accounts", "Sandbox")
	do(t, dev, "subscribe", chromedp.Click(`[data-testid="subscribe-submit"]`), chromedp.WaitVisible(`[data-testid="subscription-row"]`))
	do(t, dev, "create a key", chromedp.Click(`[data-testid="key-create"]`), chromedp.WaitVisible(`[data-testid="key-secret"]`))
	key := value(t, dev, `[data-testid="key-secret"]`)
	appID := value(t, dev, `[data-testid="revealed-app-id"]`)

	took := waitStatus(t, url, appID, key, http.StatusOK, 2*time.Second)
	t.Logf("new key works at the gateway after %v", took.Round(time.Millisecond))
	if took > time.Second {
		t.Errorf("the new key took %v to work at the gateway, want within a second", took)
	}

	// The application page counts the calls (flushed every 200 ms here).
	do(t, dev, "back to the application", chromedp.Click(`[data-testid="back-to-app"]`), chromedp.WaitVisible(`[data-testid="usage"]`))
	appURL := location(t, dev)
	deadline := time.Now().Add(3 * time.Second)
	lastUsed := func() string { return text(t, dev, `[data-testid="key-row"] [data-testid="key-last-used"]`) }
	for count(t, dev, `[data-testid="usage-row"][data-api="bank/accounts"]`) == 0 || lastUsed() == "—" {
		if time.Now().After(deadline) {
			t.Fatalf("3 s after its calls the application page shows usage rows: %d, the key's last use: %q", count(t, dev, `[data-testid="usage-row"]`), lastUsed())
		}
		time.Sleep(300 * time.Millisecond)
		do(t, dev, "reload", chromedp.Navigate(appURL), chromedp.WaitVisible(`[data-testid="usage"]`))
	}
	if calls := text(t, dev, `[data-testid="usage-row"][data-api="bank/accounts"] [data-testid="usage-calls"]`); calls == "0" || calls == "" {
		t.Errorf("usage calls = %q", calls)
	}
	browsertest.Screenshot(t, dev, testenv.ArtifactsDir(t, "e2e-gateway"), "app-usage")

	do(t, dev, "revoke the key",
		chromedp.WaitVisible(`[data-testid="key-revoke"]`),
		chromedp.Click(`[data-testid="key-revoke"]`),
		chromedp.WaitVisible(`[data-testid="key-row"][data-state="revoked"]`),
	)
	took = waitStatus(t, url, appID, key, http.StatusUnauthorized, 2*time.Second)
	t.Logf("revoked key refused at the gateway after %v", took.Round(time.Millisecond))
	if took > time.Second {
		t.Errorf("the revoked key worked for %v more, want under a second", took)
	}
	if strings.Contains(s.Stdout.String()+s.Stderr.String(), key) {
		t.Error("the key is in the server's logs")
	}
}

// TestE2EAdminTurnsOnRequestValidation: the bank admin turns on request
// validation for the Accounts API 2.1.0 on the gateway routes page; within
// a second a call outside the document (limit=500, maximum 200) is refused
// with a 400 naming the parameter, and a valid call still works.
func TestE2EAdminTurnsOnRequestValidation(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if browsertest.ExecPath() == "" {
		testenv.Missing(t, "chromium is not installed (apt-get install chromium); skipping the browser test")
	}
	s := startServe(t, "--demo")
	creds, err := readEnvFile(filepath.Join(s.DataDir, demoCredentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	bad := s.GatewayURL + "/bank/accounts/v2/accounts/MBAC00184432/transactions?limit=500"
	good := s.GatewayURL + "/bank/accounts/v2/accounts/MBAC00184432/transactions?limit=2"
	if resp, body := gatewayCall(t, bad, creds["APP_ID"], creds["APP_KEY"]); resp.StatusCode != http.StatusOK {
		t.Fatalf("before validation is on, limit=500 reaches the mock: %d %s", resp.StatusCode, body)
	}

	admin := browsertest.New(t, 60*time.Second)
	signIn(t, admin, s.URL, creds["DEMO_BANK_ADMIN_EMAIL"], creds["DEMO_PASSWORD"])
	row := `[data-testid="gateway-route"][data-api="accounts"][data-version="2.1.0"]`
	do(t, admin, "open the gateway routes",
		chromedp.Navigate(s.URL+"/admin"),
		chromedp.Click(`[data-testid="admin-subsidiary"][data-subsidiary="bank"] [data-testid="gateway-routes-link"]`),
		chromedp.WaitVisible(row),
	)
	if p := text(t, admin, row+` [data-testid="effective-path"]`); p != "/bank/accounts/v2" {
		t.Errorf("effective path of Accounts 2.1.0 = %q", p)
	}
	do(t, admin, "turn on validation",
		chromedp.Click(row+` [data-testid="field-validate_requests"]`),
		chromedp.Click(row+` [data-testid="route-save"]`),
		chromedp.WaitVisible(`[data-testid="notice"]`),
	)
	browsertest.Screenshot(t, admin, testenv.ArtifactsDir(t, "e2e-gateway"), "gateway-routes")

	took := waitStatus(t, bad, creds["APP_ID"], creds["APP_KEY"], http.StatusBadRequest, 2*time.Second)
	t.Logf("validation on at the gateway after %v", took.Round(time.Millisecond))
	resp, body := gatewayCall(t, bad, creds["APP_ID"], creds["APP_KEY"])
	if resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(body, "limit") {
		t.Errorf("refusal of limit=500: %s %s", resp.Header.Get("Content-Type"), body)
	}
	if resp, body := gatewayCall(t, good, creds["APP_ID"], creds["APP_KEY"]); resp.StatusCode != http.StatusOK {
		t.Errorf("a valid call after validation is on: %d %s", resp.StatusCode, body)
	}
}
