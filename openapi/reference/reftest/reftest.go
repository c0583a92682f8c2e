// Package reftest loads documents of the real-world OpenAPI corpus
// (shared/specs) for tests of the reference model and page, as storetest
// does for the store. Only tests import it.
package reftest

import (
	"github.com/portico/portico/internal/testenv"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/yaml"
)

// SpecsDir returns the real-world corpus directory: $PORTICO_SPECS_DIR, else
// the first shared/specs found walking up from the working directory. It
// skips the test when the corpus is absent, and fails it under CI=true.
func SpecsDir(t testing.TB) string { return testenv.SpecsDir(t) }

// Stripe is the largest document of the corpus: 403 operations, 541 schemas.
const Stripe = "stripe/spec3-2020-08-27-commit2022-03-23.yaml"

// loaded caches documents loaded by Load: tests only read them, and the
// largest take a second or more to load (much more under -race).
var loaded sync.Map // "rel\x00swagger2" → *openapi3.T

// Load loads a corpus document (relative to the corpus directory) with
// kin-openapi, converting Swagger 2.0 to OpenAPI 3. The document is shared
// between the tests of a package: callers must not modify it.
func Load(t testing.TB, rel string, swagger2 bool) *openapi3.T {
	t.Helper()
	key := rel + "\x00" + strconv.FormatBool(swagger2)
	if doc, ok := loaded.Load(key); ok {
		return doc.(*openapi3.T)
	}
	doc, err := LoadFile(filepath.Join(SpecsDir(t), rel), swagger2)
	if err != nil {
		t.Fatalf("load %s: %v", rel, err)
	}
	loaded.Store(key, doc)
	return doc
}

// LoadFile loads a document by path, as Portico's importer does: external
// refs allowed, absolute path, Swagger 2.0 converted to OpenAPI 3.
func LoadFile(abs string, swagger2 bool) (*openapi3.T, error) {
	abs, err := filepath.Abs(abs)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	if !swagger2 {
		return loader.LoadFromFile(abs)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, err
	}
	var doc2 openapi2.T
	if _, err := yaml.Unmarshal(data, &doc2, yaml.DecodeOpts{DisableTimestamps: true}); err != nil {
		return nil, err
	}
	return openapi2conv.ToV3WithLoader(&doc2, loader, &url.URL{Path: abs})
}

// Corpus lists every root document of the corpus with the number of
// operations (and webhooks) the reference must show.
var Corpus = []struct {
	File     string
	Swagger2 bool
	Ops      int
	Webhooks int
}{
	{"apis-guru/apis.guru-2.2.0-openapi.yaml", false, 7, 0},
	{"apis-guru/azure.com-keyvault-2016-10-01-swagger.yaml", true, 8, 0},
	{"au-cdr/cds_banking-v1.35.1.yaml", false, 19, 0},
	{"au-cdr/cds_banking-v1.36.0.yaml", false, 19, 0},
	{"au-cdr/cds_common-v1.36.0.json", false, 4, 0},
	{"au-cdr/cds_dcr-v1.36.0.yaml", false, 4, 0},
	{"au-cdr/cds_full-v1.0.0-swagger2.yaml", true, 21, 0},
	{"berlin-group/psd2-api-1.3.6-20200327-wso2.yaml", false, 42, 0},
	{"berlin-group/psd2-confirmation-of-funds-consent-2.0-20190607-wso2.yaml", false, 4, 0},
	{"kin-openapi-testdata/circularRef2/circular2.yaml", false, 1, 0},
	{"kin-openapi-testdata/lxkns-0.22.0.yaml", false, 3, 0},
	{"kin-openapi-testdata/recursiveRef/openapi.yml", false, 2, 0},
	{"kin-openapi-testdata/yaml-anchors-alias.yaml", false, 1, 0},
	{"oai-examples/v2.0/petstore-separate/spec/swagger.yaml", true, 4, 0},
	{"oai-examples/v2.0/petstore-with-external-docs.yaml", true, 4, 0},
	{"oai-examples/v2.0/uber.yaml", true, 5, 0},
	{"oai-examples/v3.0/api-with-examples.yaml", false, 2, 0},
	{"oai-examples/v3.0/callback-example.yaml", false, 1, 0},
	{"oai-examples/v3.0/link-example.yaml", false, 6, 0},
	{"oai-examples/v3.0/petstore-expanded.json", false, 4, 0},
	{"oai-examples/v3.0/petstore-expanded.yaml", false, 4, 0},
	{"oai-examples/v3.0/petstore.yaml", false, 3, 0},
	{"oai-examples/v3.0/uspto.yaml", false, 3, 0},
	{"oai-examples/v3.1/non-oauth-scopes.yaml", false, 1, 0},
	{"oai-examples/v3.1/webhook-example.yaml", false, 0, 1},
	{"oasdiff/circular1.yaml", false, 1, 0},
	{"oasdiff/openapi-test1.yaml", false, 4, 0},
	{"oasdiff/openapi-test3.yaml", false, 4, 0},
	{"oasdiff/openapi31-base.yaml", false, 1, 2},
	{"oasdiff/openapi31-revision.yaml", false, 1, 2},
	{"oasdiff/ref-chain-example/base/openapi.yaml", false, 2, 0},
	{"oasdiff/ref-chain-example/revision/openapi.yaml", false, 2, 0},
	{"openbanking-uk/account-info-openapi-v3.1.10r6.yaml", false, 29, 0},
	{"openbanking-uk/account-info-openapi-v3.1.11r5.yaml", false, 29, 0},
	{"openbanking-uk/account-info-openapi-v4.0-update4.yaml", false, 29, 0},
	{"openbanking-uk/account-info-swagger-v1.1.1.yaml", true, 17, 0},
	{"openbanking-uk/account-info-swagger-v2.0.0.yaml", true, 28, 0},
	{"openbanking-uk/account-info-swagger-v3.1.2.yaml", true, 29, 0},
	{"openbanking-uk/confirmation-funds-openapi-flattened-v3.1.2.json", false, 4, 0},
	{"openbanking-uk/confirmation-funds-openapi-v3.1.11r5.yaml", false, 4, 0},
	{"openbanking-uk/confirmation-funds-swagger-dereferenced-v3.0.0.yaml", true, 4, 0},
	{"openbanking-uk/event-notifications-openapi-v3.1.11r5.yaml", false, 1, 0},
	{"openbanking-uk/events-openapi-v4.0-update4.yaml", false, 5, 0},
	{"openbanking-uk/payment-initiation-openapi-v4.0-update4.json", false, 41, 0},
	{"openbanking-uk/vrp-openapi-v4.0-update4.yaml", false, 9, 0},
	{"stripe/spec2-2020-03-02-commit2020-04-23.yaml", true, 350, 0},
	{"stripe/spec3-2020-08-27-commit2022-03-23.yaml", false, 403, 0},
	{"twilio/twilio_api_v2010-oai2.6.7.yaml", false, 197, 0},
	{"twilio/twilio_verify_v2-oai2.6.7.yaml", false, 57, 0},
}
