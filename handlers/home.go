package handlers

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/markdown"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// featuredLimit is how many featured APIs the home page shows.
const featuredLimit = 6

// HomeStore is what the home page needs from persistence.
type HomeStore interface {
	// ListSubsidiaries and ListFeatured count and list only APIs of the
	// given audiences (what the viewer may see).
	ListSubsidiaries(ctx context.Context, audiences ...models.Audience) ([]models.SubsidiarySummary, error)
	ListFeatured(ctx context.Context, limit int, audiences ...models.Audience) ([]models.CatalogEntry, error)
}

// HomeHandler serves the portal's home page.
type HomeHandler struct {
	st    HomeStore
	pages *pageRenderer
	md    *markdown.Renderer
}

// NewHomeHandler returns the home page handler over st.
func NewHomeHandler(st HomeStore, pages *pageRenderer, md *markdown.Renderer) *HomeHandler {
	return &HomeHandler{st: st, pages: pages, md: md}
}

// Routes registers /.
func (h *HomeHandler) Routes(r chi.Router) {
	r.Get("/", h.show)
}

// show renders the group, its companies and the featured APIs.
func (h *HomeHandler) show(w http.ResponseWriter, r *http.Request) {
	settings, err := portalSettings(r.Context())
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	audiences := ViewerFrom(r.Context()).Audiences()
	subs, err := h.st.ListSubsidiaries(r.Context(), audiences...)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	featured, err := h.st.ListFeatured(r.Context(), featuredLimit, audiences...)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	v := views.HomeView{
		Settings:  settings,
		AboutHTML: h.md.Render(settings.GroupAbout),
		Featured:  featured,
	}
	for _, s := range subs {
		v.Subsidiaries = append(v.Subsidiaries, views.SubsidiaryCard{
			Slug:            s.Subsidiary.Slug,
			Name:            s.Subsidiary.Name,
			DescriptionHTML: h.md.Render(s.Subsidiary.Description),
			APICount:        s.APICount,
		})
	}
	meta := h.pages.meta(r, "", "home")
	meta.Description = settings.GroupTagline
	h.pages.render(w, r, http.StatusOK, views.HomePage(meta, v))
}
