package models

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"time"
)

// UserKind says which side of the group a user is on.
type UserKind string

// The user kinds. Staff sign in through a staff identity provider (or are
// created as staff); everyone else is an external developer.
const (
	UserExternal UserKind = "external"
	UserStaff    UserKind = "staff"
)

// UserStatus is whether a user may sign in.
type UserStatus string

// The user statuses. Deactivating a user ends their sessions at once.
const (
	UserActive      UserStatus = "active"
	UserDeactivated UserStatus = "deactivated"
)

// User is a person who signs in to the portal.
//
// EmailVerified says the address is known to belong to the user: an operator
// created the account, an identity provider vouched for it, or the user
// followed an invitation sent to it. Only a verified account is linked to a
// new SSO identity with the same email, and only a verified account receives
// the invitations sent to its address when it signs in.
type User struct {
	ID            int64  `gorm:"primaryKey"`
	Email         string // lower case, unique
	Name          string
	Kind          UserKind
	Status        UserStatus
	EmailVerified bool
	PasswordHash  string `json:"-"` // argon2id PHC string; empty for SSO-only users
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastLoginAt   *time.Time
}

// Active reports whether u may sign in and act.
func (u User) Active() bool { return u.Status == UserActive }

// ExternalIdentity links a user to an account at an identity provider.
type ExternalIdentity struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    int64
	Provider  string // configured provider name, e.g. "corporate", "github"
	Subject   string // the provider's stable subject identifier ("sub")
	Email     string
	CreatedAt time.Time
}

// Role is what a user may do, globally or within one subsidiary.
type Role string

// The roles. PlatformAdmin, Developer and Internal are global (domain
// GlobalDomain); SubsidiaryAdmin and Publisher hold within one subsidiary.
const (
	RolePlatformAdmin   Role = "platform_admin"
	RoleSubsidiaryAdmin Role = "subsidiary_admin"
	RolePublisher       Role = "publisher"
	RoleDeveloper       Role = "developer"
	RoleInternal        Role = "internal"
)

// GlobalDomain is the casbin domain of global roles.
const GlobalDomain = "*"

// Roles lists every role in display order.
var Roles = []Role{RolePlatformAdmin, RoleSubsidiaryAdmin, RolePublisher, RoleInternal, RoleDeveloper}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Scoped reports whether r is held within one subsidiary (not globally).
func (r Role) Scoped() bool { return r == RoleSubsidiaryAdmin || r == RolePublisher }

// Label is the human name of a role.
func (r Role) Label() string {
	switch r {
	case RolePlatformAdmin:
		return "Platform admin"
	case RoleSubsidiaryAdmin:
		return "Subsidiary admin"
	case RolePublisher:
		return "Publisher"
	case RoleDeveloper:
		return "Developer"
	case RoleInternal:
		return "Internal team member"
	}
	return string(r)
}

// RoleAssignment is one role held by a user in a domain: a subsidiary slug,
// or GlobalDomain.
type RoleAssignment struct {
	UserID int64
	Role   Role
	Domain string
}

// Action is something a user may be allowed to do. Authorization asks
// "may user U do action A in domain D?"; the casbin model maps roles to
// actions.
type Action string

// The actions checked by routes and services.
const (
	ActionViewCatalog      Action = "catalog:view"          // browse public APIs (everyone)
	ActionViewInternalAPIs Action = "catalog:view_internal" // see internal-audience APIs
	ActionImportAPI        Action = "api:import"            // import and maintain API versions of a subsidiary
	ActionManageMembers    Action = "subsidiary:members"    // invite, change roles, deactivate within a subsidiary
	ActionViewAudit        Action = "subsidiary:audit"      // read the audit trail of a subsidiary
	ActionManagePlatform   Action = "platform:manage"       // platform-wide administration (all subsidiaries, users)
	ActionManageTeams      Action = "teams:manage"          // create consumer teams and invite teammates
	ActionManageApps       Action = "applications:manage"   // create applications, keys and subscriptions of one's own
	ActionManagePlans      Action = "plans:manage"          // create and edit the plans of a subsidiary's APIs
	ActionApproveSubs      Action = "subscriptions:approve" // approve, reject, suspend and resume subscriptions to a subsidiary's APIs
)

// Team is a consumer team (an external developer's company) that shares
// applications.
type Team struct {
	ID        int64 `gorm:"primaryKey"`
	Name      string
	OwnerID   int64
	CreatedAt time.Time
}

// TeamRole is a member's role in a team.
type TeamRole string

// The team roles.
const (
	TeamRoleOwner  TeamRole = "owner"
	TeamRoleMember TeamRole = "member"
)

// TeamMember is a user's membership of a team.
type TeamMember struct {
	TeamID    int64
	UserID    int64
	Role      TeamRole
	CreatedAt time.Time
	Email     string `gorm:"-"` // the member's, filled in by reads
	Name      string `gorm:"-"` // the member's, filled in by reads
}

// Invitation invites an email address to a subsidiary role or to a team.
// Exactly one of (Role, Domain) or TeamID is set. It is accepted when a user
// with that email signs in (SSO or local) or follows the link with the token.
type Invitation struct {
	ID         int64 `gorm:"primaryKey"`
	Email      string
	Role       Role   // subsidiary invitation
	Domain     string // subsidiary slug for Role
	TeamID     *int64 // team invitation
	TokenHash  string `json:"-"` // SHA-256 of the token sent by email; the token is shown once
	InvitedBy  int64
	ExpiresAt  time.Time
	AcceptedAt *time.Time
	CreatedAt  time.Time
}

// AuditEvent is one entry of the append-only, hash-chained audit trail.
type AuditEvent struct {
	ID         int64 `gorm:"primaryKey"`
	At         time.Time
	ActorID    *int64 // nil for anonymous (failed sign-in) or the system
	ActorEmail string
	Subsidiary string // slug, or "" for platform-wide events
	Action     string // e.g. "auth.sign_in", "auth.sign_in_failed", "role.grant", "user.deactivate"
	Target     string // e.g. "user:42", "invitation:7"
	Before     string // JSON, or ""
	After      string // JSON, or ""
	RequestID  string
	ClientIP   string
	PrevHash   string // hex SHA-256 of the previous event, "" for the first
	Hash       string // hex SHA-256 over PrevHash and this event's fields
}

// AuditFilter selects audit events. Zero fields do not filter.
type AuditFilter struct {
	Subsidiaries []string // nil = all (platform admins only)
	Action       string
	ActorEmail   string
	Since, Until *time.Time
	Page         int
	PerPage      int
}

// ComputeHash returns the hex SHA-256 that chains e to the trail: over
// PrevHash and every recorded field, in a fixed, length-prefixed encoding, so
// changing, inserting or removing any event breaks every later hash.
func (e AuditEvent) ComputeHash() string {
	h := sha256.New()
	write := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	actor := ""
	if e.ActorID != nil {
		actor = strconv.FormatInt(*e.ActorID, 10)
	}
	for _, s := range []string{
		e.PrevHash, strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano), actor, e.ActorEmail,
		e.Subsidiary, e.Action, e.Target, e.Before, e.After, e.RequestID, e.ClientIP,
	} {
		write(s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Actor is who performs an audited change, and from where. Store methods that
// change identity or access data take an Actor and write the audit event in
// the same transaction as the change.
type Actor struct {
	UserID    *int64 // nil for the system (CLI, demo loader) or an anonymous visitor
	Email     string // "system", "bootstrap-token" or the user's email
	RequestID string
	ClientIP  string
}

// Member is a user with the roles they hold in one subsidiary.
type Member struct {
	User  User
	Roles []Role
}

// DefaultRoles are the roles every account of a kind holds from its first
// sign-in through an identity provider: external developers may build
// applications and teams, group staff see internal APIs and plans.
func DefaultRoles(kind UserKind) []RoleAssignment {
	switch kind {
	case UserExternal:
		return []RoleAssignment{{Role: RoleDeveloper, Domain: GlobalDomain}}
	case UserStaff:
		return []RoleAssignment{{Role: RoleInternal, Domain: GlobalDomain}}
	}
	return nil
}
