// Package reference turns a loaded OpenAPI document into the render model of
// its API reference page (models.Reference): operations grouped by tag,
// parameters, bodies and responses with finite schema trees, examples taken
// from the document or generated from schemas, security and curl samples.
// The model is built once per document, at import, and stored encoded, so a
// page render does no Markdown, schema or example work.
//
// Document order (of paths, operations, properties, schemas) is kept when the
// document was loaded with openapi3.Loader.IncludeOrigin; otherwise names are
// sorted.
package reference

import (
	"cmp"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/portico/portico/markdown"
	"github.com/portico/portico/models"
)

// Build returns the render model of doc. doc must be an OpenAPI 3.x document
// (Swagger 2.0 is converted before). Build never fails and never panics on a
// document kin-openapi loaded: parts it cannot describe are left out or shown
// as "any".
func Build(doc *openapi3.T, md *markdown.Renderer) *models.Reference {
	b := newBuilder(doc, md)
	return b.build()
}

type builder struct {
	doc     *openapi3.T
	md      *markdown.Renderer
	mdCache map[string]string
	anchors map[string]bool

	// defs are the named schemas: components first, then schemas in other
	// files of the bundle that are reached by $ref.
	defNames map[*openapi3.Schema]string
	defByRef map[string]string // "$ref" text → name, for refs kin resolved to copies
	defs     []*defEntry
	defIndex map[string]*defEntry

	rootTrees map[*openapi3.Schema]*models.RefSchema // named schemas expanded at the top of a tree
	examples  map[exampleKey]string                  // generated examples, by schema

	// linkResponses makes response bodies that are a named schema link to
	// its definition instead of repeating it, which keeps the pages of very
	// large documents (Stripe) compact.
	linkResponses bool
}

// compactAbove is the number of schema nodes in operations above which a
// model is rebuilt with linkResponses.
const compactAbove = 12000

type defEntry struct {
	name   string
	schema *openapi3.Schema
	line   int // position in the document, for ordering
}

func newBuilder(doc *openapi3.T, md *markdown.Renderer) *builder {
	b := &builder{
		doc:       doc,
		md:        md,
		mdCache:   map[string]string{},
		anchors:   map[string]bool{},
		defNames:  map[*openapi3.Schema]string{},
		defByRef:  map[string]string{},
		defIndex:  map[string]*defEntry{},
		rootTrees: map[*openapi3.Schema]*models.RefSchema{},
		examples:  map[exampleKey]string{},
	}
	if doc.Components != nil {
		names := make([]string, 0, len(doc.Components.Schemas))
		for name, sr := range doc.Components.Schemas {
			if sr != nil && sr.Value != nil {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		for _, name := range names {
			sr := doc.Components.Schemas[name]
			e := &defEntry{name: name, schema: sr.Value, line: refLine(sr)}
			b.defs = append(b.defs, e)
			b.defIndex[name] = e
			if _, dup := b.defNames[sr.Value]; !dup {
				b.defNames[sr.Value] = name
			}
			b.defByRef["#/components/schemas/"+name] = name
		}
		slices.SortStableFunc(b.defs, func(x, y *defEntry) int { return cmp.Compare(x.line, y.line) })
	}
	for _, a := range []string{"overview", "servers", "authentication", "schemas", "webhooks"} {
		b.anchors[a] = true
	}
	return b
}

func (b *builder) build() *models.Reference {
	doc := b.doc
	ref := &models.Reference{ModelVersion: models.ReferenceModelVersion, OpenAPIVersion: doc.OpenAPI}
	if doc.Info != nil {
		ref.Title = doc.Info.Title
		ref.Version = doc.Info.Version
		ref.DescriptionHTML = b.markdown(doc.Info.Description)
		ref.Links = infoLinks(doc.Info)
	}
	if l := externalDocs(doc.ExternalDocs); l != nil {
		ref.Links = append(ref.Links, *l)
	}
	ref.Servers = b.servers(doc.Servers)
	ref.SecuritySchemes = b.securitySchemes()
	anchors := maps.Clone(b.anchors)
	ref.Groups, ref.TagsDerived = b.groups()
	ref.Webhooks = b.webhooks()
	if countNodes(ref) > compactAbove {
		b.anchors = anchors
		b.linkResponses = true
		ref.Groups, ref.TagsDerived = b.groups()
		ref.Webhooks = b.webhooks()
	}
	ref.Schemas = b.schemaDefs()
	return ref
}

// countNodes counts the schema nodes under the operations of ref, counting
// shared subtrees each time they appear (as the page shows them).
func countNodes(ref *models.Reference) int {
	n := 0
	var tree func(s *models.RefSchema)
	tree = func(s *models.RefSchema) {
		if s == nil {
			return
		}
		n++
		for _, p := range s.Properties {
			tree(p.Schema)
		}
		tree(s.Items)
		tree(s.AdditionalProperties)
		for _, v := range s.Variants {
			tree(v)
		}
	}
	op := func(o *models.RefOperation) {
		for _, p := range o.Parameters {
			tree(p.Schema)
		}
		if o.RequestBody != nil {
			for _, c := range o.RequestBody.Contents {
				tree(c.Schema)
			}
		}
		for _, r := range o.Responses {
			for _, c := range r.Contents {
				tree(c.Schema)
			}
		}
	}
	for _, g := range ref.Groups {
		for i := range g.Operations {
			op(&g.Operations[i])
		}
	}
	for i := range ref.Webhooks {
		op(&ref.Webhooks[i])
	}
	return n
}

// markdown renders Markdown once per distinct text: big documents repeat the
// same descriptions hundreds of times.
func (b *builder) markdown(src string) string {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	if h, ok := b.mdCache[src]; ok {
		return h
	}
	h := b.md.Render(src)
	b.mdCache[src] = h
	return h
}

// anchor returns a page-unique element id starting with prefix and built
// from name.
func (b *builder) anchor(prefix, name string) string {
	base := prefix + slug(name)
	a := base
	for i := 2; b.anchors[a]; i++ {
		a = base + "-" + strconv.Itoa(i)
	}
	b.anchors[a] = true
	return a
}

// slug keeps letters, digits, '_' and '.', and turns runs of anything else
// (dashes included) into one '-'.
func slug(s string) string {
	var sb strings.Builder
	dash := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' {
			sb.WriteByte(c)
			dash = false
			continue
		}
		if !dash && sb.Len() > 0 {
			sb.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(sb.String(), "-")
	if len(out) > 80 {
		out = out[:80]
	}
	if out == "" {
		out = "x"
	}
	return out
}

func (b *builder) servers(list openapi3.Servers) []models.RefServer {
	var out []models.RefServer
	for _, s := range list {
		if s == nil {
			continue
		}
		rs := models.RefServer{URL: s.URL, DescriptionHTML: b.markdown(s.Description)}
		names := sortedKeys(s.Variables)
		for _, n := range names {
			v := s.Variables[n]
			if v == nil {
				continue
			}
			rs.Variables = append(rs.Variables, models.RefServerVariable{
				Name: n, Default: v.Default, Enum: v.Enum, DescriptionHTML: b.markdown(v.Description),
			})
		}
		out = append(out, rs)
	}
	return out
}

func (b *builder) securitySchemes() []models.RefSecurityScheme {
	if b.doc.Components == nil {
		return nil
	}
	var out []models.RefSecurityScheme
	for _, name := range sortedKeys(b.doc.Components.SecuritySchemes) {
		sr := b.doc.Components.SecuritySchemes[name]
		if sr == nil || sr.Value == nil {
			continue
		}
		s := sr.Value
		rs := models.RefSecurityScheme{
			Name:             name,
			Anchor:           models.SecurityAnchor(name),
			Type:             s.Type,
			Summary:          schemeSummary(s),
			DescriptionHTML:  b.markdown(s.Description),
			OpenIDConnectURL: s.OpenIdConnectUrl,
		}
		b.anchors[rs.Anchor] = true
		if f := s.Flows; f != nil {
			for _, fl := range []struct {
				kind string
				flow *openapi3.OAuthFlow
			}{
				{"authorizationCode", f.AuthorizationCode},
				{"clientCredentials", f.ClientCredentials},
				{"implicit", f.Implicit},
				{"password", f.Password},
			} {
				if fl.flow == nil {
					continue
				}
				rf := models.RefOAuthFlow{
					Kind:             fl.kind,
					AuthorizationURL: fl.flow.AuthorizationURL,
					TokenURL:         fl.flow.TokenURL,
					RefreshURL:       fl.flow.RefreshURL,
				}
				for _, sc := range sortedKeys(fl.flow.Scopes) {
					rf.Scopes = append(rf.Scopes, models.RefKV{Key: sc, Value: fl.flow.Scopes[sc]})
				}
				rs.Flows = append(rs.Flows, rf)
			}
		}
		out = append(out, rs)
	}
	return out
}

func schemeSummary(s *openapi3.SecurityScheme) string {
	switch s.Type {
	case "apiKey":
		return "API key in " + s.In + " " + quoteName(s.Name)
	case "http":
		switch strings.ToLower(s.Scheme) {
		case "basic":
			return "HTTP Basic authentication"
		case "bearer":
			if s.BearerFormat != "" {
				return "HTTP Bearer token (" + s.BearerFormat + ")"
			}
			return "HTTP Bearer token"
		}
		return "HTTP " + s.Scheme + " authentication"
	case "oauth2":
		return "OAuth 2.0"
	case "openIdConnect":
		return "OpenID Connect"
	case "mutualTLS":
		return "Mutual TLS (client certificate)"
	}
	return s.Type
}

func quoteName(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return s
}

// opRef is an operation with where it was found, before grouping.
type opRef struct {
	path     string
	method   string
	item     *openapi3.PathItem
	op       *openapi3.Operation
	pathLine int
	opLine   int
}

var methodOrder = map[string]int{
	http.MethodGet: 0, http.MethodPost: 1, http.MethodPut: 2, http.MethodPatch: 3,
	http.MethodDelete: 4, http.MethodHead: 5, http.MethodOptions: 6, http.MethodTrace: 7,
	http.MethodConnect: 8, openapi3.MethodQuery: 9,
}

func collectOps(items map[string]*openapi3.PathItem) []opRef {
	var ops []opRef
	for path, item := range items {
		if item == nil {
			continue
		}
		for method, op := range item.Operations() {
			if op == nil {
				continue
			}
			ops = append(ops, opRef{
				path: path, method: strings.ToUpper(method), item: item, op: op,
				pathLine: originLine(item.Origin), opLine: originLine(op.Origin),
			})
		}
	}
	slices.SortFunc(ops, func(x, y opRef) int {
		if c := cmp.Compare(x.pathLine, y.pathLine); c != 0 {
			return c
		}
		if c := strings.Compare(x.path, y.path); c != 0 {
			return c
		}
		if c := cmp.Compare(x.opLine, y.opLine); c != 0 {
			return c
		}
		mx, okx := methodOrder[x.method]
		my, oky := methodOrder[y.method]
		if !okx {
			mx = 100
		}
		if !oky {
			my = 100
		}
		if c := cmp.Compare(mx, my); c != 0 {
			return c
		}
		return strings.Compare(x.method, y.method)
	})
	return ops
}

// groups puts each operation under its first tag: declared tags in document
// order, then undeclared tags in order of first use, then "Other". When no
// operation has a tag, groups come from the first path segment that is not
// a version or a parameter ("/v1/customers/{id}" → "Customers").
func (b *builder) groups() ([]models.RefGroup, bool) {
	var ops []opRef
	if b.doc.Paths != nil {
		ops = collectOps(b.doc.Paths.Map())
	}
	tagged := false
	for _, o := range ops {
		if len(o.op.Tags) > 0 {
			tagged = true
			break
		}
	}
	type group struct {
		g   models.RefGroup
		ops []opRef
	}
	var order []*group
	byName := map[string]*group{}
	add := func(name, desc string, docs *openapi3.ExternalDocs) *group {
		if g, ok := byName[name]; ok {
			return g
		}
		g := &group{g: models.RefGroup{Tag: name, DescriptionHTML: b.markdown(desc), ExternalDocs: externalDocs(docs)}}
		byName[name] = g
		order = append(order, g)
		return g
	}
	if tagged {
		for _, t := range b.doc.Tags {
			if t != nil && t.Name != "" {
				add(t.Name, t.Description, t.ExternalDocs)
			}
		}
	}
	var other []opRef
	for _, o := range ops {
		name := ""
		if tagged {
			if len(o.op.Tags) > 0 {
				name = o.op.Tags[0]
			}
		} else {
			name = pathGroup(o.path)
		}
		if name == "" {
			other = append(other, o)
			continue
		}
		g := add(name, "", nil)
		g.ops = append(g.ops, o)
	}
	if len(other) > 0 {
		g := add("Other", "", nil)
		g.ops = append(g.ops, other...)
	}
	var out []models.RefGroup
	for _, g := range order {
		if len(g.ops) == 0 {
			continue // a declared tag without operations
		}
		g.g.Anchor = b.anchor("tag/", g.g.Tag)
		for _, o := range g.ops {
			g.g.Operations = append(g.g.Operations, b.operation(o, kindPath))
		}
		out = append(out, g.g)
	}
	return out, !tagged && len(out) > 0
}

func pathGroup(path string) string {
	for _, seg := range strings.Split(path, "/") {
		if seg == "" || strings.ContainsAny(seg, "{}") || isVersionSegment(seg) || seg == "api" {
			continue
		}
		seg = strings.TrimSuffix(seg, ".json")
		seg = strings.NewReplacer("_", " ", "-", " ").Replace(seg)
		if seg == "" {
			continue
		}
		return strings.ToUpper(seg[:1]) + seg[1:]
	}
	return ""
}

func isVersionSegment(s string) bool {
	if len(s) < 2 || (s[0] != 'v' && s[0] != 'V') {
		return len(s) == 10 && s[4] == '-' && s[7] == '-' // dated versions: 2010-04-01
	}
	for i := 1; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}

func (b *builder) webhooks() []models.RefOperation {
	if len(b.doc.Webhooks) == 0 {
		return nil
	}
	var out []models.RefOperation
	for _, o := range collectOps(b.doc.Webhooks) {
		out = append(out, b.operation(o, kindWebhook))
	}
	return out
}

// opKind says where an operation is: under paths, webhooks or a callback.
type opKind uint8

const (
	kindPath opKind = iota
	kindWebhook
	kindCallback
)

func (b *builder) operation(o opRef, kind opKind) models.RefOperation {
	op := o.op
	ro := models.RefOperation{
		Method:          o.method,
		Path:            o.path,
		OperationID:     op.OperationID,
		Summary:         strings.TrimSpace(op.Summary),
		DescriptionHTML: b.markdown(op.Description),
		Deprecated:      op.Deprecated,
		ExternalDocs:    externalDocs(op.ExternalDocs),
	}
	if ro.Summary == "" && o.item.Summary != "" {
		ro.Summary = strings.TrimSpace(o.item.Summary)
	}
	if ro.Summary == "" {
		ro.Summary = firstSentence(op.Description)
	}
	if ro.DescriptionHTML == "" {
		ro.DescriptionHTML = b.markdown(o.item.Description)
	}
	prefix := "operation/"
	if kind == kindWebhook {
		prefix = "webhook/"
	}
	switch {
	case kind == kindCallback:
	case op.OperationID != "":
		ro.Anchor = b.anchor(prefix, op.OperationID)
	default:
		ro.Anchor = b.anchor(prefix, strings.ToLower(o.method)+"-"+o.path)
	}

	params := mergeParams(o.item.Parameters, op.Parameters)
	for _, p := range params {
		ro.Parameters = append(ro.Parameters, b.parameter(p))
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		rb := op.RequestBody.Value
		ro.RequestBody = &models.RefBody{
			Required:        rb.Required,
			DescriptionHTML: b.markdown(rb.Description),
			Contents:        b.contents(rb.Content, dirRequest, true),
		}
	}
	if op.Responses != nil {
		for _, status := range op.Responses.Keys() {
			rr := op.Responses.Value(status)
			if rr == nil || rr.Value == nil {
				continue
			}
			r := rr.Value
			resp := models.RefResponse{Status: status}
			if r.Description != nil {
				resp.DescriptionHTML = b.markdown(*r.Description)
			}
			for _, hn := range sortedKeys(r.Headers) {
				h := r.Headers[hn]
				if h == nil || h.Value == nil {
					continue
				}
				rp := b.parameter(&h.Value.Parameter)
				rp.Name, rp.In = hn, ""
				resp.Headers = append(resp.Headers, rp)
			}
			resp.Contents = b.contents(r.Content, dirResponse, exampleWanted(status, op.Responses))
			ro.Responses = append(ro.Responses, resp)
		}
	}

	security := b.doc.Security
	if op.Security != nil {
		security = *op.Security
	}
	for _, req := range security {
		if len(req) == 0 {
			ro.SecurityOptional = true
			continue
		}
		var alt models.RefSecurityRequirement
		for _, name := range sortedKeys(req) {
			alt.Schemes = append(alt.Schemes, models.RefKV{Key: name, Value: strings.Join(req[name], " ")})
		}
		ro.Security = append(ro.Security, alt)
	}
	if kind == kindPath {
		ro.Curl = b.curl(o, params, security)
	}
	if kind != kindCallback {
		for _, name := range sortedKeys(op.Callbacks) {
			cb := op.Callbacks[name]
			if cb == nil || cb.Value == nil {
				continue
			}
			rc := models.RefCallback{Name: name}
			for _, co := range collectOps(cb.Value.Map()) {
				rc.Operations = append(rc.Operations, b.operation(co, kindCallback))
			}
			if len(rc.Operations) > 0 {
				ro.Callbacks = append(ro.Callbacks, rc)
			}
		}
	}
	return ro
}

// mergeParams returns the path item's parameters overridden by the
// operation's (same name and location), ordered path, query, header, cookie.
func mergeParams(pathParams, opParams openapi3.Parameters) []*openapi3.Parameter {
	var out []*openapi3.Parameter
	index := map[string]int{}
	for _, list := range []openapi3.Parameters{pathParams, opParams} {
		for _, pr := range list {
			if pr == nil || pr.Value == nil {
				continue
			}
			p := pr.Value
			key := p.In + "\x00" + p.Name
			if i, ok := index[key]; ok {
				out[i] = p
				continue
			}
			index[key] = len(out)
			out = append(out, p)
		}
	}
	rank := map[string]int{"path": 0, "query": 1, "header": 2, "cookie": 3}
	slices.SortStableFunc(out, func(x, y *openapi3.Parameter) int {
		rx, okx := rank[x.In]
		ry, oky := rank[y.In]
		if !okx {
			rx = 4
		}
		if !oky {
			ry = 4
		}
		return cmp.Compare(rx, ry)
	})
	return out
}

func (b *builder) parameter(p *openapi3.Parameter) models.RefParameter {
	rp := models.RefParameter{
		Name:            p.Name,
		In:              p.In,
		Required:        p.Required,
		Deprecated:      p.Deprecated,
		DescriptionHTML: b.markdown(p.Description),
	}
	sr := paramSchema(p)
	if sr != nil {
		rp.Schema = b.tree(sr)
	}
	if v, ok := paramExample(p); ok {
		rp.Example = scalarText(v)
	}
	return rp
}

// paramSchema returns the schema of a parameter, or of its first media type
// when it uses content.
func paramSchema(p *openapi3.Parameter) *openapi3.SchemaRef {
	if p.Schema != nil {
		return p.Schema
	}
	for _, mt := range sortedKeys(p.Content) {
		if m := p.Content[mt]; m != nil && m.Schema != nil {
			return m.Schema
		}
	}
	return nil
}

// paramExample returns the example the document gives for a parameter.
func paramExample(p *openapi3.Parameter) (any, bool) {
	if p.Example != nil {
		return p.Example, true
	}
	for _, name := range sortedKeys(p.Examples) {
		if e := p.Examples[name]; e != nil && e.Value != nil && e.Value.Value != nil {
			return e.Value.Value, true
		}
	}
	if sr := paramSchema(p); sr != nil && sr.Value != nil {
		if sr.Value.Example != nil {
			return sr.Value.Example, true
		}
		if len(sr.Value.Examples) > 0 && sr.Value.Examples[0] != nil {
			return sr.Value.Examples[0], true
		}
	}
	return nil, false
}

// exampleWanted says whether a response gets a generated example when the
// document gives none: success responses do, and "default" when there is no
// 2XX response; error responses would repeat the same error object on every
// operation.
func exampleWanted(status string, all *openapi3.Responses) bool {
	if strings.HasPrefix(status, "2") {
		return true
	}
	if status != "default" {
		return false
	}
	for _, k := range all.Keys() {
		if strings.HasPrefix(k, "2") {
			return false
		}
	}
	return true
}

// contents returns the media types of a body, JSON first, then in document
// order. generate says whether to generate examples the document lacks.
func (b *builder) contents(c openapi3.Content, dir direction, generate bool) []models.RefMedia {
	if len(c) == 0 {
		return nil
	}
	types := sortedMediaTypes(c)
	out := make([]models.RefMedia, 0, len(types))
	// Media types that share one schema and give no examples of their own
	// ("application/json", "application/json; charset=utf-8", ...) are
	// shown once.
	shared := map[*openapi3.Schema]int{}
	for _, mt := range types {
		m := c[mt]
		own := m.Example != nil || len(m.Examples) > 0
		if m.Schema != nil && m.Schema.Value != nil && !own {
			if i, ok := shared[m.Schema.Value]; ok {
				out[i].OtherTypes = append(out[i].OtherTypes, mt)
				continue
			}
		}
		rm := models.RefMedia{MediaType: mt}
		if m.Schema != nil {
			rm.Schema = b.node(m.Schema, walk{expand: dir == dirRequest || !b.linkResponses})
		}
		rm.Examples = b.mediaExamples(mt, m, dir, generate)
		if m.Schema != nil && m.Schema.Value != nil && !own {
			shared[m.Schema.Value] = len(out)
		}
		out = append(out, rm)
	}
	return out
}

func (b *builder) schemaDefs() []models.RefSchemaDef {
	// Expanding a definition can discover further named schemas in other
	// files, which are appended to b.defs; hence the index loop.
	var out []models.RefSchemaDef
	for i := 0; i < len(b.defs); i++ {
		e := b.defs[i]
		out = append(out, models.RefSchemaDef{
			Name:   e.name,
			Anchor: models.SchemaAnchor(e.name),
			Schema: b.rootTree(e.schema, e.name),
		})
	}
	return out
}

// originLine is where an element is written, as one number that orders
// positions (line, then column: a document may be JSON on one line). It is 0
// when the document was loaded without origins.
func originLine(o *openapi3.Origin) int {
	if o == nil || o.Key == nil {
		return 0
	}
	return o.Key.Line<<24 | o.Key.Column&(1<<24-1)
}

// refLine is where a schema is written: where its $ref is, for a reference.
func refLine(sr *openapi3.SchemaRef) int {
	if sr.Origin != nil && sr.Origin.Key != nil {
		return originLine(sr.Origin)
	}
	if sr.Value != nil {
		return originLine(sr.Value.Origin)
	}
	return 0
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// firstSentence returns the first sentence of a plain-text description when
// it is short enough to be a title, else "". Documents without summaries
// (Stripe) then still get readable operation titles.
func firstSentence(desc string) string {
	desc = strings.TrimPrefix(strings.TrimSpace(desc), "<p>") // Stripe writes HTML paragraphs
	end := len(desc)
	for _, sep := range []string{". ", ".\n", ".</p>", "</p>", "\n\n"} {
		if i := strings.Index(desc, sep); i >= 0 && i < end {
			end = i
		}
	}
	s := strings.Join(strings.Fields(strings.TrimSuffix(strings.TrimSpace(desc[:end]), ".")), " ")
	if s == "" || len(s) > 80 || strings.ContainsAny(s, "<>[]`*_|#") {
		return ""
	}
	return s
}

// infoLinks are the contact, licence and terms of service of a document.
func infoLinks(info *openapi3.Info) []models.RefLink {
	var out []models.RefLink
	if c := info.Contact; c != nil {
		text := cmp.Or(c.Name, c.URL, c.Email)
		switch {
		case c.URL != "":
			out = append(out, models.RefLink{Label: "Contact", Text: text, URL: linkURL(c.URL)})
		case c.Name != "":
			out = append(out, models.RefLink{Label: "Contact", Text: c.Name})
		}
		if c.Email != "" {
			out = append(out, models.RefLink{Label: "Email", Text: c.Email, URL: linkURL("mailto:" + c.Email)})
		}
	}
	if l := info.License; l != nil && (l.Name != "" || l.Identifier != "") {
		link := models.RefLink{Label: "Licence", Text: cmp.Or(l.Name, l.Identifier), URL: linkURL(l.URL)}
		if link.URL == "" && l.Identifier != "" {
			link.URL = "https://spdx.org/licenses/" + url.PathEscape(l.Identifier) + ".html"
		}
		out = append(out, link)
	}
	if info.TermsOfService != "" {
		out = append(out, models.RefLink{Label: "Terms of service", Text: info.TermsOfService, URL: linkURL(info.TermsOfService)})
	}
	return out
}

func externalDocs(d *openapi3.ExternalDocs) *models.RefLink {
	if d == nil || d.URL == "" {
		return nil
	}
	return &models.RefLink{Label: "Documentation", Text: cmp.Or(strings.TrimSpace(d.Description), d.URL), URL: linkURL(d.URL)}
}

// linkURL returns u when it is an absolute http, https or mailto URL, else
// "": other schemes (javascript:, data:) are never linked.
func linkURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil {
		return ""
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
		if p.Host == "" {
			return ""
		}
		return p.String()
	case "mailto":
		return p.String()
	}
	return ""
}
