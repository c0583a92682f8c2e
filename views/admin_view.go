package views

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/portico/portico/models"
)

// FieldErrors maps a form field's name to a user-safe message about it.
type FieldErrors map[string]string

// AdminHomeView is the admin landing page's view model.
type AdminHomeView struct {
	Platform     bool // the viewer administers the whole platform
	Subsidiaries []AdminSubsidiary
	CanAudit     bool // the viewer may read the audit trail of at least one subsidiary
}

// AdminSubsidiary is a subsidiary the viewer administers, with what they may
// do there.
type AdminSubsidiary struct {
	Slug       string
	Name       string
	CanMembers bool
	CanAudit   bool
	CanPlans   bool // edit the plans of the subsidiary's APIs
	CanApprove bool // decide on subscriptions to the subsidiary's APIs
	CanRoutes  bool // set where the gateway serves the subsidiary's API versions
	Pending    int  // subscriptions waiting for approval, when CanApprove
}

// MembersURL is the members page of a subsidiary.
func MembersURL(subsidiary string) string {
	return "/admin/subsidiaries/" + url.PathEscape(subsidiary) + "/members"
}

// AuditURL is the audit trail filtered to one subsidiary.
func AuditURL(subsidiary string) string {
	if subsidiary == "" {
		return "/admin/audit"
	}
	return "/admin/audit?subsidiary=" + url.QueryEscape(subsidiary)
}

// UserActionURL is where a user's deactivate or reactivate form posts
// (action "deactivate" or "reactivate").
func UserActionURL(userID int64, action string) string {
	return "/admin/users/" + strconv.FormatInt(userID, 10) + "/" + action
}

// MembersView is the members page of one subsidiary.
type MembersView struct {
	Subsidiary  models.Subsidiary
	Members     []MemberRow
	Invitations []models.Invitation // pending (not accepted) invitations
	Invite      InviteForm
	// Invited is the invitation just created, with its link, shown once.
	Invited *InvitationLink
	Notice  string // a confirmation after a redirect, or ""
}

// MemberRow is one member of a subsidiary.
type MemberRow struct {
	User  models.User
	Roles []models.Role // the roles held in the subsidiary
	Self  bool          // the viewer: their own roles and account are not changed here
	// MayDeactivate says the viewer may deactivate or reactivate this user
	// from this page.
	MayDeactivate bool
}

// InviteForm is the invite form's input and problems.
type InviteForm struct {
	Email  string
	Role   string
	Errors FieldErrors
}

// InvitationLink is a newly created invitation and the link that accepts it.
// The link holds the only copy of the token: it is shown once.
type InvitationLink struct {
	Email string
	Link  string
}

// SubsidiaryRoles are the roles an admin grants within a subsidiary.
var SubsidiaryRoles = []models.Role{models.RolePublisher, models.RoleSubsidiaryAdmin}

// UsersView is the platform admin's user list.
type UsersView struct {
	Query      string
	Users      []models.User
	Total      int
	Pagination Pagination
	Notice     string
	ViewerID   int64 // the viewer, whose own account has no deactivate button
}

// UsersURL is the users page with a search and page number.
func UsersURL(q string, page int) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/admin/users"
	}
	return "/admin/users?" + v.Encode()
}

// AuditView is the audit trail page.
type AuditView struct {
	Filter AuditFilterForm
	// Subsidiaries are those the viewer may filter by (every one for
	// platform admins).
	Subsidiaries []AdminSubsidiary
	// AllEvents says the viewer sees every event, platform-wide ones
	// included.
	AllEvents  bool
	Events     []models.AuditEvent
	Total      int
	Pagination Pagination
	Errors     FieldErrors
}

// AuditFilterForm is the audit filter as typed (query parameters).
type AuditFilterForm struct {
	Subsidiary string
	Action     string
	Actor      string
	Since      string // YYYY-MM-DD
	Until      string // YYYY-MM-DD
}

// Filtered reports whether any filter is set.
func (f AuditFilterForm) Filtered() bool {
	return f != AuditFilterForm{}
}

// URL is the audit page with the filter and a page number.
func (f AuditFilterForm) URL(page int) string {
	v := url.Values{}
	for _, kv := range [][2]string{{"subsidiary", f.Subsidiary}, {"action", f.Action}, {"actor", f.Actor}, {"since", f.Since}, {"until", f.Until}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/admin/audit"
	}
	return "/admin/audit?" + v.Encode()
}

// AuditActions are the audit actions offered as filter suggestions.
var AuditActions = []string{
	"auth.sign_in", "auth.sign_in_failed", "auth.sign_out", "auth.link",
	"api.import",
	"role.grant", "role.revoke",
	"user.create", "user.deactivate", "user.reactivate", "user.password", "user.email_verified",
	"invitation.create", "invitation.accept",
	"team.create", "team.member_add", "team.member_remove",
}

// AuditField is one field of an audit event's before or after state.
type AuditField struct {
	Key   string
	Value string
}

// auditFields splits an audit event's before or after JSON object into its
// fields, sorted by key; strings show without quotes, other values as
// JSON. Anything but an object shows as one field without a key.
func auditFields(raw string) []AuditField {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil || len(obj) == 0 {
		return []AuditField{{Value: raw}}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]AuditField, len(keys))
	for i, k := range keys {
		v := string(obj[k])
		var str string
		if json.Unmarshal(obj[k], &str) == nil {
			v = str
		}
		out[i] = AuditField{Key: k, Value: v}
	}
	return out
}

// FormatTime formats an instant the way the audit trail shows it: UTC, to
// the second.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2 Jan 2006 15:04:05 UTC")
}

// isoTime formats an instant for a <time datetime> attribute.
func isoTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// TeamsView is the list of the viewer's consumer teams.
type TeamsView struct {
	Teams  []models.Team
	UserID int64 // the viewer, to mark the teams they own
	Form   TeamForm
}

// TeamForm is the create-team form's input and problems.
type TeamForm struct {
	Name   string
	Errors FieldErrors
}

// TeamURL is a team's page.
func TeamURL(id int64) string {
	return "/teams/" + strconv.FormatInt(id, 10)
}

// TeamView is one team's page.
type TeamView struct {
	Team    models.Team
	Members []models.TeamMember
	UserID  int64 // the viewer
	IsOwner bool
	Invite  InviteForm
	Invited *InvitationLink
	Notice  string
}

// InvitationView is the page that accepts an invitation.
type InvitationView struct {
	Action string // where the accept form posts
	Email  string // the signed-in user's email, to say who accepts
}

// roleLabels joins role labels for display.
func roleLabels(roles []models.Role) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = r.Label()
	}
	return out
}

// hasRole reports whether roles contains r.
func hasRole(roles []models.Role, r models.Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// actorText is how the audit trail names who acted.
func actorText(e models.AuditEvent) string {
	switch {
	case e.ActorEmail != "":
		return e.ActorEmail
	case e.ActorID != nil:
		return "user " + strconv.FormatInt(*e.ActorID, 10)
	}
	return "anonymous"
}

func int64s(n int64) string { return strconv.FormatInt(n, 10) }
