package handlers

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/handlers/apidoc"
	"github.com/portico/portico/openapi"
)

// APIDocHandler serves the OpenAPI document of Portico's own JSON API.
type APIDocHandler struct {
	errs *ErrorRenderer
	json []byte
	err  error
}

// NewAPIDocHandler converts the embedded document to JSON once.
func NewAPIDocHandler(errs *ErrorRenderer) *APIDocHandler {
	b, err := openapi.ConvertDocument(apidoc.YAML, "json")
	return &APIDocHandler{errs: errs, json: b, err: err}
}

// Routes registers /openapi.json and /openapi.yaml under /api/v1.
func (h *APIDocHandler) Routes(r chi.Router) {
	r.Get("/openapi.json", h.showJSON)
	r.Get("/openapi.yaml", h.showYAML)
}

func (h *APIDocHandler) showJSON(w http.ResponseWriter, r *http.Request) {
	if h.err != nil {
		h.errs.Render(w, r, h.err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(h.json)
}

func (h *APIDocHandler) showYAML(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(apidoc.YAML)
}
