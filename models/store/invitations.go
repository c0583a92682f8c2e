package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/portico/portico/models"
)

// Invitation lifetimes.
const (
	// DefaultInvitationTTL is how long an invitation stays open when
	// CreateInvitation is given no expiry.
	DefaultInvitationTTL = 7 * 24 * time.Hour
	// MaxInvitationTTL is the longest an invitation may stay open.
	MaxInvitationTTL = 30 * 24 * time.Hour
)

// newInvitationToken returns a random token (256 bits, URL-safe base64).
func newInvitationToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("invitation token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func invitationAudit(inv models.Invitation) map[string]any {
	m := map[string]any{"email": inv.Email, "expires_at": inv.ExpiresAt}
	if inv.TeamID != nil {
		m["team_id"] = *inv.TeamID
	} else {
		m["role"], m["domain"] = inv.Role, inv.Domain
	}
	return m
}

// CreateInvitation invites inv.Email either to inv.Role in inv.Domain (a
// subsidiary role, or a global role in models.GlobalDomain) or to the team
// inv.TeamID, and returns the invitation with the token to send. Only the
// token's SHA-256 is stored: the token is returned this once. Only Email,
// Role, Domain, TeamID and ExpiresAt are read from inv (zero ExpiresAt =
// DefaultInvitationTTL from now); InvitedBy is the actor.
//
// It returns Invalid for a bad email, for both or neither target, for an
// expiry not in the next MaxInvitationTTL, and for a role that does not fit
// its domain; NotFound for an unknown subsidiary, and for a team the actor
// does not own. Audited as "invitation.create". Callers check that the
// actor may manage the subsidiary.
func (s *Store) CreateInvitation(ctx context.Context, actor models.Actor, inv models.Invitation) (models.Invitation, string, error) {
	email, err := models.NormalizeEmail(inv.Email)
	if err != nil {
		return models.Invitation{}, "", err
	}
	now := s.now()
	in := models.Invitation{Email: email, Role: inv.Role, Domain: strings.TrimSpace(inv.Domain), TeamID: inv.TeamID, ExpiresAt: now.Add(DefaultInvitationTTL)}
	if actor.UserID != nil {
		in.InvitedBy = *actor.UserID
	}
	roleTarget := in.Role != "" || in.Domain != ""
	if roleTarget == (in.TeamID != nil) {
		return models.Invitation{}, "", models.Errorf(models.Invalid, "An invitation is to a role or to a team.")
	}
	if !inv.ExpiresAt.IsZero() {
		in.ExpiresAt = utc(inv.ExpiresAt)
		if !in.ExpiresAt.After(now) || in.ExpiresAt.Sub(now) > MaxInvitationTTL {
			return models.Invitation{}, "", models.Errorf(models.Invalid, "An invitation expires within %d days.", int(MaxInvitationTTL.Hours()/24))
		}
	}
	token, err := newInvitationToken()
	if err != nil {
		return models.Invitation{}, "", err
	}
	in.TokenHash = hashToken(token)
	err = s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		if roleTarget {
			if err := validateAssignment(tx, in.Role, in.Domain); err != nil {
				return err
			}
		} else {
			var n int64
			if actor.UserID != nil {
				if err := tx.Model(&models.Team{}).Where("id = ? AND owner_id = ?", *in.TeamID, *actor.UserID).Count(&n).Error; err != nil {
					return err
				}
			}
			if n == 0 {
				return models.Errorf(models.NotFound, "Team not found")
			}
		}
		if err := tx.Create(&in).Error; err != nil {
			return err
		}
		a.record("invitation.create", in.Domain, invitationTarget(in.ID), nil, invitationAudit(in))
		return nil
	})
	if err != nil {
		return models.Invitation{}, "", translate("create invitation", "Invitation", err)
	}
	return in, token, nil
}

// acceptInvitation marks the open invitation accepted by u (NotFound if it
// was used or expired meanwhile) and grants what it offers.
func (s *Store) acceptInvitation(tx *gorm.DB, a *auditor, inv *models.Invitation, u models.User) error {
	now := s.now()
	res := tx.Model(&models.Invitation{}).Where("id = ? AND accepted_at IS NULL AND expires_at > ?", inv.ID, now).
		Update("accepted_at", now)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return errInvitationGone
	}
	inv.AcceptedAt = &now
	a.record("invitation.accept", inv.Domain, invitationTarget(inv.ID), nil, map[string]any{"user_id": u.ID, "email": u.Email})
	if inv.TeamID != nil {
		return addTeamMember(tx, a, *inv.TeamID, u.ID, models.TeamRoleMember)
	}
	if err := validateAssignment(tx, inv.Role, inv.Domain); err != nil {
		return err
	}
	return grantRole(tx, a, u.ID, inv.Role, inv.Domain, "")
}

var errInvitationGone = models.Errorf(models.NotFound, "This invitation is unknown, expired or already used.")

// activeUser reloads the user inside tx: the caller's copy may be stale or
// forged, so emails and statuses are taken from the database.
func activeUser(tx *gorm.DB, id int64) (models.User, error) {
	u, err := findUser(tx, id)
	if err != nil {
		return models.User{}, err
	}
	if !u.Active() {
		return models.User{}, models.Errorf(models.Forbidden, "This account is deactivated.")
	}
	return u, nil
}

// AcceptInvitations accepts every open, unexpired invitation sent to the
// user's email, granting the roles and team memberships they offer, and
// returns them (oldest first). Call it at sign-in. Only the user's ID is
// read from user: the email is the stored one, and a user whose email is
// not verified receives nothing (they can still follow an invitation's
// link). It returns NotFound for an unknown user and Forbidden for a
// deactivated one. Audited per invitation ("invitation.accept", then
// "role.grant" or "team.member_add" when something changed).
func (s *Store) AcceptInvitations(ctx context.Context, actor models.Actor, user models.User) ([]models.Invitation, error) {
	accepted := []models.Invitation{}
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		u, err := activeUser(tx, user.ID)
		if err != nil {
			return err
		}
		if !u.EmailVerified {
			return nil
		}
		a.attribute(u)
		q := tx.Where("email = ? AND accepted_at IS NULL AND expires_at > ?", u.Email, s.now())
		if u.Kind != models.UserStaff {
			// An external account's email is vouched for by whichever
			// provider it signed in with, partners' own included: a
			// subsidiary role (which also opens internal APIs) is granted
			// only through the invitation link, which proves the mailbox.
			q = q.Where("team_id IS NOT NULL")
		}
		var open []models.Invitation
		if err := q.Order("id").Find(&open).Error; err != nil {
			return err
		}
		for i := range open {
			if err := s.acceptInvitation(tx, a, &open[i], u); err != nil {
				return err
			}
			open[i].TokenHash = ""
			accepted = append(accepted, open[i])
		}
		return nil
	})
	if err != nil {
		return nil, translate(fmt.Sprintf("accept invitations of user %d", user.ID), "Invitation", err)
	}
	return accepted, nil
}

// AcceptInvitationToken accepts the invitation whose token the user
// followed and grants what it offers. It returns NotFound for a token that
// is unknown, expired or already used (alike), and Forbidden when the
// invitation was sent to another email than the user's (stored) one, or
// the user is deactivated. Following the link proves the user reads that
// mailbox, so an unverified email becomes verified. Audited as
// "invitation.accept" (and "role.grant" / "team.member_add").
func (s *Store) AcceptInvitationToken(ctx context.Context, actor models.Actor, user models.User, token string) (models.Invitation, error) {
	var inv models.Invitation
	err := s.audited(ctx, actor, func(tx *gorm.DB, a *auditor) error {
		u, err := activeUser(tx, user.ID)
		if err != nil {
			return err
		}
		a.attribute(u)
		var found []models.Invitation
		err = tx.Where("token_hash = ? AND accepted_at IS NULL AND expires_at > ?", hashToken(token), s.now()).Limit(1).Find(&found).Error
		if err != nil {
			return err
		}
		if len(found) == 0 {
			return errInvitationGone
		}
		inv = found[0]
		if inv.Email != u.Email {
			return models.Errorf(models.Forbidden, "This invitation was sent to another email address.")
		}
		if !u.EmailVerified {
			if err := tx.Model(&models.User{}).Where("id = ?", u.ID).
				Updates(map[string]any{"email_verified": true, "updated_at": s.now()}).Error; err != nil {
				return err
			}
			a.record("user.email_verified", "", userTarget(u.ID), map[string]any{"email_verified": false},
				map[string]any{"email_verified": true, "invitation_id": inv.ID})
		}
		return s.acceptInvitation(tx, a, &inv, u)
	})
	if err != nil {
		return models.Invitation{}, translate("accept invitation", "Invitation", err)
	}
	inv.TokenHash = ""
	return inv, nil
}

// ListInvitations returns the invitations to roles in the subsidiary,
// open, accepted and expired alike, newest first, without token hashes. It
// returns NotFound for an unknown subsidiary. Callers check the viewer may
// manage the subsidiary.
func (s *Store) ListInvitations(ctx context.Context, subsidiary string) ([]models.Invitation, error) {
	db := s.read(ctx)
	if _, err := findSubsidiary(db, subsidiary); err != nil {
		return nil, err
	}
	invs := []models.Invitation{}
	if err := db.Where("domain = ?", subsidiary).Order("id DESC").Find(&invs).Error; err != nil {
		return nil, translate("list invitations of "+subsidiary, "invitations", err)
	}
	for i := range invs {
		invs[i].TokenHash = ""
	}
	return invs, nil
}
