package openapi

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/portico/portico/models"
)

// Validation has two parts. kin-openapi's Validate checks the structure of
// the document, with examples, defaults and patterns left out: its problems
// refuse the document. Our own pass then checks examples, defaults and
// patterns, and its findings are warnings, because real documents are full
// of examples that contradict their schemas and of patterns written for
// other regex engines.
//
// kin's Validate re-walks the whole schema graph behind every $ref it meets,
// which costs about a second on Stripe's document. Every schema is also
// validated where it is defined, so during Validate each referencing
// SchemaRef temporarily points at an empty schema: the work becomes linear
// and the findings are the same.

// structuralProblems returns kin's structural findings on the loaded
// document, located.
func (l *loaded) structuralProblems(ctx context.Context) []problem {
	var refs []*openapi3.SchemaRef
	walkDoc(l.doc, docVisitor{ref: func(sr *openapi3.SchemaRef) { refs = append(refs, sr) }})
	saved := make([]*openapi3.Schema, len(refs))
	stub := &openapi3.Schema{}
	for i, sr := range refs {
		saved[i] = sr.Value
		sr.Value = stub
	}
	opts := []openapi3.ValidationOption{
		openapi3.DisableExamplesValidation(),
		openapi3.DisableSchemaDefaultsValidation(),
		openapi3.DisableSchemaPatternValidation(),
		openapi3.EnableMultiError(),
	}
	var err error
	if perr := l.guard(func() { err = l.doc.Validate(ctx, opts...) }); perr != nil {
		for i, sr := range refs {
			sr.Value = saved[i]
		}
		return []problem{{file: l.fs.paths[l.root], msg: "part of it has a shape the OpenAPI library cannot validate"}}
	}
	defer func() {
		for i, sr := range refs {
			sr.Value = saved[i]
		}
	}()
	if err == nil {
		return nil
	}
	var schemas []located
	walkDoc(l.doc, docVisitor{schema: func(at *seg, s *openapi3.Schema) { schemas = append(schemas, located{at.tokens(), s}) }})
	var probs []problem
	seen := make(map[string]bool)
	for _, e := range flatten(err) {
		toks, msg := l.locate(e)
		if deeper, leafMsg := refineSchema(ctx, schemas, toks, e, opts); deeper != nil {
			toks, msg = deeper, leafMsg
		}
		p := l.problemAt(toks, msg)
		if key := p.String(); !seen[key] {
			seen[key] = true
			probs = append(probs, p)
		}
	}
	return probs
}

// located is a schema with its pointer tokens.
type located struct {
	toks   []string
	schema *openapi3.Schema
}

// refineSchema finds, among the schemas defined under toks, the deepest
// one that fails on its own with the same error as e, so that an error kin
// reports for a whole operation or component points at the schema itself.
func refineSchema(ctx context.Context, schemas []located, toks []string, e error, opts []openapi3.ValidationOption) ([]string, string) {
	want := leafError(e).Error()
	var best []string
	var bestMsg string
	for _, c := range schemas {
		if len(c.toks) <= len(toks) || !slices.Equal(c.toks[:len(toks)], toks) || len(c.toks) <= len(best) {
			continue
		}
		var err error
		func() {
			defer func() { _ = recover() }()
			err = c.schema.Validate(ctx, opts...)
		}()
		if err == nil {
			continue
		}
		for _, ce := range flatten(err) {
			if leafError(ce).Error() == want {
				best, bestMsg = c.toks, cleanMessage(leafError(ce).Error())
				break
			}
		}
	}
	return best, bestMsg
}

// leafError follows a chain of single wrapped errors to its end.
func leafError(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// flatten lists the errors joined in err (kin's MultiError nests).
func flatten(err error) []error {
	var me openapi3.MultiError
	if errors.As(err, &me) && len(me) > 0 {
		// Only take the MultiError apart when it is the error itself, so
		// that context wrappers around a single error are kept.
		if direct, ok := err.(openapi3.MultiError); ok {
			var out []error
			for _, e := range direct {
				out = append(out, flatten(e)...)
			}
			return out
		}
	}
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range u.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	// A context wrapper around a MultiError: push the wrapper down.
	return pushDown(err)
}

// pushDown splits a chain of context wrappers ending in a MultiError into
// one chain per inner error.
func pushDown(err error) []error {
	type rewrap func(error) error
	var wraps []rewrap
	e := err
	for {
		var w rewrap
		switch t := e.(type) {
		case *openapi3.SectionValidationError:
			c := *t
			w = func(x error) error { c2 := c; c2.Cause = x; return &c2 }
			e = t.Cause
		case *openapi3.ComponentValidationError:
			c := *t
			w = func(x error) error { c2 := c; c2.Cause = x; return &c2 }
			e = t.Cause
		case *openapi3.PathValidationError:
			c := *t
			w = func(x error) error { c2 := c; c2.Cause = x; return &c2 }
			e = t.Cause
		case *openapi3.OperationValidationError:
			c := *t
			w = func(x error) error { c2 := c; c2.Cause = x; return &c2 }
			e = t.Cause
		case *openapi3.WebhookValidationError:
			c := *t
			w = func(x error) error { c2 := c; c2.Cause = x; return &c2 }
			e = t.Cause
		case openapi3.MultiError:
			var out []error
			for _, inner := range t {
				for _, x := range flatten(inner) {
					for i := len(wraps) - 1; i >= 0; i-- {
						x = wraps[i](x)
					}
					out = append(out, x)
				}
			}
			return out
		default:
			return []error{err}
		}
		wraps = append(wraps, w)
	}
}

var componentBuckets = map[string]string{
	"schema": "schemas", "parameter": "parameters", "header": "headers",
	"request body": "requestBodies", "response": "responses", "security scheme": "securitySchemes",
	"example": "examples", "link": "links", "callback": "callbacks",
}

// locate turns kin's context wrappers into JSON pointer tokens (into the
// 3.x form of the document) and returns the message of what is left.
func (l *loaded) locate(err error) ([]string, string) {
	var toks []string
	e := err
	for {
		switch t := e.(type) {
		case *openapi3.SectionValidationError:
			sec := t.Section
			if sec == "external docs" {
				sec = "externalDocs"
			}
			toks = append(toks, sec)
			e = t.Cause
		case *openapi3.ComponentValidationError:
			b, ok := componentBuckets[t.Section]
			if !ok {
				return toks, cleanMessage(e.Error())
			}
			toks = append(toks, b, t.Name)
			e = t.Cause
		case *openapi3.PathValidationError:
			toks = append(toks, t.Path)
			e = t.Cause
		case *openapi3.OperationValidationError:
			toks = append(toks, strings.ToLower(t.Method))
			e = t.Cause
		case *openapi3.WebhookValidationError:
			toks = append(toks, t.Name)
			e = t.Cause
		case *openapi3.ParameterFieldValidationError:
			toks = l.parameterTokens(toks, t.ParameterName)
			toks = append(toks, t.Field)
			e = t.Cause
		case *openapi3.HeaderFieldValidationError:
			toks = append(toks, t.Field)
			e = t.Cause
		case *openapi3.MediaTypeExampleValidationError:
			toks = append(toks, "examples", t.ExampleName)
			e = t.Cause
		case *openapi3.MediaTypeEncodingValidationError:
			toks = append(toks, "encoding", t.EncodingName)
			e = t.Cause
		case *openapi3.ParameterExampleValidationError:
			toks = append(toks, "examples", t.ExampleName)
			e = t.Cause
		case *openapi3.SecuritySchemeFlowValidationError:
			toks = append(toks, "flows")
			e = t.Cause
		case *openapi3.OAuthFlowValidationError:
			toks = append(toks, t.FlowKind)
			e = t.Cause
		case *openapi3.OAuthFlowFieldValidationError:
			toks = append(toks, t.Field)
			e = t.Cause
		case *openapi3.PathParametersError:
			if len(toks) > 0 && toks[len(toks)-1] == "paths" {
				toks = append(toks, t.Path)
			}
			if m := strings.ToLower(t.Method); len(toks) == 0 || toks[len(toks)-1] != m {
				toks = append(toks, m)
			}
			return toks, cleanMessage(e.Error())
		case *openapi3.ServerURLTemplateError:
			n, _, _ := l.walk(l.translate(toks))
			for i, s := range n.itemsOf() {
				if u, _ := s.get("url").str(); u == t.URL {
					toks = append(toks, strconv.Itoa(i))
					break
				}
			}
			return toks, cleanMessage(e.Error())
		case *openapi3.TagValidationError:
			if i := l.tagIndex(t.Name); i >= 0 {
				toks = append(toks, strconv.Itoa(i))
			}
			e = t.Cause
		default:
			return toks, cleanMessage(e.Error())
		}
	}
}

// parameterTokens extends toks (an operation, a path item or a parameter)
// to the parameter called name.
func (l *loaded) parameterTokens(toks []string, name string) []string {
	n, _, _ := l.walk(l.translate(toks))
	if n != nil && n.get("in") != nil {
		return toks // already the parameter
	}
	for _, owner := range [][]string{toks, toks[:max(len(toks)-1, 0)]} {
		list, _, _ := l.walk(l.translate(append(append([]string(nil), owner...), "parameters")))
		for i, it := range list.itemsOf() {
			p := l.deref(it)
			if nm, _ := p.get("name").str(); nm == name {
				return append(append([]string(nil), owner...), "parameters", strconv.Itoa(i))
			}
		}
	}
	return toks
}

// tagIndex returns the position of the tag called name in the top-level tags.
func (l *loaded) tagIndex(name string) int {
	for i, t := range l.tree.get("tags").itemsOf() {
		if nm, _ := t.get("name").str(); nm == name {
			return i
		}
	}
	return -1
}

// deref follows an internal $ref of the bundled document, once.
func (l *loaded) deref(n *node) *node {
	ref, ok := n.get("$ref").str()
	if !ok || !strings.HasPrefix(ref, "#") {
		return n
	}
	target, _, _ := l.walk(splitPointer(ref[1:]))
	if target == nil {
		return n
	}
	return target
}

// cleanMessage keeps kin's message readable: one line, no schema dumps.
func cleanMessage(msg string) string {
	for _, cut := range []string{"\nSchema:", " Schema:", "\nValue:"} {
		if i := strings.Index(msg, cut); i >= 0 {
			msg = msg[:i]
		}
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > 300 {
		msg = msg[:297] + "..."
	}
	return msg
}

// translate maps pointer tokens into the 3.x form of the document onto the
// document as written: for Swagger 2.0, kin's converted components,
// request bodies and media types go back to definitions, body parameters and
// response schemas.
func (l *loaded) translate(toks []string) []string {
	if !l.v2 {
		return toks
	}
	out := make([]string, 0, len(toks))
	i := 0
	if len(toks) >= 2 && toks[0] == "components" {
		switch toks[1] {
		case "schemas":
			out = append(out, "definitions")
		case "parameters", "requestBodies":
			out = append(out, "parameters")
		case "responses":
			out = append(out, "responses")
		case "securitySchemes":
			out = append(out, "securityDefinitions")
		default:
			out = append(out, toks[:2]...)
		}
		i = 2
	}
	for ; i < len(toks); i++ {
		switch {
		case toks[i] == "content" && i+1 < len(toks):
			// content/<media type>/schema → schema; content/<media type>/example → examples/<media type>
			mt := toks[i+1]
			i++
			if i+1 < len(toks) && (toks[i+1] == "example" || toks[i+1] == "examples") {
				out = append(out, "examples", mt)
				i++
				if toks[i] == "examples" {
					i++ // the example's name has no counterpart in 2.0
				}
			}
		case toks[i] == "requestBody":
			out = append(out, "requestBody")
		default:
			out = append(out, toks[i])
		}
	}
	return out
}

// walk resolves tokens in the bundled document as far as they go. It returns
// the deepest value reached, the line of its key, and the tokens walked.
// For Swagger 2.0 it also matches kin's converted shapes: a "requestBody"
// is the body (or first formData) parameter, and a "schema" token under a
// parameter without one is skipped.
func (l *loaded) walk(toks []string) (*node, int32, []string) {
	n := l.tree
	line := n.line
	var walked []string
	for _, t := range toks {
		cur := l.deref(n)
		next, ln := step(cur, t)
		walkedTok := []string{t}
		if next == nil && l.v2 {
			switch t {
			case "requestBody":
				for i, it := range cur.get("parameters").itemsOf() {
					if in, _ := l.deref(it).get("in").str(); in == "body" || in == "formData" {
						next, ln = it, it.line
						walkedTok = []string{"parameters", strconv.Itoa(i)}
						break
					}
				}
			case "schema":
				if cur.get("in") != nil || cur.get("type") != nil {
					continue // a 2.0 parameter or header carries its schema inline
				}
			}
		}
		if next == nil {
			break
		}
		n, line = next, ln
		walked = append(walked, walkedTok...)
	}
	return n, line, walked
}

// problemAt locates a finding given as pointer tokens into the 3.x form.
func (l *loaded) problemAt(toks []string, msg string) problem {
	n, line, walked := l.walk(l.translate(toks))
	p := problem{file: l.fs.paths[l.root], pointer: joinPointer(walked), msg: msg}
	if n != nil {
		p.file = l.fs.paths[n.file]
		p.line = int(line)
	}
	return p
}

// warningAt is problemAt for warnings.
func (l *loaded) warningAt(code string, toks []string, msg string) models.SpecWarning {
	p := l.problemAt(toks, msg)
	return models.SpecWarning{Code: code, Message: msg, File: p.file, Pointer: p.pointer, Line: p.line}
}

// maxWarnings bounds the warnings kept for one document.
const maxWarnings = 500

// contentWarnings checks examples, defaults and patterns.
func (l *loaded) contentWarnings(ctx context.Context) []models.SpecWarning {
	var warns []models.SpecWarning
	total := 0
	add := func(code string, at *seg, msg string) {
		total++
		if len(warns) < maxWarnings {
			warns = append(warns, l.warningAt(code, at.tokens(), msg))
		}
	}
	var visitOpts []openapi3.SchemaValidationOption
	visitOpts = append(visitOpts, openapi3.SetSchemaRegexCompiler(compilePattern), openapi3.MultiErrors())
	if l.is31() {
		visitOpts = append(visitOpts, openapi3.EnableJSONSchema2020())
	}
	check := func(s *openapi3.Schema, value any, at *seg, what string) {
		if s == nil || ctx.Err() != nil {
			return
		}
		if err := visitJSON(s, value, visitOpts); err != nil {
			add("example-mismatch", at, fmt.Sprintf("%s does not match its schema: %s", what, describeSchemaError(err)))
		}
	}
	badPatterns := make(map[string]string)
	walkDoc(l.doc, docVisitor{
		schema: func(at *seg, s *openapi3.Schema) {
			if s.Pattern != "" {
				msg, seen := badPatterns[s.Pattern]
				if !seen {
					if _, err := compilePattern(s.Pattern); err != nil {
						msg = fmt.Sprintf("pattern %q cannot be compiled (%s); values are not checked against it", s.Pattern, patternErrorText(err))
					}
					badPatterns[s.Pattern] = msg
				}
				if msg != "" {
					add("pattern-unsupported", atKey(at, "pattern"), msg)
				}
			}
			if s.Example != nil {
				check(s, s.Example, atKey(at, "example"), "the example")
			}
			if s.Default != nil {
				check(s, s.Default, atKey(at, "default"), "the default value")
			}
			for i, ex := range s.Examples {
				check(s, ex, atIndex(atKey(at, "examples"), i), "example "+strconv.Itoa(i+1))
			}
		},
		param: func(at *seg, p *openapi3.Parameter) {
			if p.Schema == nil || p.Schema.Value == nil {
				return
			}
			if p.Example != nil {
				check(p.Schema.Value, p.Example, atKey(at, "example"), "the example")
			}
			for _, name := range sortedKeys(p.Examples) {
				if ex := p.Examples[name]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
					check(p.Schema.Value, ex.Value.Value, atKeys(at, "examples", name), fmt.Sprintf("example %q", name))
				}
			}
		},
		media: func(at *seg, mt *openapi3.MediaType) {
			if mt.Schema == nil || mt.Schema.Value == nil {
				return
			}
			if mt.Example != nil {
				check(mt.Schema.Value, mt.Example, atKey(at, "example"), "the example")
			}
			for _, name := range sortedKeys(mt.Examples) {
				if ex := mt.Examples[name]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
					check(mt.Schema.Value, ex.Value.Value, atKeys(at, "examples", name), fmt.Sprintf("example %q", name))
				}
			}
		},
	})
	if total > len(warns) {
		warns = append(warns, models.SpecWarning{Code: "warnings-truncated", Message: fmt.Sprintf("%d more warnings are not listed", total-len(warns)), File: l.fs.paths[l.root]})
	}
	return warns
}

// visitJSON validates value against s; a panic inside the validator (a
// schema kin cannot handle) counts as a mismatch rather than a crash.
func visitJSON(s *openapi3.Schema, value any, opts []openapi3.SchemaValidationOption) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("the schema cannot be evaluated")
		}
	}()
	return s.VisitJSON(value, opts...)
}

// describeSchemaError renders the first schema error briefly: where in the
// value, and why.
func describeSchemaError(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		reason := jsonSchemaPrefix.ReplaceAllString(se.Reason, "")
		where := ""
		if p := se.JSONPointer(); len(p) > 0 {
			where = "at " + joinPointer(p) + ": "
			reason = strings.TrimPrefix(reason, "at '"+joinPointer(p)+"': ")
		}
		return where + cleanMessage(reason)
	}
	return cleanMessage(jsonSchemaPrefix.ReplaceAllString(err.Error(), ""))
}

// jsonSchemaPrefix is the preamble of errors from the JSON Schema 2020-12
// validator kin-openapi uses for OpenAPI 3.1.
var jsonSchemaPrefix = regexp.MustCompile(`jsonschema validation failed with '[^']*'\s*-\s*`)

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// docVisitor receives the parts of a document that carry schemas. Each
// schema is visited once, where it is defined; a SchemaRef that refers to a
// schema defined elsewhere goes to ref and is not descended into. Locations
// come as seg chains, turned into pointer tokens only when needed.
type docVisitor struct {
	schema func(at *seg, s *openapi3.Schema)
	ref    func(sr *openapi3.SchemaRef)
	param  func(at *seg, p *openapi3.Parameter) // parameters and headers
	media  func(at *seg, mt *openapi3.MediaType)
}

type docWalker struct {
	v         docVisitor
	seen      map[*openapi3.Schema]bool
	callbacks map[*openapi3.Callback]bool
}

// key and index extend a location by one step.
func atKey(at *seg, k string) *seg { return &seg{parent: at, key: k, idx: -1} }
func atIndex(at *seg, i int) *seg  { return &seg{parent: at, idx: i} }
func atKeys(at *seg, ks ...string) *seg {
	for _, k := range ks {
		at = atKey(at, k)
	}
	return at
}

// tokens returns the pointer tokens of a location.
func (s *seg) tokens() []string {
	var toks []string
	for ; s != nil; s = s.parent {
		if s.idx >= 0 {
			toks = append(toks, strconv.Itoa(s.idx))
		} else {
			toks = append(toks, s.key)
		}
	}
	slices.Reverse(toks)
	return toks
}

// walkDoc walks the components, paths and webhooks of doc.
func walkDoc(doc *openapi3.T, v docVisitor) {
	w := &docWalker{v: v, seen: make(map[*openapi3.Schema]bool), callbacks: make(map[*openapi3.Callback]bool)}
	if c := doc.Components; c != nil {
		comps := atKey(nil, "components")
		for _, k := range sortedKeys(c.Schemas) {
			w.schemaRef(atKeys(comps, "schemas", k), c.Schemas[k])
		}
		for _, k := range sortedKeys(c.Parameters) {
			w.paramRef(atKeys(comps, "parameters", k), c.Parameters[k])
		}
		for _, k := range sortedKeys(c.Headers) {
			w.headerRef(atKeys(comps, "headers", k), c.Headers[k])
		}
		for _, k := range sortedKeys(c.RequestBodies) {
			if rb := c.RequestBodies[k]; rb != nil && rb.Ref == "" && rb.Value != nil {
				w.content(atKeys(comps, "requestBodies", k, "content"), rb.Value.Content)
			}
		}
		for _, k := range sortedKeys(c.Responses) {
			w.response(atKeys(comps, "responses", k), c.Responses[k])
		}
		for _, k := range sortedKeys(c.Callbacks) {
			if cb := c.Callbacks[k]; cb != nil && cb.Ref == "" && cb.Value != nil {
				w.callback(atKeys(comps, "callbacks", k), cb.Value)
			}
		}
	}
	if doc.Paths != nil {
		items := doc.Paths.Map()
		for _, p := range sortedKeys(items) {
			w.pathItem(atKeys(nil, "paths", p), items[p])
		}
	}
	for _, k := range sortedKeys(doc.Webhooks) {
		w.pathItem(atKeys(nil, "webhooks", k), doc.Webhooks[k])
	}
}

func (w *docWalker) pathItem(at *seg, item *openapi3.PathItem) {
	if item == nil || item.Ref != "" {
		return
	}
	for i, p := range item.Parameters {
		w.paramRef(atIndex(atKey(at, "parameters"), i), p)
	}
	ops := item.Operations()
	for _, m := range sortedKeys(ops) {
		w.operation(atKey(at, strings.ToLower(m)), ops[m])
	}
}

func (w *docWalker) operation(at *seg, op *openapi3.Operation) {
	if op == nil {
		return
	}
	for i, p := range op.Parameters {
		w.paramRef(atIndex(atKey(at, "parameters"), i), p)
	}
	if rb := op.RequestBody; rb != nil && rb.Ref == "" && rb.Value != nil {
		w.content(atKeys(at, "requestBody", "content"), rb.Value.Content)
	}
	if op.Responses != nil {
		rs := op.Responses.Map()
		for _, code := range sortedKeys(rs) {
			w.response(atKeys(at, "responses", code), rs[code])
		}
	}
	for _, k := range sortedKeys(op.Callbacks) {
		if cb := op.Callbacks[k]; cb != nil && cb.Ref == "" && cb.Value != nil {
			w.callback(atKeys(at, "callbacks", k), cb.Value)
		}
	}
}

func (w *docWalker) callback(at *seg, cb *openapi3.Callback) {
	if w.callbacks[cb] {
		return
	}
	w.callbacks[cb] = true
	items := cb.Map()
	for _, expr := range sortedKeys(items) {
		w.pathItem(atKey(at, expr), items[expr])
	}
}

func (w *docWalker) response(at *seg, r *openapi3.ResponseRef) {
	if r == nil || r.Ref != "" || r.Value == nil {
		return
	}
	for _, h := range sortedKeys(r.Value.Headers) {
		w.headerRef(atKeys(at, "headers", h), r.Value.Headers[h])
	}
	w.content(atKey(at, "content"), r.Value.Content)
}

func (w *docWalker) paramRef(at *seg, p *openapi3.ParameterRef) {
	if p == nil || p.Ref != "" || p.Value == nil {
		return
	}
	w.param(at, p.Value)
}

func (w *docWalker) headerRef(at *seg, h *openapi3.HeaderRef) {
	if h == nil || h.Ref != "" || h.Value == nil {
		return
	}
	w.param(at, &h.Value.Parameter)
}

func (w *docWalker) param(at *seg, p *openapi3.Parameter) {
	if w.v.param != nil {
		w.v.param(at, p)
	}
	w.schemaRef(atKey(at, "schema"), p.Schema)
	w.content(atKey(at, "content"), p.Content)
}

func (w *docWalker) content(at *seg, c openapi3.Content) {
	for _, name := range sortedKeys(c) {
		mt := c[name]
		if mt == nil {
			continue
		}
		mat := atKey(at, name)
		if w.v.media != nil {
			w.v.media(mat, mt)
		}
		w.schemaRef(atKey(mat, "schema"), mt.Schema)
		w.schemaRef(atKey(mat, "itemSchema"), mt.ItemSchema)
	}
}

func (w *docWalker) schemaRefs(at *seg, list openapi3.SchemaRefs) {
	for i, sr := range list {
		w.schemaRef(atIndex(at, i), sr)
	}
}

func (w *docWalker) schemaMap(at *seg, m openapi3.Schemas) {
	for _, k := range sortedKeys(m) {
		w.schemaRef(atKey(at, k), m[k])
	}
}

func (w *docWalker) schemaRef(at *seg, sr *openapi3.SchemaRef) {
	if sr == nil {
		return
	}
	if sr.Ref != "" {
		if w.v.ref != nil {
			w.v.ref(sr)
		}
		return
	}
	s := sr.Value
	if s == nil || w.seen[s] {
		return
	}
	w.seen[s] = true
	if w.v.schema != nil {
		w.v.schema(at, s)
	}
	if len(s.Properties) > 0 {
		w.schemaMap(atKey(at, "properties"), s.Properties)
	}
	w.schemaRef(atKey(at, "items"), s.Items)
	w.schemaRef(atKey(at, "additionalProperties"), s.AdditionalProperties.Schema)
	w.schemaRefs(atKey(at, "allOf"), s.AllOf)
	w.schemaRefs(atKey(at, "anyOf"), s.AnyOf)
	w.schemaRefs(atKey(at, "oneOf"), s.OneOf)
	w.schemaRef(atKey(at, "not"), s.Not)
	w.schemaRefs(atKey(at, "prefixItems"), s.PrefixItems)
	w.schemaRef(atKey(at, "contains"), s.Contains)
	w.schemaMap(atKey(at, "patternProperties"), s.PatternProperties)
	w.schemaMap(atKey(at, "dependentSchemas"), s.DependentSchemas)
	w.schemaRef(atKey(at, "propertyNames"), s.PropertyNames)
	w.schemaRef(atKey(at, "if"), s.If)
	w.schemaRef(atKey(at, "then"), s.Then)
	w.schemaRef(atKey(at, "else"), s.Else)
	w.schemaRef(atKey(at, "unevaluatedItems"), s.UnevaluatedItems.Schema)
	w.schemaRef(atKey(at, "unevaluatedProperties"), s.UnevaluatedProperties.Schema)
	w.schemaRef(atKey(at, "contentSchema"), s.ContentSchema)
	w.schemaMap(atKey(at, "$defs"), s.Defs)
}
