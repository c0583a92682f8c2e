package openapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi/reference"
)

// petstore is a small valid OpenAPI 3.0 document; %s is replaced by extra
// lines under components.schemas.Pet.properties.
const petstore = `openapi: 3.0.3
info:
  title: Pet Store
  version: 1.2.0
  description: |
    # Pets

    Sells **pets**. Every kind of pet.
servers:
  - url: https://pets.example.com/v1
tags:
  - name: pets
paths:
  /pets:
    get:
      operationId: listPets
      summary: List pets
      tags: [pets]
      responses:
        200:
          description: The pets
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: '#/components/schemas/Pet'
components:
  schemas:
    Pet:
      type: object
      properties:
        name:
          type: string
%s`

func prepare(t *testing.T, b Bundle, opts ImportOptions) (models.VersionImport, error) {
	t.Helper()
	imp, err := PrepareImport(context.Background(), b, opts)
	if err != nil && !reflect.DeepEqual(imp, models.VersionImport{}) {
		t.Errorf("a refused import returned a partly filled value: %+v", imp)
	}
	return imp, err
}

func TestPrepareImportFillsEveryField(t *testing.T) {
	data := []byte(fmt.Sprintf(petstore, ""))
	imp, err := prepare(t, SingleFile("pets.yaml", data), ImportOptions{})
	if err != nil {
		t.Fatalf("refused: %v %v", err, models.DetailsOf(err))
	}
	ref, err := reference.Decode(imp.RenderModel)
	if err != nil {
		t.Fatal(err)
	}
	want := models.VersionImport{
		APISlug:        "pet-store",
		APIName:        "Pet Store",
		APISummary:     "Sells pets.",
		APIDescription: "# Pets\n\nSells **pets**. Every kind of pet.\n",
		Audience:       models.AudiencePublic,
		Tags:           []string{"pets"},
		Featured:       false,
		Version:        "1.2.0",
		VersionSlug:    "1.2.0",
		State:          models.StatePublished,
		OpenAPIVersion: "3.0.3",
		Format:         "yaml",
		RootPath:       "pets.yaml",
		Files:          []models.SpecFile{{Path: "pets.yaml", Content: data}},
		Document:       data,
		DocumentHash:   BundleHash([]models.SpecFile{{Path: "pets.yaml", Content: data}}),
		Title:          "Pet Store",
		Description:    "# Pets\n\nSells **pets**. Every kind of pet.\n",
		Servers:        []string{"https://pets.example.com/v1"},
		Operations:     []models.OperationSummary{{Method: "GET", Path: "/pets", OperationID: "listPets", Summary: "List pets", Tags: []string{"pets"}}},
		RenderModel:    imp.RenderModel,
	}
	if !reflect.DeepEqual(imp, want) {
		t.Errorf("import =\n%+v\nwant\n%+v", imp, want)
	}
	if ref.Title != "Pet Store" || ref.Version != "1.2.0" || ref.OpenAPIVersion != "3.0.3" {
		t.Errorf("render model %q %q %q", ref.Title, ref.Version, ref.OpenAPIVersion)
	}
}

func TestPrepareImportPorticoExtension(t *testing.T) {
	doc := `openapi: 3.1.0
info:
  title: Meridian Payments
  version: "2024-01-01"
  description: Long description of the payments API.
  x-portico:
    api: payments
    summary: Move money between accounts.
    description: "## Payments\n\nProduct page text."
    audience: partner
    state: deprecated
    tags: [payments, open-banking, Payments]
    featured: true
paths: {}
`
	yes, no := true, false
	tests := []struct {
		name     string
		opts     ImportOptions
		slug     string
		state    models.State
		audience models.Audience
		featured bool
	}{
		{"x-portico applies", ImportOptions{}, "payments", models.StateDeprecated, models.AudiencePartner, true},
		{"options override x-portico", ImportOptions{APISlug: "pay", State: models.StateDraft, Audience: models.AudienceInternal, Featured: &no}, "pay", models.StateDraft, models.AudienceInternal, false},
		{"featured option alone", ImportOptions{Featured: &yes}, "payments", models.StateDeprecated, models.AudiencePartner, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			imp, err := prepare(t, SingleFile("payments.yaml", []byte(doc)), tc.opts)
			if err != nil {
				t.Fatalf("refused: %v %v", err, models.DetailsOf(err))
			}
			if imp.APISlug != tc.slug || imp.State != tc.state || imp.Audience != tc.audience || imp.Featured != tc.featured {
				t.Errorf("slug %q state %q audience %q featured %v; want %q %q %q %v", imp.APISlug, imp.State, imp.Audience, imp.Featured, tc.slug, tc.state, tc.audience, tc.featured)
			}
			if imp.APISummary != "Move money between accounts." || imp.APIDescription != "## Payments\n\nProduct page text." {
				t.Errorf("summary %q description %q", imp.APISummary, imp.APIDescription)
			}
			if imp.Description != "Long description of the payments API." {
				t.Errorf("version description %q", imp.Description)
			}
			if !reflect.DeepEqual(imp.Tags, []string{"payments", "open-banking"}) {
				t.Errorf("tags %v", imp.Tags)
			}
			if imp.VersionSlug != "2024-01-01" {
				t.Errorf("version slug %q", imp.VersionSlug)
			}
		})
	}
}

func TestPrepareImportRefusesBadPorticoExtension(t *testing.T) {
	doc := `openapi: 3.0.3
info:
  title: T
  version: "1"
  x-portico:
    api: Not A Slug
    audience: everyone
    state: live
    tags: payments
    featured: "yes"
paths: {}
`
	_, err := prepare(t, SingleFile("t.yaml", []byte(doc)), ImportOptions{})
	assertRefused(t, err, models.Invalid, "x-portico settings are not valid: 5 problems", "t.yaml:6 #/info/x-portico/api: x-portico.api \"Not A Slug\" is not a slug", 5)
	for _, want := range []string{
		`t.yaml:7 #/info/x-portico/audience: x-portico.audience "everyone" is not one of public, partner, internal`,
		`t.yaml:8 #/info/x-portico/state: x-portico.state "live" is not one of`,
		`t.yaml:9 #/info/x-portico/tags: x-portico.tags must be a list of strings`,
		`t.yaml:10 #/info/x-portico/featured: x-portico.featured must be true or false`,
	} {
		if !containsString(models.DetailsOf(err), want) {
			t.Errorf("no detail %q in %v", want, models.DetailsOf(err))
		}
	}
}

func TestPrepareImportRefusesBadInput(t *testing.T) {
	small := Limits{MaxBytes: 1000}
	tests := []struct {
		name    string
		file    string
		doc     string
		lim     Limits
		kind    models.Kind
		msg     string
		detail  string
		details int
	}{
		{"malformed YAML", "api.yaml", "openapi: 3.0.0\ninfo:\n  title: [unclosed\n  version: 1\npaths: {}\n", Limits{}, models.Invalid,
			"The document cannot be read:", "api.yaml:2: invalid YAML: did not find expected ',' or ']'", 1},
		{"malformed JSON", "api.json", "{\n  \"openapi\": \"3.0.0\",\n  \"info\": {\"title\": \"t\" \"version\": \"1\"},\n  \"paths\": {}\n}", Limits{}, models.Invalid,
			"The document cannot be read:", "api.json:3: invalid JSON: expected ',' or '}', found '\"'", 1},
		{"duplicate JSON key", "api.json", "{\n\"openapi\": \"3.0.0\",\n\"info\": {\"title\": \"t\", \"version\": \"1\"},\n\"paths\": {},\n\"paths\": {\"/x\": {}}\n}", Limits{}, models.Invalid,
			"The document cannot be read:", `api.json:5: duplicate key "paths" (first defined at line 4)`, 1},
		{"duplicate YAML key", "api.yaml", "openapi: 3.0.0\ninfo:\n  title: t\n  version: 1\n  title: u\npaths: {}\n", Limits{}, models.Invalid,
			"The document cannot be read:", `api.yaml:5: duplicate key "title" (first defined at line 3)`, 1},
		{"YAML keys equal as JSON", "api.yaml", "openapi: 3.0.0\ninfo: {title: t, version: 1}\npaths:\n  /a:\n    get:\n      responses:\n        200: {description: a}\n        '200': {description: b}\n", Limits{}, models.Invalid,
			"The document cannot be read:", `api.yaml:8: duplicate key "200" (first defined at line 7)`, 1},
		{"over the size limit", "api.yaml", fmt.Sprintf(petstore, strings.Repeat("        # padding\n", 200)), small, models.TooLarge,
			"The document is 4.1 KiB; the limit is 1000 bytes.", "", 0},
		{"not an OpenAPI document", "config.yaml", "name: my-service\nreplicas: 3\n", Limits{}, models.Invalid,
			"The document was refused:", `config.yaml:1: not an OpenAPI document: it has neither an "openapi" nor a "swagger" field at the top level`, 1},
		{"a list, not a document", "list.json", "[1, 2]", Limits{}, models.Invalid,
			"The document was refused:", "list.json:1: not an OpenAPI document: the top level is a list, not an object", 1},
		{"unsupported version", "api.yaml", "openapi: 4.0.0\ninfo: {title: t, version: 1}\n", Limits{}, models.Invalid,
			"The document was refused:", `api.yaml:1 #/openapi: OpenAPI version "4.0.0" is not supported; Portico reads 2.0, 3.0 and 3.1`, 1},
		{"empty file", "api.yaml", "  \n", Limits{}, models.Invalid, "The document cannot be read:", "api.yaml:1: the file is empty", 1},
		{"two YAML documents", "api.yaml", "openapi: 3.0.0\n---\nopenapi: 3.1.0\n", Limits{}, models.Invalid,
			"The document cannot be read:", "api.yaml:2: the file holds more than one YAML document (a second one starts at line 2)", 1},
		{"structure that is not OpenAPI", "api.yaml", "openapi: 3.0.0\ninfo: {title: t, version: 1}\npaths:\n  /a:\n    get:\n      parameters: {name: q}\n      responses: {}\n", Limits{}, models.Invalid,
			"The document cannot be read:", "api.yaml:6 #/paths/~1a/get/parameters: must be a list, not an object", 1},
		{"a field in the wrong case", "api.yaml", "openapi: 3.0.0\ninfo: {title: t, version: 1}\npaths:\n  /a:\n    Get: {}\n    put: {responses: {'200': {$REF: 'http://x/'}}}\n", Limits{}, models.Invalid,
			"The document cannot be read: 2 problems", `api.yaml:6 #/paths/~1a/put/responses/200/$REF: unknown field "$REF" (did you mean "$ref"?)`, 2},
		{"scopes and server variables may be named like fields", "api.yaml", "openapi: 3.0.0\ninfo: {title: t, version: 1}\nservers: [{url: 'https://{Version}.x', variables: {Version: {default: v1}}}]\npaths: {}\ncomponents:\n  securitySchemes:\n    o: {type: oauth2, flows: {implicit: {authorizationUrl: 'https://a', scopes: {Email: e}}}}\n  schemas:\n    A: {Type: string}\n", Limits{}, models.Invalid,
			"The document cannot be read:", `api.yaml:9 #/components/schemas/A/Type: unknown field "Type" (did you mean "type"?)`, 1},
		{"unresolved internal reference", "api.yaml", fmt.Sprintf(petstore, "        owner:\n          $ref: '#/components/schemas/Owner'\n"), Limits{}, models.Invalid,
			"The document cannot be read:", `api.yaml:36 #/components/schemas/Pet/properties/owner: $ref "#/components/schemas/Owner" does not resolve: nothing at /components/schemas/Owner in api.yaml`, 1},
		{"parameter without schema", "api.yaml", "openapi: 3.0.0\ninfo: {title: t, version: 1}\npaths:\n  /a:\n    get:\n      parameters:\n        - name: q\n          in: query\n      responses: {'200': {description: ok}}\n", Limits{}, models.Invalid,
			"The document is not valid OpenAPI 3.0.0:", "api.yaml:7 #/paths/~1a/get/parameters/0: parameter must contain exactly one of content and schema", 1},
		{"no usable slug", "api.yaml", "openapi: 3.0.0\ninfo: {title: '日本', version: 1}\npaths: {}\n", Limits{}, models.Invalid,
			"The document cannot be listed:", `api.yaml:2 #/info/title: the title "日本" gives no usable API slug`, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := prepare(t, SingleFile(tc.file, []byte(tc.doc)), ImportOptions{Limits: tc.lim})
			assertRefused(t, err, tc.kind, tc.msg, tc.detail, tc.details)
		})
	}
}

// yamlBomb is the billion-laughs document: nine levels of nine aliases.
func yamlBomb() string {
	var b strings.Builder
	b.WriteString("openapi: 3.0.0\ninfo: {title: t, version: 1}\npaths: {}\nx-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		fmt.Fprintf(&b, "x-%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n", name, name, prev, prev, prev, prev, prev, prev, prev, prev, prev)
		prev = name
	}
	return b.String()
}

func TestPrepareImportRefusesYAMLBomb(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := prepare(t, SingleFile("bomb.yaml", []byte(yamlBomb())), ImportOptions{})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	assertRefused(t, err, models.Invalid, "The document cannot be read:", "bomb.yaml:", 1)
	if !strings.Contains(models.MessageOf(err), "YAML aliases expand the document to too many values (an alias bomb?)") {
		t.Errorf("message %q does not name the alias bomb", models.MessageOf(err))
	}
	if elapsed > 2*time.Second {
		t.Errorf("refusing the bomb took %v", elapsed)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
		t.Errorf("refusing the bomb allocated %d MiB", grew>>20)
	}
}

func TestPrepareImportRefusesDeepNesting(t *testing.T) {
	deepJSON := `{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{},"x-deep":` +
		strings.Repeat(`{"a":`, 300) + "1" + strings.Repeat("}", 300) + "}"
	deepYAML := "openapi: 3.0.0\ninfo: {title: t, version: 1}\npaths: {}\nx-deep: " +
		strings.Repeat("[", 300) + strings.Repeat("]", 300) + "\n"
	veryDeepYAML := "x: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n"
	// An alias may nest a deep value deeper still.
	aliasDeep := "openapi: 3.0.0\ninfo: {title: t, version: 1}\npaths: {}\nx-a: &a " + strings.Repeat("[", 150) + strings.Repeat("]", 150) +
		"\nx-b: " + strings.Repeat("[", 100) + "*a" + strings.Repeat("]", 100) + "\n"
	tests := []struct {
		name, file, doc, detail string
	}{
		{"JSON", "deep.json", deepJSON, "deep.json:1: the document nests deeper than 200 levels"},
		{"YAML", "deep.yaml", deepYAML, "deep.yaml:4: the document nests deeper than 200 levels"},
		{"YAML beyond the parser's own limit", "deep.yaml", veryDeepYAML, "deep.yaml: invalid YAML: exceeded max depth of 10000"},
		{"YAML through an alias", "deep.yaml", aliasDeep, "deep.yaml:5: the document nests deeper than 200 levels"},
		{"YAML alias inside its own anchor", "loop.yaml", "openapi: 3.0.0\nx-a: &a [1, [*a]]\n", "loop.yaml:2: the YAML alias refers to a value that contains it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := prepare(t, SingleFile(tc.file, []byte(tc.doc)), ImportOptions{})
			assertRefused(t, err, models.Invalid, "The document cannot be read:", tc.detail, 1)
		})
	}
	t.Run("within a raised limit", func(t *testing.T) {
		_, err := prepare(t, SingleFile("deep.json", []byte(deepJSON)), ImportOptions{Limits: Limits{MaxDepth: 400}})
		if err != nil {
			t.Errorf("refused with MaxDepth 400: %v", err)
		}
	})
}

// failOnHit returns the URL of a listener that fails the test if anything
// ever connects to it.
func failOnHit(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the importer fetched %s", r.URL)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestPrepareImportNeverFollowsURLsOrLeavesTheBundle(t *testing.T) {
	local := failOnHit(t)
	tests := []struct{ ref, why string }{
		{local + "/pet.yaml#/Pet", "references to URLs are not followed"},
		{"http://169.254.169.254/latest/meta-data/iam/security-credentials/", "references to URLs are not followed"},
		{"http://0x7f000001/x.yaml", "references to URLs are not followed"},
		{"https://[::1]/pet.yaml", "references to URLs are not followed"},
		{"//127.0.0.1/pet.yaml", "references to URLs are not followed"},
		{"file:///etc/passwd", "references to URLs are not followed"},
		{"/etc/passwd", "absolute paths are not allowed"},
		{"../../etc/passwd", "it points outside the uploaded bundle"},
		{"schemas/../../../etc/passwd", "it points outside the uploaded bundle"},
		{"%2e%2e/%2e%2e/etc/passwd", "it points outside the uploaded bundle"},
		{`..\..\etc\passwd`, "it points outside the uploaded bundle"},
		{"missing.yaml", "file missing.yaml is not in the bundle"},
	}
	for _, tc := range tests {
		t.Run(tc.ref, func(t *testing.T) {
			doc := fmt.Sprintf(petstore, "        owner:\n          $ref: '"+tc.ref+"'\n")
			_, err := prepare(t, SingleFile("api.yaml", []byte(doc)), ImportOptions{})
			want := fmt.Sprintf("api.yaml:36 #/components/schemas/Pet/properties/owner: $ref %q: %s", tc.ref, tc.why)
			assertRefused(t, err, models.Invalid, "The document cannot be read:", want, 1)
		})
	}
}

func TestReadFileStaysInTheBundleDirectory(t *testing.T) {
	local := failOnHit(t)
	base := t.TempDir()
	bundle := filepath.Join(base, "bundle")
	outside := filepath.Join(base, "outside")
	for _, d := range []string{bundle, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Opening a FIFO for reading blocks until a writer comes: reading it would
	// hang the test rather than pass it.
	if err := syscall.Mkfifo(filepath.Join(outside, "pipe.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(outside, "secret.yaml"), "type: string\n")
	if err := os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(bundle, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ref string
		detail    string
	}{
		{"parent directory", "../outside/pipe.yaml", `api.yaml:36 #/components/schemas/Pet/properties/owner: $ref "../outside/pipe.yaml": it points outside the uploaded bundle`},
		{"loopback URL", local + "/x.yaml", "references to URLs are not followed"},
		{"symbolic link out of the bundle", "link.yaml", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := filepath.Join(bundle, "api.yaml")
			writeFile(t, root, fmt.Sprintf(petstore, "        owner:\n          $ref: '"+tc.ref+"'\n"))
			done := make(chan error, 1)
			go func() {
				_, err := ReadFile(root, "", DefaultLimits())
				done <- err
			}()
			select {
			case err := <-done:
				if tc.detail == "" {
					assertRefused(t, err, models.Invalid, "Cannot read link.yaml: the path leads outside the bundle.", "", 0)
				} else {
					assertRefused(t, err, models.Invalid, "The document cannot be read:", tc.detail, 1)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("ReadFile hangs: it opened a file outside the bundle")
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPrepareImportHandlesRealWorldQuirks(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		doc      string
		warnings []string // "code@file:line #pointer"
		check    func(t *testing.T, imp models.VersionImport)
	}{
		{
			name: "look-ahead pattern compiles with the ECMAScript engine",
			file: "ob.yaml",
			doc: "openapi: 3.0.0\ninfo: {title: OB, version: 1}\npaths: {}\ncomponents:\n  parameters:\n    x-idempotency-key:\n      name: x-idempotency-key\n      in: header\n      required: true\n" +
				"      schema:\n        type: string\n        maxLength: 40\n        pattern: ^(?!\\s)(.*)(\\S)$\n",
		},
		{
			name:     "a pattern no engine compiles is a warning",
			file:     "bad.yaml",
			doc:      "openapi: 3.0.0\ninfo: {title: Bad, version: 1}\npaths: {}\ncomponents:\n  schemas:\n    Code:\n      type: string\n      pattern: '[a-z'\n",
			warnings: []string{"pattern-unsupported@bad.yaml:8 #/components/schemas/Code/pattern"},
		},
		{
			name: "examples and defaults that contradict their schema are warnings",
			file: "ex.yaml",
			doc: "openapi: 3.0.0\ninfo: {title: Ex, version: 1}\npaths:\n  /a:\n    get:\n      parameters:\n        - name: limit\n          in: query\n          schema: {type: integer, default: ten}\n          example: 5\n" +
				"      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/A'}\n              examples:\n                wrong: {value: {id: x}}\n" +
				"components:\n  schemas:\n    A:\n      type: object\n      required: [id]\n      properties: {id: {type: integer}}\n      example: {}\n",
			warnings: []string{
				"example-mismatch@ex.yaml:25 #/components/schemas/A/example",
				"example-mismatch@ex.yaml:9 #/paths/~1a/get/parameters/0/schema/default",
				"example-mismatch@ex.yaml:18 #/paths/~1a/get/responses/200/content/application~1json/examples/wrong",
			},
		},
		{
			name: "CRLF line endings, unquoted status codes, anchors and merge keys",
			file: "crlf.yaml",
			doc:  strings.ReplaceAll("openapi: 3.0.0\ninfo: {title: CRLF, version: 1}\npaths:\n  /a:\n    get:\n      responses:\n        200: &ok\n          description: ok\n        201:\n          <<: *ok\n          headers: {}\n", "\n", "\r\n"),
			check: func(t *testing.T, imp models.VersionImport) {
				if len(imp.Operations) != 1 {
					t.Errorf("operations %v", imp.Operations)
				}
			},
		},
		{
			name: "swagger: 2.0 written as a number",
			file: "v2.yaml",
			doc:  "swagger: 2.0\ninfo: {title: Two, version: 1.0}\nhost: api.example.com\nbasePath: /v2\nschemes: [https, http]\npaths:\n  /a:\n    get:\n      responses: {200: {description: ok}}\n",
			check: func(t *testing.T, imp models.VersionImport) {
				if imp.OpenAPIVersion != "2.0" || imp.Version != "1.0" {
					t.Errorf("versions %q %q", imp.OpenAPIVersion, imp.Version)
				}
				if !reflect.DeepEqual(imp.Servers, []string{"https://api.example.com/v2", "http://api.example.com/v2"}) {
					t.Errorf("servers %v", imp.Servers)
				}
			},
		},
		{
			name: "Swagger 2.0 findings are located in the document as written",
			file: "v2.yaml",
			doc: `swagger: "2.0"
info: {title: V2, version: "1"}
paths:
  /a/{id}:
    parameters:
      - {name: id, in: path, required: true, type: integer, default: abc}
    post:
      parameters:
        - name: q
          in: query
          type: string
          enum: [a, b]
          default: c
        - name: body
          in: body
          schema:
            type: object
            properties:
              n: {type: integer, example: x}
      responses:
        200:
          description: ok
          schema: {$ref: '#/definitions/A'}
          examples:
            application/json: {id: wrong}
          headers:
            X-Rate: {type: integer, default: many}
definitions:
  A:
    type: object
    properties:
      id: {type: integer}
    example: {id: "1"}
parameters:
  limit: {name: limit, in: query, type: integer, default: lots}
`,
			warnings: []string{
				"example-mismatch@v2.yaml:33 #/definitions/A/example",
				"example-mismatch@v2.yaml:35 #/parameters/limit/default",
				"example-mismatch@v2.yaml:6 #/paths/~1a~1{id}/parameters/0/default",
				"example-mismatch@v2.yaml:13 #/paths/~1a~1{id}/post/parameters/0/default",
				"example-mismatch@v2.yaml:19 #/paths/~1a~1{id}/post/parameters/1/schema/properties/n/example",
				"example-mismatch@v2.yaml:27 #/paths/~1a~1{id}/post/responses/200/headers/X-Rate/default",
				"example-mismatch@v2.yaml:25 #/paths/~1a~1{id}/post/responses/200/examples/application~1json",
			},
		},
		{
			name:     "3.1 license with url and identifier",
			file:     "lic.yaml",
			doc:      "openapi: 3.1.0\ninfo:\n  title: Lic\n  version: 1\n  license: {name: MIT, url: https://mit.example, identifier: MIT}\npaths: {}\n",
			warnings: []string{"license-conflict@lic.yaml:5 #/info/license"},
		},
		{
			name:     "OAuth flow without scopes",
			file:     "oauth.yaml",
			doc:      "openapi: 3.0.0\ninfo: {title: O, version: 1}\npaths: {}\ncomponents:\n  securitySchemes:\n    o:\n      type: oauth2\n      flows:\n        clientCredentials:\n          tokenUrl: https://t.example/token\n",
			warnings: []string{"oauth-scopes-missing@oauth.yaml:9 #/components/securitySchemes/o/flows/clientCredentials"},
		},
		{
			name: "a leading ./ in the root path",
			file: "./specs/./api.yaml",
			doc:  fmt.Sprintf(petstore, ""),
			check: func(t *testing.T, imp models.VersionImport) {
				if imp.RootPath != "specs/api.yaml" || imp.Files[0].Path != "specs/api.yaml" {
					t.Errorf("root %q files %q", imp.RootPath, imp.Files[0].Path)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			imp, err := prepare(t, SingleFile(tc.file, []byte(tc.doc)), ImportOptions{})
			if err != nil {
				t.Fatalf("refused: %s %v", models.MessageOf(err), models.DetailsOf(err))
			}
			var got []string
			for _, w := range imp.Warnings {
				got = append(got, fmt.Sprintf("%s@%s", w.Code, w.Where()))
				if w.Message == "" {
					t.Errorf("warning without message: %+v", w)
				}
			}
			if !reflect.DeepEqual(got, tc.warnings) {
				t.Errorf("warnings\n%s\nwant\n%s\n(%+v)", strings.Join(got, "\n"), strings.Join(tc.warnings, "\n"), imp.Warnings)
			}
			if tc.check != nil {
				tc.check(t, imp)
			}
		})
	}
}

func TestCompilePatternUsesECMAScriptSemantics(t *testing.T) {
	tests := []struct {
		pattern string
		value   string
		match   bool
	}{
		{`^(?!\s)(.*)(\S)$`, "abc-123", true},
		{`^(?!\s)(.*)(\S)$`, " leading space", false},
		{`^(?!\s)(.*)(\S)$`, "trailing space ", false},
		{`^[A-Z]{3}$`, "GBP", true},
		{`^[A-Z]{3}$`, "gbp", false},
		{`^\u00e9$`, "é", true},
	}
	for _, tc := range tests {
		m, err := CompilePattern(tc.pattern)
		if err != nil {
			t.Errorf("%s: %v", tc.pattern, err)
			continue
		}
		if got := m.MatchString(tc.value); got != tc.match {
			t.Errorf("%s matches %q = %v, want %v", tc.pattern, tc.value, got, tc.match)
		}
	}
	if _, err := CompilePattern(`[a-z`); err == nil {
		t.Error("an unterminated class compiled")
	}
	// A catastrophic pattern on the backtracking engine gives up in time.
	m, err := CompilePattern(`^(?=a)(a+)+$`)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if m.MatchString(strings.Repeat("a", 40) + "!") {
		t.Error("matched")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("match took %v", d)
	}
}

func TestConvertDocumentKeepsKeyOrder(t *testing.T) {
	yamlDoc := "openapi: 3.0.0\ninfo:\n  version: \"1\"\n  title: Order\npaths:\n  /z:\n    get:\n      responses:\n        201:\n          description: |\n            line one\n            line two\n  /a: {}\n"
	js, err := ConvertDocument([]byte(yamlDoc), "json")
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "openapi": "3.0.0",
  "info": {
    "version": "1",
    "title": "Order"
  },
  "paths": {
    "/z": {
      "get": {
        "responses": {
          "201": {
            "description": "line one\nline two\n"
          }
        }
      }
    },
    "/a": {}
  }
}
`
	if string(js) != want {
		t.Errorf("json =\n%s\nwant\n%s", js, want)
	}
	back, err := ConvertDocument(js, "yaml")
	if err != nil {
		t.Fatal(err)
	}
	wantYAML := "openapi: 3.0.0\ninfo:\n  version: \"1\"\n  title: Order\npaths:\n  /z:\n    get:\n      responses:\n        \"201\":\n          description: |\n            line one\n            line two\n  /a: {}\n"
	if string(back) != wantYAML {
		t.Errorf("yaml =\n%s\nwant\n%s", back, wantYAML)
	}
	_, err = ConvertDocument([]byte("a: [1"), "json")
	assertRefused(t, err, models.Invalid, "The document cannot be read:", "line 1: invalid YAML:", 1)
	_, err = ConvertDocument([]byte("{}"), "xml")
	assertRefused(t, err, models.Invalid, `Unknown document format "xml"`, "", 0)
}

func TestBuildRenderModelMatchesImport(t *testing.T) {
	b := SingleFile("pets.yaml", []byte(fmt.Sprintf(petstore, "")))
	imp, err := prepare(t, b, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	model, err := BuildRenderModel(context.Background(), Bundle{Root: imp.RootPath, Files: imp.Files}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	a, err1 := reference.Decode(model)
	c, err2 := reference.Decode(imp.RenderModel)
	if err1 != nil || err2 != nil || !reflect.DeepEqual(a, c) {
		t.Errorf("rebuilt model differs: %v %v", err1, err2)
	}
}

func TestPrepareImportStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := PrepareImport(ctx, SingleFile("pets.yaml", []byte(fmt.Sprintf(petstore, ""))), ImportOptions{})
	if err == nil {
		t.Fatal("a cancelled import succeeded")
	}
}

// TestLoaderRefusesExternalReferences holds the last line of defence: even
// if a reference reached kin-openapi, the loader it is given reads nothing
// (a custom ReadFromURIFunc disables IsExternalRefsAllowed, so ours must
// refuse on its own).
func TestLoaderRefusesExternalReferences(t *testing.T) {
	local := failOnHit(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "pet.yaml"), "type: string\n")
	for _, ref := range []string{local + "/pet.yaml", "pet.yaml", filepath.Join(dir, "pet.yaml"), "file://" + filepath.Join(dir, "pet.yaml")} {
		doc := `{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"P":{"$ref":"` + ref + `"}}}}`
		if _, err := newLoader(context.Background()).LoadFromData([]byte(doc)); err == nil {
			t.Errorf("kin-openapi resolved %s", ref)
		}
	}
}

func TestPrepareImportRefusesBadOptions(t *testing.T) {
	_, err := prepare(t, SingleFile("pets.yaml", []byte(fmt.Sprintf(petstore, ""))), ImportOptions{APISlug: "Pet Store", State: "live", Audience: "all"})
	assertRefused(t, err, models.Invalid, `The API slug "Pet Store" is not a slug`, `The audience "all" is not one of public, partner, internal.`, 3)
}

// TestPrepareImportConcurrently runs imports side by side; run with -race.
func TestPrepareImportConcurrently(t *testing.T) {
	docs := []string{fmt.Sprintf(petstore, "        code: {type: string, pattern: '^(?!\\s)(.*)(\\S)$', example: ' x'}\n"), tinyDoc,
		"swagger: '2.0'\ninfo: {title: T, version: 1}\npaths: {/a: {get: {responses: {200: {description: ok}}}}}\n"}
	done := make(chan error)
	for i := range 6 {
		go func() {
			_, err := PrepareImport(context.Background(), SingleFile("a.yaml", []byte(docs[i%len(docs)])), ImportOptions{})
			done <- err
		}()
	}
	for range 6 {
		if err := <-done; err != nil {
			t.Errorf("%v %v", err, models.DetailsOf(err))
		}
	}
}

// TestPrepareImportLocatesStructuralProblems checks that every problem kin
// reports is turned into the file, line and pointer of the culprit.
func TestPrepareImportLocatesStructuralProblems(t *testing.T) {
	doc := `openapi: 3.0.3
info: {title: Bad, version: 1}
servers:
  - url: https://{region}.example.com
security:
  - nope: []
tags:
  - name: a
    externalDocs: {url: ':bad'}
paths:
  /a/{id}:
    get:
      responses:
        '200': {description: ok}
  /b:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                n: {type: array}
      responses:
        '200': {description: ok}
components:
  schemas:
    X:
      allOf:
        - type: array
    Y:
      type: strin
  securitySchemes:
    k: {type: apiKey, name: k}
`
	_, err := prepare(t, SingleFile("bad.yaml", []byte(doc)), ImportOptions{})
	want := []string{
		"bad.yaml:30 #/components/schemas/X/allOf/0: when schema type is 'array', schema 'items' must be non-null",
		`bad.yaml:31 #/components/schemas/Y: unsupported 'type' value "strin"`,
		`bad.yaml:34 #/components/securitySchemes/k: security scheme of type 'apiKey' should have 'in'. It can be 'query', 'header' or 'cookie', not ""`,
		"bad.yaml:12 #/paths/~1a~1{id}/get: operation GET /a/{id} must define exactly all path parameters (missing: [id])",
		"bad.yaml:23 #/paths/~1b/post/requestBody/content/application~1json/schema/properties/n: when schema type is 'array', schema 'items' must be non-null",
		"bad.yaml:4 #/servers/0: server has undeclared variables",
		`bad.yaml:9 #/tags/0/externalDocs: url is incorrect: parse ":bad": missing protocol scheme`,
		`bad.yaml:5 #/security: security requirement /security/0/nope refers to undefined security scheme "nope"`,
	}
	assertRefused(t, err, models.Invalid, "The document is not valid OpenAPI 3.0.3: 8 problems, the first: "+want[0], "", len(want))
	if got := models.DetailsOf(err); !reflect.DeepEqual(got, want) {
		t.Errorf("details\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestGuardTurnsALibraryPanicIntoARefusal(t *testing.T) {
	l := &loaded{fs: &fileSet{paths: []string{"api.yaml"}}, version: "3.0.3"}
	err := l.guard(func() { panic("index out of range in kin-openapi") })
	assertRefused(t, err, models.Invalid, "The document cannot be processed as OpenAPI 3.0.3:", "api.yaml: part of it has a shape the OpenAPI library cannot handle", 1)
	if strings.Contains(models.MessageOf(err), "kin-openapi") {
		t.Error("the panic's text leaked into the message")
	}
}
