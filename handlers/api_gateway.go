package handlers

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/portico/portico/models"
)

// APIGatewayHandler serves where the gateway serves a subsidiary's API
// versions, for automation (the same as the admin page).
type APIGatewayHandler struct {
	st   GatewayRoutesStore
	errs *ErrorRenderer
}

// NewAPIGatewayHandler returns the gateway routes endpoints over st.
func NewAPIGatewayHandler(st GatewayRoutesStore, errs *ErrorRenderer) *APIGatewayHandler {
	return &APIGatewayHandler{st: st, errs: errs}
}

// Routes registers the endpoints; the caller guards them (RequireImport).
func (h *APIGatewayHandler) Routes(r chi.Router) {
	r.Get("/subsidiaries/{subsidiary}/gateway/routes", h.list)
	r.Put("/subsidiaries/{subsidiary}/gateway/routes/{versionID}", h.update)
}

type gatewayRouteJSON struct {
	VersionID     int64    `json:"version_id"`
	API           string   `json:"api"`
	APIName       string   `json:"api_name"`
	Version       string   `json:"version"`
	State         string   `json:"state"`
	BasePath      string   `json:"base_path"`
	UpstreamURL   string   `json:"upstream_url"`
	Validate      bool     `json:"validate_requests"`
	CORSOrigins   []string `json:"cors_origins"`
	EffectivePath string   `json:"effective_path"`
	Routed        bool     `json:"routed"`
}

func routeJSON(r models.GatewayRoute) gatewayRouteJSON {
	return gatewayRouteJSON{
		VersionID: r.VersionID, API: r.APISlug, APIName: r.APIName, Version: r.Version, State: string(r.State),
		BasePath: r.Settings.BasePath, UpstreamURL: r.Settings.UpstreamURL, EffectivePath: r.EffectivePath, Routed: r.Routed,
		Validate: r.Settings.ValidateRequests, CORSOrigins: append([]string{}, r.Settings.CORSOrigins...),
	}
}

func (h *APIGatewayHandler) routes(r *http.Request) ([]models.GatewayRoute, error) {
	slug := chi.URLParam(r, "subsidiary")
	if _, err := h.st.FindSubsidiary(r.Context(), slug); err != nil {
		return nil, err
	}
	return h.st.ListGatewayRoutes(r.Context(), slug)
}

func (h *APIGatewayHandler) list(w http.ResponseWriter, r *http.Request) {
	routes, err := h.routes(r)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	out := listJSON[gatewayRouteJSON]{Items: make([]gatewayRouteJSON, 0, len(routes))}
	for _, rt := range routes {
		out.Items = append(out.Items, routeJSON(rt))
	}
	writeJSON(w, http.StatusOK, out)
}

func (h *APIGatewayHandler) update(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "versionID"), 10, 64)
	if err != nil || id <= 0 {
		h.errs.Render(w, r, models.Errorf(models.NotFound, "API version not found"))
		return
	}
	var body struct {
		BasePath         *string  `json:"base_path"`
		UpstreamURL      *string  `json:"upstream_url"`
		ValidateRequests bool     `json:"validate_requests"`
		CORSOrigins      []string `json:"cors_origins"`
	}
	if err := decodeJSON(w, r, &body, false); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	if body.BasePath == nil || body.UpstreamURL == nil {
		h.errs.Render(w, r, models.Errorf(models.Invalid, "Send both base_path and upstream_url (an empty string for the default path or for the mock)."))
		return
	}
	slug := chi.URLParam(r, "subsidiary")
	if _, err := h.st.UpdateVersionGateway(r.Context(), ActorFrom(r), []string{slug}, id, models.VersionGateway{BasePath: *body.BasePath, UpstreamURL: *body.UpstreamURL, ValidateRequests: body.ValidateRequests, CORSOrigins: body.CORSOrigins}); err != nil {
		h.errs.Render(w, r, err)
		return
	}
	routes, err := h.routes(r)
	if err != nil {
		h.errs.Render(w, r, err)
		return
	}
	for _, rt := range routes {
		if rt.VersionID == id {
			writeJSON(w, http.StatusOK, routeJSON(rt))
			return
		}
	}
	h.errs.Render(w, r, models.Errorf(models.NotFound, "API version not found"))
}
