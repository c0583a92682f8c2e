package handlers

import (
	"context"
	"slices"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// Viewer is the signed-in user of a request, with what they may do. Pages and
// handlers read it with ViewerFrom; nil means an anonymous visitor.
type Viewer struct {
	User  models.User
	Roles []models.RoleAssignment
	// SignedInAt is when this session signed in (password or SSO). Showing
	// or regenerating secrets asks for a recent sign-in (Auth.RecentSignIn).
	SignedInAt time.Time
	// can answers authorization questions for this user (casbin with
	// subsidiaries as domains). Set by the session middleware.
	can func(action models.Action, domain string) bool
}

type viewerKey struct{}

// ViewerFrom returns the signed-in user of ctx, or nil for anonymous visitors.
func ViewerFrom(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}

// withViewer returns ctx carrying v.
func withViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// Can reports whether the viewer may do action in domain (a subsidiary slug,
// or models.GlobalDomain). A nil viewer (anonymous) may do nothing that needs
// a permission.
func (v *Viewer) Can(action models.Action, domain string) bool {
	if v == nil || v.can == nil || !v.User.Active() {
		return false
	}
	return v.can(action, domain)
}

// Staff reports whether the viewer is group staff.
func (v *Viewer) Staff() bool { return v != nil && v.User.Kind == models.UserStaff }

// outsideAudiences are the audiences of APIs that anyone, anonymous visitors
// included, may see.
var outsideAudiences = []models.Audience{models.AudiencePublic, models.AudiencePartner}

// Audiences returns the audiences of the APIs the viewer may see: all of
// them for those who may view internal APIs (group staff), public and
// partner APIs for everyone else, anonymous visitors included. It never
// returns an empty list, so a store query filtered by it is never unfiltered
// by mistake.
func (v *Viewer) Audiences() []models.Audience {
	if v.Can(models.ActionViewInternalAPIs, models.GlobalDomain) {
		return models.Audiences
	}
	return outsideAudiences
}

// MaySee reports whether the viewer may see an API of audience a.
func (v *Viewer) MaySee(a models.Audience) bool {
	return slices.Contains(v.Audiences(), a)
}

// Administers reports whether the viewer administers the platform or at
// least one subsidiary (members, audit trail, plans or approvals), so the
// header shows the Admin link.
func (v *Viewer) Administers() bool {
	if v.Can(models.ActionManagePlatform, models.GlobalDomain) {
		return true
	}
	if v == nil {
		return false
	}
	for _, ra := range v.Roles {
		if ra.Domain != models.GlobalDomain && (v.Can(models.ActionManageMembers, ra.Domain) || v.Can(models.ActionViewAudit, ra.Domain) ||
			v.Can(models.ActionManagePlans, ra.Domain) || v.Can(models.ActionApproveSubs, ra.Domain)) {
			return true
		}
	}
	return false
}

// DisplayName is how the header names the viewer: their name, else their
// email.
func (v *Viewer) DisplayName() string {
	if v == nil {
		return ""
	}
	if v.User.Name != "" {
		return v.User.Name
	}
	return v.User.Email
}

// setViewerMeta fills the user menu fields of a page's PageMeta.
func setViewerMeta(m *views.PageMeta, v *Viewer) {
	if v == nil {
		return
	}
	m.SignedIn = true
	m.UserName = v.DisplayName()
	m.UserEmail = v.User.Email
	m.ShowAdmin = v.Administers()
	m.ShowTeams = v.Can(models.ActionManageTeams, models.GlobalDomain)
	m.ShowApps = v.Can(models.ActionManageApps, models.GlobalDomain)
}
