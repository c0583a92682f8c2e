package handlers

import (
	"context"

	"github.com/portico/portico/models"
)

// Viewer is the signed-in user of a request, with what they may do. Pages and
// handlers read it with ViewerFrom; nil means an anonymous visitor.
type Viewer struct {
	User  models.User
	Roles []models.RoleAssignment
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
