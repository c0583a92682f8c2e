package reference

import (
	"cmp"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// placeholderServer stands in for a server URL the document does not give
// as an absolute URL.
const placeholderServer = "https://api.example.com"

// curl returns a ready-to-run curl command for an operation: the first
// server, example values for path parameters, required query, header and
// cookie parameters, placeholders for the credentials of the first security
// alternative, and the first request body media type with its example.
func (b *builder) curl(o opRef, params []*openapi3.Parameter, security openapi3.SecurityRequirements) string {
	var headers, cookies []string
	var query []string
	seenHeader := map[string]bool{}
	addHeader := func(name, value string) {
		key := strings.ToLower(name)
		if seenHeader[key] {
			return
		}
		seenHeader[key] = true
		headers = append(headers, name+": "+value)
	}

	// Credentials first, so a documented Authorization header parameter
	// does not repeat them.
	var userFlag []string
	for _, req := range security {
		if len(req) == 0 {
			continue
		}
		for _, name := range sortedKeys(req) {
			s := b.securityScheme(name)
			if s == nil {
				continue
			}
			switch s.Type {
			case "apiKey":
				switch s.In {
				case "query":
					query = append(query, url.QueryEscape(s.Name)+"=YOUR_API_KEY")
				case "cookie":
					cookies = append(cookies, s.Name+"=<api-key>")
				default:
					addHeader(s.Name, "<api-key>")
				}
			case "http":
				switch strings.ToLower(s.Scheme) {
				case "basic":
					userFlag = []string{"-u", "<username>:<password>"}
				case "bearer":
					addHeader("Authorization", "Bearer <token>")
				default:
					addHeader("Authorization", s.Scheme+" <credentials>")
				}
			case "oauth2", "openIdConnect":
				addHeader("Authorization", "Bearer <access-token>")
			case "mutualTLS":
				userFlag = []string{"--cert", "client.crt", "--key", "client.key"}
			}
		}
		break
	}

	p := o.path
	for _, prm := range params {
		switch prm.In {
		case "path":
			v := b.paramValue(prm)
			p = strings.ReplaceAll(p, "{"+prm.Name+"}", url.PathEscape(v))
		case "query":
			if !prm.Required {
				continue
			}
			query = append(query, url.QueryEscape(prm.Name)+"="+url.QueryEscape(b.paramValue(prm)))
		case "header":
			if !prm.Required {
				continue
			}
			addHeader(prm.Name, b.paramValue(prm))
		case "cookie":
			if prm.Required {
				cookies = append(cookies, prm.Name+"="+b.paramValue(prm))
			}
		}
	}

	target := strings.TrimRight(b.serverURL(o), "/") + p
	if len(query) > 0 {
		target += "?" + strings.Join(query, "&")
	}

	var body []string
	if rb := o.op.RequestBody; rb != nil && rb.Value != nil && len(rb.Value.Content) > 0 {
		mt, m := firstMedia(rb.Value.Content)
		addHeader("Content-Type", mt)
		body = b.curlBody(mt, m)
	}

	var sb strings.Builder
	sb.WriteString("curl")
	if strings.ContainsAny(target, "[]{}") {
		sb.WriteString(" --globoff")
	}
	sb.WriteString(" -X " + o.method + " " + shellQuote(target))
	line := func(parts ...string) {
		sb.WriteString(" \\\n ")
		for _, x := range parts {
			sb.WriteString(" ")
			sb.WriteString(x)
		}
	}
	if len(userFlag) == 2 && userFlag[0] == "-u" {
		line("-u", shellQuote(userFlag[1]))
	} else if len(userFlag) > 0 {
		line(userFlag...)
	}
	for _, h := range headers {
		line("-H", shellQuote(h))
	}
	if len(cookies) > 0 {
		line("-b", shellQuote(strings.Join(cookies, "; ")))
	}
	for i := 0; i+1 < len(body); i += 2 {
		line(body[i], body[i+1])
	}
	return sb.String()
}

func (b *builder) securityScheme(name string) *openapi3.SecurityScheme {
	if b.doc.Components == nil {
		return nil
	}
	if sr := b.doc.Components.SecuritySchemes[name]; sr != nil {
		return sr.Value
	}
	return nil
}

// serverURL is the first server of the operation (its own, its path's, or
// the document's) with variables replaced by their defaults.
func (b *builder) serverURL(o opRef) string {
	servers := b.doc.Servers
	if len(o.item.Servers) > 0 {
		servers = o.item.Servers
	}
	if o.op.Servers != nil && len(*o.op.Servers) > 0 {
		servers = *o.op.Servers
	}
	var s *openapi3.Server
	for _, x := range servers {
		if x != nil {
			s = x
			break
		}
	}
	if s == nil || s.URL == "" {
		return placeholderServer
	}
	u := s.URL
	for name, v := range s.Variables {
		if v != nil {
			u = strings.ReplaceAll(u, "{"+name+"}", v.Default)
		}
	}
	switch {
	case strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://"):
		return u
	case strings.HasPrefix(u, "//"):
		return "https:" + u
	case strings.HasPrefix(u, "/"):
		return placeholderServer + u
	case strings.Contains(u, "://"):
		return u
	}
	return placeholderServer + "/" + u
}

func firstMedia(c openapi3.Content) (string, *openapi3.MediaType) {
	types := sortedMediaTypes(c)
	if len(types) == 0 {
		return "", nil
	}
	return types[0], c[types[0]]
}

// sortedMediaTypes returns the media types of c that have a value: JSON
// first, then in document order, then by name.
func sortedMediaTypes(c openapi3.Content) []string {
	types := make([]string, 0, len(c))
	for mt, m := range c {
		if m != nil {
			types = append(types, mt)
		}
	}
	slices.SortFunc(types, func(x, y string) int {
		jx, jy := isJSON(x), isJSON(y)
		if jx != jy {
			if jx {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(originLine(c[x].Origin), originLine(c[y].Origin)); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	})
	return types
}

// curlBody returns flag/value pairs for the request body.
func (b *builder) curlBody(mt string, m *openapi3.MediaType) []string {
	base := mediaBase(mt)
	switch {
	case isJSON(mt):
		v, ok := b.bodyValue(m, false)
		if !ok {
			return nil
		}
		if s, isStr := v.(string); isStr && docExample(m) {
			return []string{"-d", shellQuote(s)}
		}
		return []string{"-d", shellQuote(prettyJSON(v))}
	case base == "application/x-www-form-urlencoded" || base == "multipart/form-data":
		v, ok := b.bodyValue(m, true)
		if !ok {
			return nil
		}
		flag := "-d"
		if base == "multipart/form-data" {
			flag = "-F"
		}
		var out []string
		for _, kv := range formFields("", v, 0) {
			if flag == "-F" && kv[1] == "<binary>" {
				out = append(out, flag, shellQuote(kv[0]+"=@file"))
				continue
			}
			if flag == "-d" {
				out = append(out, flag, shellQuote(url.QueryEscape(kv[0])+"="+url.QueryEscape(kv[1])))
			} else {
				out = append(out, flag, shellQuote(kv[0]+"="+kv[1]))
			}
		}
		return out
	default:
		v, ok := b.bodyValue(m, false)
		if !ok {
			return []string{"--data-binary", "@body"}
		}
		if s, isStr := v.(string); isStr {
			return []string{"--data-binary", shellQuote(s)}
		}
		return []string{"--data-binary", shellQuote(prettyJSON(v))}
	}
}

func docExample(m *openapi3.MediaType) bool {
	return m.Example != nil || len(m.Examples) > 0
}

// bodyValue returns the example value of a body: the document's, else one
// generated from the schema (with only required fields when requiredOnly).
func (b *builder) bodyValue(m *openapi3.MediaType, requiredOnly bool) (any, bool) {
	if m == nil {
		return nil, false
	}
	if m.Example != nil {
		return m.Example, true
	}
	for _, k := range sortedKeys(m.Examples) {
		if e := m.Examples[k]; e != nil && e.Value != nil && e.Value.Value != nil {
			return e.Value.Value, true
		}
	}
	if m.Schema == nil || m.Schema.Value == nil {
		return nil, false
	}
	return b.generate(m.Schema, dirRequest, requiredOnly)
}

// formFields flattens a value into form fields the way Stripe-style APIs
// read them: nested objects as a[b], arrays as a[].
func formFields(prefix string, v any, depth int) [][2]string {
	if depth > 4 {
		return nil
	}
	var out [][2]string
	name := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "[" + k + "]"
	}
	switch x := v.(type) {
	case *object:
		for i, k := range x.keys {
			out = append(out, formFields(name(k), x.vals[i], depth+1)...)
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			out = append(out, formFields(name(k), x[k], depth+1)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, formFields(prefix+"[]", e, depth+1)...)
		}
	default:
		if prefix != "" {
			out = append(out, [2]string{prefix, scalarText(x)})
		}
	}
	return out
}

// paramValue is the value a sample request uses for a parameter: its
// example, else one generated from its schema; a plain string without
// either becomes the parameter's name in capitals, a visible placeholder.
func (b *builder) paramValue(p *openapi3.Parameter) string {
	if v, ok := paramExample(p); ok {
		return flatValue(v)
	}
	sr := paramSchema(p)
	if sr != nil && sr.Value != nil {
		if v, ok := b.generate(sr, dirRequest, true); ok && v != nil {
			if s, isStr := v.(string); !isStr || s != "string" {
				return flatValue(v)
			}
		}
	}
	return placeholder(p.Name)
}

func flatValue(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, flatValue(e))
		}
		return strings.Join(parts, ",")
	case *object:
		return strings.Join(x.keys, ",")
	case map[string]any:
		return jsonText(x)
	}
	return scalarText(v)
}

func placeholder(name string) string {
	var sb strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z':
			sb.WriteRune(r - 'a' + 'A')
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			sb.WriteRune(r)
		default:
			sb.WriteByte('_')
		}
	}
	if sb.Len() == 0 {
		return "VALUE"
	}
	return sb.String()
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
