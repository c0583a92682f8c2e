package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testEnv returns an env with the given variables and captured output.
func testEnv(vars map[string]string) (env, *syncBuffer, *syncBuffer) {
	out, errOut := &syncBuffer{}, &syncBuffer{}
	return env{
		getenv: func(k string) string { return vars[k] },
		stdout: out,
		stderr: errOut,
	}, out, errOut
}

// server is a running `portico serve` started by a test.
type server struct {
	URL        string
	GatewayURL string // the embedded gateway
	DataDir    string
	Stdout     *syncBuffer
	Stderr     *syncBuffer
}

// startServe runs `portico serve` with args on a free port and a fresh data
// directory (unless args name one), and stops it when the test ends.
func startServe(t *testing.T, args ...string) *server {
	t.Helper()
	return startServeEnv(t, nil, args...)
}

// startServeEnv is startServe with PORTICO_* environment variables.
func startServeEnv(t *testing.T, vars map[string]string, args ...string) *server {
	t.Helper()
	dataDir := t.TempDir()
	e, out, errOut := testEnv(vars)
	ready := make(chan string, 1)
	e.ready = func(addr string) { ready <- addr }
	gatewayAddr := ""
	e.gatewayReady = func(addr string) { gatewayAddr = addr }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	full := append([]string{"serve", "--addr", "127.0.0.1:0", "--gateway-addr", "127.0.0.1:0", "--data-dir", dataDir}, args...)
	go func() { done <- run(ctx, full, e) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop within 20 s of cancellation")
		}
	})
	select {
	case addr := <-ready:
		s := &server{URL: "http://" + addr, DataDir: dataDir, Stdout: out, Stderr: errOut}
		if gatewayAddr != "" {
			s.GatewayURL = "http://" + gatewayAddr
		}
		return s
	case err := <-done:
		t.Fatalf("serve exited before it was ready: %v\nstderr:\n%s", err, errOut.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("serve was not ready within 60 s\nstderr:\n%s", errOut.String())
	}
	return nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestRunRejectsBadConfigurationListingEveryProblem(t *testing.T) {
	e, _, _ := testEnv(map[string]string{"PORTICO_LOG_FORMAT": "xml"})
	err := run(context.Background(), []string{"serve", "--addr", "nonsense", "--max-spec-bytes", "10", "--base-url", "ftp://x"}, e)
	if err == nil {
		t.Fatal("serve started with an invalid configuration")
	}
	for _, want := range []string{`addr "nonsense"`, "max-spec-bytes 10", `base-url "ftp://x"`, `log-format "xml"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestRunUnknownCommandFailsWithUsage(t *testing.T) {
	e, _, errOut := testEnv(nil)
	err := run(context.Background(), []string{"frobnicate"}, e)
	if err == nil || !strings.Contains(err.Error(), `unknown command "frobnicate"`) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(errOut.String(), "portico serve") {
		t.Error("usage was not printed")
	}
}

func TestServeDemoServesCatalogAndHealth(t *testing.T) {
	s := startServe(t, "--demo")
	if !strings.Contains(s.Stdout.String(), "Portico is running at "+s.URL) {
		t.Errorf("start-up line does not print the URL; stdout:\n%s", s.Stdout.String())
	}
	if code, body := get(t, s.URL+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d %s", code, body)
	}
	if code, body := get(t, s.URL+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz = %d %s", code, body)
	}
	code, body := get(t, s.URL+"/apis")
	if code != http.StatusOK {
		t.Fatalf("/apis = %d", code)
	}
	if n := strings.Count(body, `data-testid="api-card"`); n < 8 {
		t.Errorf("catalog shows %d api cards, want at least the 8 demo APIs on the first page", n)
	}
}

func TestServeRefusesOccupiedAddress(t *testing.T) {
	s := startServe(t)
	addr := strings.TrimPrefix(s.URL, "http://")
	e, _, _ := testEnv(nil)
	err := run(context.Background(), []string{"serve", "--addr", addr, "--data-dir", t.TempDir()}, e)
	if err == nil || !strings.Contains(err.Error(), "listen on "+addr) {
		t.Fatalf("second serve on %s: err = %v, want a listen error", addr, err)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal("unexpected cancellation")
	}
}
