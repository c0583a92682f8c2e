package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portico/portico/internal/testenv"
)

// TestImportWhileServing imports documents with the CLI into the SQLite file
// a running `portico serve` uses, and the portal shows them at once.
func TestImportWhileServing(t *testing.T) {
	specs := testenv.SpecsDir(t)
	s := startServe(t, "--demo")

	e, out, errOut := testEnv(nil)
	err := run(context.Background(), []string{"import", "--data-dir", s.DataDir, "--subsidiary", "bank", "--base-url", s.URL,
		filepath.Join(specs, "au-cdr", "cds_banking-v1.36.0.yaml"),
		filepath.Join(specs, "oai-examples", "v3.0", "petstore.yaml"),
	}, e)
	if err != nil {
		t.Fatalf("import: %v\nstderr:\n%s", err, errOut.String())
	}
	for _, want := range []string{"imported bank/", "1.36.0", "(published, OpenAPI 3.0.3", "reference: " + s.URL + "/apis/bank/", "warnings:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("import output lacks %q:\n%s", want, out.String())
		}
	}
	code, body := get(t, s.URL+"/apis?q=petstore")
	if code != http.StatusOK || !strings.Contains(strings.ToLower(body), "petstore") {
		t.Errorf("catalog search for the imported petstore: %d, body mentions petstore: %v", code, strings.Contains(strings.ToLower(body), "petstore"))
	}

	// Importing the same documents again changes nothing.
	e2, out2, _ := testEnv(nil)
	if err := run(context.Background(), []string{"import", "--data-dir", s.DataDir, "--subsidiary", "bank", filepath.Join(specs, "oai-examples", "v3.0", "petstore.yaml")}, e2); err != nil {
		t.Fatalf("re-import: %v", err)
	}
	if !strings.Contains(out2.String(), "unchanged bank/") {
		t.Errorf("re-import output = %q, want it to say unchanged", out2.String())
	}
}

func TestImportRefusesWithPreciseMessagesAndStoresNothing(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(bad, []byte("openapi: 3.0.3\ninfo:\n  title: Broken\n  version: 1.0.0\npaths:\n  /x:\n    get:\n      responses: [oops\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	escape := filepath.Join(dir, "escape.yaml")
	if err := os.WriteFile(escape, []byte("openapi: 3.0.3\ninfo: {title: Escape, version: 1.0.0}\npaths:\n  /x:\n    get:\n      responses:\n        '200':\n          $ref: '../../../../etc/passwd'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string // in the returned error
		wantOut string // in stderr
	}{
		{"unknown subsidiary", []string{"--subsidiary", "nope", bad}, "1 of 1 documents refused", ""},
		{"missing subsidiary flag", []string{bad}, "--subsidiary is required", ""},
		{"bad state", []string{"--subsidiary", "bank", "--state", "live", bad}, `--state "live"`, ""},
		{"malformed yaml names file and line", []string{"--subsidiary", "bank", bad}, "1 of 1 documents refused", "broken.yaml"},
		{"ref escaping the bundle", []string{"--subsidiary", "bank", escape}, "1 of 1 documents refused", "escape.yaml"},
		{"missing file", []string{"--subsidiary", "bank", filepath.Join(dir, "nope.yaml")}, "1 of 1 documents refused", "no such file or directory"},
	}
	data := t.TempDir()
	e, _, _ := testEnv(nil)
	if err := run(context.Background(), []string{"subsidiary", "create", "--data-dir", data, "--slug", "bank", "--name", "Bank"}, e); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, out, errOut := testEnv(nil)
			err := run(context.Background(), append([]string{"import", "--data-dir", data}, tc.args...), e)
			if err == nil {
				t.Fatalf("import succeeded; stdout:\n%s", out.String())
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error = %q, want it to contain %q", err, tc.wantErr)
			}
			if !strings.Contains(errOut.String(), tc.wantOut) {
				t.Errorf("stderr = %q, want it to contain %q", errOut.String(), tc.wantOut)
			}
		})
	}
	e2, out, _ := testEnv(nil)
	if err := run(context.Background(), []string{"subsidiary", "list", "--data-dir", data}, e2); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "0 APIs") {
		t.Errorf("refused imports stored something: %q", out.String())
	}
}
