package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
)

// APICatalogHandler serves the catalog as JSON.
type APICatalogHandler struct {
	st      CatalogStore
	errs    *ErrorRenderer
	baseURL string
}

// NewAPICatalogHandler returns the JSON catalog over st; links in responses
// are prefixed with baseURL.
func NewAPICatalogHandler(st CatalogStore, errs *ErrorRenderer, baseURL string) *APICatalogHandler {
	return &APICatalogHandler{st: st, errs: errs, baseURL: baseURL}
}

// Routes registers GET /apis under /api/v1.
func (h *APICatalogHandler) Routes(r chi.Router) {
	r.Get("/apis", h.list)
}

// list answers one page of the catalog, with the query parameters of the
// catalog page plus per_page. Unlike the page, it refuses values it cannot
// use (422), since a program should learn about its mistakes.
func (h *APICatalogHandler) list(w http.ResponseWriter, r *http.Request) {
	vals := r.URL.Query()
	q, problems := parseCatalogQuery(vals)
	q.PerPage = catalogPerPage
	if s := strings.TrimSpace(vals.Get("per_page")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPerPage {
			problems = append(problems, "per_page: must be a number from 1 to "+strconv.Itoa(maxPerPage)+".")
		} else {
			q.PerPage = n
		}
	}
	if len(problems) > 0 {
		h.errs.Render(w, r, &models.Error{Kind: models.Invalid, Message: "The query parameters are not valid.", Details: problems})
		return
	}
	q.Audiences = ViewerFrom(r.Context()).Audiences()
	page, err := h.st.SearchCatalog(r.Context(), q)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	if ViewerFrom(r.Context()) == nil {
		w.Header().Set("Cache-Control", "no-cache")
	} // else "private, no-cache", set by the session middleware
	writeJSON(w, http.StatusOK, h.catalogJSON(page))
}

type catalogJSON struct {
	Total   int             `json:"total"`
	Page    int             `json:"page"`
	PerPage int             `json:"per_page"`
	Pages   int             `json:"pages"`
	Items   []catalogItem   `json:"items"`
	Facets  catalogFacetsJS `json:"facets"`
}

type catalogFacetsJS struct {
	Subsidiaries []facetJSON `json:"subsidiaries"`
	Tags         []facetJSON `json:"tags"`
}

type facetJSON struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

type catalogItem struct {
	Subsidiary     subsidiaryJSON     `json:"subsidiary"`
	API            string             `json:"api"`
	Name           string             `json:"name"`
	Summary        string             `json:"summary"`
	Audience       models.Audience    `json:"audience"`
	Tags           []string           `json:"tags"`
	Featured       bool               `json:"featured"`
	Versions       int                `json:"versions"`
	States         []models.State     `json:"states"`
	CurrentVersion currentVersionJSON `json:"current_version"`
	Links          versionLinksJSON   `json:"links"`
}

type subsidiaryJSON struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

type currentVersionJSON struct {
	Version        string       `json:"version"`
	Slug           string       `json:"slug"`
	State          models.State `json:"state"`
	OpenAPIVersion string       `json:"openapi_version"`
	Operations     int          `json:"operations"`
	DocumentSHA256 string       `json:"document_sha256"`
}

func (h *APICatalogHandler) catalogJSON(p models.CatalogPage) catalogJSON {
	out := catalogJSON{
		Total: p.Total, Page: p.Page, PerPage: p.PerPage, Pages: p.Pages(),
		Items:  []catalogItem{},
		Facets: catalogFacetsJS{Subsidiaries: facetsJSON(p.Subsidiaries), Tags: facetsJSON(p.Tags)},
	}
	for _, e := range p.Entries {
		tags := e.API.Tags
		if tags == nil {
			tags = []string{}
		}
		states := e.States
		if states == nil {
			states = []models.State{}
		}
		out.Items = append(out.Items, catalogItem{
			Subsidiary: subsidiaryJSON{Slug: e.Subsidiary.Slug, Name: e.Subsidiary.Name},
			API:        e.API.Slug,
			Name:       e.API.Name,
			Summary:    e.API.Summary,
			Audience:   e.API.Audience,
			Tags:       tags,
			Featured:   e.API.Featured,
			Versions:   e.Versions,
			States:     states,
			CurrentVersion: currentVersionJSON{
				Version:        e.Current.Version,
				Slug:           e.Current.Slug,
				State:          e.Current.State,
				OpenAPIVersion: e.Current.OpenAPIVersion,
				Operations:     e.Current.OperationCount,
				DocumentSHA256: e.Current.DocumentHash,
			},
			Links: versionLinks(h.baseURL, e.Subsidiary.Slug, e.API.Slug, e.Current.Slug),
		})
	}
	return out
}

func facetsJSON(fs []models.Facet) []facetJSON {
	out := make([]facetJSON, 0, len(fs))
	for _, f := range fs {
		out = append(out, facetJSON{Value: f.Value, Label: f.Label, Count: f.Count})
	}
	return out
}
