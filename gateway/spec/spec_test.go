package spec

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portico/portico/internal/testenv"
	"github.com/portico/portico/openapi"
)

func loadSpec(t testing.TB, rel string) *Doc {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.SpecsDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	data, err := openapi.GatewayDocument(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Load(data)
	if err != nil {
		t.Fatalf("load %s: %v", rel, err)
	}
	return d
}

func fields(err error) map[string]string {
	out := map[string]string{}
	var ve *ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Errors {
			out[f.In+" "+f.Name] = f.Message
		}
	}
	return out
}

// TestOpenBankingLookAheadPatternsValidate: UK Open Banking's
// ^(?!\s)(.*)(\S)$ (no leading or trailing blank) is enforced, not a crash
// and not silently skipped.
func TestOpenBankingLookAheadPatternsValidate(t *testing.T) {
	d := loadSpec(t, "openbanking-uk/vrp-openapi-v4.0-update4.yaml")
	req := func(key, body string) *http.Request {
		r := httptest.NewRequest("POST", "/domestic-vrp-consents", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer x")
		r.Header.Set("x-jws-signature", "sig")
		r.Header.Set("x-idempotency-key", key)
		return r
	}
	got := fields(d.Validate(req(" leading-blank", "{}"), "POST", "/domestic-vrp-consents", nil))
	if msg, ok := got["header x-idempotency-key"]; !ok || !strings.Contains(msg, "regular expression") || strings.Contains(msg, "compile") {
		t.Errorf("a key with a leading blank: %q; want it refused by the look-ahead pattern", msg)
	}
	if len(got) < 2 {
		t.Errorf("an empty consent body is not refused with its missing fields: %v", got)
	}
	got = fields(d.Validate(req("key-123", "{}"), "POST", "/domestic-vrp-consents", nil))
	if _, ok := got["header x-idempotency-key"]; ok {
		t.Errorf("a valid idempotency key is refused: %v", got)
	}

	// A GET with its required headers passes; without Authorization it
	// does not.
	r := httptest.NewRequest("GET", "/domestic-vrp-consents/abc", nil)
	r.Header.Set("Authorization", "Bearer x")
	if err := d.Validate(r, "GET", "/domestic-vrp-consents/{ConsentId}", PathParams("/domestic-vrp-consents/{ConsentId}", "/domestic-vrp-consents/abc")); err != nil {
		t.Errorf("a valid GET is refused: %v", err)
	}
	r.Header.Del("Authorization")
	if got := fields(d.Validate(r, "GET", "/domestic-vrp-consents/{ConsentId}", nil)); got["header Authorization"] == "" {
		t.Errorf("a GET without its required header passes: %v", got)
	}
}

func TestParametersAndBodyKeptForTheUpstream(t *testing.T) {
	d := loadSpec(t, "oai-examples/v3.0/petstore.yaml")
	r := httptest.NewRequest("GET", "/pets?limit=lots", nil)
	got := fields(d.Validate(r, "GET", "/pets", nil))
	if got["query limit"] == "" {
		t.Errorf("limit=lots passes an integer parameter: %v", got)
	}
	r = httptest.NewRequest("GET", "/pets?limit=500", nil)
	if got := fields(d.Validate(r, "GET", "/pets", nil)); got["query limit"] == "" {
		t.Errorf("limit=500 passes a maximum of 100: %v", got)
	}
	if err := d.Validate(httptest.NewRequest("GET", "/pets?limit=5", nil), "GET", "/pets", nil); err != nil {
		t.Errorf("limit=5: %v", err)
	}
	body := `{"id": 7, "name": "Rex"}`
	r = httptest.NewRequest("POST", "/pets", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	_ = d.Validate(r, "POST", "/pets", nil)
	if b, _ := io.ReadAll(r.Body); string(b) != body {
		t.Errorf("after validation the upstream would get %q, want the body unchanged", b)
	}
}

func TestHostileBodiesGetAnErrorNotAPanic(t *testing.T) {
	d := loadSpec(t, "openbanking-uk/vrp-openapi-v4.0-update4.yaml")
	for name, body := range map[string]string{
		"deep nesting": strings.Repeat(`{"a":`, 2000) + "1" + strings.Repeat("}", 2000),
		"not JSON":     `{"Data": `,
		"huge number":  `{"Data": 1e999999}`,
		"bad UTF-8":    "{\"Data\": \"\xff\xfe\"}",
	} {
		r := httptest.NewRequest("POST", "/domestic-vrp-consents", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer x")
		r.Header.Set("x-jws-signature", "sig")
		r.Header.Set("x-idempotency-key", "k1")
		err := d.Validate(r, "POST", "/domestic-vrp-consents", nil)
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Errors) == 0 {
			t.Errorf("%s: %v; want a validation error", name, err)
		}
		for _, f := range ve.Errors {
			if len(f.Message) > 210 {
				t.Errorf("%s: message of %d characters", name, len(f.Message))
			}
		}
	}
}

func BenchmarkValidateGET(b *testing.B) {
	d := loadSpec(b, "oai-examples/v3.0/petstore.yaml")
	r := httptest.NewRequest("GET", "/pets?limit=5", nil)
	b.ReportAllocs()
	for b.Loop() {
		_ = d.Validate(r, "GET", "/pets", nil)
	}
}
