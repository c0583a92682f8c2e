package reference

import (
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/portico/portico/markdown"
	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi/reference/reftest"
)

func TestBuildPetstore(t *testing.T) {
	ref := Build(reftest.Load(t, "oai-examples/v3.0/petstore.yaml", false), markdown.New())

	if ref.Title != "Swagger Petstore" || ref.Version != "1.0.0" || ref.OpenAPIVersion != "3.0.0" {
		t.Errorf("overview = %q %q %q", ref.Title, ref.Version, ref.OpenAPIVersion)
	}
	if len(ref.Servers) != 1 || ref.Servers[0].URL != "http://petstore.swagger.io/v1" {
		t.Errorf("servers = %+v", ref.Servers)
	}
	if len(ref.Groups) != 1 || ref.Groups[0].Tag != "pets" || ref.Groups[0].Anchor != "tag/pets" {
		t.Fatalf("groups = %+v", ref.Groups)
	}
	var got []string
	for _, o := range ref.Groups[0].Operations {
		got = append(got, o.Method+" "+o.Path+" "+o.Anchor+" "+o.Summary)
	}
	want := []string{
		"GET /pets operation/listPets List all pets",
		"POST /pets operation/createPets Create a pet",
		"GET /pets/{petId} operation/showPetById Info for a specific pet",
	}
	if !slices.Equal(got, want) {
		t.Errorf("operations =\n%q\nwant\n%q", got, want)
	}

	list := findOp(t, ref, "operation/listPets")
	if len(list.Parameters) != 1 {
		t.Fatalf("listPets parameters = %+v", list.Parameters)
	}
	limit := list.Parameters[0]
	if limit.Name != "limit" || limit.In != "query" || limit.Required || limit.Schema.Type != "integer" ||
		limit.Schema.Format != "int32" || !slices.Equal(limit.Schema.Constraints, []string{"≤ 100"}) ||
		!strings.Contains(limit.DescriptionHTML, "How many items to return") {
		t.Errorf("limit = %+v, schema %+v", limit, limit.Schema)
	}
	if len(list.Responses) != 2 || list.Responses[0].Status != "200" || list.Responses[1].Status != "default" {
		t.Fatalf("listPets responses = %+v", list.Responses)
	}
	ok := list.Responses[0]
	if len(ok.Headers) != 1 || ok.Headers[0].Name != "x-next" || ok.Headers[0].Schema.Type != "string" {
		t.Errorf("200 headers = %+v", ok.Headers)
	}
	pets := ok.Contents[0].Schema
	if ok.Contents[0].MediaType != "application/json" || pets.Ref != "Pets" || pets.Type != "array" ||
		!slices.Equal(pets.Constraints, []string{"max items 100"}) {
		t.Fatalf("200 body = %s %+v", ok.Contents[0].MediaType, pets)
	}
	pet := pets.Items
	if pet.Ref != "Pet" || pet.Collapsed || len(pet.Properties) != 3 {
		t.Fatalf("items = %+v (an array of a named schema at the top of a body shows the schema)", pet)
	}
	for _, p := range []struct {
		name, typ, format string
		required          bool
	}{{"id", "integer", "int64", true}, {"name", "string", "", true}, {"tag", "string", "", false}} {
		got := prop(t, pet, p.name)
		if got.Required != p.required || got.Schema.Type != p.typ || got.Schema.Format != p.format {
			t.Errorf("property %s = required %v, %s %s; want %v, %s %s", p.name, got.Required, got.Schema.Type, got.Schema.Format, p.required, p.typ, p.format)
		}
	}
	if ex := ok.Contents[0].Examples; len(ex) != 1 || !ex[0].Generated || !strings.Contains(ex[0].Value, `"name": "string"`) {
		t.Errorf("200 examples = %+v, want one generated from the schema", ex)
	}
	if ex := list.Responses[1].Contents[0].Examples; len(ex) != 0 {
		t.Errorf("default response got a generated example %+v; only success responses do", ex)
	}
	if list.Curl != "curl -X GET 'http://petstore.swagger.io/v1/pets'" {
		t.Errorf("listPets curl = %q", list.Curl)
	}
	show := findOp(t, ref, "operation/showPetById")
	if show.Curl != "curl -X GET 'http://petstore.swagger.io/v1/pets/PETID'" {
		t.Errorf("showPetById curl = %q", show.Curl)
	}
	create := findOp(t, ref, "operation/createPets")
	if create.RequestBody == nil || !create.RequestBody.Required || create.RequestBody.Contents[0].Schema.Ref != "Pet" {
		t.Fatalf("createPets body = %+v", create.RequestBody)
	}
	if !strings.Contains(create.Curl, "-H 'Content-Type: application/json'") || !strings.Contains(create.Curl, `"name": "string"`) {
		t.Errorf("createPets curl = %q", create.Curl)
	}
	var names []string
	for _, d := range ref.Schemas {
		names = append(names, d.Name)
	}
	if !slices.Equal(names, []string{"Error", "Pet", "Pets"}) {
		t.Errorf("schemas = %v", names)
	}
}

func TestBuildGroupsOperationsByTag(t *testing.T) {
	ref := buildYAML(t, featuresDoc)
	var got []string
	for _, g := range ref.Groups {
		got = append(got, g.Tag+" "+g.Anchor)
	}
	// Declared tags in document order (without the unused one), then tags
	// only operations name, then "Other".
	want := []string{"accounts tag/accounts", "payments tag/payments", "Other tag/Other"}
	if !slices.Equal(got, want) {
		t.Errorf("groups = %q, want %q", got, want)
	}
	if !strings.Contains(ref.Groups[0].DescriptionHTML, "<em>accounts</em>") {
		t.Errorf("tag description = %q, want rendered Markdown", ref.Groups[0].DescriptionHTML)
	}
	if ref.TagsDerived {
		t.Error("TagsDerived set for a tagged document")
	}
}

func TestBuildDerivesGroupsFromPathsWithoutTags(t *testing.T) {
	ref := buildYAML(t, `
openapi: 3.0.0
info: {title: Untagged, version: "1"}
paths:
  /v1/customers: {get: {responses: {"200": {description: ok}}}}
  /v1/customers/{id}: {get: {responses: {"200": {description: ok}}}}
  /v1/payment_intents: {post: {responses: {"200": {description: ok}}}}
  /2010-04-01/Accounts.json: {get: {responses: {"200": {description: ok}}}}
  /: {get: {responses: {"200": {description: ok}}}}
`)
	got := map[string]int{}
	for _, g := range ref.Groups {
		got[g.Tag] = len(g.Operations)
	}
	want := map[string]int{"Customers": 2, "Payment intents": 1, "Accounts": 1, "Other": 1}
	if len(got) != len(want) {
		t.Errorf("groups = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("group %q has %d operations, want %d (all: %v)", k, got[k], v, got)
		}
	}
	if !ref.TagsDerived {
		t.Error("TagsDerived not set")
	}
}

func TestBuildKeepsDocumentOrderWithOrigins(t *testing.T) {
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	doc, err := loader.LoadFromData([]byte(featuresDoc))
	if err != nil {
		t.Fatal(err)
	}
	ref := Build(doc, markdown.New())
	account := findDef(t, ref, "Account")
	want := []string{"id", "balance", "currency", "status", "nickname", "password", "legacyCode", "labels", "metadata", "owner", "parent", "rate"}
	if got := propNames(account); !slices.Equal(got, want) {
		t.Errorf("properties = %v, want document order %v", got, want)
	}
	var defs []string
	for _, d := range ref.Schemas {
		defs = append(defs, d.Name)
	}
	if want := []string{"Account", "Money", "Currency", "Person", "Customer", "Payment", "CardPayment", "BankPayment", "Problem"}; !slices.Equal(defs, want) {
		t.Errorf("schemas = %v, want document order %v", defs, want)
	}
}

func TestBuildLinks(t *testing.T) {
	ref := buildYAML(t, `
openapi: 3.1.0
info:
  title: T
  version: "1"
  termsOfService: "javascript:alert(1)"
  contact: {name: API team, url: "https://bank.example/contact", email: api@bank.example}
  license: {name: Apache 2.0, identifier: Apache-2.0}
externalDocs: {url: "https://bank.example/docs", description: Guides}
tags:
  - name: a
    externalDocs: {url: "https://bank.example/a"}
paths:
  /a:
    get:
      tags: [a]
      operationId: a
      externalDocs: {url: "data:text/html,hi", description: Sneaky}
      responses: {"200": {description: ok}}
`)
	want := []models.RefLink{
		{Label: "Contact", Text: "API team", URL: "https://bank.example/contact"},
		{Label: "Email", Text: "api@bank.example", URL: "mailto:api@bank.example"},
		{Label: "Licence", Text: "Apache 2.0", URL: "https://spdx.org/licenses/Apache-2.0.html"},
		{Label: "Terms of service", Text: "javascript:alert(1)"},
		{Label: "Documentation", Text: "Guides", URL: "https://bank.example/docs"},
	}
	if !slices.Equal(ref.Links, want) {
		t.Errorf("links =\n%+v\nwant\n%+v", ref.Links, want)
	}
	if d := ref.Groups[0].ExternalDocs; d == nil || d.URL != "https://bank.example/a" || d.Text != "https://bank.example/a" {
		t.Errorf("tag docs = %+v", d)
	}
	if d := findOp(t, ref, "operation/a").ExternalDocs; d == nil || d.URL != "" || d.Text != "Sneaky" {
		t.Errorf("operation docs = %+v; a data: URL must not become a link", d)
	}
}

func TestBuildOverview(t *testing.T) {
	ref := buildYAML(t, featuresDoc)
	if ref.DescriptionHTML != "<p>Hello <strong>world</strong></p>\n" {
		t.Errorf("description = %q", ref.DescriptionHTML)
	}
	if len(ref.Servers) != 1 {
		t.Fatalf("servers = %+v", ref.Servers)
	}
	s := ref.Servers[0]
	if s.URL != "https://{region}.api.example.com/v1" || len(s.Variables) != 1 ||
		s.Variables[0].Name != "region" || s.Variables[0].Default != "eu" || !slices.Equal(s.Variables[0].Enum, []string{"eu", "us"}) {
		t.Errorf("server = %+v", s)
	}
	schemes := map[string]models.RefSecurityScheme{}
	for _, sc := range ref.SecuritySchemes {
		schemes[sc.Name] = sc
	}
	for _, tc := range []struct{ name, typ, summary, anchor string }{
		{"apiKey", "apiKey", "API key in header X-API-Key", "security/apiKey"},
		{"bearer", "http", "HTTP Bearer token (JWT)", "security/bearer"},
		{"oauth", "oauth2", "OAuth 2.0", "security/oauth"},
	} {
		got := schemes[tc.name]
		if got.Type != tc.typ || got.Summary != tc.summary || got.Anchor != tc.anchor {
			t.Errorf("scheme %s = %+v, want %s %q %s", tc.name, got, tc.typ, tc.summary, tc.anchor)
		}
	}
	oauth := schemes["oauth"]
	if len(oauth.Flows) != 1 {
		t.Fatalf("oauth flows = %+v", oauth.Flows)
	}
	f := oauth.Flows[0]
	wantScopes := []models.RefKV{{Key: "accounts:read", Value: "Read accounts"}, {Key: "payments:write", Value: "Make payments"}}
	if f.Kind != "authorizationCode" || f.AuthorizationURL != "https://auth.example.com/authorize" ||
		f.TokenURL != "https://auth.example.com/token" || !slices.Equal(f.Scopes, wantScopes) {
		t.Errorf("flow = %+v", f)
	}
	if !strings.Contains(oauth.DescriptionHTML, "<strong>bank</strong>") {
		t.Errorf("scheme description = %q", oauth.DescriptionHTML)
	}
}

func TestBuildOperationDetails(t *testing.T) {
	ref := buildYAML(t, featuresDoc)
	get := findOp(t, ref, "operation/getAccount")

	var params []string
	for _, p := range get.Parameters {
		params = append(params, p.In+" "+p.Name)
	}
	// Path-level parameters are merged in; order is path, query, header.
	if want := []string{"path accountId", "query expand", "query limit", "header X-Request-ID"}; !slices.Equal(params, want) {
		t.Errorf("parameters = %q, want %q", params, want)
	}
	if p := get.Parameters[2]; p.Example != "25" || !p.Required || !slices.Equal(p.Schema.Constraints, []string{"≥ 1", "≤ 100"}) {
		t.Errorf("limit = %+v %+v", p, p.Schema)
	}
	if p := get.Parameters[1]; p.Schema.Type != "array" || p.Schema.Items == nil || p.Schema.Items.Type != "string" {
		t.Errorf("expand = %+v", p.Schema)
	}
	if len(get.Security) != 1 || get.Security[0].Schemes[0].Key != "bearer" || !get.SecurityOptional {
		t.Errorf("security = %+v optional %v; want bearer, or anonymous", get.Security, get.SecurityOptional)
	}
	body := get.Responses[0].Contents
	if len(body) != 1 || body[0].MediaType != "application/json" || !slices.Equal(body[0].OtherTypes, []string{"application/json; charset=utf-8"}) {
		t.Errorf("200 contents = %+v; media types sharing a schema are shown once", body)
	}

	pay := findOp(t, ref, "operation/createPayment")
	if !pay.Deprecated {
		t.Error("createPayment not marked deprecated")
	}
	wantSec := []models.RefKV{{Key: "apiKey"}, {Key: "oauth", Value: "payments:write"}}
	if len(pay.Security) != 1 || !slices.Equal(pay.Security[0].Schemes, wantSec) || pay.SecurityOptional {
		t.Errorf("security = %+v", pay.Security)
	}
	if h := pay.Responses[0].Headers; len(h) != 1 || h[0].Name != "Location" || h[0].In != "" || h[0].Schema.Format != "uri" {
		t.Errorf("201 headers = %+v", h)
	}
	health := findOp(t, ref, "operation/health")
	if len(health.Security) != 0 || health.SecurityOptional {
		t.Errorf("health security = %+v", health.Security)
	}
}

func TestBuildSchemaFacts(t *testing.T) {
	ref := buildYAML(t, featuresDoc)
	account := findOp(t, ref, "operation/getAccount").Responses[0].Contents[0].Schema
	if account.Ref != "Account" || account.Collapsed {
		t.Fatalf("200 body = %+v; a named schema at the top of a body is expanded", account)
	}
	tests := []struct {
		prop        string
		required    bool
		typ         string
		ref         string
		collapsed   bool
		cycle       bool
		nullable    bool
		readOnly    bool
		writeOnly   bool
		deprecated  bool
		enum        []string
		def         string
		constraints []string
	}{
		{prop: "id", required: true, typ: "string", readOnly: true},
		{prop: "balance", required: true, typ: "object", ref: "Money", collapsed: true},
		{prop: "currency", typ: "string", ref: "Currency", constraints: []string{"pattern ^[A-Z]{3}$"}},
		{prop: "status", typ: "string", enum: []string{`"open"`, `"closed"`}, def: `"open"`},
		{prop: "nickname", typ: "string", nullable: true, constraints: []string{"length 1–35"}},
		{prop: "password", typ: "string", writeOnly: true},
		{prop: "legacyCode", typ: "string", deprecated: true},
		{prop: "labels", typ: "array", constraints: []string{"items 1–10", "unique items"}},
		{prop: "metadata", typ: "object"},
		{prop: "owner", ref: "Customer", collapsed: true},
		{prop: "parent", typ: "object", ref: "Account", cycle: true},
		{prop: "rate", typ: "number", constraints: []string{"> 0", "≤ 100", "multiple of 0.01"}},
	}
	for _, tc := range tests {
		t.Run(tc.prop, func(t *testing.T) {
			p := prop(t, account, tc.prop)
			s := p.Schema
			if p.Required != tc.required || s.Type != tc.typ || s.Ref != tc.ref || s.Collapsed != tc.collapsed ||
				s.Cycle != tc.cycle || s.Nullable != tc.nullable || s.ReadOnly != tc.readOnly || s.WriteOnly != tc.writeOnly ||
				s.Deprecated != tc.deprecated || !slices.Equal(s.Enum, tc.enum) || s.Default != tc.def ||
				!slices.Equal(s.Constraints, tc.constraints) {
				t.Errorf("got required=%v %+v", p.Required, s)
			}
			if (tc.collapsed || tc.cycle) && !s.IsLeaf() {
				t.Errorf("collapsed node has children: %+v", s)
			}
		})
	}
	if m := prop(t, account, "metadata").Schema.AdditionalProperties; m == nil || m.Type != "string" {
		t.Errorf("metadata additional properties = %+v", m)
	}
}

func TestBuildLxkns(t *testing.T) {
	ref := Build(reftest.Load(t, "kin-openapi-testdata/lxkns-0.22.0.yaml", false), markdown.New())
	procs := findOp(t, ref, "operation/get-processes")
	if procs.Summary != "Linux processes" {
		t.Errorf("summary = %q", procs.Summary)
	}
	media := procs.Responses[0].Contents[0]
	table := media.Schema
	if table.Ref != "ProcessTable" || table.Type != "object" || table.AdditionalProperties == nil ||
		table.AdditionalProperties.Ref != "Process" || !table.AdditionalProperties.Collapsed {
		t.Errorf("ProcessTable = %+v, additional properties %+v", table, table.AdditionalProperties)
	}
	// The schema's own example is the body example, not a generated one.
	if len(media.Examples) != 1 || media.Examples[0].Generated || !strings.Contains(media.Examples[0].Value, `"cpucgroup": "/init.scope"`) {
		t.Errorf("examples = %+v", media.Examples)
	}
	// A named enum is shown in place, with its values.
	typ := prop(t, findDef(t, ref, "Namespace"), "type").Schema
	if typ.Ref != "NamespaceType" || typ.Collapsed || len(typ.Enum) != 8 || typ.Enum[0] != `"cgroup"` || typ.Example != `"net"` {
		t.Errorf("Namespace.type = %+v", typ)
	}
}

func TestBuildNot(t *testing.T) {
	ref := buildYAML(t, `
openapi: 3.0.0
info: {title: T, version: "1"}
paths: {}
components:
  schemas:
    NotAString:
      not: {type: string}
`)
	s := findDef(t, ref, "NotAString")
	if s.Composition != "not" || len(s.Variants) != 1 || s.Variants[0].Type != "string" {
		t.Errorf("NotAString = %+v", s)
	}
}

func TestBuildAllOfMerged(t *testing.T) {
	ref := buildYAML(t, featuresDoc)
	c := findDef(t, ref, "Customer")
	if got := propNames(c); !slices.Equal(got, []string{"name", "email", "customerId"}) {
		t.Errorf("Customer properties = %v, want the members' in order", got)
	}
	if !slices.Equal(c.Extends, []string{"Person"}) || c.Composition != "" || c.Type != "object" {
		t.Errorf("Customer = %+v", c)
	}
	if !prop(t, c, "name").Required || !prop(t, c, "customerId").Required || prop(t, c, "email").Required {
		t.Error("required lists of allOf members were not joined")
	}
}

func TestBuildAllOfWithConflictingTypesShowsVariants(t *testing.T) {
	ref := buildYAML(t, `
openapi: 3.0.0
info: {title: T, version: "1"}
paths: {}
components:
  schemas:
    Odd:
      allOf:
        - {type: string}
        - {type: integer}
`)
	odd := findDef(t, ref, "Odd")
	if odd.Composition != "allOf" || len(odd.Variants) != 2 || odd.Variants[0].Type != "string" || odd.Variants[1].Type != "integer" {
		t.Errorf("Odd = %+v", odd)
	}
}

func TestBuildDiscriminator(t *testing.T) {
	ref := buildYAML(t, featuresDoc)
	payment := findOp(t, ref, "operation/createPayment").RequestBody.Contents[0].Schema
	if payment.Ref != "Payment" || payment.Composition != "oneOf" || len(payment.Variants) != 2 {
		t.Fatalf("payment = %+v", payment)
	}
	// At the top of a body the variants are shown in place.
	if v := payment.Variants[0]; v.Ref != "CardPayment" || v.Collapsed || len(v.Properties) != 2 {
		t.Errorf("first variant = %+v", v)
	}
	want := &models.RefDiscriminator{PropertyName: "method", Mapping: []models.RefKV{{Key: "bank", Value: "BankPayment"}, {Key: "card", Value: "CardPayment"}}}
	if d := payment.Discriminator; d == nil || d.PropertyName != want.PropertyName || !slices.Equal(d.Mapping, want.Mapping) {
		t.Errorf("discriminator = %+v, want %+v", payment.Discriminator, want)
	}
}

func TestBuildOpenAPI31(t *testing.T) {
	ref := buildYAML(t, doc31)
	thing := findOp(t, ref, "operation/listThings").Responses[0].Contents[0].Schema
	tests := []struct {
		prop        string
		typ         string
		nullable    bool
		constVal    string
		example     string
		constraints []string
	}{
		{prop: "kind", typ: "string", constVal: `"thing"`},
		{prop: "name", typ: "string", nullable: true, constraints: []string{"max length 10"}},
		{prop: "size", typ: "integer | string"},
		{prop: "score", typ: "number", constraints: []string{"> 0", "< 10"}},
		{prop: "color", typ: "string", example: `"teal"`},
	}
	for _, tc := range tests {
		s := prop(t, thing, tc.prop).Schema
		if s.Type != tc.typ || s.Nullable != tc.nullable || s.Const != tc.constVal || s.Example != tc.example || !slices.Equal(s.Constraints, tc.constraints) {
			t.Errorf("%s = %+v", tc.prop, s)
		}
	}
	if len(ref.Webhooks) != 1 {
		t.Fatalf("webhooks = %+v", ref.Webhooks)
	}
	hook := ref.Webhooks[0]
	if hook.Anchor != "webhook/thingCreated" || hook.Method != "POST" || hook.Path != "thingCreated" || hook.Curl != "" ||
		hook.RequestBody == nil || hook.RequestBody.Contents[0].Schema.Ref != "Thing" {
		t.Errorf("webhook = %+v", hook)
	}
}

func TestBuildCorpus31(t *testing.T) {
	ref := Build(reftest.Load(t, "oai-examples/v3.1/webhook-example.yaml", false), markdown.New())
	if len(ref.Webhooks) != 1 || ref.OperationCount() != 0 {
		t.Fatalf("webhooks = %d, operations = %d", len(ref.Webhooks), ref.OperationCount())
	}
	hook := ref.Webhooks[0]
	pet := hook.RequestBody.Contents[0].Schema
	if hook.Path != "newPet" || hook.Method != "POST" || pet.Ref != "Pet" || !prop(t, pet, "id").Required || prop(t, pet, "tag").Required {
		t.Errorf("webhook = %+v, body %+v", hook, pet)
	}

	base := Build(reftest.Load(t, "oasdiff/openapi31-base.yaml", false), markdown.New())
	if len(base.Webhooks) != 2 {
		t.Fatalf("openapi31-base webhooks = %d", len(base.Webhooks))
	}
	score := prop(t, findDef(t, base, "Order"), "score").Schema
	if !slices.Equal(score.Constraints, []string{"> 0", "< 100"}) {
		t.Errorf("3.1 exclusive bounds = %v", score.Constraints)
	}
	if st := prop(t, findDef(t, base, "TestSchema"), "status").Schema; st.Const != `"active"` || st.Type != "string" {
		t.Errorf("const = %+v", st)
	}
}

func TestBuildCallbacks(t *testing.T) {
	ref := Build(reftest.Load(t, "oai-examples/v3.0/callback-example.yaml", false), markdown.New())
	op := findOp(t, ref, "operation/post-streams")
	if len(op.Callbacks) != 1 || op.Callbacks[0].Name != "onData" || len(op.Callbacks[0].Operations) != 1 {
		t.Fatalf("callbacks = %+v", op.Callbacks)
	}
	cb := op.Callbacks[0].Operations[0]
	if cb.Method != "POST" || cb.Path != "{$request.query.callbackUrl}/data" || cb.Anchor != "" || cb.Curl != "" {
		t.Errorf("callback operation = %+v", cb)
	}
	if body := cb.RequestBody.Contents[0].Schema; body.Type != "object" || prop(t, body, "timestamp").Schema.Format != "date-time" {
		t.Errorf("callback body = %+v", body)
	}
	if len(cb.Responses) != 2 || cb.Responses[0].Status != "202" || cb.Responses[1].Status != "204" {
		t.Errorf("callback responses = %+v", cb.Responses)
	}
}

func TestBuildCycles(t *testing.T) {
	tests := []struct {
		file  string
		def   string
		check func(t *testing.T, s *models.RefSchema)
	}{
		{"oasdiff/circular1.yaml", "circular2", func(t *testing.T, s *models.RefSchema) {
			if !s.Cycle || s.Ref != "circular2" {
				t.Errorf("oneOf of itself = %+v, want a cycle", s)
			}
		}},
		{"oasdiff/circular1.yaml", "circular4", func(t *testing.T, s *models.RefSchema) {
			if !s.Cycle || s.Ref != "circular4" {
				t.Errorf("oneOf(oneOf(itself)) = %+v, want a cycle", s)
			}
		}},
		{"oasdiff/circular1.yaml", "circular5", func(t *testing.T, s *models.RefSchema) {
			if s.Cycle || s.Ref != "circular1" || len(s.Properties) != 1 {
				t.Errorf("oneOf(circular1) = %+v, want circular1 shown", s)
			}
		}},
		{"kin-openapi-testdata/recursiveRef/openapi.yml", "Cat", func(t *testing.T, s *models.RefSchema) {
			if c := prop(t, s, "cat").Schema; !c.Cycle || c.Ref != "Cat" {
				t.Errorf("Cat.cat = %+v, want a cycle to Cat across files", c)
			}
		}},
		{"kin-openapi-testdata/circularRef2/circular2.yaml", "AwsEnvironmentSettings", func(t *testing.T, s *models.RefSchema) {
			// A schema in another file, reached only by $ref, gets a
			// definition named after its file.
			items := prop(t, s, "children").Schema.Items
			if items == nil || !items.Cycle || items.Ref != "AwsEnvironmentSettings" {
				t.Errorf("children items = %+v", items)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file+"#"+tc.def, func(t *testing.T) {
			ref := Build(reftest.Load(t, tc.file, false), markdown.New())
			tc.check(t, findDef(t, ref, tc.def))
		})
	}
}

// TestBuildStripe checks how the largest corpus document stays readable
// and compact.
func TestBuildStripe(t *testing.T) {
	ref := Build(reftest.Load(t, reftest.Stripe, false), markdown.New())

	t.Run("response bodies link to named schemas, request bodies stay expanded", func(t *testing.T) {
		get := findOp(t, ref, "operation/GetChargesCharge")
		body := get.Responses[0].Contents[0].Schema
		if body.Ref != "charge" || !body.Collapsed {
			t.Errorf("GET charge 200 body = %+v; in a document this large it links to the definition", body)
		}
		if get.Summary != "Retrieves the details of a charge that has previously been created" {
			t.Errorf("summary = %q, want the description's first sentence", get.Summary)
		}
		post := findOp(t, ref, "operation/PostCustomers")
		if post.RequestBody.Contents[0].MediaType != "application/x-www-form-urlencoded" || len(post.RequestBody.Contents[0].Schema.Properties) < 10 {
			t.Errorf("POST customers body = %+v", post.RequestBody.Contents[0])
		}
		if !strings.Contains(post.Curl, "-u '<username>:<password>'") {
			t.Errorf("curl = %q, want a basic auth placeholder", post.Curl)
		}
	})

	t.Run("generated examples stay finite", func(t *testing.T) {
		generated, longest := 0, 0
		eachOperation(ref, func(o *models.RefOperation) {
			for _, r := range o.Responses {
				for _, c := range r.Contents {
					for _, e := range c.Examples {
						if e.Generated {
							generated++
							longest = max(longest, len(e.Value))
						}
					}
				}
			}
		})
		if generated < 300 {
			t.Errorf("%d generated response examples, want one for (nearly) every operation", generated)
		}
		if longest > 64<<10 {
			t.Errorf("longest generated example is %d bytes; examples must stay readable", longest)
		}
	})
}

func TestBuildAnchorsAreUnique(t *testing.T) {
	ref := buildYAML(t, `
openapi: 3.1.0
info: {title: T, version: "1"}
tags: [{name: "a b"}, {name: "a-b"}]
paths:
  /x:
    get: {operationId: same, tags: ["a b"], responses: {"200": {description: ok}}}
    post: {operationId: same, tags: ["a-b"], responses: {"200": {description: ok}}}
  /y:
    get: {tags: ["a-b"], responses: {"200": {description: ok}}}
webhooks:
  same:
    post: {operationId: same, responses: {"200": {description: ok}}}
`)
	var got []string
	for _, g := range ref.Groups {
		got = append(got, g.Anchor)
	}
	eachOperation(ref, func(o *models.RefOperation) { got = append(got, o.Anchor) })
	want := []string{"tag/a-b", "tag/a-b-2", "operation/same", "operation/same-2", "operation/get-y", "webhook/same"}
	if !slices.Equal(got, want) {
		t.Errorf("anchors = %q, want %q", got, want)
	}
}

func TestSchemaAnchorIsInjective(t *testing.T) {
	names := []string{"Pet", "Pet~2", "Pet 2", "Pet_2", "Pet/2", "Pét", "a~7E"}
	seen := map[string]string{}
	for _, n := range names {
		a := models.SchemaAnchor(n)
		if strings.ContainsAny(a, " \"'<>#") {
			t.Errorf("anchor %q of %q has unsafe characters", a, n)
		}
		if prev, ok := seen[a]; ok {
			t.Errorf("%q and %q share anchor %q", prev, n, a)
		}
		seen[a] = n
	}
	if a := models.SchemaAnchor("Pet"); a != "schema/Pet" {
		t.Errorf("anchor of a plain name = %q", a)
	}
}

func TestFirstSentence(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Returns a list of your customers. The customers are sorted.", "Returns a list of your customers"},
		{"<p>Retrieves the details of an existing customer.</p>", "Retrieves the details of an existing customer"},
		{"Creates a\n  new customer object.", "Creates a new customer object"},
		{"Uses `code` in its title.", ""},
		{strings.Repeat("long ", 30), ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := firstSentence(tc.in); got != tc.want {
			t.Errorf("firstSentence(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
