// Package browsertest starts Debian's headless chromium for end-to-end tests
// driven with chromedp, with the flags this machine's closed network needs.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portico/portico/internal/testenv"
)

// ExecPath returns the chromium binary: env PORTICO_CHROMIUM, else chromium
// or chromium-browser on PATH, else "" .
func ExecPath() string {
	if p := os.Getenv("PORTICO_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless browser for t and returns a tab context that lives
// until the test ends (at most timeout). Without chromium the test is
// skipped, or fails when CI=true.
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	path := ExecPath()
	if path == "" {
		testenv.Missing(t, "chromium is not installed (apt-get install chromium); skipping the browser test")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
	})
	// Start the browser now so a broken installation fails here, clearly.
	if err := chromedp.Do(tctx); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return tctx
}

// Screenshot saves a full-page PNG of the current tab as dir/name.png and
// returns its path.
func Screenshot(t testing.TB, ctx context.Context, dir, name string) string {
	t.Helper()
	return save(t, ctx, chromedp.FullScreenshot(100), dir, name)
}

// ViewportScreenshot saves what a user sees in the window now (after
// scrolling to a deep link, say) as dir/name.png and returns its path.
func ViewportScreenshot(t testing.TB, ctx context.Context, dir, name string) string {
	t.Helper()
	return save(t, ctx, chromedp.CaptureScreenshot(), dir, name)
}

func save(t testing.TB, ctx context.Context, shot chromedp.Action[[]byte], dir, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}
