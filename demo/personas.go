package demo

import (
	"context"
	"fmt"

	"github.com/portico/portico/models"
)

// Persona is a ready-made demo account: one per kind of Portico user.
type Persona struct {
	Key   string // the persona's key in demo-credentials.env, e.g. "BANK_ADMIN"
	Label string // shown on the sign-in page, e.g. "Admin of Meridian Bank"
	Email string
	Name  string
	Kind  models.UserKind
	Roles []models.RoleAssignment // UserID unset
}

// Personas returns the demo accounts: a platform admin, an admin of the bank
// and of the insurer, a publisher of the bank, an external developer and an
// internal team member.
func Personas() []Persona {
	global := func(r models.Role) models.RoleAssignment {
		return models.RoleAssignment{Role: r, Domain: models.GlobalDomain}
	}
	in := func(r models.Role, sub string) models.RoleAssignment {
		return models.RoleAssignment{Role: r, Domain: sub}
	}
	return []Persona{
		{"PLATFORM_ADMIN", "Platform admin (every subsidiary)", "platform.admin@meridian.example", "Priya Natarajan", models.UserStaff,
			[]models.RoleAssignment{global(models.RolePlatformAdmin)}},
		{"BANK_ADMIN", "Admin of Meridian Bank", "bank.admin@meridian.example", "Tom Okafor", models.UserStaff,
			[]models.RoleAssignment{in(models.RoleSubsidiaryAdmin, "bank"), global(models.RoleInternal)}},
		{"INSURANCE_ADMIN", "Admin of Meridian Insurance", "insurance.admin@meridian.example", "Ana Ribeiro", models.UserStaff,
			[]models.RoleAssignment{in(models.RoleSubsidiaryAdmin, "insurance"), global(models.RoleInternal)}},
		{"PUBLISHER", "API publisher at Meridian Bank", "publisher@meridian.example", "Lena Fischer", models.UserStaff,
			[]models.RoleAssignment{in(models.RolePublisher, "bank"), global(models.RoleInternal)}},
		{"DEVELOPER", "External developer (Acme Fintech)", "dev@acme-fintech.example", "Sam Carter", models.UserExternal,
			[]models.RoleAssignment{global(models.RoleDeveloper)}},
		{"INTERNAL", "Internal team member (group digital)", "internal@meridian.example", "Jun Park", models.UserStaff,
			[]models.RoleAssignment{global(models.RoleInternal)}},
	}
}

// PersonaStore is what creating the demo accounts needs from persistence.
// *store.Store satisfies it.
type PersonaStore interface {
	FindUserByEmail(ctx context.Context, email string) (models.User, error)
	CreateUser(ctx context.Context, actor models.Actor, u models.User) (models.User, error)
	SetPassword(ctx context.Context, actor models.Actor, userID int64, hash string) error
	GrantRole(ctx context.Context, actor models.Actor, userID int64, role models.Role, domain string) error
}

// systemActor is who the demo loader acts as in the audit trail.
var systemActor = models.Actor{Email: "system (demo)"}

// LoadPersonas creates the demo accounts with the given password hash and
// their roles. Existing accounts keep their password unless resetPassword is
// set (the credentials file was lost, so a new password was generated).
// Granting a role that is already held changes nothing.
func LoadPersonas(ctx context.Context, st PersonaStore, passwordHash string, resetPassword bool) error {
	for _, p := range Personas() {
		u, err := st.FindUserByEmail(ctx, p.Email)
		switch {
		case models.KindOf(err) == models.NotFound:
			u, err = st.CreateUser(ctx, systemActor, models.User{
				Email: p.Email, Name: p.Name, Kind: p.Kind, Status: models.UserActive, PasswordHash: passwordHash,
			})
			if err != nil {
				return fmt.Errorf("create demo account %s: %w", p.Email, err)
			}
		case err != nil:
			return fmt.Errorf("find demo account %s: %w", p.Email, err)
		case resetPassword:
			if err := st.SetPassword(ctx, systemActor, u.ID, passwordHash); err != nil {
				return fmt.Errorf("reset demo password of %s: %w", p.Email, err)
			}
		}
		for _, r := range p.Roles {
			if err := st.GrantRole(ctx, systemActor, u.ID, r.Role, r.Domain); err != nil {
				return fmt.Errorf("grant %s@%s to %s: %w", r.Role, r.Domain, p.Email, err)
			}
		}
	}
	return nil
}
