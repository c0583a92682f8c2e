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

	"github.com/portico/portico/gateway/spec"
)

// loadedDoc is a route's parsed OpenAPI document in the forms the gateway
// uses: the mock's answers (no upstream) and the validator (Validate).
type loadedDoc struct {
	mock *mockDoc
	spec *spec.Doc
}

// docKey identifies a loaded document: its bytes and what it is loaded for.
type docKey struct {
	sum            [32]byte
	mock, validate bool
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
		key docKey
		doc *loadedDoc
		err error
	}
	var jobs []*job
	g.docsMu.Lock()
	old := g.docs
	g.docsMu.Unlock()
	for i := range s.Routes {
		r := &s.Routes[i]
		if needsDocument(r) {
			j := &job{i: i, key: docKey{sha256.Sum256(r.Document), r.Upstream == "", r.Validate}}
			j.doc = old[j.key]
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
			j.doc, j.err = loadDoc(s.Routes[j.i].Document, j.key.mock, j.key.validate)
		}()
	}
	wg.Wait()
	out := map[int]*loadedDoc{}
	keep := map[docKey]*loadedDoc{}
	var errs []error
	for _, j := range jobs {
		r := &s.Routes[j.i]
		if j.err != nil {
			errs = append(errs, fmt.Errorf("route %s: its OpenAPI document does not load: %v", r.BasePath, j.err))
			continue
		}
		out[j.i], keep[j.key] = j.doc, j.doc
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	g.docsMu.Lock()
	g.docs = keep
	g.docsMu.Unlock()
	return out, nil
}

// loadDoc parses a (bundled) document for the mock and for validation.
func loadDoc(raw []byte, mock, validate bool) (*loadedDoc, error) {
	if len(raw) == 0 {
		return nil, errors.New("no document")
	}
	d := &loadedDoc{}
	if mock {
		loader := openapi3.NewLoader()
		loader.IsExternalRefsAllowed = false
		t, err := loader.LoadFromData(raw)
		if err != nil {
			return nil, err
		}
		d.mock = newMock(t)
	}
	if validate {
		sd, err := spec.Load(raw)
		if err != nil {
			return nil, err
		}
		d.spec = sd
	}
	return d, nil
}

// validate checks the request against its operation in the document. The
// body, when there is one, has been read whole (body). It returns nil when
// the request fits; the messages never contain the credentials in secrets.
func (d *loadedDoc) validate(r *http.Request, op *operation, rest string, body []byte, secrets ...string) *spec.ValidationError {
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
	err := d.spec.Validate(req, op.Method, op.Path, params)
	if err == nil {
		return nil
	}
	var ve *spec.ValidationError
	if !errors.As(err, &ve) {
		ve = &spec.ValidationError{Errors: []spec.FieldError{{In: "request", Message: "the request could not be validated"}}}
	}
	if len(ve.Errors) > 20 {
		ve.Errors = ve.Errors[:20]
	}
	for i := range ve.Errors {
		for _, s := range secrets {
			if s != "" {
				ve.Errors[i].Message = strings.ReplaceAll(ve.Errors[i].Message, s, "…")
				ve.Errors[i].Name = strings.ReplaceAll(ve.Errors[i].Name, s, "…")
			}
		}
	}
	return ve
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
