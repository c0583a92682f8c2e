package openapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"github.com/portico/portico/internal/testenv"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi/reference"
)

// specsDir locates the shared corpus of real documents (see testenv.SpecsDir).
func specsDir(tb testing.TB) string { return testenv.SpecsDir(tb) }

// corpusCase is the expected outcome of importing one root document of the
// corpus. Imported documents set version (and the fields after it);
// refused ones set refused (and the fields after it).
type corpusCase struct {
	file      string // root document, relative to the corpus
	bundleDir string // relative to the corpus; "" = the root's directory
	large     bool   // over 1 MiB: skipped with -short

	version  string         // OpenAPIVersion as written
	format   string         // "json" or "yaml"
	ops      int            // operations
	files    int            // files in the bundle
	warnings map[string]int // warning code → count

	refused string // in the error message
	detail  string // one of the error's details: what and where
	details int    // number of details
}

// corpus lists the 50 root documents of shared/specs (SOURCES.md) with what
// importing them gives. Choices for the invalid ones:
//   - stripe spec2 is refused: 163 array parameters without items; the
//     gateway could not validate such parameters, and spec3 supersedes it.
//   - oasdiff test3 is refused: an example with neither value nor
//     externalValue and a link with neither operationId nor operationRef
//     (its OAuth flow without scopes alone would only be a warning).
//   - the oasdiff 3.1 pair imports with a warning: a license giving both url
//     and identifier is metadata that does not change how the API is called.
//   - the UK Open Banking source tree is refused: its references climb out of
//     the tree into a compiled/ directory that is not there, splice lists
//     into parameter lists, and name files in the wrong case.
var corpus = []corpusCase{
	{file: "apis-guru/apis.guru-2.2.0-openapi.yaml", version: "3.0.0", format: "yaml", ops: 7, files: 1, warnings: map[string]int{"example-mismatch": 1}},
	{file: "apis-guru/azure.com-keyvault-2016-10-01-swagger.yaml", version: "2.0", format: "yaml", ops: 8, files: 1},
	{file: "au-cdr/cds_banking-v1.35.1.yaml", version: "3.0.3", format: "yaml", ops: 19, files: 1, warnings: map[string]int{"example-mismatch": 14}},
	{file: "au-cdr/cds_banking-v1.36.0.yaml", version: "3.0.3", format: "yaml", ops: 19, files: 1, warnings: map[string]int{"example-mismatch": 14}},
	{file: "au-cdr/cds_common-v1.36.0.json", version: "3.0.3", format: "json", ops: 4, files: 1},
	{file: "au-cdr/cds_dcr-v1.36.0.yaml", version: "3.0.3", format: "yaml", ops: 4, files: 1},
	{file: "au-cdr/cds_full-v1.0.0-swagger2.yaml", version: "2.0", format: "yaml", ops: 21, files: 1},
	{file: "berlin-group/psd2-api-1.3.6-20200327-wso2.yaml", version: "3.0.1", format: "yaml", ops: 42, files: 1, warnings: map[string]int{"example-mismatch": 34}},
	{file: "berlin-group/psd2-confirmation-of-funds-consent-2.0-20190607-wso2.yaml", version: "3.0.1", format: "yaml", ops: 4, files: 1, warnings: map[string]int{"example-mismatch": 5}},
	{file: "kin-openapi-testdata/circularRef2/circular2.yaml", version: "3.0.0", format: "yaml", ops: 1, files: 2},
	{file: "kin-openapi-testdata/lxkns-0.22.0.yaml", version: "3.0.2", format: "yaml", ops: 3, files: 1, warnings: map[string]int{"example-mismatch": 3}},
	{file: "kin-openapi-testdata/recursiveRef/openapi.yml", version: "3.0.3", format: "yaml", ops: 2, files: 8},
	{file: "kin-openapi-testdata/yaml-anchors-alias.yaml", version: "3.0.0", format: "yaml", ops: 1, files: 1},
	{file: "oai-examples/v2.0/petstore-separate/spec/swagger.yaml", bundleDir: "oai-examples/v2.0/petstore-separate", version: "2.0", format: "yaml", ops: 4, files: 5},
	{file: "oai-examples/v2.0/petstore-with-external-docs.yaml", version: "2.0", format: "yaml", ops: 4, files: 1},
	{file: "oai-examples/v2.0/uber.yaml", version: "2.0", format: "yaml", ops: 5, files: 1},
	{file: "oai-examples/v3.0/api-with-examples.yaml", version: "3.0.0", format: "yaml", ops: 2, files: 1},
	{file: "oai-examples/v3.0/callback-example.yaml", version: "3.0.0", format: "yaml", ops: 1, files: 1},
	{file: "oai-examples/v3.0/link-example.yaml", version: "3.0.0", format: "yaml", ops: 6, files: 1},
	{file: "oai-examples/v3.0/petstore-expanded.json", version: "3.0.0", format: "json", ops: 4, files: 1},
	{file: "oai-examples/v3.0/petstore-expanded.yaml", version: "3.0.0", format: "yaml", ops: 4, files: 1},
	{file: "oai-examples/v3.0/petstore.yaml", version: "3.0.0", format: "yaml", ops: 3, files: 1},
	{file: "oai-examples/v3.0/uspto.yaml", version: "3.0.1", format: "yaml", ops: 3, files: 1},
	{file: "oai-examples/v3.1/non-oauth-scopes.yaml", version: "3.1.0", format: "yaml", ops: 1, files: 1},
	{file: "oai-examples/v3.1/webhook-example.yaml", version: "3.1.0", format: "yaml", ops: 0, files: 1},
	{file: "oasdiff/circular1.yaml", version: "3.0.1", format: "yaml", ops: 1, files: 1},
	{file: "oasdiff/openapi-test1.yaml", version: "3.0.3", format: "yaml", ops: 4, files: 1, warnings: map[string]int{"example-mismatch": 2}},
	{file: "oasdiff/openapi-test3.yaml", refused: "The document is not valid OpenAPI 3.0.3: 2 problems",
		detail: "openapi-test3.yaml:268 #/components/links/b: missing operationId or operationRef on link", details: 2},
	{file: "oasdiff/openapi31-base.yaml", version: "3.1.0", format: "yaml", ops: 1, files: 1, warnings: map[string]int{"license-conflict": 1}},
	{file: "oasdiff/openapi31-revision.yaml", version: "3.1.0", format: "yaml", ops: 1, files: 1, warnings: map[string]int{"license-conflict": 1, "example-mismatch": 1}},
	{file: "oasdiff/ref-chain-example/base/openapi.yaml", version: "3.0.0", format: "yaml", ops: 2, files: 2},
	{file: "oasdiff/ref-chain-example/revision/openapi.yaml", version: "3.0.0", format: "yaml", ops: 2, files: 2},
	{file: "openbanking-uk/account-info-api-spec-src/apis/v1.1/swagger/index.yaml", refused: "The document cannot be read: 55 problems",
		detail:  `paths/transactions/transactions_get.yaml:15 #/get/responses/200/schema: $ref "../../../../../compiled/schemas/v1.1/accounts/account_transactions.get.200.response.schema.yaml": it points outside the uploaded bundle`,
		details: 55},
	{file: "openbanking-uk/account-info-openapi-v3.1.10r6.yaml", version: "3.0.0", format: "yaml", ops: 29, files: 1},
	{file: "openbanking-uk/account-info-openapi-v3.1.11r5.yaml", version: "3.0.0", format: "yaml", ops: 29, files: 1},
	{file: "openbanking-uk/account-info-openapi-v4.0-update4.yaml", version: "3.0.0", format: "yaml", ops: 29, files: 1},
	{file: "openbanking-uk/account-info-swagger-v1.1.1.yaml", version: "2.0", format: "yaml", ops: 17, files: 1},
	{file: "openbanking-uk/account-info-swagger-v2.0.0.yaml", version: "2.0", format: "yaml", ops: 28, files: 1},
	{file: "openbanking-uk/account-info-swagger-v3.1.2.yaml", version: "2.0", format: "yaml", ops: 29, files: 1},
	{file: "openbanking-uk/confirmation-funds-openapi-flattened-v3.1.2.json", version: "3.0.1", format: "json", ops: 4, files: 1},
	{file: "openbanking-uk/confirmation-funds-openapi-v3.1.11r5.yaml", version: "3.0.0", format: "yaml", ops: 4, files: 1},
	{file: "openbanking-uk/confirmation-funds-swagger-dereferenced-v3.0.0.yaml", version: "2.0", format: "yaml", ops: 4, files: 1},
	{file: "openbanking-uk/event-notifications-openapi-v3.1.11r5.yaml", version: "3.0.0", format: "yaml", ops: 1, files: 1},
	{file: "openbanking-uk/events-openapi-v4.0-update4.yaml", version: "3.0.0", format: "yaml", ops: 5, files: 1},
	{file: "openbanking-uk/payment-initiation-openapi-v4.0-update4.json", version: "3.0.0", format: "json", ops: 41, files: 1},
	{file: "openbanking-uk/vrp-openapi-v4.0-update4.yaml", version: "3.0.0", format: "yaml", ops: 9, files: 1},
	{file: "stripe/spec2-2020-03-02-commit2020-04-23.yaml", large: true, refused: "The document is not valid OpenAPI 2.0: 163 problems",
		detail:  "spec2-2020-03-02-commit2020-04-23.yaml:15271 #/paths/~1v1~13d_secure~1{three_d_secure}/get/parameters/0: when schema type is 'array', schema 'items' must be non-null",
		details: maxDetails + 1},
	{file: "stripe/spec3-2020-08-27-commit2022-03-23.yaml", large: true, version: "3.0.0", format: "yaml", ops: 403, files: 1},
	{file: "twilio/twilio_api_v2010-oai2.6.7.yaml", large: true, version: "3.0.1", format: "yaml", ops: 197, files: 1, warnings: map[string]int{"example-mismatch": 112}},
	{file: "twilio/twilio_verify_v2-oai2.6.7.yaml", version: "3.0.1", format: "yaml", ops: 57, files: 1, warnings: map[string]int{"example-mismatch": 4}},
}

func TestPrepareImportCorpus(t *testing.T) {
	dir := specsDir(t)
	for _, tc := range corpus {
		t.Run(tc.file, func(t *testing.T) {
			if tc.large && testing.Short() {
				t.Skip("large document; skipped with -short")
			}
			bundleDir := ""
			if tc.bundleDir != "" {
				bundleDir = filepath.Join(dir, tc.bundleDir)
			}
			b, err := ReadFile(filepath.Join(dir, tc.file), bundleDir, DefaultLimits())
			var imp models.VersionImport
			if err == nil {
				imp, err = PrepareImport(context.Background(), b, ImportOptions{})
			}
			if tc.refused != "" {
				assertRefused(t, err, models.Invalid, tc.refused, tc.detail, tc.details)
				return
			}
			if err != nil {
				t.Fatalf("refused: %s\n%s", models.MessageOf(err), strings.Join(models.DetailsOf(err), "\n"))
			}
			if imp.OpenAPIVersion != tc.version {
				t.Errorf("OpenAPIVersion = %q, want %q", imp.OpenAPIVersion, tc.version)
			}
			if imp.Format != tc.format {
				t.Errorf("Format = %q, want %q", imp.Format, tc.format)
			}
			if len(imp.Operations) != tc.ops {
				t.Errorf("%d operations, want %d", len(imp.Operations), tc.ops)
			}
			if len(imp.Files) != tc.files {
				t.Errorf("%d files, want %d", len(imp.Files), tc.files)
			}
			got := map[string]int{}
			for _, w := range imp.Warnings {
				got[w.Code]++
				if w.File == "" || w.Line <= 0 || w.Pointer == "" || w.Message == "" {
					t.Errorf("warning not located: %+v", w)
				}
			}
			if !equalCounts(got, tc.warnings) {
				t.Errorf("warnings = %v, want %v", got, tc.warnings)
			}
			assertImportInvariants(t, imp, b)
		})
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// assertRefused checks a refusal: its kind, message, one of its located
// details and how many there are.
func assertRefused(t *testing.T, err error, kind models.Kind, msg, detail string, details int) {
	t.Helper()
	if err == nil {
		t.Fatalf("imported, want refused with %q", msg)
	}
	if k := models.KindOf(err); k != kind {
		t.Errorf("kind = %s, want %s (%v)", k, kind, err)
	}
	if !strings.Contains(models.MessageOf(err), msg) {
		t.Errorf("message = %q, want it to contain %q", models.MessageOf(err), msg)
	}
	ds := models.DetailsOf(err)
	if detail != "" && !containsString(ds, detail) {
		t.Errorf("no detail %q in:\n%s", detail, strings.Join(ds, "\n"))
	}
	if details >= 0 && len(ds) != details {
		t.Errorf("%d details, want %d:\n%s", len(ds), details, strings.Join(ds, "\n"))
	}
}

func containsString(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// assertImportInvariants checks what every successful import must hold,
// whatever the document.
func assertImportInvariants(t *testing.T, imp models.VersionImport, b Bundle) {
	t.Helper()
	if imp.APISlug == "" || models.Slugify(imp.APISlug) != imp.APISlug {
		t.Errorf("APISlug %q is not a slug", imp.APISlug)
	}
	if imp.APIName == "" || imp.Title == "" || imp.APIName != imp.Title {
		t.Errorf("APIName %q, Title %q", imp.APIName, imp.Title)
	}
	if imp.Version == "" || imp.VersionSlug != models.VersionSlug(imp.Version) || imp.VersionSlug == "" {
		t.Errorf("Version %q, VersionSlug %q", imp.Version, imp.VersionSlug)
	}
	if imp.State != models.StatePublished || imp.Audience != models.AudiencePublic {
		t.Errorf("State %q, Audience %q: want the defaults", imp.State, imp.Audience)
	}
	if imp.RootPath != b.Root {
		t.Errorf("RootPath %q, want %q", imp.RootPath, b.Root)
	}
	if len(imp.Files) == 1 {
		sum := sha256.Sum256(imp.Files[0].Content)
		if imp.DocumentHash != hex.EncodeToString(sum[:]) {
			t.Errorf("DocumentHash is not the SHA-256 of the file")
		}
		if string(imp.Document) != string(imp.Files[0].Content) {
			t.Errorf("Document is not the file as uploaded")
		}
	} else if imp.DocumentHash != BundleHash(b.Files) || len(imp.DocumentHash) != 64 {
		t.Errorf("DocumentHash %q is not the bundle's hash", imp.DocumentHash)
	}
	if _, err := ConvertDocument(imp.Document, "json"); err != nil {
		t.Errorf("Document cannot be converted to JSON: %v", err)
	}
	ref, err := reference.Decode(imp.RenderModel)
	if err != nil {
		t.Fatalf("RenderModel: %v", err)
	}
	if ref.ModelVersion != models.ReferenceModelVersion || ref.Title != imp.Title || ref.OpenAPIVersion != imp.OpenAPIVersion {
		t.Errorf("render model version %d, title %q, OpenAPI %q", ref.ModelVersion, ref.Title, ref.OpenAPIVersion)
	}
	for _, op := range imp.Operations {
		if op.Method == "" || op.Method != strings.ToUpper(op.Method) || !strings.HasPrefix(op.Path, "/") {
			t.Errorf("operation %+v", op)
		}
	}
}
