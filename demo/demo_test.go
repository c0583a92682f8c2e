package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/portico/portico/models"
)

// portico is the x-portico object of info, as the importer reads it.
type portico struct {
	API      string   `json:"api" yaml:"api"`
	Summary  string   `json:"summary" yaml:"summary"`
	Audience string   `json:"audience" yaml:"audience"`
	State    string   `json:"state" yaml:"state"`
	Tags     []string `json:"tags" yaml:"tags"`
	Featured *bool    `json:"featured" yaml:"featured"`
}

// parsed is a demo document decoded generically, plus what the tests need.
type parsed struct {
	File
	Tree    map[string]any
	OpenAPI string
	Version string
	Meta    portico
}

func parse(t *testing.T, f File) parsed {
	t.Helper()
	var tree map[string]any
	switch path.Ext(f.Name) {
	case ".json":
		if err := json.Unmarshal(f.Data, &tree); err != nil {
			t.Fatalf("%s: invalid JSON: %v", f.Name, err)
		}
	case ".yaml":
		if err := yaml.Unmarshal(f.Data, &tree); err != nil {
			t.Fatalf("%s: invalid YAML: %v", f.Name, err)
		}
	default:
		t.Fatalf("%s: extension must be .json or .yaml", f.Name)
	}
	p := parsed{File: f, Tree: tree}
	p.OpenAPI, _ = tree["openapi"].(string)
	info, _ := tree["info"].(map[string]any)
	p.Version, _ = info["version"].(string)
	raw, err := json.Marshal(info["x-portico"])
	if err != nil {
		t.Fatalf("%s: info.x-portico: %v", f.Name, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p.Meta); err != nil {
		t.Fatalf("%s: info.x-portico: %v", f.Name, err)
	}
	return p
}

func parseAll(t *testing.T) []parsed {
	t.Helper()
	var docs []parsed
	for _, f := range Files() {
		docs = append(docs, parse(t, f))
	}
	return docs
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// operations counts the operations under paths (webhooks not included).
func (p parsed) operations() int {
	n := 0
	paths, _ := p.Tree["paths"].(map[string]any)
	for _, item := range paths {
		m, _ := item.(map[string]any)
		for _, method := range httpMethods {
			if _, ok := m[method]; ok {
				n++
			}
		}
	}
	return n
}

func TestManifestMatchesEmbeddedFiles(t *testing.T) {
	embedded := map[string]bool{}
	err := fs.WalkDir(specs, "specs", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		embedded[strings.TrimPrefix(p, "specs/")] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range manifest {
		key := m.subsidiary + "/" + m.name
		if seen[key] {
			t.Errorf("%s is listed twice in the manifest", key)
		}
		seen[key] = true
		if !embedded[key] {
			t.Errorf("%s is in the manifest but not under specs/", key)
		}
	}
	for key := range embedded {
		if !seen[key] {
			t.Errorf("specs/%s is embedded but not in the manifest, so it is never loaded", key)
		}
	}
}

func TestSubsidiaries(t *testing.T) {
	subs := Subsidiaries()
	want := []string{"bank", "insurance", "securities"}
	if len(subs) != len(want) {
		t.Fatalf("got %d subsidiaries, want %d", len(subs), len(want))
	}
	for i, s := range subs {
		if s.Slug != want[i] {
			t.Errorf("subsidiary %d slug = %q, want %q", i, s.Slug, want[i])
		}
		if models.Slugify(s.Slug) != s.Slug {
			t.Errorf("subsidiary slug %q is not a slug", s.Slug)
		}
		if s.Name == "" || len(s.Description) < 100 {
			t.Errorf("subsidiary %s needs a name and a Markdown description", s.Slug)
		}
	}
	st := Settings()
	if st.GroupName == "" || st.GroupTagline == "" || st.GroupAbout == "" {
		t.Errorf("portal settings incomplete: %+v", st)
	}
}

func TestDocumentsDeclarePorticoMetadata(t *testing.T) {
	subsidiaries := map[string]bool{}
	for _, s := range Subsidiaries() {
		subsidiaries[s.Slug] = true
	}
	productMeta := map[string]portico{} // API-level fields must agree across versions
	for _, p := range parseAll(t) {
		t.Run(p.Subsidiary+"/"+p.Name, func(t *testing.T) {
			if !subsidiaries[p.Subsidiary] {
				t.Errorf("unknown subsidiary %q", p.Subsidiary)
			}
			if !strings.HasPrefix(p.OpenAPI, "3.0.") && !strings.HasPrefix(p.OpenAPI, "3.1.") {
				t.Errorf("openapi = %q, want 3.0.x or 3.1.x", p.OpenAPI)
			}
			m := p.Meta
			if m.API == "" || models.Slugify(m.API) != m.API {
				t.Errorf("x-portico.api = %q, want a slug", m.API)
			}
			if wantName := m.API + "-" + p.Version + path.Ext(p.Name); p.Name != wantName {
				t.Errorf("file name = %q, want %q (api slug, info.version, format)", p.Name, wantName)
			}
			if models.VersionSlug(p.Version) != p.Version {
				t.Errorf("info.version %q is not URL-safe", p.Version)
			}
			if m.Summary == "" || len(m.Summary) > 120 || strings.Contains(m.Summary, "\n") {
				t.Errorf("x-portico.summary = %q, want one line of at most 120 characters", m.Summary)
			}
			if !models.Audience(m.Audience).Valid() {
				t.Errorf("x-portico.audience = %q is not valid", m.Audience)
			}
			if !models.State(m.State).Valid() {
				t.Errorf("x-portico.state = %q is not valid", m.State)
			}
			if len(m.Tags) == 0 {
				t.Error("x-portico.tags is empty")
			}
			for _, tag := range m.Tags {
				if models.Slugify(tag) != tag {
					t.Errorf("x-portico tag %q is not lower-case kebab", tag)
				}
			}
			if m.Featured == nil {
				t.Error("x-portico.featured is missing")
			}
			key := p.Subsidiary + "/" + m.API
			product := portico{API: m.API, Summary: m.Summary, Audience: m.Audience, Tags: m.Tags, Featured: m.Featured}
			if prev, ok := productMeta[key]; ok {
				a, _ := json.Marshal(prev)
				b, _ := json.Marshal(product)
				if string(a) != string(b) {
					t.Errorf("API-level x-portico fields differ between versions of %s:\n%s\n%s", key, a, b)
				}
			}
			productMeta[key] = product
			info := p.Tree["info"].(map[string]any)
			desc, _ := info["description"].(string)
			if !strings.Contains(desc, "## Getting started") {
				t.Error("info.description has no \"## Getting started\" section")
			}
		})
	}
}

// TestDocumentMix holds the demo to what it is meant to show: both OpenAPI
// 3.0 and 3.1, JSON and YAML, several APIs with several versions, every
// lifecycle state and audience, and a few featured products.
func TestDocumentMix(t *testing.T) {
	docs := parseAll(t)
	var v30, v31, jsonDocs, yamlDocs int
	apis := map[string]int{}
	subs := map[string]bool{}
	states := map[string]bool{}
	audiences := map[string]bool{}
	featured := map[string]bool{}
	for _, p := range docs {
		switch {
		case strings.HasPrefix(p.OpenAPI, "3.0."):
			v30++
		case strings.HasPrefix(p.OpenAPI, "3.1."):
			v31++
		}
		if path.Ext(p.Name) == ".json" {
			jsonDocs++
		} else {
			yamlDocs++
		}
		key := p.Subsidiary + "/" + p.Meta.API
		apis[key]++
		subs[p.Subsidiary] = true
		states[p.Meta.State] = true
		audiences[p.Meta.Audience] = true
		if *p.Meta.Featured {
			featured[key] = true
		}
		t.Logf("%-10s %-20s %-11s %-10s %-8s %-5s %2d operations", p.Subsidiary, p.Meta.API, p.Version, p.Meta.State, p.Meta.Audience, p.OpenAPI, p.operations())
	}
	multi := 0
	for _, n := range apis {
		if n > 1 {
			multi++
		}
	}
	checks := []struct {
		what      string
		got, want int
	}{
		{"OpenAPI 3.0 documents", v30, 3},
		{"OpenAPI 3.1 documents", v31, 3},
		{"JSON documents", jsonDocs, 1},
		{"YAML documents", yamlDocs, 1},
		{"distinct APIs", len(apis), 8},
		{"subsidiaries with APIs", len(subs), 3},
		{"APIs with several versions", multi, 3},
		{"lifecycle states used", len(states), len(models.States)},
		{"audiences used", len(audiences), len(models.Audiences)},
	}
	for _, c := range checks {
		if c.got < c.want {
			t.Errorf("%s = %d, want at least %d", c.what, c.got, c.want)
		}
	}
	if n := len(featured); n < 3 || n > 4 {
		t.Errorf("featured APIs = %d, want 3 or 4", n)
	}
}

// TestDocumentsValidateStrictly loads every document with kin-openapi and
// validates it with the default options: examples must match their
// schemas and every pattern must compile.
func TestDocumentsValidateStrictly(t *testing.T) {
	for _, f := range Files() {
		t.Run(f.Subsidiary+"/"+f.Name, func(t *testing.T) {
			loader := openapi3.NewLoader()
			doc, err := loader.LoadFromData(f.Data)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			ctx := openapi3.WithValidationOptions(context.Background(), openapi3.EnableMultiError())
			if err := doc.Validate(ctx, openapi3.EnableMultiError()); err != nil {
				var me openapi3.MultiError
				if errors.As(err, &me) {
					for _, e := range me {
						t.Error(e)
					}
					return
				}
				t.Error(err)
			}
			// And once more exactly as the brief says: default options.
			if err := doc.Validate(context.Background()); err != nil {
				t.Errorf("default validation: %v", err)
			}
		})
	}
}

// TestSchemaExamplesMatch validates the examples written on schemas
// themselves ("example", and 3.1's "examples" list), which kin-openapi's
// document validation does not check for 3.1 documents.
func TestSchemaExamplesMatch(t *testing.T) {
	for _, f := range Files() {
		t.Run(f.Subsidiary+"/"+f.Name, func(t *testing.T) {
			doc, err := openapi3.NewLoader().LoadFromData(f.Data)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			var opts []openapi3.SchemaValidationOption
			if doc.IsOpenAPI31OrLater() {
				opts = append(opts, openapi3.EnableJSONSchema2020())
			}
			checked := 0
			w := schemaWalker{seen: map[*openapi3.Schema]bool{}, visit: func(where string, s *openapi3.Schema) {
				examples := s.Examples
				if s.Example != nil {
					examples = append(examples, s.Example)
				}
				for i, ex := range examples {
					checked++
					if err := s.VisitJSON(ex, opts...); err != nil {
						t.Errorf("%s: example %d does not match its schema: %v", where, i, err)
					}
				}
			}}
			w.document(doc)
			t.Logf("%d schemas, %d schema examples checked", len(w.seen), checked)
		})
	}
}

// schemaWalker calls visit once for every schema reachable in a document.
type schemaWalker struct {
	seen  map[*openapi3.Schema]bool
	visit func(where string, s *openapi3.Schema)
}

func (w schemaWalker) document(doc *openapi3.T) {
	for name, s := range doc.Components.Schemas {
		w.schema("#/components/schemas/"+name, s)
	}
	for name, p := range doc.Components.Parameters {
		w.parameter("#/components/parameters/"+name, p)
	}
	for name, h := range doc.Components.Headers {
		w.header("#/components/headers/"+name, h)
	}
	for name, r := range doc.Components.Responses {
		w.response("#/components/responses/"+name, r)
	}
	for name, b := range doc.Components.RequestBodies {
		if b != nil && b.Value != nil {
			w.content("#/components/requestBodies/"+name, b.Value.Content)
		}
	}
	for path, item := range doc.Paths.Map() {
		w.pathItem("#/paths/"+path, item)
	}
	for name, item := range doc.Webhooks {
		w.pathItem("#/webhooks/"+name, item)
	}
}

func (w schemaWalker) pathItem(where string, item *openapi3.PathItem) {
	for _, p := range item.Parameters {
		w.parameter(where+"/parameters", p)
	}
	for method, op := range item.Operations() {
		at := where + "/" + strings.ToLower(method)
		for _, p := range op.Parameters {
			w.parameter(at+"/parameters", p)
		}
		if op.RequestBody != nil && op.RequestBody.Value != nil {
			w.content(at+"/requestBody", op.RequestBody.Value.Content)
		}
		for code, r := range op.Responses.Map() {
			w.response(at+"/responses/"+code, r)
		}
		for name, cb := range op.Callbacks {
			if cb != nil && cb.Value != nil {
				for expr, cbItem := range cb.Value.Map() {
					w.pathItem(at+"/callbacks/"+name+"/"+expr, cbItem)
				}
			}
		}
	}
}

func (w schemaWalker) parameter(where string, p *openapi3.ParameterRef) {
	if p == nil || p.Value == nil {
		return
	}
	w.schema(where+"/"+p.Value.Name, p.Value.Schema)
	w.content(where+"/"+p.Value.Name, p.Value.Content)
}

func (w schemaWalker) header(where string, h *openapi3.HeaderRef) {
	if h == nil || h.Value == nil {
		return
	}
	w.schema(where, h.Value.Schema)
	w.content(where, h.Value.Content)
}

func (w schemaWalker) response(where string, r *openapi3.ResponseRef) {
	if r == nil || r.Value == nil {
		return
	}
	for name, h := range r.Value.Headers {
		w.header(where+"/headers/"+name, h)
	}
	w.content(where, r.Value.Content)
}

func (w schemaWalker) content(where string, c openapi3.Content) {
	for mt, m := range c {
		if m != nil {
			w.schema(where+"/content/"+mt, m.Schema)
		}
	}
}

func (w schemaWalker) schema(where string, ref *openapi3.SchemaRef) {
	if ref == nil || ref.Value == nil || w.seen[ref.Value] {
		return
	}
	if ref.Ref != "" && !strings.HasPrefix(where, ref.Ref) {
		where = ref.Ref
	}
	s := ref.Value
	w.seen[s] = true
	w.visit(where, s)
	for name, p := range s.Properties {
		w.schema(where+"/properties/"+name, p)
	}
	w.schema(where+"/items", s.Items)
	w.schema(where+"/additionalProperties", s.AdditionalProperties.Schema)
	w.schema(where+"/not", s.Not)
	for kw, list := range map[string]openapi3.SchemaRefs{"allOf": s.AllOf, "oneOf": s.OneOf, "anyOf": s.AnyOf, "prefixItems": s.PrefixItems} {
		for i, x := range list {
			w.schema(fmt.Sprintf("%s/%s/%d", where, kw, i), x)
		}
	}
}

// TestPatternsCompileInGo checks every "pattern" in every document, also
// those kin-openapi would not reach, against Go's RE2 syntax.
func TestPatternsCompileInGo(t *testing.T) {
	for _, p := range parseAll(t) {
		var walk func(ptr string, v any)
		walk = func(ptr string, v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, x := range v {
					if k == "pattern" {
						if s, ok := x.(string); ok {
							if _, err := regexp.Compile(s); err != nil {
								t.Errorf("%s %s: %v", p.Name, ptr, err)
							}
							if !strings.HasPrefix(s, "^") || !strings.HasSuffix(s, "$") {
								t.Errorf("%s %s: pattern %q is not anchored", p.Name, ptr, s)
							}
						}
					}
					walk(ptr+"/"+k, x)
				}
			case []any:
				for i, x := range v {
					walk(fmt.Sprintf("%s/%d", ptr, i), x)
				}
			case string, bool, int, float64, nil:
			default:
				// A YAML timestamp or similar would reach the importer as a
				// different type than the author meant: quote it.
				t.Errorf("%s %s: value of type %T; quote it", p.Name, ptr, v)
			}
		}
		walk("", p.Tree)
	}
}

// fakeStore records what Load stores, and reports a version as unchanged
// when the same document was imported for it before.
type fakeStore struct {
	settings []models.PortalSettings
	subs     []string
	imports  []string
	hashes   map[string]string
}

func (s *fakeStore) EnsureSubsidiary(_ context.Context, sub models.Subsidiary) (models.Subsidiary, error) {
	s.subs = append(s.subs, sub.Slug)
	return sub, nil
}

func (s *fakeStore) SavePortalSettings(_ context.Context, p models.PortalSettings) error {
	s.settings = append(s.settings, p)
	return nil
}

func (s *fakeStore) ImportVersion(_ context.Context, sub string, imp models.VersionImport) (models.ImportResult, error) {
	key := sub + "/" + imp.APISlug + "/" + imp.Version
	s.imports = append(s.imports, key)
	unchanged := s.hashes[key] == imp.DocumentHash
	s.hashes[key] = imp.DocumentHash
	return models.ImportResult{Subsidiary: sub, Unchanged: unchanged}, nil
}

// fakePrepare stands in for openapi.PrepareImport: it reads only what the
// fake store needs.
func fakePrepare(t *testing.T) Preparer {
	return func(_ context.Context, name string, data []byte) (models.VersionImport, error) {
		p := parse(t, File{Name: name, Data: data})
		sum := sha256.Sum256(data)
		return models.VersionImport{APISlug: p.Meta.API, Version: p.Version, State: models.State(p.Meta.State), DocumentHash: hex.EncodeToString(sum[:])}, nil
	}
}

func TestLoadIsIdempotent(t *testing.T) {
	ctx := context.Background()
	st := &fakeStore{hashes: map[string]string{}}
	first, err := Load(ctx, st, fakePrepare(t))
	if err != nil {
		t.Fatal(err)
	}
	n := len(manifest)
	if want := (Summary{Subsidiaries: 3, Versions: n, Created: n}); first != want {
		t.Errorf("first load = %+v, want %+v", first, want)
	}
	second, err := Load(ctx, st, fakePrepare(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Summary{Subsidiaries: 3, Versions: n, Created: 0}); second != want {
		t.Errorf("second load = %+v, want %+v", second, want)
	}
	if len(st.settings) != 2 || st.settings[0] != Settings() {
		t.Errorf("portal settings saved %d times, want 2 with the demo settings", len(st.settings))
	}
	if got := strings.Join(st.subs, ","); got != "bank,insurance,securities,bank,insurance,securities" {
		t.Errorf("subsidiaries ensured = %s", got)
	}
	keys := append([]string(nil), st.imports[:n]...)
	sort.Strings(keys)
	for i := 1; i < len(keys); i++ {
		if keys[i] == keys[i-1] {
			t.Errorf("two documents import as the same version %s", keys[i])
		}
	}
}

// TestLoadOrdersCurrentVersionLast checks the manifest order: per API, the
// version the catalog shows (newest published) is imported last, so the
// product's texts come from it.
func TestLoadOrdersCurrentVersionLast(t *testing.T) {
	last := map[string]parsed{}
	for _, p := range parseAll(t) {
		last[p.Subsidiary+"/"+p.Meta.API] = p
	}
	for key, p := range last {
		if p.Meta.State != string(models.StatePublished) {
			t.Errorf("%s: last imported version %s is %s, want published", key, p.Version, p.Meta.State)
		}
	}
}

func TestLoadStopsAtFirstError(t *testing.T) {
	st := &fakeStore{hashes: map[string]string{}}
	failing := func(_ context.Context, name string, _ []byte) (models.VersionImport, error) {
		return models.VersionImport{}, models.Errorf(models.Invalid, "broken document")
	}
	sum, err := Load(context.Background(), st, failing)
	if err == nil || !strings.Contains(err.Error(), manifest[0].name) {
		t.Fatalf("err = %v, want one naming %s", err, manifest[0].name)
	}
	if models.KindOf(err) != models.Invalid {
		t.Errorf("kind = %s, want the preparer's Invalid kept through wrapping", models.KindOf(err))
	}
	if sum.Versions != 0 || len(st.imports) != 0 {
		t.Errorf("imported %d versions after a preparer error, want 0", len(st.imports))
	}
}
