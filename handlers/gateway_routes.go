package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// GatewayRoutesStore is what the gateway routes page needs.
type GatewayRoutesStore interface {
	FindSubsidiary(ctx context.Context, slug string) (models.Subsidiary, error)
	ListGatewayRoutes(ctx context.Context, subsidiary string) ([]models.GatewayRoute, error)
	UpdateVersionGateway(ctx context.Context, actor models.Actor, subsidiaries []string, versionID int64, g models.VersionGateway) (models.VersionGateway, error)
}

// GatewayRoutesHandler serves the page where a subsidiary's admins and
// publishers set where the gateway serves each API version and which
// backend it forwards to.
type GatewayRoutesHandler struct {
	st    GatewayRoutesStore
	pages *pageRenderer
	guard routeGuard
}

// NewGatewayRoutesHandler returns the gateway routes page's handler.
func NewGatewayRoutesHandler(st GatewayRoutesStore, pages *pageRenderer, guard routeGuard) *GatewayRoutesHandler {
	return &GatewayRoutesHandler{st: st, pages: pages, guard: guard}
}

// Routes registers the page for those who maintain the subsidiary's APIs.
func (h *GatewayRoutesHandler) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(h.guard.RequireSignIn, h.guard.Require(models.ActionImportAPI, "subsidiary"))
		r.Get("/admin/subsidiaries/{subsidiary}/gateway", h.list)
		r.Post("/admin/subsidiaries/{subsidiary}/gateway/{versionID}", h.update)
	})
}

func (h *GatewayRoutesHandler) list(w http.ResponseWriter, r *http.Request) {
	v, err := h.view(r)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	if r.URL.Query().Get("done") == "saved" {
		v.Notice = "Saved: the gateway serves the new settings within a second."
	}
	h.render(w, r, http.StatusOK, v)
}

func (h *GatewayRoutesHandler) view(r *http.Request) (views.GatewayRoutesView, error) {
	slug := chi.URLParam(r, "subsidiary")
	sub, err := h.st.FindSubsidiary(r.Context(), slug)
	if err != nil {
		return views.GatewayRoutesView{}, err
	}
	routes, err := h.st.ListGatewayRoutes(r.Context(), slug)
	if err != nil {
		return views.GatewayRoutesView{}, err
	}
	return views.GatewayRoutesView{Subsidiary: sub, Routes: routes}, nil
}

func (h *GatewayRoutesHandler) update(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "versionID"), 10, 64)
	if err != nil || id <= 0 {
		h.pages.errs.Render(w, r, models.Errorf(models.NotFound, "API version not found"))
		return
	}
	if err := r.ParseForm(); err != nil {
		h.pages.errs.Render(w, r, models.Errorf(models.Invalid, "The form could not be read."))
		return
	}
	g := models.VersionGateway{
		BasePath: r.PostForm.Get("base_path"), UpstreamURL: r.PostForm.Get("upstream_url"),
		ValidateRequests: r.PostForm.Get("validate_requests") == "on",
		CORSOrigins:      strings.Fields(strings.ReplaceAll(r.PostForm.Get("cors_origins"), ",", " ")),
	}
	slug := chi.URLParam(r, "subsidiary")
	if _, err := h.st.UpdateVersionGateway(r.Context(), ActorFrom(r), []string{slug}, id, g); err != nil {
		switch models.KindOf(err) {
		case models.Invalid, models.Conflict:
			v, verr := h.view(r)
			if verr != nil {
				h.pages.errs.Render(w, r, verr)
				return
			}
			v.Failed, v.Form = id, g
			v.Problems = append([]string{models.MessageOf(err)}, models.DetailsOf(err)...)
			h.render(w, r, http.StatusUnprocessableEntity, v)
		default:
			h.pages.errs.Render(w, r, err)
		}
		return
	}
	http.Redirect(w, r, views.GatewayRoutesURL(slug)+"?done=saved", http.StatusSeeOther)
}

func (h *GatewayRoutesHandler) render(w http.ResponseWriter, r *http.Request, status int, v views.GatewayRoutesView) {
	h.pages.render(w, r, status, views.GatewayRoutesPage(h.pages.meta(r, "Gateway routes of "+v.Subsidiary.Name, "admin"), v))
}
