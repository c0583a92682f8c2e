package reference

import (
	"bytes"
	"cmp"
	"encoding/json"
	"math"
	"net/url"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/portico/portico/models"
)

// direction says whether a body is sent or received: readOnly properties
// are left out of generated request examples, writeOnly ones out of
// response examples.
type direction uint8

const (
	dirRequest direction = iota
	dirResponse
)

type exampleKey struct {
	s    *openapi3.Schema
	dir  direction
	form bool
}

// Limits of generated examples: they stay readable and finite whatever the
// schema (cycles are cut as well).
const (
	exampleMaxDepth  = 8
	exampleSoftNodes = 150 // past this many values, optional properties are left out
	exampleHardNodes = 600 // past this many, nothing more is added
)

// mediaExamples returns the examples the document gives for a media type,
// or one generated from its schema.
func (b *builder) mediaExamples(mt string, m *openapi3.MediaType, dir direction, generate bool) []models.RefExample {
	if m.Example != nil {
		return []models.RefExample{{Value: exampleText(mt, m.Example)}}
	}
	if len(m.Examples) > 0 {
		names := make([]string, 0, len(m.Examples))
		for k, e := range m.Examples {
			if e != nil && e.Value != nil {
				names = append(names, k)
			}
		}
		slices.SortFunc(names, func(x, y string) int {
			if c := cmp.Compare(originLine(m.Examples[x].Value.Origin), originLine(m.Examples[y].Value.Origin)); c != 0 {
				return c
			}
			return strings.Compare(x, y)
		})
		var out []models.RefExample
		for _, k := range names {
			e := m.Examples[k].Value
			re := models.RefExample{
				Name:            k,
				Summary:         e.Summary,
				DescriptionHTML: b.markdown(e.Description),
				ExternalURL:     e.ExternalValue,
			}
			if e.Value != nil {
				re.Value = exampleText(mt, e.Value)
			}
			out = append(out, re)
		}
		if len(out) > 0 {
			return out
		}
	}
	if m.Schema == nil || m.Schema.Value == nil {
		return nil
	}
	if s := m.Schema.Value; s.Example != nil {
		return []models.RefExample{{Value: exampleText(mt, s.Example)}}
	} else if len(s.Examples) > 0 && s.Examples[0] != nil {
		return []models.RefExample{{Value: exampleText(mt, s.Examples[0])}}
	}
	if !generate || !generatable(mt) {
		return nil
	}
	v := b.generatedText(m.Schema, dir, isForm(mt))
	if v == "" {
		return nil
	}
	return []models.RefExample{{Value: v, Generated: true}}
}

// generatedText returns an example generated from sr, as pretty JSON or as
// form fields, computed once per schema, direction and form.
func (b *builder) generatedText(sr *openapi3.SchemaRef, dir direction, form bool) string {
	key := exampleKey{sr.Value, dir, form}
	if t, ok := b.examples[key]; ok {
		return t
	}
	v, ok := b.generate(sr, dir, false)
	t := ""
	switch {
	case ok && form:
		t = formText(v)
	case ok:
		t = prettyJSON(v)
	}
	b.examples[key] = t
	return t
}

func isForm(mt string) bool {
	return mediaBase(mt) == "application/x-www-form-urlencoded"
}

// formText shows a value as the form fields that send it, one per line
// ("address[city]=Berlin"): names readable, values URL-encoded.
func formText(v any) string {
	fields := formFields("", v, 0)
	if len(fields) == 0 {
		return ""
	}
	var sb strings.Builder
	for i, f := range fields {
		if i > 0 {
			sb.WriteString("&\n")
		}
		sb.WriteString(f[0])
		sb.WriteByte('=')
		sb.WriteString(url.QueryEscape(f[1]))
	}
	return sb.String()
}

// generate builds an example value for sr. With requiredOnly, objects at
// the top get only their required properties (for compact curl samples).
func (b *builder) generate(sr *openapi3.SchemaRef, dir direction, requiredOnly bool) (any, bool) {
	g := &exGen{b: b, dir: dir, requiredOnly: requiredOnly}
	return g.value(sr, 0)
}

func generatable(mt string) bool {
	mt = mediaBase(mt)
	return isJSON(mt) || mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data" ||
		mt == "*/*" || mt == "application/*" || strings.HasPrefix(mt, "text/plain")
}

func mediaBase(mt string) string {
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// isJSON reports whether a media type carries JSON.
func isJSON(mt string) bool {
	mt = mediaBase(mt)
	return mt == "application/json" || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "/json")
}

// exampleText renders an example from the document: a string as it is for
// non-JSON media types, form fields for form bodies, anything else as
// pretty JSON.
func exampleText(mt string, v any) string {
	if s, ok := v.(string); ok && !isJSON(mt) {
		return s
	}
	if isForm(mt) {
		if t := formText(v); t != "" {
			return t
		}
	}
	return prettyJSON(v)
}

// object is a JSON object that keeps its key order.
type object struct {
	keys []string
	vals []any
}

func (o *object) set(k string, v any) {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

type exGen struct {
	b            *builder
	dir          direction
	requiredOnly bool
	stack        []*openapi3.Schema
	nodes        int
}

// value returns an example for sr; false means "cut here" (a cycle, too
// deep, or too big).
func (g *exGen) value(sr *openapi3.SchemaRef, depth int) (any, bool) {
	if sr == nil || sr.Value == nil {
		return nil, true
	}
	s := sr.Value
	switch {
	case s.Example != nil:
		return s.Example, true
	case len(s.Examples) > 0:
		return s.Examples[0], true
	case s.Const != nil:
		return s.Const, true
	case s.Default != nil:
		return s.Default, true
	}
	for _, e := range s.Enum {
		if e != nil {
			return e, true
		}
	}
	if slices.Contains(g.stack, s) || depth > exampleMaxDepth || g.nodes >= exampleHardNodes {
		return nil, false
	}
	g.nodes++
	g.stack = append(g.stack, s)
	defer func() { g.stack = g.stack[:len(g.stack)-1] }()

	order := g.b.propOrder(s)
	if len(s.AllOf) > 0 {
		w := walk{stack: slices.Clone(g.stack), names: make([]string, len(g.stack)), depth: depth}
		if m, mo, _, ok := g.b.mergeAllOf(s, w); ok {
			s, order = m, mo
		} else {
			return g.value(s.AllOf[0], depth+1)
		}
	}
	variants := s.OneOf
	if len(variants) == 0 {
		variants = s.AnyOf
	}
	types := nonNullTypes(s)
	typ := ""
	if len(types) > 0 {
		typ = types[0]
	} else {
		switch {
		case len(s.Properties) > 0 || s.AdditionalProperties.Schema != nil:
			typ = "object"
		case s.Items != nil:
			typ = "array"
		case len(variants) > 0:
			for _, v := range variants {
				if v != nil && v.Value != nil && !v.Value.Type.Is(openapi3.TypeNull) {
					return g.value(v, depth+1)
				}
			}
			return nil, true
		case s.Type.Is(openapi3.TypeNull):
			return nil, true
		default:
			return nil, true
		}
	}
	switch typ {
	case openapi3.TypeObject:
		return g.object(s, order, variants, depth), true
	case openapi3.TypeArray:
		item, ok := g.value(s.Items, depth+1)
		if !ok || s.Items == nil {
			return []any{}, true
		}
		n := int(min(max(s.MinItems, 1), 3))
		arr := make([]any, n)
		for i := range arr {
			arr[i] = item
		}
		return arr, true
	case openapi3.TypeString:
		return stringExample(s), true
	case openapi3.TypeInteger:
		return integerExample(s), true
	case openapi3.TypeNumber:
		return numberExample(s), true
	case openapi3.TypeBoolean:
		return true, true
	}
	return nil, true
}

func (g *exGen) object(s *openapi3.Schema, order []string, variants openapi3.SchemaRefs, depth int) *object {
	o := &object{}
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	top := depth == 0
	for _, p := range order {
		ps := s.Properties[p]
		if ps == nil || ps.Value == nil {
			continue
		}
		if g.dir == dirRequest && ps.Value.ReadOnly || g.dir == dirResponse && ps.Value.WriteOnly {
			continue
		}
		if !required[p] && (g.nodes >= exampleSoftNodes || top && g.requiredOnly) {
			continue
		}
		v, ok := g.value(ps, depth+1)
		if !ok {
			continue
		}
		o.set(p, v)
	}
	if len(order) == 0 && s.AdditionalProperties.Schema != nil && !g.requiredOnly {
		if v, ok := g.value(s.AdditionalProperties.Schema, depth+1); ok {
			o.set("key", v)
		}
	}
	// An object with oneOf/anyOf: add the fields of the first variant.
	for _, v := range variants {
		if v == nil || v.Value == nil || v.Value.Type.Is(openapi3.TypeNull) {
			continue
		}
		vv, ok := g.value(v, depth+1)
		if vo, isObj := vv.(*object); ok && isObj {
			for i, k := range vo.keys {
				if !slices.Contains(o.keys, k) {
					o.set(k, vo.vals[i])
				}
			}
		}
		break
	}
	return o
}

var formatExamples = map[string]string{
	"date-time":     "2024-01-15T09:30:00Z",
	"date":          "2024-01-15",
	"time":          "09:30:00Z",
	"duration":      "P1D",
	"email":         "user@example.com",
	"idn-email":     "user@example.com",
	"uri":           "https://example.com",
	"url":           "https://example.com",
	"uri-reference": "https://example.com",
	"iri":           "https://example.com",
	"hostname":      "example.com",
	"uuid":          "3fa85f64-5717-4562-b3fc-2c963f66afa6",
	"ipv4":          "192.0.2.1",
	"ipv6":          "2001:db8::1",
	"byte":          "U3dhZ2dlciByb2Nrcw==",
	"binary":        "<binary>",
	"password":      "********",
	"iban":          "GB33BUKB20201555555555",
	"bic":           "DEUTDEFF",
}

func stringExample(s *openapi3.Schema) string {
	if v, ok := formatExamples[s.Format]; ok {
		return v
	}
	v := "string"
	if s.Pattern != "" {
		if p, ok := patternExample(s.Pattern); ok {
			return p
		}
	}
	if n := int(s.MinLength); utf8.RuneCountInString(v) < n {
		v += strings.Repeat("x", min(n, 256)-utf8.RuneCountInString(v))
	}
	if s.MaxLength != nil && uint64(len(v)) > *s.MaxLength {
		v = v[:*s.MaxLength]
	}
	return v
}

// patternExample builds a short string matching a simple regular
// expression: the first choice of each alternation and class, the minimum
// of each repetition (at least once). It gives up on anything it cannot
// check with Go's regexp.
func patternExample(pattern string) (string, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	var sb strings.Builder
	if !writePattern(&sb, re.Simplify(), 0) || sb.Len() > 128 {
		return "", false
	}
	out := sb.String()
	ok, err := regexp.MatchString(pattern, out)
	if err != nil || !ok {
		return "", false
	}
	return out, true
}

func writePattern(sb *strings.Builder, re *syntax.Regexp, depth int) bool {
	if depth > 20 || sb.Len() > 128 {
		return false
	}
	switch re.Op {
	case syntax.OpLiteral:
		sb.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		if len(re.Rune) < 2 {
			return false
		}
		r := re.Rune[0]
		// Prefer a letter or digit when the class has one.
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			for _, c := range []rune{'a', 'A', '0'} {
				if lo <= c && c <= hi {
					r = c
					goto found
				}
			}
		}
	found:
		sb.WriteRune(r)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		sb.WriteByte('a')
	case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpEmptyMatch:
	case syntax.OpCapture:
		return writePattern(sb, re.Sub[0], depth+1)
	case syntax.OpStar, syntax.OpQuest:
	case syntax.OpPlus:
		return writePattern(sb, re.Sub[0], depth+1)
	case syntax.OpRepeat:
		for range max(re.Min, 1) {
			if !writePattern(sb, re.Sub[0], depth+1) {
				return false
			}
		}
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !writePattern(sb, sub, depth+1) {
				return false
			}
		}
	case syntax.OpAlternate:
		return writePattern(sb, re.Sub[0], depth+1)
	default:
		return false
	}
	return true
}

func integerExample(s *openapi3.Schema) any {
	v := 0.0
	switch {
	case s.Min != nil:
		v = math.Ceil(*s.Min)
		if s.ExclusiveMin.IsTrue() && v == *s.Min {
			v++
		}
	case s.ExclusiveMin.Value != nil:
		v = math.Floor(*s.ExclusiveMin.Value) + 1
	case s.Max != nil && *s.Max < 0:
		v = math.Floor(*s.Max)
	}
	if m := s.MultipleOf; m != nil && *m > 0 {
		v = math.Ceil(v / *m) * *m
	}
	return int64(v)
}

func numberExample(s *openapi3.Schema) any {
	v := 0.0
	switch {
	case s.Min != nil:
		v = *s.Min
		if s.ExclusiveMin.IsTrue() {
			v++
		}
	case s.ExclusiveMin.Value != nil:
		v = *s.ExclusiveMin.Value + 1
	case s.Max != nil && *s.Max < 0:
		v = *s.Max
	}
	if m := s.MultipleOf; m != nil && *m > 0 {
		v = math.Ceil(v / *m) * *m
	}
	return v
}

// prettyJSON renders v with two-space indentation, keeping the key order of
// generated objects. HTML characters are not escaped: views escape text.
func prettyJSON(v any) string {
	var buf bytes.Buffer
	writeJSON(&buf, v, "")
	return buf.String()
}

func writeJSON(buf *bytes.Buffer, v any, indent string) {
	switch x := v.(type) {
	case *object:
		if len(x.keys) == 0 {
			buf.WriteString("{}")
			return
		}
		buf.WriteString("{\n")
		inner := indent + "  "
		for i, k := range x.keys {
			buf.WriteString(inner)
			writeScalar(buf, k)
			buf.WriteString(": ")
			writeJSON(buf, x.vals[i], inner)
			if i < len(x.keys)-1 {
				buf.WriteByte(',')
			}
			buf.WriteByte('\n')
		}
		buf.WriteString(indent)
		buf.WriteByte('}')
	case []any:
		if len(x) == 0 {
			buf.WriteString("[]")
			return
		}
		buf.WriteString("[\n")
		inner := indent + "  "
		for i, e := range x {
			buf.WriteString(inner)
			writeJSON(buf, e, inner)
			if i < len(x)-1 {
				buf.WriteByte(',')
			}
			buf.WriteByte('\n')
		}
		buf.WriteString(indent)
		buf.WriteByte(']')
	case map[string]any:
		if len(x) == 0 {
			buf.WriteString("{}")
			return
		}
		keys := sortedKeys(x)
		buf.WriteString("{\n")
		inner := indent + "  "
		for i, k := range keys {
			buf.WriteString(inner)
			writeScalar(buf, k)
			buf.WriteString(": ")
			writeJSON(buf, x[k], inner)
			if i < len(keys)-1 {
				buf.WriteByte(',')
			}
			buf.WriteByte('\n')
		}
		buf.WriteString(indent)
		buf.WriteByte('}')
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			buf.WriteString(strconv.FormatInt(int64(x), 10))
			return
		}
		writeScalar(buf, x)
	default:
		writeScalar(buf, x)
	}
}

func writeScalar(buf *bytes.Buffer, v any) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		buf.WriteString("null")
		return
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
}
