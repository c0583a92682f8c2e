package sso

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/portico/portico/models"
)

// dexBinary returns the Dex binary built by tools/dex/build.sh: at
// $PORTICO_DEX_BIN, or in the user cache dir under portico/dex/<version>.
// When it is missing it runs build.sh (about 2 min cold, needs the module
// proxy); when that fails the test is skipped, or fails when CI=true.
func dexBinary(t *testing.T) string {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("..", "..", "tools", "dex", "build.sh"))
	if err != nil {
		t.Fatal(err)
	}
	path := os.Getenv("PORTICO_DEX_BIN")
	if path == "" {
		version, err := dexVersion(filepath.Join(filepath.Dir(script), "go.mod"))
		if err != nil {
			t.Fatal(err)
		}
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				t.Fatal(err)
			}
			cache = filepath.Join(home, ".cache")
		}
		path = filepath.Join(cache, "portico", "dex", version, "dex")
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode()&0o111 != 0 {
		return path
	}
	unavailable := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	if testing.Short() {
		unavailable("Dex binary %s is missing (-short: not building it); run tools/dex/build.sh", path)
	}
	t.Logf("Dex binary %s is missing; building it with %s (about 2 min)", path, script)
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		unavailable("Dex binary %s is missing and tools/dex/build.sh failed (%v):\n%s", path, err, out.String())
	}
	if built := strings.TrimSpace(lastLine(out.String())); built != path {
		unavailable("tools/dex/build.sh built %q; the test looks for %q", built, path)
	}
	return path
}

func dexVersion(goMod string) (string, error) {
	b, err := os.ReadFile(goMod)
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`(?m)^require github\.com/dexidp/dex (\S+)$`).FindSubmatch(b)
	if m == nil {
		return "", errors.New(goMod + " does not require github.com/dexidp/dex")
	}
	return string(m[1]), nil
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndex(s, "\n")+1:]
}

// syncBuffer collects a process's output for failure messages.
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

// startDex runs Dex on a free loopback port with memory storage, the
// password DB holding one user, and one static client whose redirect URI is
// callback. It returns the issuer.
func startDex(t *testing.T, callback, email, password string, groups []string) string {
	t.Helper()
	bin := dexBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	issuer := "http://" + addr + "/dex"

	hash, err := bcrypt.GenerateFromPassword([]byte(password), 10)
	if err != nil {
		t.Fatal(err)
	}
	config := map[string]any{ // JSON is YAML
		"issuer":  issuer,
		"storage": map[string]any{"type": "memory"},
		"web":     map[string]any{"http": addr},
		"oauth2":  map[string]any{"skipApprovalScreen": true},
		"logger":  map[string]any{"level": "warn"},
		"staticClients": []any{map[string]any{
			"id": "portal", "secret": "portal-secret", "name": "Portico", "redirectURIs": []string{callback},
		}},
		"enablePasswordDB": true,
		"staticPasswords": []any{map[string]any{
			"email": email, "hash": string(hash), "username": "ada", "name": "Ada Lovelace",
			"userID": "08a8684b-db88-4b73-90a9-3cd1661f5466", "groups": groups,
		}},
	}
	cfg, err := json.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "dex.yaml")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "serve", cfgPath)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Dex: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("Dex exited: %v\n%s", err, out.String())
		default:
		}
		resp, err := http.Get(issuer + "/.well-known/openid-configuration")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return issuer
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("Dex did not serve discovery within 30s (last error %v):\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var formAction = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)

// TestSignIn_Dex runs the whole sign-in against a real Dex in its own
// process: the portal over HTTP, Dex's password login form, the callback.
func TestSignIn_Dex(t *testing.T) {
	p := newPortal(t)
	const password = "correct horse battery staple"
	issuer := startDex(t, p.URL+"/auth/dex/callback", "Ada@Meridian.example", password, []string{"bank-publishers", "staff"})
	m, _ := newManager(t, []ProviderConfig{{
		Name: "dex", DisplayName: "Meridian staff", Type: TypeOIDC, Issuer: issuer,
		ClientID: "portal", ClientSecret: "portal-secret", Kind: models.UserStaff, GroupsClaim: "groups",
		RoleMap: map[string][]models.RoleAssignment{"bank-publishers": {{Role: models.RolePublisher, Domain: "bank"}}},
	}}, p.URL)
	p.m.Store(m)

	b := newBrowser(t)
	login := b.get(p.URL + "/auth/dex?return_to=" + url.QueryEscape("/apis/bank"))
	action := formAction.FindStringSubmatch(login.body)
	if login.StatusCode != http.StatusOK || action == nil || !strings.Contains(login.body, `name="password"`) {
		t.Fatalf("expected Dex's login form, got %d at %s:\n%.500s", login.StatusCode, login.Request.URL, login.body)
	}
	auth := b.authURL(p.URL)
	if q := auth.Query(); q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || q.Get("scope") != "openid email profile groups" {
		t.Errorf("authorization URL %s: want S256 PKCE, a nonce and scope openid email profile groups", auth)
	}
	post, err := login.Request.URL.Parse(html.UnescapeString(action[1]))
	if err != nil {
		t.Fatal(err)
	}

	// A wrong password keeps the browser at Dex.
	wrong := b.postForm(post.String(), url.Values{"login": {"ada@meridian.example"}, "password": {"wrong"}})
	if p.callbacks() != 0 || !strings.HasPrefix(wrong.Request.URL.String(), issuer) {
		t.Fatalf("a wrong password reached the portal (%s)", wrong.Request.URL)
	}

	done := b.postForm(post.String(), url.Values{"login": {"ada@meridian.example"}, "password": {password}})
	if done.StatusCode != http.StatusOK || done.body != "signed in as ada@meridian.example" {
		t.Fatalf("after login: %d at %s: %q", done.StatusCode, done.Request.URL, done.body)
	}
	got := p.last(t)
	if got.err != nil {
		t.Fatalf("Complete: %v", got.err)
	}
	want := Result{
		Provider: "dex",
		// Dex's subject: its user ID and connector ("local"), a protobuf in base64.
		Subject:       "CiQwOGE4Njg0Yi1kYjg4LTRiNzMtOTBhOS0zY2QxNjYxZjU0NjYSBWxvY2Fs",
		Email:         "ada@meridian.example",
		EmailVerified: true,
		Name:          "Ada Lovelace",
		Groups:        []string{"bank-publishers", "staff"},
		Kind:          models.UserStaff,
		Roles:         []models.RoleAssignment{{Role: models.RolePublisher, Domain: "bank"}},
		ReturnTo:      "/apis/bank",
	}
	if !reflect.DeepEqual(got.res, want) {
		t.Errorf("Result = %+v\nwant     %+v", got.res, want)
	}

	// The same callback again: the flow is spent.
	callbacks := p.callbacks()
	if n := len(b.visited); n == 0 || !strings.HasPrefix(b.visited[n-1].String(), p.URL+"/auth/dex/callback") {
		t.Fatalf("last redirect was not the callback: %v", b.visited)
	}
	again := b.get(b.visited[len(b.visited)-1].String())
	if again.StatusCode != http.StatusUnauthorized || p.callbacks() != callbacks+1 {
		t.Errorf("replayed callback answered %d %q; want 401", again.StatusCode, again.body)
	}
	last := p.last(t)
	assertRefused(t, last.res, last.err, errNoFlow, msgExpired)
}
