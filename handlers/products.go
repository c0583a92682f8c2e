package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/markdown"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// ProductStore is what the API product page needs from persistence.
type ProductStore interface {
	FindAPIProduct(ctx context.Context, subsidiary, api string) (models.APIProduct, error)
}

// ProductHandler serves API product pages.
type ProductHandler struct {
	st    ProductStore
	pages *pageRenderer
	md    *markdown.Renderer
}

// NewProductHandler returns the API product page handler over st.
func NewProductHandler(st ProductStore, pages *pageRenderer, md *markdown.Renderer) *ProductHandler {
	return &ProductHandler{st: st, pages: pages, md: md}
}

// Routes registers /apis/{subsidiary}/{api}.
func (h *ProductHandler) Routes(r chi.Router) {
	r.Get("/apis/{subsidiary}/{api}", h.show)
}

// show renders an API product: overview, versions, servers, notices.
func (h *ProductHandler) show(w http.ResponseWriter, r *http.Request) {
	p, err := h.st.FindAPIProduct(r.Context(), chi.URLParam(r, "subsidiary"), chi.URLParam(r, "api"))
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	cur, ok := currentVersion(p.Versions)
	desc := p.API.Description
	if desc == "" && ok {
		desc = cur.Description
	}
	v := views.ProductView{
		Product:         p,
		Current:         cur,
		HasCurrent:      ok,
		DescriptionHTML: strings.TrimSpace(h.md.Render(desc)),
	}
	meta := h.pages.meta(r, p.API.Name+" · "+p.Subsidiary.Name, "apis")
	meta.Description = p.API.Summary
	h.pages.render(w, r, http.StatusOK, views.ProductPage(meta, v))
}

// currentVersion picks the version readers are sent to: the newest
// published, else the newest deprecated, else the newest retired. versions
// are newest first.
func currentVersion(versions []models.APIVersion) (models.APIVersion, bool) {
	for _, s := range []models.State{models.StatePublished, models.StateDeprecated, models.StateRetired} {
		for _, v := range versions {
			if v.State == s {
				return v, true
			}
		}
	}
	return models.APIVersion{}, false
}
