package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/views"
)

// appsPerPage is the length of a page of the platform admin's application
// list.
const appsPerPage = 50

// AdminAppStore is what the platform admin's application pages need from
// persistence.
type AdminAppStore interface {
	ListAllApplications(ctx context.Context, q string, page, perPage int) ([]store.AdminApplication, int, error)
	SetApplicationStatus(ctx context.Context, actor models.Actor, appID int64, status models.ApplicationStatus) error
}

// AdminAppsHandler serves the platform admin's list of every application,
// where an application is suspended (its keys stop working at once at the
// gateway) or resumed.
type AdminAppsHandler struct {
	st    AdminAppStore
	pages *pageRenderer
	guard routeGuard
}

// NewAdminAppsHandler returns the application administration handler.
func NewAdminAppsHandler(st AdminAppStore, pages *pageRenderer, guard routeGuard) *AdminAppsHandler {
	return &AdminAppsHandler{st: st, pages: pages, guard: guard}
}

// Routes registers the pages, for platform admins only.
func (h *AdminAppsHandler) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(h.guard.Require(models.ActionManagePlatform, ""))
		r.Get("/admin/applications", h.list)
		r.Post("/admin/applications/{appID}/suspend", h.suspend)
		r.Post("/admin/applications/{appID}/resume", h.resume)
	})
}

// list shows one page of applications, searched by name, app_id, owner
// email or team name.
func (h *AdminAppsHandler) list(w http.ResponseWriter, r *http.Request) {
	q := cleanText(r.URL.Query().Get("q"))
	if utf8.RuneCountInString(q) > maxQueryRunes {
		q = strings.TrimSpace(truncateRunes(q, maxQueryRunes))
	}
	page := 1
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n > 1 && n <= maxPage {
		page = n
	}
	apps, total, err := h.st.ListAllApplications(r.Context(), q, page, appsPerPage)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	v := views.AdminAppsView{Query: q, Total: total, Notice: doneNotice(r)}
	for _, a := range apps {
		v.Apps = append(v.Apps, views.AdminAppRow{Application: a.Application, OwnerEmail: a.OwnerEmail, TeamName: a.TeamName})
	}
	pages := (total + appsPerPage - 1) / appsPerPage
	v.Pagination = views.NewPagination(page, pages, func(n int) string { return views.AdminAppsURL(q, n) })
	h.pages.render(w, r, http.StatusOK, views.AdminAppsPage(h.pages.meta(r, "Applications", "admin"), v))
}

func (h *AdminAppsHandler) suspend(w http.ResponseWriter, r *http.Request) {
	h.setStatus(w, r, models.ApplicationSuspended, "app-suspended")
}

func (h *AdminAppsHandler) resume(w http.ResponseWriter, r *http.Request) {
	h.setStatus(w, r, models.ApplicationActive, "app-resumed")
}

// setStatus changes an application's status and returns to the list, with
// the search the admin came from.
func (h *AdminAppsHandler) setStatus(w http.ResponseWriter, r *http.Request, status models.ApplicationStatus, done string) {
	appID, err := idParam(r, "appID", "application")
	if err == nil {
		err = h.st.SetApplicationStatus(r.Context(), ActorFrom(r), appID, status)
	}
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	q := cleanText(r.PostFormValue("q"))
	if utf8.RuneCountInString(q) > maxQueryRunes {
		q = ""
	}
	http.Redirect(w, r, withDone(views.AdminAppsURL(q, 1), done), http.StatusSeeOther)
}
