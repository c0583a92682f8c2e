package handlers

import (
	"context"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// maxInvitationTokenLen bounds the token of an invitation link; longer ones
// are refused without a store call.
const maxInvitationTokenLen = 128

// InvitationStore is what accepting an invitation needs from persistence.
type InvitationStore interface {
	// AcceptInvitationToken gives user what the invitation with token
	// grants, once, before it expires, if it was sent to user's address;
	// NotFound otherwise.
	AcceptInvitationToken(ctx context.Context, actor models.Actor, user models.User, token string) (models.Invitation, error)
}

// InvitationsHandler serves invitation links.
type InvitationsHandler struct {
	st    InvitationStore
	pages *pageRenderer
	guard routeGuard
}

// NewInvitationsHandler returns the invitation links' handler.
func NewInvitationsHandler(st InvitationStore, pages *pageRenderer, guard routeGuard) *InvitationsHandler {
	return &InvitationsHandler{st: st, pages: pages, guard: guard}
}

// Routes registers /invitations/{token}. Anonymous visitors are sent to
// sign in first and come back to the link.
func (h *InvitationsHandler) Routes(r chi.Router) {
	r.With(h.guard.RequireSignIn).Get("/invitations/{token}", h.show)
	r.With(h.guard.RequireSignIn).Post("/invitations/{token}", h.accept)
}

// show asks the viewer to accept. Following a link changes nothing by
// itself: link scanners and prefetchers must not accept invitations.
func (h *InvitationsHandler) show(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	if !plausibleToken(token) {
		h.invalid(w, r, errInvitationUnknown)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	v := views.InvitationView{Action: "/invitations/" + url.PathEscape(token), Email: ViewerFrom(r.Context()).User.Email}
	h.pages.render(w, r, http.StatusOK, views.InvitationPage(h.pages.meta(r, "Accept your invitation", ""), v))
}

// accept accepts the invitation for the viewer and goes to what it opened.
func (h *InvitationsHandler) accept(w http.ResponseWriter, r *http.Request) {
	token := chi.URLParam(r, "token")
	if !plausibleToken(token) {
		h.invalid(w, r, errInvitationUnknown)
		return
	}
	inv, err := h.st.AcceptInvitationToken(r.Context(), ActorFrom(r), ViewerFrom(r.Context()).User, token)
	if err != nil {
		h.invalid(w, r, err)
		return
	}
	http.Redirect(w, r, withDone(invitationTarget(inv), "joined"), http.StatusSeeOther)
}

var errInvitationUnknown = models.Errorf(models.NotFound, "This invitation link is not valid.")

// invalid explains a refused invitation, with what to do; errors that are
// not about the invitation go to the error renderer.
func (h *InvitationsHandler) invalid(w http.ResponseWriter, r *http.Request, err error) {
	status, ok := statusOf[models.KindOf(err)]
	if !ok || status >= http.StatusInternalServerError || status == http.StatusUnauthorized {
		h.pages.errs.Render(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	h.pages.render(w, r, status, views.InvitationInvalidPage(h.pages.meta(r, "Invitation not valid", ""), status, models.MessageOf(err)))
}

// invitationTarget is the page an accepted invitation opens: the team, the
// members page for a new subsidiary admin, the subsidiary's APIs for a
// publisher.
func invitationTarget(inv models.Invitation) string {
	switch {
	case inv.TeamID != nil:
		return views.TeamURL(*inv.TeamID)
	case inv.Role == models.RoleSubsidiaryAdmin:
		return views.MembersURL(inv.Domain)
	case inv.Domain != "" && inv.Domain != models.GlobalDomain:
		return "/apis?subsidiary=" + url.QueryEscape(inv.Domain)
	}
	return "/"
}

// plausibleToken reports whether s could be an invitation token: short and
// URL-safe.
func plausibleToken(s string) bool {
	if s == "" || len(s) > maxInvitationTokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
