package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// TeamStore is what the consumer team pages need from persistence. Every
// read and change is scoped to the viewer in the store: a team the viewer
// is not a member of is NotFound (THREATS R1).
type TeamStore interface {
	ListTeams(ctx context.Context, userID int64) ([]models.Team, error)
	CreateTeam(ctx context.Context, actor models.Actor, ownerID int64, name string) (models.Team, error)
	FindTeam(ctx context.Context, userID, teamID int64) (models.Team, []models.TeamMember, error)
	RemoveTeamMember(ctx context.Context, actor models.Actor, ownerID, teamID, userID int64) error
	CreateInvitation(ctx context.Context, actor models.Actor, inv models.Invitation) (models.Invitation, string, error)
}

// TeamsHandler serves the consumer team pages.
type TeamsHandler struct {
	st      TeamStore
	pages   *pageRenderer
	guard   routeGuard
	baseURL string // public URL of the portal, for invitation links
}

// NewTeamsHandler returns the team pages' handler.
func NewTeamsHandler(st TeamStore, pages *pageRenderer, guard routeGuard, baseURL string) *TeamsHandler {
	return &TeamsHandler{st: st, pages: pages, guard: guard, baseURL: baseURL}
}

// Routes registers the team pages, for signed-in users who may manage
// teams (external developers).
func (h *TeamsHandler) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(h.guard.RequireSignIn, h.guard.Require(models.ActionManageTeams, ""))
		r.Get("/teams", h.list)
		r.Post("/teams", h.create)
		r.Get("/teams/{teamID}", h.show)
		r.Post("/teams/{teamID}/invitations", h.invite)
		r.Post("/teams/{teamID}/members/{userID}/remove", h.removeMember)
	})
}

// list shows the viewer's teams and the create-team form.
func (h *TeamsHandler) list(w http.ResponseWriter, r *http.Request) {
	h.renderList(w, r, http.StatusOK, views.TeamForm{})
}

// teamForm is the create-team form. Only the name is read: the owner is
// always the viewer (THREATS R3).
type teamForm struct {
	Name string
}

func parseTeamForm(r *http.Request) teamForm {
	return teamForm{Name: cleanText(r.PostFormValue("name"))}
}

// Validate returns field → problem.
func (f teamForm) Validate() views.FieldErrors {
	if f.Name == "" {
		return views.FieldErrors{"name": "Enter the team's name, for example your company's."}
	}
	if !models.ValidTeamName(f.Name) {
		return views.FieldErrors{"name": "The name is too long."}
	}
	return nil
}

// create creates a team owned by the viewer.
func (h *TeamsHandler) create(w http.ResponseWriter, r *http.Request) {
	form := parseTeamForm(r)
	if problems := form.Validate(); len(problems) > 0 {
		h.renderList(w, r, http.StatusUnprocessableEntity, views.TeamForm{Name: form.Name, Errors: problems})
		return
	}
	v := ViewerFrom(r.Context())
	team, err := h.st.CreateTeam(r.Context(), ActorFrom(r), v.User.ID, form.Name)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	http.Redirect(w, r, withDone(views.TeamURL(team.ID), "team"), http.StatusSeeOther)
}

// show shows a team of the viewer with its members.
func (h *TeamsHandler) show(w http.ResponseWriter, r *http.Request) {
	v, err := h.team(r)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	v.Notice = doneNotice(r)
	h.render(w, r, http.StatusOK, v)
}

// teammateForm is the invite-a-teammate form. Only the email is read: the
// team is the one of the URL, checked against the viewer.
type teammateForm struct {
	Email string
}

func parseTeammateForm(r *http.Request) teammateForm {
	return teammateForm{Email: strings.TrimSpace(r.PostFormValue("email"))}
}

// Validate normalizes the email and returns field → problem.
func (f *teammateForm) Validate() views.FieldErrors {
	email, err := models.NormalizeEmail(f.Email)
	if err != nil {
		return views.FieldErrors{"email": models.MessageOf(err)}
	}
	f.Email = email
	return nil
}

// invite creates an invitation to the team and shows its link once (email
// delivery comes with notifications). Only the owner invites.
func (h *TeamsHandler) invite(w http.ResponseWriter, r *http.Request) {
	v, err := h.team(r)
	if err == nil && !v.IsOwner {
		err = errNotTeamOwner
	}
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	form := parseTeammateForm(r)
	if problems := form.Validate(); len(problems) > 0 {
		v.Invite = views.InviteForm{Email: form.Email, Errors: problems}
		h.render(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	teamID := v.Team.ID
	inv, token, err := h.st.CreateInvitation(r.Context(), ActorFrom(r), models.Invitation{Email: form.Email, TeamID: &teamID})
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	v.Invited = &views.InvitationLink{Email: inv.Email, Link: invitationLink(h.baseURL, r, token)}
	h.render(w, r, http.StatusOK, v)
}

var errNotTeamOwner = models.Errorf(models.Forbidden, "Only the team's owner invites and removes teammates.")

// removeMember removes a teammate. The store refuses (NotFound) unless the
// viewer owns the team.
func (h *TeamsHandler) removeMember(w http.ResponseWriter, r *http.Request) {
	teamID, err := idParam(r, "teamID", "team")
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	userID, err := idParam(r, "userID", "team member")
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	v := ViewerFrom(r.Context())
	if err := h.st.RemoveTeamMember(r.Context(), ActorFrom(r), v.User.ID, teamID, userID); err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	http.Redirect(w, r, withDone(views.TeamURL(teamID), "member"), http.StatusSeeOther)
}

// team loads the team of the URL, as the viewer sees it.
func (h *TeamsHandler) team(r *http.Request) (views.TeamView, error) {
	teamID, err := idParam(r, "teamID", "team")
	if err != nil {
		return views.TeamView{}, err
	}
	v := ViewerFrom(r.Context())
	team, members, err := h.st.FindTeam(r.Context(), v.User.ID, teamID)
	if err != nil {
		return views.TeamView{}, err
	}
	return views.TeamView{Team: team, Members: members, UserID: v.User.ID, IsOwner: team.OwnerID == v.User.ID}, nil
}

func (h *TeamsHandler) renderList(w http.ResponseWriter, r *http.Request, status int, form views.TeamForm) {
	v := ViewerFrom(r.Context())
	teams, err := h.st.ListTeams(r.Context(), v.User.ID)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	h.pages.render(w, r, status, views.TeamsPage(h.pages.meta(r, "Teams", "teams"), views.TeamsView{Teams: teams, UserID: v.User.ID, Form: form}))
}

func (h *TeamsHandler) render(w http.ResponseWriter, r *http.Request, status int, v views.TeamView) {
	w.Header().Set("Cache-Control", "no-store") // may show an invitation link
	h.pages.render(w, r, status, views.TeamPage(h.pages.meta(r, v.Team.Name, "teams"), v))
}
