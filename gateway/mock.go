package gateway

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// mockDoc answers for a version that has no upstream yet, from its OpenAPI
// document (design-first): the example of the operation's first 2xx
// response, or a value made from its schema.
type mockDoc struct {
	answers map[string]mockAnswer // by "METHOD template"
}

type mockAnswer struct {
	status      int
	contentType string
	body        []byte
}

// newMock prepares every operation's answer once.
func newMock(t *openapi3.T) *mockDoc {
	m := &mockDoc{answers: map[string]mockAnswer{}}
	if t.Paths == nil {
		return m
	}
	for path, item := range t.Paths.Map() {
		for method, op := range item.Operations() {
			m.answers[strings.ToUpper(method)+" "+path] = answerOf(op)
		}
	}
	return m
}

// has reports whether the mock has an answer for the operation.
func (m *mockDoc) has(method, template string) bool {
	_, ok := m.answers[method+" "+template]
	if !ok && method == http.MethodHead {
		_, ok = m.answers["GET "+template]
	}
	return ok
}

// answerOf picks the lowest 2xx response and its JSON example.
func answerOf(op *openapi3.Operation) mockAnswer {
	if op.Responses == nil {
		return mockAnswer{status: http.StatusOK}
	}
	codes := make([]string, 0, op.Responses.Len())
	for code := range op.Responses.Map() {
		if len(code) == 3 && code[0] == '2' {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	if len(codes) == 0 {
		return mockAnswer{status: http.StatusOK}
	}
	status, _ := strconv.Atoi(codes[0])
	resp := op.Responses.Value(codes[0])
	if resp == nil || resp.Value == nil || len(resp.Value.Content) == 0 {
		return mockAnswer{status: status}
	}
	ct, mt := pickJSON(resp.Value.Content)
	var v any
	switch {
	case mt.Example != nil:
		v = mt.Example
	case len(mt.Examples) > 0:
		names := make([]string, 0, len(mt.Examples))
		for n := range mt.Examples {
			names = append(names, n)
		}
		sort.Strings(names)
		if ex := mt.Examples[names[0]]; ex != nil && ex.Value != nil {
			v = ex.Value.Value
		}
	}
	if v == nil && mt.Schema != nil {
		v = sample(mt.Schema, 0)
	}
	body, err := json.Marshal(v)
	if err != nil {
		body = []byte("null")
	}
	return mockAnswer{status: status, contentType: ct, body: body}
}

// pickJSON prefers a JSON media type.
func pickJSON(c openapi3.Content) (string, *openapi3.MediaType) {
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if strings.Contains(n, "json") {
			return n, c[n]
		}
	}
	return names[0], c[names[0]]
}

// sample makes a value that fits the schema: its example or default, the
// first enum value, or a plain value of its type; objects get their
// properties, arrays one item. Depth is bounded for recursive schemas.
func sample(ref *openapi3.SchemaRef, depth int) any {
	if ref == nil || ref.Value == nil || depth > 6 {
		return nil
	}
	s := ref.Value
	switch {
	case s.Example != nil:
		return s.Example
	case s.Default != nil:
		return s.Default
	case len(s.Enum) > 0:
		return s.Enum[0]
	case len(s.AllOf) > 0:
		out := map[string]any{}
		for _, part := range s.AllOf {
			if m, ok := sample(part, depth+1).(map[string]any); ok {
				for k, v := range m {
					out[k] = v
				}
			}
		}
		return out
	case len(s.OneOf) > 0:
		return sample(s.OneOf[0], depth+1)
	case len(s.AnyOf) > 0:
		return sample(s.AnyOf[0], depth+1)
	}
	switch {
	case s.Type.Is("object") || s.Type == nil && len(s.Properties) > 0:
		out := map[string]any{}
		for name, p := range s.Properties {
			out[name] = sample(p, depth+1)
		}
		return out
	case s.Type.Is("array"):
		if s.Items == nil {
			return []any{}
		}
		return []any{sample(s.Items, depth+1)}
	case s.Type.Is("integer"):
		if s.Min != nil {
			return int64(*s.Min)
		}
		return 0
	case s.Type.Is("number"):
		if s.Min != nil {
			return *s.Min
		}
		return 0
	case s.Type.Is("boolean"):
		return true
	case s.Type.Is("string"):
		switch s.Format {
		case "date-time":
			return "2026-01-01T00:00:00Z"
		case "date":
			return "2026-01-01"
		case "uuid":
			return "00000000-0000-4000-8000-000000000000"
		case "email":
			return "user@example.com"
		case "uri":
			return "https://example.com/"
		}
		if s.MinLength > 0 {
			return strings.Repeat("x", int(min(s.MinLength, 64)))
		}
		return "string"
	}
	return nil
}

// respond writes the prepared answer of an operation.
func (m *mockDoc) respond(w http.ResponseWriter, r *http.Request, method, template string) int {
	a, ok := m.answers[method+" "+template]
	if !ok && method == http.MethodHead {
		a, ok = m.answers["GET "+template]
	}
	if !ok {
		a = mockAnswer{status: http.StatusNotImplemented}
	}
	h := w.Header()
	h.Set("X-Portico-Mock", "true")
	if len(a.body) > 0 {
		h.Set("Content-Type", a.contentType)
		h.Set("Content-Length", strconv.Itoa(len(a.body)))
	}
	w.WriteHeader(a.status)
	if r.Method != http.MethodHead && len(a.body) > 0 && a.status != http.StatusNoContent {
		_, _ = w.Write(a.body)
	}
	return a.status
}
