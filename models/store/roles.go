package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	gormadapter "github.com/casbin/gorm-adapter/v3"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/portico/portico/identity"
	"github.com/portico/portico/models"
)

// roleRow is one role held by a user in a domain. The store queries this
// table; casbin_rule mirrors it, in identity.GroupingRule's encoding, for
// the authorizer. Source is "" for a role granted by a person, else the
// identity provider whose group claim granted it.
type roleRow struct {
	UserID    int64       `gorm:"primaryKey;autoIncrement:false"`
	Role      models.Role `gorm:"primaryKey"`
	Domain    string      `gorm:"primaryKey"`
	Source    string
	CreatedAt time.Time
}

func (roleRow) TableName() string { return "role_assignments" }

// casbinRuleRow is a row of casbin_rule as gorm-adapter v3.39.0 maps it.
type casbinRuleRow struct {
	ID    uint `gorm:"primaryKey"`
	Ptype string
	V0    string
	V1    string
	V2    string
	V3    string
	V4    string
	V5    string
}

func (casbinRuleRow) TableName() string { return "casbin_rule" }

// policyVersionRow is the single row counting changes to casbin_rule.
type policyVersionRow struct {
	ID      int64 `gorm:"primaryKey;autoIncrement:false"`
	Version int64
}

func (policyVersionRow) TableName() string { return "policy_version" }

type roleKey struct {
	role   models.Role
	domain string
}

// groupingRow is the casbin_rule row of an assignment: ptype
// identity.GroupingPtype and the values identity.GroupingRule gives.
func groupingRow(userID int64, role models.Role, domain string) (casbinRuleRow, error) {
	v := identity.GroupingRule(userID, role, domain)
	if len(v) > 6 {
		return casbinRuleRow{}, fmt.Errorf("grouping rule of user %d has %d values, casbin_rule holds 6", userID, len(v))
	}
	v = append(v, make([]string, 6-len(v))...)
	return casbinRuleRow{Ptype: identity.GroupingPtype, V0: v[0], V1: v[1], V2: v[2], V3: v[3], V4: v[4], V5: v[5]}, nil
}

// validateAssignment checks that role may be held in domain
// (identity.CheckAssignment: a scoped role in a subsidiary slug, a global
// role in models.GlobalDomain; Invalid otherwise) and that a scoped role's
// subsidiary exists (NotFound otherwise).
func validateAssignment(tx *gorm.DB, role models.Role, domain string) error {
	if err := identity.CheckAssignment(role, domain); err != nil {
		return err
	}
	if !role.Scoped() {
		return nil
	}
	_, err := findSubsidiary(tx, domain)
	return err
}

// rolesIn returns the roles the user holds in domain, in display order.
func rolesIn(tx *gorm.DB, userID int64, domain string) ([]models.Role, error) {
	roles := []models.Role{}
	if err := tx.Model(&roleRow{}).Where("user_id = ? AND domain = ?", userID, domain).Pluck("role", &roles).Error; err != nil {
		return nil, err
	}
	sortRoles(roles)
	return roles, nil
}

func roleAudit(domain string, roles []models.Role) map[string]any {
	return map[string]any{"domain": domain, "roles": roles}
}

// bumpPolicyVersion counts a change to casbin_rule.
func bumpPolicyVersion(tx *gorm.DB) error {
	return tx.Exec("UPDATE policy_version SET version = version + 1 WHERE id = 1").Error
}

// grantRole gives the user (who must exist) the role in domain (already
// validated) unless they hold it, writing the casbin rule, the policy
// version and "role.grant" with the roles held in the domain before and
// after. A role granted by source "" (a person) that was held through an
// identity provider becomes a role a person granted.
func grantRole(tx *gorm.DB, a *auditor, userID int64, role models.Role, domain, source string) error {
	var held []roleRow
	if err := tx.Where("user_id = ? AND role = ? AND domain = ?", userID, role, domain).Limit(1).Find(&held).Error; err != nil {
		return err
	}
	if len(held) == 1 {
		if source == "" && held[0].Source != "" {
			if err := tx.Model(&roleRow{}).Where("user_id = ? AND role = ? AND domain = ?", userID, role, domain).
				Update("source", "").Error; err != nil {
				return err
			}
			// The identity provider no longer revokes it: audit the change
			// of who controls the role.
			roles, err := rolesIn(tx, userID, domain)
			if err != nil {
				return err
			}
			before := roleAudit(domain, roles)
			before["source"] = held[0].Source
			a.record("role.grant", domain, userTarget(userID), before, roleAudit(domain, roles))
		}
		return nil
	}
	before, err := rolesIn(tx, userID, domain)
	if err != nil {
		return err
	}
	if err := tx.Create(&roleRow{UserID: userID, Role: role, Domain: domain, Source: source}).Error; err != nil {
		return err
	}
	rule, err := groupingRow(userID, role, domain)
	if err != nil {
		return err
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rule).Error; err != nil {
		return err
	}
	if err := bumpPolicyVersion(tx); err != nil {
		return err
	}
	after := append(slices.Clone(before), role)
	sortRoles(after)
	grant := roleAudit(domain, after)
	if source != "" {
		grant["source"] = source
	}
	a.record("role.grant", domain, userTarget(userID), roleAudit(domain, before), grant)
	return nil
}

// revokeRole takes the role in domain from the user, or returns NotFound
// if they do not hold it.
func revokeRole(tx *gorm.DB, a *auditor, userID int64, role models.Role, domain string) error {
	before, err := rolesIn(tx, userID, domain)
	if err != nil {
		return err
	}
	res := tx.Where("user_id = ? AND role = ? AND domain = ?", userID, role, domain).Delete(&roleRow{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return models.Errorf(models.NotFound, "The user does not hold the %s role there.", role.Label())
	}
	rule, err := groupingRow(userID, role, domain)
	if err != nil {
		return err
	}
	err = tx.Where("ptype = ? AND v0 = ? AND v1 = ? AND v2 = ? AND v3 = ? AND v4 = ? AND v5 = ?",
		rule.Ptype, rule.V0, rule.V1, rule.V2, rule.V3, rule.V4, rule.V5).Delete(&casbinRuleRow{}).Error
	if err != nil {
		return err
	}
	if err := bumpPolicyVersion(tx); err != nil {
		return err
	}
	after := slices.DeleteFunc(slices.Clone(before), func(r models.Role) bool { return r == role })
	a.record("role.revoke", domain, userTarget(userID), roleAudit(domain, before), roleAudit(domain, after))
	return nil
}

// GrantRole gives the user the role in domain: a subsidiary slug for
// subsidiary admins and publishers, models.GlobalDomain for the global
// roles. Granting a role the user holds changes nothing and records
// nothing. It returns NotFound for an unknown user or subsidiary and
// Invalid for an unknown role or a domain that does not fit it. Audited as
// "role.grant" (before/after: the roles held in the domain); bumps
// PolicyVersion. Callers check that the actor may manage the domain.
func (s *Store) GrantRole(ctx context.Context, actor models.Actor, userID int64, role models.Role, domain string) error {
	domain = strings.TrimSpace(domain)
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		if _, err := findUser(tx, userID); err != nil {
			return err
		}
		if err := validateAssignment(tx, role, domain); err != nil {
			return err
		}
		return grantRole(tx, a, userID, role, domain, "")
	})
	return translate(fmt.Sprintf("grant %s in %s to user %d", role, domain, userID), "Role", err)
}

// RevokeRole takes the role in domain from the user. It returns NotFound if
// the user does not hold it. Audited as "role.revoke"; bumps PolicyVersion.
func (s *Store) RevokeRole(ctx context.Context, actor models.Actor, userID int64, role models.Role, domain string) error {
	domain = strings.TrimSpace(domain)
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		return revokeRole(tx, a, userID, role, domain)
	})
	return translate(fmt.Sprintf("revoke %s in %s from user %d", role, domain, userID), "Role", err)
}

// SetSubsidiaryRole makes role the user's only role in the subsidiary, in
// one transaction: the new role is granted and the others held there are
// revoked, each audited ("role.grant", "role.revoke"). It returns NotFound
// when the user holds no role in the subsidiary (members are recruited by
// invitation, not by this call) and Invalid for a role that is not held
// within a subsidiary.
func (s *Store) SetSubsidiaryRole(ctx context.Context, actor models.Actor, userID int64, role models.Role, subsidiary string) error {
	subsidiary = strings.TrimSpace(subsidiary)
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		if !role.Scoped() {
			return models.Errorf(models.Invalid, "%s is not a role within a subsidiary.", role.Label())
		}
		if err := validateAssignment(tx, role, subsidiary); err != nil {
			return err
		}
		current, err := rolesIn(tx, userID, subsidiary)
		if err != nil {
			return err
		}
		if len(current) == 0 {
			return models.Errorf(models.NotFound, "This person is not a member of %s.", subsidiary)
		}
		if !slices.Contains(current, role) {
			if err := grantRole(tx, a, userID, role, subsidiary, ""); err != nil {
				return err
			}
		}
		for _, old := range current {
			if old != role {
				if err := revokeRole(tx, a, userID, old, subsidiary); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return translate(fmt.Sprintf("set role %s in %s for user %d", role, subsidiary, userID), "Role", err)
}

// ListRoles returns the roles the user holds, by domain ("*" first, then
// subsidiary slugs) and in display order within a domain. An unknown user
// holds none.
func (s *Store) ListRoles(ctx context.Context, userID int64) ([]models.RoleAssignment, error) {
	var rows []roleRow
	if err := s.read(ctx).Where("user_id = ?", userID).Find(&rows).Error; err != nil {
		return nil, translate(fmt.Sprintf("list roles of user %d", userID), "roles", err)
	}
	out := make([]models.RoleAssignment, len(rows))
	for i, r := range rows {
		out[i] = models.RoleAssignment{UserID: r.UserID, Role: r.Role, Domain: r.Domain}
	}
	slices.SortFunc(out, func(x, y models.RoleAssignment) int {
		if c := strings.Compare(x.Domain, y.Domain); c != 0 {
			return c
		}
		return slices.Index(models.Roles, x.Role) - slices.Index(models.Roles, y.Role)
	})
	return out, nil
}

// ListMembers returns the users holding a role in the subsidiary, active or
// not, ordered by email, each with those roles in display order. It returns
// NotFound for an unknown subsidiary. Callers check the viewer may see the
// subsidiary's members.
func (s *Store) ListMembers(ctx context.Context, subsidiary string) ([]models.Member, error) {
	db := s.read(ctx)
	if _, err := findSubsidiary(db, subsidiary); err != nil {
		return nil, err
	}
	var users []models.User
	err := db.Where("id IN (?)", db.Model(&roleRow{}).Select("user_id").Where("domain = ?", subsidiary)).
		Order("email").Find(&users).Error
	if err != nil {
		return nil, translate("list members of "+subsidiary, "members", err)
	}
	var rows []roleRow
	if err := db.Where("domain = ?", subsidiary).Find(&rows).Error; err != nil {
		return nil, translate("list members of "+subsidiary, "members", err)
	}
	byUser := map[int64][]models.Role{}
	for _, r := range rows {
		byUser[r.UserID] = append(byUser[r.UserID], r.Role)
	}
	out := make([]models.Member, 0, len(users))
	for _, u := range users {
		roles := byUser[u.ID]
		sortRoles(roles)
		out = append(out, models.Member{User: u, Roles: roles})
	}
	return out, nil
}

// PolicyVersion returns a number that every change to the role policy
// (casbin_rule) increases, in any process sharing the database. An
// authorizer reloads its policy when the number moves.
func (s *Store) PolicyVersion(ctx context.Context) (int64, error) {
	var row policyVersionRow
	if err := s.read(ctx).Where("id = 1").Take(&row).Error; err != nil {
		return 0, translate("read policy version", "policy version", err)
	}
	return row.Version, nil
}

// errPolicyReadOnly is what the policy adapter answers to writes. casbin
// treats this exact text as "the adapter does not persist this" and applies
// the change to the enforcer's in-memory policy only.
var errPolicyReadOnly = errors.New("not implemented")

// CasbinAdapter returns the casbin adapter (gorm-adapter v3.39.0 over the
// store's read pool, its auto-migration turned off: casbin_rule comes from
// the migrations) from which an authorizer loads the role policy.
//
// The adapter only loads. Its write methods answer "not implemented", which
// casbin takes to mean "change the in-memory policy only", so policies added
// through an enforcer (the role → action rules of the embedded model) work
// but never reach the database: role assignments change only through
// GrantRole, RevokeRole and the sign-in and invitation methods, which audit
// them and bump PolicyVersion.
func (s *Store) CasbinAdapter() (persist.Adapter, error) {
	db := s.db.Session(&gorm.Session{NewDB: true})
	gormadapter.TurnOffAutoMigrate(db)
	a, err := gormadapter.NewAdapterByDB(db)
	if err != nil {
		return nil, fmt.Errorf("casbin adapter: %w", err)
	}
	return policyAdapter{a}, nil
}

// policyAdapter is a load-only persist.Adapter (see CasbinAdapter). It
// implements the batch and update interfaces too, because casbin asserts
// them without checking.
type policyAdapter struct{ a *gormadapter.Adapter }

var (
	_ persist.Adapter          = policyAdapter{}
	_ persist.BatchAdapter     = policyAdapter{}
	_ persist.UpdatableAdapter = policyAdapter{}
)

func (p policyAdapter) LoadPolicy(m model.Model) error                      { return p.a.LoadPolicy(m) }
func (policyAdapter) SavePolicy(model.Model) error                          { return errPolicyReadOnly }
func (policyAdapter) AddPolicy(string, string, []string) error              { return errPolicyReadOnly }
func (policyAdapter) RemovePolicy(string, string, []string) error           { return errPolicyReadOnly }
func (policyAdapter) AddPolicies(string, string, [][]string) error          { return errPolicyReadOnly }
func (policyAdapter) RemovePolicies(string, string, [][]string) error       { return errPolicyReadOnly }
func (policyAdapter) UpdatePolicy(string, string, []string, []string) error { return errPolicyReadOnly }
func (policyAdapter) RemoveFilteredPolicy(string, string, int, ...string) error {
	return errPolicyReadOnly
}
func (policyAdapter) UpdatePolicies(string, string, [][]string, [][]string) error {
	return errPolicyReadOnly
}
func (policyAdapter) UpdateFilteredPolicies(string, string, [][]string, int, ...string) ([][]string, error) {
	return nil, errPolicyReadOnly
}
