package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// MemberStore is what a subsidiary's members page needs from persistence.
type MemberStore interface {
	FindSubsidiary(ctx context.Context, slug string) (models.Subsidiary, error)
	ListMembers(ctx context.Context, subsidiary string) ([]models.Member, error)
	ListInvitations(ctx context.Context, subsidiary string) ([]models.Invitation, error)
	FindUserByEmail(ctx context.Context, email string) (models.User, error)
	ListRoles(ctx context.Context, userID int64) ([]models.RoleAssignment, error)
	GrantRole(ctx context.Context, actor models.Actor, userID int64, role models.Role, domain string) error
	RevokeRole(ctx context.Context, actor models.Actor, userID int64, role models.Role, domain string) error
	SetSubsidiaryRole(ctx context.Context, actor models.Actor, userID int64, role models.Role, subsidiary string) error
	CreateInvitation(ctx context.Context, actor models.Actor, inv models.Invitation) (models.Invitation, string, error)
}

// MembersHandler serves the members and roles pages of subsidiaries.
type MembersHandler struct {
	st      MemberStore
	pages   *pageRenderer
	guard   routeGuard
	baseURL string // public URL of the portal, for invitation links; "" = the request's host
	now     func() time.Time
}

// NewMembersHandler returns the members pages' handler. now is the clock
// that tells expired invitations from pending ones (nil = time.Now).
func NewMembersHandler(st MemberStore, pages *pageRenderer, guard routeGuard, baseURL string, now func() time.Time) *MembersHandler {
	if now == nil {
		now = time.Now
	}
	return &MembersHandler{st: st, pages: pages, guard: guard, baseURL: baseURL, now: now}
}

// Routes registers the members pages. Every route needs
// subsidiary:members in the {subsidiary} of its path (THREATS R2); the
// subsidiary a change applies to is always that one, never a form field.
func (h *MembersHandler) Routes(r chi.Router) {
	r.Route("/admin/subsidiaries/{subsidiary}/members", func(r chi.Router) {
		r.Use(h.guard.Require(models.ActionManageMembers, "subsidiary"))
		r.Get("/", h.list)
		r.Post("/invitations", h.invite)
		r.Post("/{userID}/role", h.changeRole)
		r.Post("/{userID}/roles/remove", h.removeRole)
	})
}

// list shows the subsidiary's members, the invite form and the pending
// invitations.
func (h *MembersHandler) list(w http.ResponseWriter, r *http.Request) {
	v, err := h.page(r, views.InviteForm{Role: string(models.RolePublisher)})
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	v.Notice = doneNotice(r)
	h.render(w, r, http.StatusOK, v)
}

// inviteForm is the invite form: who, and which role in the subsidiary of
// the URL.
type inviteForm struct {
	Email string
	Role  models.Role
}

// parseInviteForm reads the invite form. Any other field (subsidiary,
// user_id, a second role…) is ignored (THREATS R3).
func parseInviteForm(r *http.Request) inviteForm {
	return inviteForm{
		Email: strings.TrimSpace(r.PostFormValue("email")),
		Role:  models.Role(strings.TrimSpace(r.PostFormValue("role"))),
	}
}

// Validate normalizes the email and returns field → problem.
func (f *inviteForm) Validate() views.FieldErrors {
	problems := views.FieldErrors{}
	email, err := models.NormalizeEmail(f.Email)
	if err != nil {
		problems["email"] = models.MessageOf(err)
	} else {
		f.Email = email
	}
	if !f.Role.Scoped() {
		problems["role"] = "Choose Publisher or Subsidiary admin."
	}
	return problems
}

func (f inviteForm) view(problems views.FieldErrors) views.InviteForm {
	return views.InviteForm{Email: f.Email, Role: string(f.Role), Errors: problems}
}

// invite grants the role at once to an existing account whose address is
// verified; anyone else gets an invitation, whose link is shown once.
func (h *MembersHandler) invite(w http.ResponseWriter, r *http.Request) {
	sub := chi.URLParam(r, "subsidiary")
	form := parseInviteForm(r)
	if problems := form.Validate(); len(problems) > 0 {
		h.rerender(w, r, http.StatusUnprocessableEntity, form.view(problems), nil)
		return
	}
	actor := ActorFrom(r)
	u, err := h.st.FindUserByEmail(r.Context(), form.Email)
	switch {
	case err == nil && u.EmailVerified:
		if err := h.st.GrantRole(r.Context(), actor, u.ID, form.Role, sub); err != nil {
			h.pages.errs.Render(w, r, err)
			return
		}
		http.Redirect(w, r, withDone(views.MembersURL(sub), "granted"), http.StatusSeeOther)
		return
	case err != nil && models.KindOf(err) != models.NotFound:
		h.pages.errs.Render(w, r, err)
		return
	}
	// No account, or one whose address nobody has vouched for: whoever
	// controls the address accepts through the link.
	inv, token, err := h.st.CreateInvitation(r.Context(), actor, models.Invitation{Email: form.Email, Role: form.Role, Domain: sub})
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	invited := &views.InvitationLink{Email: inv.Email, Link: invitationLink(h.baseURL, r, token)}
	h.rerender(w, r, http.StatusOK, views.InviteForm{Role: string(form.Role)}, invited)
}

// roleForm is the change-role and remove-role forms: one role of the
// subsidiary of the URL.
type roleForm struct {
	Role models.Role
}

func parseRoleForm(r *http.Request) roleForm {
	return roleForm{Role: models.Role(strings.TrimSpace(r.PostFormValue("role")))}
}

// Validate returns field → problem. Only subsidiary roles are changed here:
// platform-wide roles are not a subsidiary admin's to give (THREATS R3).
func (f roleForm) Validate() views.FieldErrors {
	if !f.Role.Scoped() {
		return views.FieldErrors{"role": "Choose Publisher or Subsidiary admin."}
	}
	return nil
}

// changeRole makes role the member's only role in the subsidiary: it grants
// the new role, then revokes the others.
func (h *MembersHandler) changeRole(w http.ResponseWriter, r *http.Request) {
	sub := chi.URLParam(r, "subsidiary")
	userID, err := h.memberParam(r)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	form := parseRoleForm(r)
	if problems := form.Validate(); len(problems) > 0 {
		h.pages.errs.Render(w, r, models.Errorf(models.Invalid, "%s", problems["role"]))
		return
	}
	if err := h.st.SetSubsidiaryRole(r.Context(), ActorFrom(r), userID, form.Role, sub); err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	http.Redirect(w, r, withDone(views.MembersURL(sub), "role"), http.StatusSeeOther)
}

// removeRole revokes one role of the member in the subsidiary.
func (h *MembersHandler) removeRole(w http.ResponseWriter, r *http.Request) {
	sub := chi.URLParam(r, "subsidiary")
	userID, err := h.memberParam(r)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	form := parseRoleForm(r)
	if problems := form.Validate(); len(problems) > 0 {
		h.pages.errs.Render(w, r, models.Errorf(models.Invalid, "%s", problems["role"]))
		return
	}
	if err := h.st.RevokeRole(r.Context(), ActorFrom(r), userID, form.Role, sub); err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	http.Redirect(w, r, withDone(views.MembersURL(sub), "removed"), http.StatusSeeOther)
}

// memberParam returns the {userID} of the URL. Admins do not change their
// own roles: an admin demoting themselves by mistake would lock the
// company out.
func (h *MembersHandler) memberParam(r *http.Request) (int64, error) {
	id, err := idParam(r, "userID", "user")
	if err != nil {
		return 0, err
	}
	if v := ViewerFrom(r.Context()); v != nil && v.User.ID == id {
		return 0, errOwnRoles
	}
	return id, nil
}

var errOwnRoles = models.Errorf(models.Forbidden, "You cannot change your own roles. Ask another admin of the company or a platform admin.")

// page loads the members page of the URL's subsidiary.
func (h *MembersHandler) page(r *http.Request, invite views.InviteForm) (views.MembersView, error) {
	ctx := r.Context()
	sub, err := h.st.FindSubsidiary(ctx, chi.URLParam(r, "subsidiary"))
	if err != nil {
		return views.MembersView{}, err
	}
	members, err := h.st.ListMembers(ctx, sub.Slug)
	if err != nil {
		return views.MembersView{}, err
	}
	invs, err := h.st.ListInvitations(ctx, sub.Slug)
	if err != nil {
		return views.MembersView{}, err
	}
	v := ViewerFrom(ctx)
	view := views.MembersView{Subsidiary: sub, Invite: invite}
	for _, m := range members {
		self := v != nil && v.User.ID == m.User.ID
		view.Members = append(view.Members, views.MemberRow{User: m.User, Roles: m.Roles, Self: self, MayDeactivate: !self})
	}
	now := h.now()
	for _, inv := range invs {
		if inv.AcceptedAt == nil && inv.ExpiresAt.After(now) {
			view.Invitations = append(view.Invitations, inv)
		}
	}
	return view, nil
}

// rerender shows the members page after a POST: with the form's input and
// problems (422), or with a new invitation's link (200).
func (h *MembersHandler) rerender(w http.ResponseWriter, r *http.Request, status int, invite views.InviteForm, invited *views.InvitationLink) {
	v, err := h.page(r, invite)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	v.Invited = invited
	h.render(w, r, status, v)
}

func (h *MembersHandler) render(w http.ResponseWriter, r *http.Request, status int, v views.MembersView) {
	// The page may show an invitation link: keep it out of caches.
	w.Header().Set("Cache-Control", "no-store")
	h.pages.render(w, r, status, views.MembersPage(h.pages.meta(r, "Members of "+v.Subsidiary.Name, "admin"), v))
}

// invitationLink is the absolute URL that accepts an invitation: on the
// portal's public URL, else on the host the admin is using.
func invitationLink(baseURL string, r *http.Request, token string) string {
	base := strings.TrimRight(baseURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/invitations/" + url.PathEscape(token)
}
