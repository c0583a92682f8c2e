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

// ProductPageStore is what the API product page needs: the product and
// its plans.
type ProductPageStore interface {
	ProductStore
	ListPlans(ctx context.Context, apiID int64, audiences []models.Audience) ([]models.Plan, error)
}

// ProductHandler serves API product pages.
type ProductHandler struct {
	st    ProductPageStore
	pages *pageRenderer
	md    *markdown.Renderer
}

// NewProductHandler returns the API product page handler over st.
func NewProductHandler(st ProductPageStore, pages *pageRenderer, md *markdown.Renderer) *ProductHandler {
	return &ProductHandler{st: st, pages: pages, md: md}
}

// Routes registers /apis/{subsidiary}/{api}.
func (h *ProductHandler) Routes(r chi.Router) {
	r.Get("/apis/{subsidiary}/{api}", h.show)
}

// show renders an API product: overview, versions, servers, notices.
func (h *ProductHandler) show(w http.ResponseWriter, r *http.Request) {
	p, err := findVisibleProduct(r, h.st, chi.URLParam(r, "subsidiary"), chi.URLParam(r, "api"))
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
	plans, err := h.planTable(r, p)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	meta := h.pages.meta(r, p.API.Name+" · "+p.Subsidiary.Name, "apis")
	meta.Description = p.API.Summary
	h.pages.render(w, r, http.StatusOK, views.ProductPage(meta, v, plans))
}

// planTable is the plan comparison table of the product for the viewer:
// the published plans of the audiences the viewer may see; hidden and
// retired plans too, marked as such, for those who manage the
// subsidiary's plans, with a link to the plan editor.
func (h *ProductHandler) planTable(r *http.Request, p models.APIProduct) (views.PlanTable, error) {
	v := ViewerFrom(r.Context())
	plans, err := h.st.ListPlans(r.Context(), p.API.ID, v.Audiences())
	if err != nil {
		return views.PlanTable{}, err
	}
	manager := v.Can(models.ActionManagePlans, p.Subsidiary.Slug)
	kind := models.UserExternal
	if v != nil {
		kind = v.User.Kind
	}
	var t views.PlanTable
	if manager {
		t.ManageURL = views.PlansAdminURL(p.Subsidiary.Slug)
	}
	for _, pl := range plans {
		if pl.State != models.PlanPublished && !manager {
			continue
		}
		c := views.NewPlanColumn(pl, p.Subsidiary.Slug, p.Subsidiary.Name, p.API.Slug, kind)
		c.DescriptionHTML = strings.TrimSpace(h.md.Render(pl.Description))
		t.Plans = append(t.Plans, c)
	}
	return t, nil
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

// findVisibleProduct returns the API product if the viewer may see it. An API
// of an audience the viewer may not see is NotFound, as if it did not exist,
// so its existence does not leak.
func findVisibleProduct(r *http.Request, st ProductStore, sub, api string) (models.APIProduct, error) {
	p, err := st.FindAPIProduct(r.Context(), sub, api)
	if err != nil {
		return p, err
	}
	if !ViewerFrom(r.Context()).MaySee(p.API.Audience) {
		return models.APIProduct{}, hiddenAPI(sub, api)
	}
	return p, nil
}

// hiddenAPI is the error for an API the viewer may not see: the same as for
// an API that does not exist.
func hiddenAPI(sub, api string) error {
	return models.Errorf(models.NotFound, "API %s/%s not found", sub, api)
}
