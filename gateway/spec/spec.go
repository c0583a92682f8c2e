// Package spec validates requests against an API version's OpenAPI
// document at the gateway, with kin-openapi's openapi3filter: parameters
// (path, query, header, cookie) and JSON bodies. Patterns are ECMAScript
// regular expressions compiled by openapi.CompilePattern, so the look-ahead
// patterns of UK Open Banking documents work (with a match timeout) instead
// of breaking validation. Security requirements are not checked here: the
// gateway authenticates.
package spec

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/portico/portico/openapi"
)

// Doc is a loaded document, safe for concurrent use.
type Doc struct {
	doc    *openapi3.T
	routes map[string]*routers.Route // by "METHOD /template"
	opts   *openapi3filter.Options
}

// Load parses an OpenAPI 3.x JSON document (the gateway snapshot's form)
// and prepares every operation once.
func Load(data []byte) (*Doc, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	t, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load document: %w", err)
	}
	d := &Doc{doc: t, routes: map[string]*routers.Route{}, opts: &openapi3filter.Options{
		MultiError:         true,
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		RegexCompiler:      openapi.CompilePattern,
		// Parameters get only SchemaValidationOptions, not RegexCompiler
		// (kin-openapi v0.152): without this, a look-ahead pattern on a
		// header fails to compile and refuses every request.
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.SetSchemaRegexCompiler(openapi.CompilePattern)},
		SkipSettingDefaults:     true,
	}}
	if t.Paths == nil {
		return d, nil
	}
	for path, item := range t.Paths.Map() {
		for method, op := range item.Operations() {
			d.routes[strings.ToUpper(method)+" "+path] = &routers.Route{Spec: t, Path: path, PathItem: item, Method: strings.ToUpper(method), Operation: op}
		}
	}
	return d, nil
}

// FieldError is one reason a request does not fit its operation.
type FieldError struct {
	In      string `json:"in"`             // "path", "query", "header", "cookie" or "body"
	Name    string `json:"name,omitempty"` // the parameter, or a JSON pointer into the body
	Message string `json:"message"`
}

// ValidationError lists why a request was refused.
type ValidationError struct {
	Errors []FieldError
	// Unsupported is set when the body's media type is not one the
	// operation takes (415).
	Unsupported bool
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		parts[i] = f.In + " " + f.Name + ": " + f.Message
	}
	return "request does not match the API's document: " + strings.Join(parts, "; ")
}

// Validate checks r against the operation method + pathTemplate. It reads
// the body (already capped by the gateway) and puts it back for the
// upstream. pathParams may be nil: they are then read from rest, the path
// after the version's base path.
func (d *Doc) Validate(r *http.Request, method, pathTemplate string, pathParams map[string]string) error {
	route, ok := d.routes[method+" "+pathTemplate]
	if !ok {
		return nil // the gateway already knows the operation exists
	}
	if pathParams == nil {
		pathParams = map[string]string{}
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: pathParams, Route: route, Options: d.opts}
	err := guard(func() error { return openapi3filter.ValidateRequest(context.Background(), in) })
	if err == nil {
		return nil
	}
	return explain(err)
}

// guard turns a panic in the validator (hostile input) into an error.
func guard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &ValidationError{Errors: []FieldError{{In: "body", Message: "the request could not be validated"}}}
		}
	}()
	return fn()
}

// PathParams reads the values of a template's {parameters} from the path
// after the base path ("/accounts/{id}" and "/accounts/42" → id=42).
func PathParams(template, rest string) map[string]string {
	out := map[string]string{}
	ts := strings.Split(strings.Trim(template, "/"), "/")
	ps := strings.Split(strings.Trim(rest, "/"), "/")
	for i, t := range ts {
		if i < len(ps) && strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			out[t[1:len(t)-1]] = ps[i]
		}
	}
	return out
}

// explain turns openapi3filter's errors into field errors with short,
// safe messages (values are clipped, never echoed whole).
func explain(err error) error {
	var errs []error
	var me openapi3.MultiError
	if errors.As(err, &me) {
		errs = me
	} else {
		errs = []error{err}
	}
	out := &ValidationError{}
	for _, e := range errs {
		var re *openapi3filter.RequestError
		if !errors.As(e, &re) {
			out.Errors = append(out.Errors, FieldError{In: "request", Message: clip(e.Error())})
			continue
		}
		f := FieldError{In: "body"}
		if re.Parameter != nil {
			f.In, f.Name = re.Parameter.In, re.Parameter.Name
		}
		if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) || strings.Contains(re.Error(), "value is required") {
			f.Message = "is required"
		}
		var se *openapi3.SchemaError
		var inner openapi3.MultiError
		switch {
		case errors.As(re.Err, &inner) && len(inner) > 0:
			for _, ie := range inner {
				g := f
				if errors.As(ie, &se) {
					g.Name = pointer(f, se)
					g.Message = clip(se.Reason)
				} else {
					g.Message = clip(ie.Error())
				}
				out.Errors = append(out.Errors, g)
			}
			continue
		case errors.As(re.Err, &se):
			f.Name = pointer(f, se)
			f.Message = clip(se.Reason)
		case f.Message == "":
			f.Message = clip(re.Reason)
			if f.Message == "" && re.Err != nil {
				f.Message = clip(re.Err.Error())
			}
		}
		var ct *openapi3filter.ParseError
		if re.RequestBody != nil && (strings.Contains(re.Error(), "unsupported content type") || errors.As(re.Err, &ct) && ct.Kind == openapi3filter.KindUnsupportedFormat) {
			out.Unsupported = true
		}
		out.Errors = append(out.Errors, f)
	}
	sort.SliceStable(out.Errors, func(i, j int) bool { return out.Errors[i].In < out.Errors[j].In })
	return out
}

// pointer names where in the body (or parameter) a schema error is.
func pointer(f FieldError, se *openapi3.SchemaError) string {
	p := se.JSONPointer()
	if f.In != "body" {
		return f.Name
	}
	if len(p) == 0 {
		return "/"
	}
	return "/" + strings.Join(p, "/")
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
