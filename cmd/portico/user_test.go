package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/glebarez/go-sqlite"
)

func TestUserCreateAndAuditVerify(t *testing.T) {
	data := t.TempDir()
	e, out, errOut := testEnv(nil)
	if err := run(context.Background(), []string{"user", "create", "--data-dir", data, "--email", "Root@Meridian.Example", "--name", "Root", "--admin"}, e); err != nil {
		t.Fatalf("user create: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "created user root@meridian.example") || !strings.Contains(out.String(), "platform admin") {
		t.Errorf("user create output = %q", out.String())
	}
	if !strings.Contains(out.String(), "password (shown once, store it now): ") {
		t.Errorf("generated password not shown: %q", out.String())
	}

	// The same email again is refused with a precise message.
	e2, _, _ := testEnv(nil)
	err := run(context.Background(), []string{"user", "create", "--data-dir", data, "--email", "root@meridian.example"}, e2)
	if err == nil {
		t.Fatal("a second account with the same email was created")
	}

	e3, out3, _ := testEnv(nil)
	if err := run(context.Background(), []string{"audit", "verify", "--data-dir", data}, e3); err != nil {
		t.Fatalf("audit verify on an untouched trail: %v", err)
	}
	if !strings.Contains(out3.String(), "audit trail intact") {
		t.Errorf("audit verify output = %q", out3.String())
	}

	// Tamper with the trail behind Portico's back: verify names the event.
	db, err := sql.Open("sqlite", filepath.Join(data, "portico.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var triggers []string
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		triggers = append(triggers, n)
	}
	rows.Close()
	if len(triggers) == 0 {
		t.Fatal("audit_events has no triggers guarding it")
	}
	if _, err := db.Exec(`UPDATE audit_events SET actor_email = 'someone-else' WHERE id = (SELECT MIN(id) FROM audit_events)`); err == nil {
		t.Fatal("UPDATE of an audit event succeeded; the trail must be append-only")
	}
	for _, n := range triggers {
		if _, err := db.Exec(`DROP TRIGGER "` + n + `"`); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`UPDATE audit_events SET actor_email = 'someone-else' WHERE id = (SELECT MIN(id) FROM audit_events)`); err != nil {
		t.Fatal(err)
	}
	e4, _, _ := testEnv(nil)
	err = run(context.Background(), []string{"audit", "verify", "--data-dir", data}, e4)
	if err == nil || !strings.Contains(err.Error(), "audit trail broken at event") {
		t.Fatalf("audit verify after tampering: err = %v", err)
	}
}
