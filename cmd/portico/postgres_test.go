package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/portico/portico/models/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// TestServeOnPostgres runs Portico on a real PostgreSQL server: serve refuses
// an unmigrated database with the command that fixes it, `portico migrate`
// fixes it, and the demo catalog then works as on SQLite.
func TestServeOnPostgres(t *testing.T) {
	dsn := storetest.PostgresDSN(t)

	e, _, _ := testEnv(nil)
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--database", dsn}, e)
	if err == nil || !strings.Contains(err.Error(), "run `portico migrate`") {
		t.Fatalf("serve on an unmigrated PostgreSQL: err = %v, want a refusal naming `portico migrate`", err)
	}
	if strings.Contains(err.Error(), "password=") {
		t.Errorf("error leaks the DSN's password: %v", err)
	}

	e, out, errOut := testEnv(nil)
	if err := run(context.Background(), []string{"migrate", "--database", dsn}, e); err != nil {
		t.Fatalf("migrate: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "is at schema version") {
		t.Errorf("migrate output = %q", out.String())
	}

	s := startServe(t, "--database", dsn, "--demo")
	code, body := get(t, s.URL+"/apis")
	if code != http.StatusOK {
		t.Fatalf("/apis = %d", code)
	}
	if n := strings.Count(body, `data-testid="api-card"`); n < 8 {
		t.Errorf("catalog on PostgreSQL shows %d API cards, want the demo's", n)
	}
	code, body = get(t, s.URL+"/apis?q=payment")
	if code != http.StatusOK || !strings.Contains(body, "Payments API") {
		t.Errorf("search on PostgreSQL for 'payment': %d, finds Payments API: %v", code, strings.Contains(body, "Payments API"))
	}
}
