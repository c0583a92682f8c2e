package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/portico/portico/models"
)

// Limits on identity text that comes from identity providers.
const (
	maxProviderLen = 100
	maxSubjectLen  = 255
	maxMethodLen   = 100
	maxReasonLen   = 200
)

// utc is t as the store keeps times: UTC, to the microsecond. Every time
// compared in SQL goes through it, because SQLite compares times as text.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// externalIdentityRow is models.ExternalIdentity as stored.
type externalIdentityRow = models.ExternalIdentity

// userAudit is what the audit trail records of a user (never the password
// hash).
func userAudit(u models.User) map[string]any {
	return map[string]any{"email": u.Email, "name": u.Name, "kind": u.Kind, "status": u.Status, "email_verified": u.EmailVerified}
}

// newUser validates and normalizes the fields a new account takes from its
// creator; the account is active.
func newUser(email, name string, kind models.UserKind) (models.User, error) {
	addr, err := models.NormalizeEmail(email)
	if err != nil {
		return models.User{}, err
	}
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > models.MaxNameLen || !utf8.ValidString(name) {
		return models.User{}, models.Errorf(models.Invalid, "A name has at most %d characters.", models.MaxNameLen)
	}
	if kind == "" {
		kind = models.UserExternal
	}
	if kind != models.UserExternal && kind != models.UserStaff {
		return models.User{}, models.Errorf(models.Invalid, "Unknown kind of user %q.", kind)
	}
	return models.User{Email: addr, Name: name, Kind: kind, Status: models.UserActive}, nil
}

// createUser inserts u (ID unset) and records "user.create".
func createUser(tx *gorm.DB, a *auditor, u *models.User) error {
	if err := tx.Create(u).Error; err != nil {
		return translate("create user", fmt.Sprintf("An account with the email %q", u.Email), err)
	}
	a.record("user.create", "", userTarget(u.ID), nil, userAudit(*u))
	return nil
}

// CreateUser creates an active account and returns it. Only Email, Name,
// Kind (default external) and PasswordHash are taken from u: the ID,
// status and times are the store's, and the address counts as verified,
// because the callers (the CLI, the demo loader, platform admins) vouch for
// it. It returns Invalid for a bad email, name or kind, and Conflict when
// the email is taken. Audited as "user.create".
func (s *Store) CreateUser(ctx context.Context, actor models.Actor, u models.User) (models.User, error) {
	in, err := newUser(u.Email, u.Name, u.Kind)
	if err != nil {
		return models.User{}, err
	}
	in.EmailVerified = true
	in.PasswordHash = u.PasswordHash
	err = s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		return createUser(tx, a, &in)
	})
	if err != nil {
		return models.User{}, translate("create user", fmt.Sprintf("An account with the email %q", in.Email), err)
	}
	return in, nil
}

// FindUser returns the user with the ID, or NotFound.
func (s *Store) FindUser(ctx context.Context, id int64) (models.User, error) {
	return findUser(s.read(ctx), id)
}

func findUser(db *gorm.DB, id int64) (models.User, error) {
	var u models.User
	if err := db.Where("id = ?", id).Take(&u).Error; err != nil {
		return models.User{}, translate(fmt.Sprintf("find user %d", id), "User", err)
	}
	return u, nil
}

// FindUserByEmail returns the user with the email (compared in lower case),
// or NotFound.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (models.User, error) {
	var u models.User
	err := s.read(ctx).Where("email = ?", strings.ToLower(strings.TrimSpace(email))).Take(&u).Error
	if err != nil {
		return models.User{}, translate("find user by email", "User", err)
	}
	return u, nil
}

// SetPassword replaces the user's password hash (an argon2id PHC string,
// or "" to remove local sign-in). It returns NotFound for an unknown user.
// Audited as "user.password" (without the hash).
func (s *Store) SetPassword(ctx context.Context, actor models.Actor, userID int64, hash string) error {
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		res := tx.Model(&models.User{}).Where("id = ?", userID).
			Updates(map[string]any{"password_hash": hash, "updated_at": s.now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return models.Errorf(models.NotFound, "User not found")
		}
		a.record("user.password", "", userTarget(userID), nil, map[string]any{"password_set": hash != ""})
		return nil
	})
	return translate(fmt.Sprintf("set password of user %d", userID), "User", err)
}

// RecordSignIn notes that the user signed in by method ("local" or the
// identity provider's name): it sets LastLoginAt and records
// "auth.sign_in". An actor without a user ID is taken to be the user. It
// returns NotFound for an unknown user and Forbidden for a deactivated one.
func (s *Store) RecordSignIn(ctx context.Context, actor models.Actor, userID int64, method string) error {
	method = strings.TrimSpace(method)
	if method == "" || len(method) > maxMethodLen {
		return models.Errorf(models.Invalid, "A sign-in method is required.")
	}
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		u, err := findUser(tx, userID)
		if err != nil {
			return err
		}
		if !u.Active() {
			return models.Errorf(models.Forbidden, "This account is deactivated.")
		}
		if err := tx.Model(&models.User{}).Where("id = ?", userID).UpdateColumn("last_login_at", s.now()).Error; err != nil {
			return err
		}
		a.attribute(u)
		a.record("auth.sign_in", "", userTarget(userID), nil, map[string]any{"method": method})
		return nil
	})
	return translate(fmt.Sprintf("record sign-in of user %d", userID), "User", err)
}

// RecordSignInFailure records "auth.sign_in_failed" for the email that was
// tried (whether or not an account has it) with the reason, and counts a
// failure against the email and against actor.ClientIP for LoginFailures.
func (s *Store) RecordSignInFailure(ctx context.Context, actor models.Actor, email, reason string) error {
	reason = clip(strings.TrimSpace(reason), maxReasonLen)
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		a.record("auth.sign_in_failed", "", "email:"+auditEmail(email), nil, map[string]any{"reason": reason})
		return addLoginFailures(tx, s.now(), emailThrottleKey(email), normalizeThrottleKey(actor.ClientIP))
	})
	return translate("record sign-in failure", "sign-in failure", err)
}

// SignInSSO returns the account of someone who signed in through an
// identity provider, creating or linking it as needed:
//
//  1. an account already linked to (provider, subject) is theirs;
//  2. else an account with the same email is linked to the identity, but
//     only when the provider verified the email, the account's own address
//     is verified and the account is of the provider's kind; otherwise it
//     returns Conflict and links nothing (an unverified email never takes
//     over an existing account, nor an external provider a staff one);
//  3. else a new active account of the kind is created, its email verified
//     as the provider says, and linked ("user.create", "auth.link").
//
// Then the roles the provider's group claim grants (roleGrants; UserID is
// ignored) are granted, idempotently ("role.grant"), and the roles this
// provider granted at an earlier sign-in that roleGrants no longer holds
// are revoked ("role.revoke"): the IdP stays the source of truth for what
// it grants, never for roles people granted. A grant naming an unknown
// role, a missing subsidiary or a wrong domain fails the sign-in (Invalid or
// NotFound), so a bad group mapping is noticed.
//
// An actor without a user ID is taken to be the user. It returns Invalid
// without provider, subject or a usable email, and Forbidden for a
// deactivated account. It does not record the sign-in itself: call
// RecordSignIn once the session exists.
func (s *Store) SignInSSO(ctx context.Context, actor models.Actor, provider, subject, email, name string, emailVerified bool, kind models.UserKind, roleGrants []models.RoleAssignment) (models.User, error) {
	provider, subject = strings.TrimSpace(provider), strings.TrimSpace(subject)
	if provider == "" || subject == "" || len(provider) > maxProviderLen || len(subject) > maxSubjectLen {
		return models.User{}, models.Errorf(models.Invalid, "The identity provider sent no usable subject.")
	}
	if kind != models.UserExternal && kind != models.UserStaff {
		return models.User{}, models.Errorf(models.Invalid, "Unknown kind of user %q.", kind)
	}
	// Every account holds its kind's default roles (developer, internal).
	// The provider grants them like its group roles, at every sign-in.
	roleGrants = append(models.DefaultRoles(kind), roleGrants...)
	addr, emailErr := models.NormalizeEmail(email)
	var user models.User
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		var linked []externalIdentityRow
		if err := tx.Where("provider = ? AND subject = ?", provider, subject).Limit(1).Find(&linked).Error; err != nil {
			return err
		}
		switch {
		case len(linked) == 1:
			u, err := findUser(tx, linked[0].UserID)
			if err != nil {
				return err
			}
			if !u.Active() {
				return models.Errorf(models.Forbidden, "This account is deactivated.")
			}
			a.attribute(u)
			if emailVerified && !u.EmailVerified && emailErr == nil && addr == u.Email {
				if err := tx.Model(&models.User{}).Where("id = ?", u.ID).
					Updates(map[string]any{"email_verified": true, "updated_at": s.now()}).Error; err != nil {
					return err
				}
				a.record("user.email_verified", "", userTarget(u.ID), map[string]any{"email_verified": false},
					map[string]any{"email_verified": true, "provider": provider})
				u.EmailVerified = true
			}
			user = u
		case emailErr != nil:
			return models.Errorf(models.Invalid, "The identity provider did not share a valid email address.")
		default:
			var same []models.User
			if err := tx.Where("email = ?", addr).Limit(1).Find(&same).Error; err != nil {
				return err
			}
			if len(same) == 1 {
				u := same[0]
				// Only a provider of the account's own kind may vouch for it:
				// a partner or social IdP asserting a staff address would
				// otherwise take over a staff (even platform admin) account.
				if !emailVerified || !u.EmailVerified || u.Kind != kind {
					return models.Errorf(models.Conflict, "An account with the email %q already exists. Sign in the way you did before, or ask an administrator to link the accounts.", addr)
				}
				if !u.Active() {
					return models.Errorf(models.Forbidden, "This account is deactivated.")
				}
				user = u
			} else {
				u, err := newUser(addr, name, kind)
				if err != nil {
					return err
				}
				u.EmailVerified = emailVerified
				if err := tx.Create(&u).Error; err != nil {
					return translate("create user", fmt.Sprintf("An account with the email %q", u.Email), err)
				}
				a.attribute(u)
				a.record("user.create", "", userTarget(u.ID), nil, userAudit(u))
				user = u
			}
			a.attribute(user)
			link := externalIdentityRow{UserID: user.ID, Provider: provider, Subject: subject, Email: addr}
			if err := tx.Create(&link).Error; err != nil {
				return translate("link identity", "The identity", err)
			}
			a.record("auth.link", "", userTarget(user.ID), nil, map[string]any{"provider": provider, "subject": subject, "email": addr})
		}
		return syncProviderRoles(tx, a, user.ID, provider, roleGrants)
	})
	if err != nil {
		return models.User{}, translate("sign in with "+provider, "Account", err)
	}
	return user, nil
}

// ListIdentities returns the identity-provider accounts linked to the
// user, oldest first.
func (s *Store) ListIdentities(ctx context.Context, userID int64) ([]models.ExternalIdentity, error) {
	out := []models.ExternalIdentity{}
	if err := s.read(ctx).Where("user_id = ?", userID).Order("id").Find(&out).Error; err != nil {
		return nil, translate(fmt.Sprintf("list identities of user %d", userID), "identities", err)
	}
	return out, nil
}

// syncProviderRoles grants what a provider's group claim grants and revokes
// what it granted before and no longer does.
func syncProviderRoles(tx *gorm.DB, a *auditor, userID int64, provider string, grants []models.RoleAssignment) error {
	want := make(map[roleKey]bool, len(grants))
	for _, g := range grants {
		k := roleKey{g.Role, strings.TrimSpace(g.Domain)}
		if want[k] {
			continue
		}
		want[k] = true
		if err := validateAssignment(tx, k.role, k.domain); err != nil {
			return err
		}
		if err := grantRole(tx, a, userID, k.role, k.domain, provider); err != nil {
			return err
		}
	}
	var held []roleRow
	if err := tx.Where("user_id = ? AND source = ?", userID, provider).Order("domain, role").Find(&held).Error; err != nil {
		return err
	}
	for _, r := range held {
		if !want[roleKey{r.Role, r.Domain}] {
			if err := revokeRole(tx, a, userID, r.Role, r.Domain); err != nil {
				return err
			}
		}
	}
	return nil
}

// ListUsers returns one page of users whose email or name contains q (case
// insensitive; "" lists everyone), ordered by email, and how many match.
// For platform admins.
func (s *Store) ListUsers(ctx context.Context, q string, page, perPage int) ([]models.User, int, error) {
	db := s.read(ctx).Model(&models.User{})
	if q = strings.ToLower(strings.TrimSpace(q)); q != "" {
		like := "%" + escapeLike(q) + "%"
		db = db.Where(`(lower(email) LIKE ? ESCAPE '\' OR lower(name) LIKE ? ESCAPE '\')`, like, like)
	}
	var total int64
	if err := db.Count(&total).Error; err != nil {
		return nil, 0, translate("count users", "users", err)
	}
	page, perPage = paging(page, perPage)
	users := []models.User{}
	if err := db.Order("email").Offset((page - 1) * perPage).Limit(perPage).Find(&users).Error; err != nil {
		return nil, 0, translate("list users", "users", err)
	}
	return users, int(total), nil
}

// escapeLike escapes the LIKE wildcards of s for ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// DeactivateUser deactivates the user and ends all their sessions in one
// transaction, so they are signed out at once ("user.deactivate", with the
// number of sessions ended). Deactivating a deactivated user only deletes
// sessions left over. Roles are kept for a reactivation. It returns
// NotFound for an unknown user. Callers check the actor may manage users.
func (s *Store) DeactivateUser(ctx context.Context, actor models.Actor, userID int64) error {
	return s.setStatus(ctx, actor, userID, models.UserDeactivated, "user.deactivate")
}

// ReactivateUser lets a deactivated user sign in again ("user.reactivate").
// It returns NotFound for an unknown user; an active user is left as is.
func (s *Store) ReactivateUser(ctx context.Context, actor models.Actor, userID int64) error {
	return s.setStatus(ctx, actor, userID, models.UserActive, "user.reactivate")
}

func (s *Store) setStatus(ctx context.Context, actor models.Actor, userID int64, status models.UserStatus, action string) error {
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		u, err := findUser(tx, userID)
		if err != nil {
			return err
		}
		var ended int64
		if status == models.UserDeactivated {
			// Tombstones, as sessionStore.DeleteCtx leaves: the late save
			// of a request in flight cannot revive one for a reactivation.
			res := tx.Model(&sessionRow{}).Where("user_id = ? AND expiry > ?", userID, destroyedExpiry).
				Updates(map[string]any{"data": []byte{}, "expiry": destroyedExpiry})
			if res.Error != nil {
				return res.Error
			}
			ended = res.RowsAffected
		}
		if u.Status == status {
			return nil
		}
		if err := tx.Model(&models.User{}).Where("id = ?", userID).
			Updates(map[string]any{"status": status, "updated_at": s.now()}).Error; err != nil {
			return err
		}
		after := map[string]any{"status": status}
		if status == models.UserDeactivated {
			after["sessions_ended"] = ended
		}
		// A person who belongs to one subsidiary only is that subsidiary's
		// business: its admins see the event in their audit trail.
		sub, err := onlySubsidiary(tx, userID)
		if err != nil {
			return err
		}
		a.record(action, sub, userTarget(userID), map[string]any{"status": u.Status}, after)
		return nil
	})
	return translate(fmt.Sprintf("%s %d", action, userID), "User", err)
}

// attribute makes u the actor of the transaction when the caller's actor is
// anonymous (a visitor signing in), including for events already recorded.
func (a *auditor) attribute(u models.User) {
	if a.actor.UserID != nil {
		return
	}
	id := u.ID
	a.actor.UserID, a.actor.Email = &id, u.Email
	for i := range a.events {
		if a.events[i].ActorID == nil {
			a.events[i].ActorID, a.events[i].ActorEmail = &id, u.Email
		}
	}
}

// clip shortens s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// sortRoles orders roles as models.Roles lists them.
func sortRoles(roles []models.Role) {
	slices.SortFunc(roles, func(x, y models.Role) int {
		return slices.Index(models.Roles, x) - slices.Index(models.Roles, y)
	})
}

// onlySubsidiary returns the subsidiary the user holds roles in when it is
// exactly one, else "" (no subsidiary, or several: a platform-wide matter).
func onlySubsidiary(tx *gorm.DB, userID int64) (string, error) {
	var domains []string
	if err := tx.Model(&roleRow{}).Where("user_id = ? AND domain <> ?", userID, models.GlobalDomain).
		Distinct().Pluck("domain", &domains).Error; err != nil {
		return "", err
	}
	if len(domains) == 1 {
		return domains[0], nil
	}
	return "", nil
}
