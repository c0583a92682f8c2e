package gateway

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// loadedDoc is a route's parsed OpenAPI document with what the gateway
// derives from it: the mock's answers and the validator's routes.
type loadedDoc struct {
	t      *openapi3.T
	mock   *mockDoc
	routes map[string]*routers.Route // by "METHOD template"
}

// needsDocument reports whether a route's document must load: for the
// mock (no upstream) or for request validation.
func needsDocument(r *Route) bool {
	return r.State != "retired" && (r.Upstream == "" || r.Validate)
}

// loadDocs parses the documents the snapshot's routes need, in parallel,
// reusing those of the previous snapshot that did not change.
func (g *Gateway) loadDocs(s *Snapshot) (map[int]*loadedDoc, error) {
	if s == nil {
		return nil, nil
	}
	type job struct {
		i   int
		sum [32]byte
		doc *loadedDoc
		err error
	}
	var jobs []*job
	g.docsMu.Lock()
	old := g.docs
	g.docsMu.Unlock()
	for i := range s.Routes {
		if needsDocument(&s.Routes[i]) {
			j := &job{i: i, sum: sha256.Sum256(s.Routes[i].Document)}
			j.doc = old[j.sum]
			jobs = append(jobs, j)
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, j := range jobs {
		if j.doc != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			j.doc, j.err = loadDoc(s.Routes[j.i].Document)
		}()
	}
	wg.Wait()
	out := map[int]*loadedDoc{}
	keep := map[[32]byte]*loadedDoc{}
	var errs []error
	for _, j := range jobs {
		r := &s.Routes[j.i]
		if j.err != nil {
			errs = append(errs, fmt.Errorf("route %s: its OpenAPI document does not load: %v", r.BasePath, j.err))
			continue
		}
		out[j.i], keep[j.sum] = j.doc, j.doc
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	g.docsMu.Lock()
	g.docs = keep
	g.docsMu.Unlock()
	return out, nil
}

// loadDoc parses a (bundled) document and prepares its mock and routes.
func loadDoc(raw []byte) (*loadedDoc, error) {
	if len(raw) == 0 {
		return nil, errors.New("no document")
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	t, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, err
	}
	d := &loadedDoc{t: t, mock: newMock(t), routes: map[string]*routers.Route{}}
	if t.Paths != nil {
		for path, item := range t.Paths.Map() {
			for method, op := range item.Operations() {
				m := strings.ToUpper(method)
				d.routes[m+" "+path] = &routers.Route{Spec: t, Path: path, PathItem: item, Method: m, Operation: op}
			}
		}
	}
	return d, nil
}

var validationOptions = &openapi3filter.Options{
	MultiError:         true,
	AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, // the gateway authenticated already
}

// validate checks the request against the operation of the document. The
// body, when there is one, has been read whole (body); the messages never
// contain the credentials in secrets.
func (d *loadedDoc) validate(r *http.Request, op *operation, rest string, body []byte, secrets ...string) []string {
	rt := d.routes[op.Method+" "+op.Path]
	if rt == nil {
		return nil // the operation list and the document disagree: nothing to check against
	}
	params := map[string]string{}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	for i, name := range op.params {
		if name != "" && i < len(parts) {
			params[name] = parts[i]
		}
	}
	req := r.Clone(r.Context())
	if body != nil {
		req.Body = readCloser{bytes.NewReader(body)}
	}
	err := openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: rt, Options: validationOptions,
	})
	if err == nil {
		return nil
	}
	var list []error
	var me openapi3.MultiError
	if errors.As(err, &me) {
		list = me
	} else {
		list = []error{err}
	}
	var out []string
	for _, e := range list {
		msg := e.Error()
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i] // the reason, without the schema and value dumps
		}
		for _, s := range secrets {
			if s != "" {
				msg = strings.ReplaceAll(msg, s, "…")
			}
		}
		out = append(out, msg)
		if len(out) == 20 {
			break
		}
	}
	return out
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
