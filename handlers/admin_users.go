package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// usersPerPage is the length of a page of the user list.
const usersPerPage = 50

// UserStore is what the user administration pages need from persistence.
type UserStore interface {
	ListUsers(ctx context.Context, q string, page, perPage int) ([]models.User, int, error)
	FindUser(ctx context.Context, id int64) (models.User, error)
	ListRoles(ctx context.Context, userID int64) ([]models.RoleAssignment, error)
	DeactivateUser(ctx context.Context, actor models.Actor, userID int64) error
	ReactivateUser(ctx context.Context, actor models.Actor, userID int64) error
}

// UsersHandler serves the platform admin's user list and the deactivate
// and reactivate actions.
type UsersHandler struct {
	st    UserStore
	pages *pageRenderer
	guard routeGuard
}

// NewUsersHandler returns the user administration handler.
func NewUsersHandler(st UserStore, pages *pageRenderer, guard routeGuard) *UsersHandler {
	return &UsersHandler{st: st, pages: pages, guard: guard}
}

// Routes registers the user pages. The list is for platform admins.
// Deactivating and reactivating are also open to subsidiary admins, for
// users whose every subsidiary role is in a subsidiary they administer:
// mayChangeStatus decides, per target user.
func (h *UsersHandler) Routes(r chi.Router) {
	r.With(h.guard.Require(models.ActionManagePlatform, "")).Get("/admin/users", h.list)
	r.With(h.guard.RequireSignIn).Post("/admin/users/{userID}/deactivate", h.deactivate)
	r.With(h.guard.RequireSignIn).Post("/admin/users/{userID}/reactivate", h.reactivate)
}

// list shows one page of users, searched by email or name.
func (h *UsersHandler) list(w http.ResponseWriter, r *http.Request) {
	q := cleanText(r.URL.Query().Get("q"))
	if utf8.RuneCountInString(q) > maxQueryRunes {
		q = strings.TrimSpace(truncateRunes(q, maxQueryRunes))
	}
	page := 1
	if n, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && n > 1 && n <= maxPage {
		page = n
	}
	users, total, err := h.st.ListUsers(r.Context(), q, page, usersPerPage)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	pages := (total + usersPerPage - 1) / usersPerPage
	v := views.UsersView{
		Query:      q,
		Users:      users,
		Total:      total,
		Pagination: views.NewPagination(page, pages, func(n int) string { return views.UsersURL(q, n) }),
		Notice:     doneNotice(r),
		ViewerID:   ViewerFrom(r.Context()).User.ID,
	}
	h.pages.render(w, r, http.StatusOK, views.UsersPage(h.pages.meta(r, "Users", "admin"), v))
}

// deactivate deactivates a user; the store ends their sessions at once.
func (h *UsersHandler) deactivate(w http.ResponseWriter, r *http.Request) {
	h.setStatus(w, r, h.st.DeactivateUser, "deactivated")
}

// reactivate lets a deactivated user sign in again.
func (h *UsersHandler) reactivate(w http.ResponseWriter, r *http.Request) {
	h.setStatus(w, r, h.st.ReactivateUser, "reactivated")
}

// setStatus authorizes the change for the target user, makes it, and
// returns to the page the admin came from.
func (h *UsersHandler) setStatus(w http.ResponseWriter, r *http.Request, change func(context.Context, models.Actor, int64) error, done string) {
	userID, err := idParam(r, "userID", "user")
	if err == nil {
		err = h.authorize(r.Context(), ViewerFrom(r.Context()), userID)
	}
	if err == nil {
		err = change(r.Context(), ActorFrom(r), userID)
	}
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	http.Redirect(w, r, withDone(statusReturnPath(r), done), http.StatusSeeOther)
}

// authorize decides whether v may deactivate or reactivate the user: a
// platform admin anyone but themselves; a subsidiary admin only users who
// hold a role in a subsidiary they administer and no role in any other
// subsidiary (THREATS R2), and no platform role. Group-wide roles
// (developer, internal) do not belong to a subsidiary and do not count.
// An unknown user is NotFound, but only for viewers who administer a
// subsidiary: others cannot probe which ids exist.
func (h *UsersHandler) authorize(ctx context.Context, v *Viewer, userID int64) error {
	if v.User.ID == userID {
		return errOwnAccount
	}
	if v.Can(models.ActionManagePlatform, models.GlobalDomain) {
		return nil // the store answers NotFound for an unknown user
	}
	if !managesMembers(v) {
		return errNotAnAdmin
	}
	if _, err := h.st.FindUser(ctx, userID); err != nil {
		return err
	}
	roles, err := h.st.ListRoles(ctx, userID)
	if err != nil {
		return err
	}
	return mayChangeStatus(v, roles)
}

var errOwnAccount = models.Errorf(models.Forbidden, "You cannot deactivate or reactivate your own account.")

// mayChangeStatus applies the subsidiary admin's rule of authorize to the
// target's role assignments.
func mayChangeStatus(v *Viewer, roles []models.RoleAssignment) error {
	member := false
	for _, ra := range roles {
		switch {
		case ra.Role == models.RolePlatformAdmin:
			return models.Errorf(models.Forbidden, "This user is a platform admin; only a platform admin can change their account.")
		case !ra.Role.Scoped():
			continue
		case !v.Can(models.ActionManageMembers, ra.Domain):
			return models.Errorf(models.Forbidden, "This user also holds roles in a company you do not administer; ask a platform admin.")
		default:
			member = true
		}
	}
	if !member {
		return models.Errorf(models.Forbidden, "This user is not a member of a company you administer; ask a platform admin.")
	}
	return nil
}

// managesMembers reports whether v manages the members of at least one
// subsidiary.
func managesMembers(v *Viewer) bool {
	if v == nil {
		return false
	}
	for _, ra := range v.Roles {
		if ra.Domain != models.GlobalDomain && v.Can(models.ActionManageMembers, ra.Domain) {
			return true
		}
	}
	return false
}

// statusReturnPath is where a deactivate or reactivate form returns: the
// members page it was posted from (its "subsidiary" field, used only when
// the viewer manages that subsidiary's members), else the user list for
// platform admins, else the admin page.
func statusReturnPath(r *http.Request) string {
	v := ViewerFrom(r.Context())
	if sub := strings.TrimSpace(r.PostFormValue("subsidiary")); models.ValidSlug(sub) && v.Can(models.ActionManageMembers, sub) {
		return views.MembersURL(sub)
	}
	if v.Can(models.ActionManagePlatform, models.GlobalDomain) {
		return "/admin/users"
	}
	return "/admin"
}
