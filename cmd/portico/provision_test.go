package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico/portico/internal/testenv"
)

// TestMigrateKeysFromAnotherGateway is what an operator moving from
// another gateway does, with the commands only: import the API with its
// upstream, create an api_key plan, import the old key map; the running
// gateway accepts the old keys within a second, forwards to the upstream
// without them, and refuses others.
func TestMigrateKeysFromAnotherGateway(t *testing.T) {
	specs := testenv.SpecsDir(t)
	var hits atomic.Int64
	var lastKey, lastApp atomic.Value
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		lastKey.Store(r.Header.Get("X-Api-Key"))
		lastApp.Store(r.Header.Get("X-Portico-App-Id") + " " + r.URL.Path)
		_, _ = io.WriteString(w, `[{"id":1,"name":"Rex"}]`)
	}))
	defer up.Close()
	s := startServe(t)

	cli := func(args ...string) string {
		t.Helper()
		e, out, errOut := testEnv(nil)
		n := 2 // command and verb, then flags
		if strings.HasPrefix(args[1], "-") {
			n = 1
		}
		full := append(append(append([]string{}, args[:n]...), "--data-dir", s.DataDir), args[n:]...)
		if err := run(context.Background(), full, e); err != nil {
			t.Fatalf("portico %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
		}
		return out.String()
	}
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("a long enough password for ops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(dir, "keys.tsv")
	if err := os.WriteFile(keys, []byte("# api_key\tapp\n7717cad459fb710bd99adf26d5d63874\tapp-0001\n8241ed5e1a180eae881c1f15edbed8de\tapp-0001\nb27c0fb5cd0a9a1e0e7ee37f0b2ec8a1\tapp-0002\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli("subsidiary", "create", "--slug", "pets", "--name", "Pet Shop")
	out := cli("import", "--subsidiary", "pets", "--api", "petstore", "--upstream", up.URL+"/v1", "--base-path", "/pets/v1", filepath.Join(specs, "oai-examples", "v3.0", "petstore.yaml"))
	if !strings.Contains(out, "gateway: base path /pets/v1, upstream "+up.URL+"/v1") {
		t.Errorf("import output:\n%s", out)
	}
	cli("user", "create", "--email", "ops@petshop.example", "--password-file", pw)
	cli("plan", "create", "--subsidiary", "pets", "--api", "petstore", "--name", "Migrated", "--key-mode", "api_key", "--rate-per-second", "1000")
	out = cli("keys", "import", "--subsidiary", "pets", "--api", "petstore", "--plan", "Migrated", "--owner", "ops@petshop.example", keys)
	if !strings.Contains(out, "imported 3 keys (0 already there) for 2 applications") {
		t.Errorf("keys import output: %s", out)
	}
	if out = cli("keys", "import", "--subsidiary", "pets", "--api", "petstore", "--plan", "Migrated", "--owner", "ops@petshop.example", keys); !strings.Contains(out, "imported 0 keys (3 already there)") {
		t.Errorf("second keys import: %s", out)
	}

	get := func(key string) int {
		req, _ := http.NewRequest("GET", s.GatewayURL+"/pets/v1/pets", nil)
		req.Header.Set("X-Api-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	deadline := time.Now().Add(time.Second)
	for get("b27c0fb5cd0a9a1e0e7ee37f0b2ec8a1") != 200 {
		if time.Now().After(deadline) {
			t.Fatal("an imported key does not work at the gateway a second after the import")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if k := lastKey.Load(); k != "" {
		t.Errorf("the upstream received X-Api-Key %q", k)
	}
	if a := lastApp.Load().(string); !strings.HasPrefix(a, "app_") || !strings.HasSuffix(a, " /v1/pets") {
		t.Errorf("upstream saw app and path %q", a)
	}
	if code := get("ffffcad459fb710bd99adf26d5d63874"); code != 401 {
		t.Errorf("a key that was never imported: %d", code)
	}

	// Bad input is refused whole, with the line.
	bad := filepath.Join(dir, "bad.tsv")
	_ = os.WriteFile(bad, []byte("short\tapp\n"), 0o600)
	e, _, _ := testEnv(nil)
	err := run(context.Background(), []string{"keys", "import", "--data-dir", s.DataDir, "--subsidiary", "pets", "--api", "petstore", "--plan", "Migrated", "--owner", "ops@petshop.example", bad}, e)
	if err == nil || !strings.Contains(err.Error(), "line 1: a key is 16 to 128 printable characters") {
		t.Errorf("a malformed key file: %v", err)
	}
}
