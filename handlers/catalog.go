package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// Catalog query bounds.
const (
	catalogPerPage = 20
	maxPerPage     = 100
	maxQueryRunes  = 200
	maxTagRunes    = 100
	maxPage        = 10000
)

// CatalogStore is what the catalog needs from persistence.
type CatalogStore interface {
	SearchCatalog(ctx context.Context, q models.CatalogQuery) (models.CatalogPage, error)
}

// CatalogHandler serves the catalog page.
type CatalogHandler struct {
	st    CatalogStore
	pages *pageRenderer
}

// NewCatalogHandler returns the catalog page handler over st.
func NewCatalogHandler(st CatalogStore, pages *pageRenderer) *CatalogHandler {
	return &CatalogHandler{st: st, pages: pages}
}

// Routes registers /apis.
func (h *CatalogHandler) Routes(r chi.Router) {
	r.Get("/apis", h.list)
}

// list renders one page of the catalog. Filter values it cannot use are
// dropped with a notice rather than refused: a visitor who edits a URL
// still gets the catalog. htmx requests targeting the results region get
// only that region.
func (h *CatalogHandler) list(w http.ResponseWriter, r *http.Request) {
	q, notices := parseCatalogQuery(r.URL.Query())
	q.PerPage = catalogPerPage
	q.Audiences = ViewerFrom(r.Context()).Audiences()
	page, err := h.st.SearchCatalog(r.Context(), q)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	v := catalogView(q, page, notices)
	title := "API catalog"
	if q.Q != "" {
		title = "“" + q.Q + "” in the API catalog"
	}
	meta := h.pages.meta(r, title, "apis")
	meta.Query = q.Q
	meta.Description = "Search the APIs of the group: reference documentation and OpenAPI documents."
	if isHTMX(r) && r.Header.Get("HX-Target") == "catalog-results" {
		w.Header().Set("HX-Push-Url", views.CatalogURL(q))
		h.pages.render(w, r, http.StatusOK, views.CatalogPartial(meta, v))
		return
	}
	h.pages.render(w, r, http.StatusOK, views.CatalogPage(meta, v))
}

// parseCatalogQuery reads the catalog's query parameters. Values it cannot
// use are left out of the query, and each is explained in a user-safe
// message.
func parseCatalogQuery(vals url.Values) (models.CatalogQuery, []string) {
	var q models.CatalogQuery
	var problems []string

	q.Q = cleanText(vals.Get("q"))
	if utf8.RuneCountInString(q.Q) > maxQueryRunes {
		q.Q = strings.TrimSpace(truncateRunes(q.Q, maxQueryRunes))
		problems = append(problems, fmt.Sprintf("The search was shortened to its first %d characters.", maxQueryRunes))
	}

	if s := strings.TrimSpace(vals.Get("subsidiary")); s != "" {
		if models.Slugify(s) == s {
			q.Subsidiary = s
		} else {
			problems = append(problems, fmt.Sprintf("“%s” is not a company of the group; that filter was ignored.", truncateRunes(cleanText(s), 40)))
		}
	}

	q.Tag = cleanText(vals.Get("tag"))
	if utf8.RuneCountInString(q.Tag) > maxTagRunes {
		q.Tag = ""
		problems = append(problems, "The tag filter was too long and was ignored.")
	}

	if s := strings.TrimSpace(vals.Get("state")); s != "" {
		if st := models.State(s); st.Listed() {
			q.State = st
		} else {
			problems = append(problems, fmt.Sprintf("“%s” is not a lifecycle state of the catalog (published, deprecated, retired); that filter was ignored.", truncateRunes(cleanText(s), 40)))
		}
	}

	if s := strings.TrimSpace(vals.Get("audience")); s != "" {
		if a := models.Audience(s); a.Valid() {
			q.Audience = a
		} else {
			problems = append(problems, fmt.Sprintf("“%s” is not an audience (public, partner, internal); that filter was ignored.", truncateRunes(cleanText(s), 40)))
		}
	}

	q.Page = 1
	if s := strings.TrimSpace(vals.Get("page")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPage {
			problems = append(problems, fmt.Sprintf("“%s” is not a page number; showing the first page.", truncateRunes(cleanText(s), 20)))
		} else {
			q.Page = n
		}
	}
	return q, problems
}

// cleanText trims s, drops invalid UTF-8 and control characters, and folds
// runs of white space into one space.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u00a0' || r == '\u2028' || r == '\u2029'
	}), " ")
}

func truncateRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// catalogView builds the catalog page's view model.
func catalogView(q models.CatalogQuery, page models.CatalogPage, notices []string) views.CatalogView {
	v := views.CatalogView{Query: q, Result: page, Notices: notices}
	if page.Page < 1 {
		v.Result.Page = q.Page
	}
	if page.PerPage < 1 {
		v.Result.PerPage = q.PerPage
	}

	var subLabel, tagLabel string
	v.Filters.Subsidiaries, subLabel = facetOptions(page.Subsidiaries, q.Subsidiary)
	v.Filters.Tags, tagLabel = facetOptions(page.Tags, q.Tag)
	for _, s := range models.ListedStates {
		v.Filters.States = append(v.Filters.States, views.Option{Value: string(s), Label: s.Label(), Count: -1, Selected: s == q.State})
	}
	for _, a := range q.Audiences {
		v.Filters.Audiences = append(v.Filters.Audiences, views.Option{Value: string(a), Label: audienceLabel(a), Count: -1, Selected: a == q.Audience})
	}

	without := func(f func(*models.CatalogQuery)) string {
		c := q
		c.Page = 1
		f(&c)
		return views.CatalogURL(c)
	}
	if q.Subsidiary != "" {
		v.Active = append(v.Active, views.ActiveFilter{Name: "Company", Value: subLabel, RemoveURL: without(func(c *models.CatalogQuery) { c.Subsidiary = "" })})
	}
	if q.Tag != "" {
		v.Active = append(v.Active, views.ActiveFilter{Name: "Tag", Value: tagLabel, RemoveURL: without(func(c *models.CatalogQuery) { c.Tag = "" })})
	}
	if q.State != "" {
		v.Active = append(v.Active, views.ActiveFilter{Name: "State", Value: q.State.Label(), RemoveURL: without(func(c *models.CatalogQuery) { c.State = "" })})
	}
	if q.Audience != "" {
		v.Active = append(v.Active, views.ActiveFilter{Name: "Audience", Value: audienceLabel(q.Audience), RemoveURL: without(func(c *models.CatalogQuery) { c.Audience = "" })})
	}

	v.Pagination = views.NewPagination(v.Result.Page, v.Result.Pages(), func(n int) string {
		c := q
		c.Page = n
		return views.CatalogURL(c)
	})
	return v
}

// facetOptions turns facet counts into select options, keeping the selected
// value even when no entry matches it. It also returns the selected value's
// label.
func facetOptions(facets []models.Facet, selected string) ([]views.Option, string) {
	label := selected
	found := false
	opts := make([]views.Option, 0, len(facets)+1)
	for _, f := range facets {
		l := f.Label
		if l == "" {
			l = f.Value
		}
		sel := f.Value == selected
		if sel {
			found, label = true, l
		}
		opts = append(opts, views.Option{Value: f.Value, Label: l, Count: f.Count, Selected: sel})
	}
	if selected != "" && !found {
		opts = append([]views.Option{{Value: selected, Label: selected, Count: 0, Selected: true}}, opts...)
	}
	return opts, label
}

func audienceLabel(a models.Audience) string {
	switch a {
	case models.AudiencePartner:
		return "Partners"
	case models.AudienceInternal:
		return "Internal"
	}
	return "Public"
}
