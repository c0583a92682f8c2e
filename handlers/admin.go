package handlers

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// routeGuard is what the admin, team and invitation pages need from the
// sign-in and authorization middleware. *Auth satisfies it.
type routeGuard interface {
	// Require refuses requests of viewers who may not do action in the
	// subsidiary named by the chi URL parameter domainParam
	// (models.GlobalDomain when domainParam is "").
	Require(action models.Action, domainParam string) func(http.Handler) http.Handler
	// RequireSignIn sends anonymous visitors to the sign-in page.
	RequireSignIn(next http.Handler) http.Handler
}

// AdminPagesStore is everything the admin, audit, team and invitation
// pages need from persistence.
type AdminPagesStore interface {
	AdminStore
	MemberStore
	UserStore
	AuditStore
	TeamStore
	InvitationStore
}

// AdminStore is what the admin landing page needs from persistence.
type AdminStore interface {
	ListSubsidiaries(ctx context.Context, audiences ...models.Audience) ([]models.SubsidiarySummary, error)
	CountPendingSubscriptions(ctx context.Context) (map[string]int, error)
}

// AdminHandler serves the admin landing page.
type AdminHandler struct {
	st    AdminStore
	pages *pageRenderer
	guard routeGuard
}

// NewAdminHandler returns the admin landing page handler.
func NewAdminHandler(st AdminStore, pages *pageRenderer, guard routeGuard) *AdminHandler {
	return &AdminHandler{st: st, pages: pages, guard: guard}
}

// Routes registers /admin. Which subsidiaries it lists is decided per
// viewer; a viewer who administers nothing gets 403.
func (h *AdminHandler) Routes(r chi.Router) {
	r.With(h.guard.RequireSignIn).Get("/admin", h.show)
}

// show lists the subsidiaries the viewer administers (every one for a
// platform admin).
func (h *AdminHandler) show(w http.ResponseWriter, r *http.Request) {
	v := ViewerFrom(r.Context())
	subs, err := h.st.ListSubsidiaries(r.Context())
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	pending, err := h.st.CountPendingSubscriptions(r.Context())
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	view := adminHomeView(v, subs, pending)
	if !view.Platform && len(view.Subsidiaries) == 0 {
		h.pages.errs.Render(w, r, errNotAnAdmin)
		return
	}
	h.pages.render(w, r, http.StatusOK, views.AdminHomePage(h.pages.meta(r, "Administration", "admin"), view))
}

var errNotAnAdmin = models.Errorf(models.Forbidden,
	"Administration is for admins of the platform or of a company of the group. If you need access, ask an admin of your company.")

// adminHomeView keeps the subsidiaries v administers (members, audit
// trail, plans or approvals), with what v may do in each and, where v
// approves, how many subscriptions wait.
func adminHomeView(v *Viewer, subs []models.SubsidiarySummary, pending map[string]int) views.AdminHomeView {
	view := views.AdminHomeView{Platform: v.Can(models.ActionManagePlatform, models.GlobalDomain)}
	for _, s := range subs {
		a := views.AdminSubsidiary{
			Slug:       s.Subsidiary.Slug,
			Name:       s.Subsidiary.Name,
			CanMembers: v.Can(models.ActionManageMembers, s.Subsidiary.Slug),
			CanAudit:   v.Can(models.ActionViewAudit, s.Subsidiary.Slug),
			CanPlans:   v.Can(models.ActionManagePlans, s.Subsidiary.Slug),
			CanRoutes:  v.Can(models.ActionImportAPI, s.Subsidiary.Slug),
			CanApprove: v.Can(models.ActionApproveSubs, s.Subsidiary.Slug),
		}
		if a.CanApprove {
			a.Pending = pending[s.Subsidiary.Slug]
		}
		if a.CanMembers || a.CanAudit || a.CanPlans || a.CanApprove || a.CanRoutes {
			view.Subsidiaries = append(view.Subsidiaries, a)
			view.CanAudit = view.CanAudit || a.CanAudit
		}
	}
	return view
}

// auditActor is who makes a change, for the audit event the store writes
// with it: the viewer, the request ID and the client's address.
func auditActor(r *http.Request) models.Actor {
	a := models.Actor{RequestID: RequestIDFrom(r.Context()), ClientIP: clientIP(r)}
	if v := ViewerFrom(r.Context()); v != nil {
		id := v.User.ID
		a.UserID = &id
		a.Email = v.User.Email
	}
	return a
}

// idParam returns the positive integer chi URL parameter name, or a
// NotFound error: a malformed id names no object.
func idParam(r *http.Request, name, what string) (int64, error) {
	s := chi.URLParam(r, name)
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return 0, models.Errorf(models.NotFound, "There is no %s with this number.", what)
	}
	return id, nil
}

// doneNotices are the confirmations shown after a redirect, by the code in
// the "done" query parameter. Only these fixed texts are ever shown: the
// parameter cannot inject text into the page.
var doneNotices = map[string]string{
	"granted":       "The role was granted. It takes effect on the member's next request.",
	"role":          "The role was changed. It takes effect on the member's next request.",
	"removed":       "The role was removed. It takes effect on the member's next request.",
	"deactivated":   "The user was deactivated and signed out everywhere. They cannot sign in until reactivated.",
	"reactivated":   "The user was reactivated and may sign in again.",
	"team":          "The team was created. Invite your teammates below.",
	"member":        "The teammate was removed from the team.",
	"joined":        "Welcome: you accepted the invitation.",
	"app-suspended": "The application was suspended: its keys stop working at once.",
	"app-resumed":   "The application was resumed: its keys work again.",
}

// doneNotice returns the confirmation named by the request's "done"
// parameter, or "".
func doneNotice(r *http.Request) string {
	return doneNotices[r.URL.Query().Get("done")]
}

// withDone returns path with the confirmation code done.
func withDone(path, done string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "done=" + url.QueryEscape(done)
}

// clientIP is the address of the client as this server sees it (the TCP
// peer). Forwarding headers are not trusted: without a configured trusted
// proxy, anyone could write them and forge the audit trail's client IP.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
