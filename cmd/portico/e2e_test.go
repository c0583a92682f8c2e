package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portico/portico/internal/browsertest"
	"github.com/portico/portico/internal/testenv"
)

// TestE2EBrowseCatalog is the newcomer's first minute in a real browser: the
// home page, the catalog, a search, an API product page and its reference,
// with screenshots saved for a human to look at.
func TestE2EBrowseCatalog(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	s := startServe(t, "--demo")
	ctx := browsertest.New(t, 90*time.Second)
	shots := testenv.ArtifactsDir(t, "e2e-catalog")

	// Home: the group, its subsidiaries and featured APIs, styled and with
	// htmx loaded under the CSP (no inline script).
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(`[data-testid="api-card"]`)); err != nil {
		t.Fatalf("home page: %v", err)
	}
	styled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`getComputedStyle(document.body).fontFamily.includes("ui-sans-serif") || getComputedStyle(document.body).fontFamily.includes("Inter")`))
	if err != nil || !styled {
		t.Errorf("home page is not styled by static/app.css (err %v)", err)
	}
	htmxLoaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.htmx === "object"`))
	if err != nil || !htmxLoaded {
		t.Errorf("htmx did not load (err %v)", err)
	}
	browsertest.Screenshot(t, ctx, shots, "01-home")

	// Catalog: every demo API is listed.
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/apis"), chromedp.WaitVisible(`[data-testid="api-card"]`)); err != nil {
		t.Fatalf("catalog: %v", err)
	}
	cards, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="api-card"]').length`))
	if err != nil || cards < 8 {
		t.Errorf("catalog shows %d API cards (err %v), want at least 8", cards, err)
	}
	browsertest.Screenshot(t, ctx, shots, "02-catalog")

	// Search from the header box, as a user types it and presses Enter.
	if err := chromedp.Do(ctx,
		chromedp.Click(`#site-search`),
		chromedp.SendKeys(`#site-search`, "payment\n"),
		chromedp.WaitVisible(`[data-testid="api-card"]`),
	); err != nil {
		t.Fatalf("search: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "q=payment") {
		t.Errorf("search did not land on a bookmarkable URL: %q (err %v)", loc, err)
	}
	firstCard, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="api-card"]`))
	if err != nil || !strings.Contains(strings.ToLower(firstCard), "payment") {
		t.Errorf("first result for 'payment' is %q (err %v)", firstCard, err)
	}
	browsertest.Screenshot(t, ctx, shots, "03-search-payment")

	// Open the first result: the API product page with its versions.
	if err := chromedp.Do(ctx,
		chromedp.Click(`[data-testid="api-card"] a`),
		chromedp.WaitVisible(`[data-testid="version-row"]`),
	); err != nil {
		t.Fatalf("open product page: %v", err)
	}
	browsertest.Screenshot(t, ctx, shots, "04-product")

	// Open the reference of the current version from the versions table.
	if err := chromedp.Do(ctx,
		chromedp.Click(`[data-testid="version-row"] a`),
		chromedp.WaitVisible(`[data-testid="operation"]`),
	); err != nil {
		t.Fatalf("open reference: %v", err)
	}
	ops, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="operation"]').length`))
	if err != nil || ops == 0 {
		t.Fatalf("reference shows %d operations (err %v)", ops, err)
	}
	browsertest.Screenshot(t, ctx, shots, "05-reference")

	// Deep link to the last operation: it is scrolled into view.
	anchor, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-testid="operation"]')].pop().id`))
	if err != nil || anchor == "" {
		t.Fatalf("operation has no id to deep-link to (err %v)", err)
	}
	refURL, _ := chromedp.Run(ctx, chromedp.Location())
	if i := strings.Index(refURL, "#"); i >= 0 {
		refURL = refURL[:i]
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(refURL+"#"+anchor), chromedp.WaitVisible("#"+anchor)); err != nil {
		t.Fatalf("deep link: %v", err)
	}
	inView, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const r = document.getElementById(`+jsString(anchor)+`).getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; })()`))
	if err != nil || !inView {
		t.Errorf("deep link #%s is not scrolled into view (err %v)", anchor, err)
	}
	browsertest.ViewportScreenshot(t, ctx, shots, "06-deep-link")

	// A phone-sized viewport still shows the catalog without horizontal scrolling.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(s.URL+"/apis"), chromedp.WaitVisible(`[data-testid="api-card"]`)); err != nil {
		t.Fatalf("mobile catalog: %v", err)
	}
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if err != nil || overflow {
		t.Errorf("catalog overflows horizontally on a 390 px screen (err %v)", err)
	}
	browsertest.Screenshot(t, ctx, shots, "07-catalog-mobile")
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
