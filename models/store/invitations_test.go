package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func TestCreateInvitation(t *testing.T) {
	type setup struct {
		admin, sam, eve models.User
		acme            models.Team
	}
	tests := []struct {
		name       string
		actor      func(x setup) models.User
		inv        func(x setup, now time.Time) models.Invitation
		wantKind   models.Kind
		wantExpiry time.Duration // from now, when granted
		wantSub    string
	}{
		{"subsidiary role with the default expiry",
			func(x setup) models.User { return x.admin },
			func(x setup, now time.Time) models.Invitation {
				return models.Invitation{Email: " New.Publisher@Meridian.example", Role: models.RolePublisher, Domain: "bank"}
			}, "", store.DefaultInvitationTTL, "bank"},
		{"global role with an expiry given",
			func(x setup) models.User { return x.admin },
			func(x setup, now time.Time) models.Invitation {
				return models.Invitation{Email: "staff@meridian.example", Role: models.RoleInternal, Domain: "*", ExpiresAt: now.Add(48 * time.Hour)}
			}, "", 48 * time.Hour, ""},
		{"team invitation by its owner",
			func(x setup) models.User { return x.sam },
			func(x setup, now time.Time) models.Invitation {
				return models.Invitation{Email: "kim@acme.example", TeamID: &x.acme.ID}
			}, "", store.DefaultInvitationTTL, ""},
		{"client-set ID, inviter, token hash and acceptance are ignored",
			func(x setup) models.User { return x.admin },
			func(x setup, now time.Time) models.Invitation {
				return models.Invitation{ID: 77, Email: "m@meridian.example", Role: models.RolePublisher, Domain: "bank",
					InvitedBy: x.eve.ID, TokenHash: "0000", AcceptedAt: &now, CreatedAt: now.Add(-time.Hour)}
			}, "", store.DefaultInvitationTTL, "bank"},
		{"team invitation by someone else is not found",
			func(x setup) models.User { return x.eve },
			func(x setup, now time.Time) models.Invitation {
				return models.Invitation{Email: "eve.friend@rival.example", TeamID: &x.acme.ID}
			}, models.NotFound, 0, ""},
		{"unknown team is not found",
			func(x setup) models.User { return x.sam },
			func(x setup, now time.Time) models.Invitation {
				return models.Invitation{Email: "kim@acme.example", TeamID: ptr(int64(9999))}
			}, models.NotFound, 0, ""},
		{"unknown subsidiary is not found",
			func(x setup) models.User { return x.admin },
			func(x setup, now time.Time) models.Invitation {
				return models.Invitation{Email: "p@meridian.example", Role: models.RolePublisher, Domain: "securities"}
			}, models.NotFound, 0, ""},
		{"role and team at once is invalid",
			func(x setup) models.User { return x.sam },
			func(x setup, now time.Time) models.Invitation {
				return models.Invitation{Email: "kim@acme.example", Role: models.RolePublisher, Domain: "bank", TeamID: &x.acme.ID}
			}, models.Invalid, 0, ""},
		{"neither role nor team is invalid",
			func(x setup) models.User { return x.admin },
			func(x setup, now time.Time) models.Invitation { return models.Invitation{Email: "kim@acme.example"} },
			models.Invalid, 0, ""},
		{"global role in a subsidiary is invalid",
			func(x setup) models.User { return x.admin },
			func(x setup, now time.Time) models.Invitation {
				return models.Invitation{Email: "a@meridian.example", Role: models.RolePlatformAdmin, Domain: "bank"}
			}, models.Invalid, 0, ""},
		{"bad email is invalid",
			func(x setup) models.User { return x.admin },
			func(x setup, now time.Time) models.Invitation {
				return models.Invitation{Email: "not an email", Role: models.RolePublisher, Domain: "bank"}
			}, models.Invalid, 0, ""},
		{"expiry in the past is invalid",
			func(x setup) models.User { return x.admin },
			func(x setup, now time.Time) models.Invitation {
				return models.Invitation{Email: "p@meridian.example", Role: models.RolePublisher, Domain: "bank", ExpiresAt: now.Add(-time.Second)}
			}, models.Invalid, 0, ""},
		{"expiry beyond the maximum is invalid",
			func(x setup) models.User { return x.admin },
			func(x setup, now time.Time) models.Invitation {
				return models.Invitation{Email: "p@meridian.example", Role: models.RolePublisher, Domain: "bank", ExpiresAt: now.Add(store.MaxInvitationTTL + time.Second)}
			}, models.Invalid, 0, ""},
	}
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		x := setup{admin: mustUser(t, s, "admin@meridian.example", models.UserStaff), sam: mustUser(t, s, "sam@acme.example", models.UserExternal),
			eve: mustUser(t, s, "eve@rival.example", models.UserExternal)}
		var err error
		if x.acme, err = s.CreateTeam(ctx, actorOf(x.sam), x.sam.ID, "Acme"); err != nil {
			t.Fatal(err)
		}
		tokens := map[string]bool{}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				n := len(allEvents(t, s))
				actor := tc.actor(x)
				in := tc.inv(x, clock.Now())
				inv, token, err := s.CreateInvitation(ctx, actorOf(actor), in)
				if tc.wantKind != "" {
					wantKind(t, err, tc.wantKind, "")
					if len(eventsSince(t, s, n)) != 0 {
						t.Error("a refused invitation was audited")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				email, _ := models.NormalizeEmail(in.Email)
				sum := sha256.Sum256([]byte(token))
				want := models.Invitation{ID: inv.ID, Email: email, Role: in.Role, Domain: in.Domain, TeamID: in.TeamID,
					TokenHash: hex.EncodeToString(sum[:]), InvitedBy: actor.ID, ExpiresAt: clock.Now().Add(tc.wantExpiry), CreatedAt: clock.Now()}
				assertEqual(t, "invitation", inv, want)
				if inv.ID == 77 || len(token) < 40 || tokens[token] {
					t.Errorf("ID %d / token %q: not the store's own, or reused", inv.ID, token)
				}
				tokens[token] = true
				events := eventsSince(t, s, n)
				if len(events) != 1 || events[0].Action != "invitation.create" || events[0].Target != fmt.Sprintf("invitation:%d", inv.ID) ||
					events[0].Subsidiary != tc.wantSub || *events[0].ActorID != actor.ID {
					t.Errorf("events = %+v", events)
				}
				if after := decode(t, events[0].After); after["email"] != email {
					t.Errorf("audit after = %v", after)
				}
				if stored, _ := s.QueryStringsForTest(ctx, "SELECT token_hash FROM invitations WHERE token_hash = ?", token); len(stored) != 0 {
					t.Error("the token itself is stored")
				}
			})
		}
		listed, err := s.ListInvitations(ctx, "bank")
		if err != nil {
			t.Fatal(err)
		}
		if len(listed) != 2 || listed[0].Email != "m@meridian.example" || listed[1].Email != "new.publisher@meridian.example" {
			t.Errorf("ListInvitations(bank) = %+v; want the two bank invitations, newest first", listed)
		}
		for _, inv := range listed {
			if inv.TokenHash != "" {
				t.Errorf("ListInvitations returns token hashes: %+v", inv)
			}
		}
		_, err = s.ListInvitations(ctx, "securities")
		wantKind(t, err, models.NotFound, "")
	})
}

func TestAcceptInvitationToken(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		admin := mustUser(t, s, "admin@meridian.example", models.UserStaff)
		invite := func(email string, ttl time.Duration) (models.Invitation, string) {
			t.Helper()
			inv, token, err := s.CreateInvitation(ctx, actorOf(admin), models.Invitation{Email: email, Role: models.RolePublisher, Domain: "bank", ExpiresAt: clock.Now().Add(ttl)})
			if err != nil {
				t.Fatal(err)
			}
			return inv, token
		}
		// An account made by SSO with an unverified email; the invitation
		// link proves the mailbox.
		lena, err := s.SignInSSO(ctx, models.Actor{}, "github", "gh-lena", "lena@meridian.example", "Lena", false, models.UserExternal, nil)
		if err != nil {
			t.Fatal(err)
		}
		eve := mustUser(t, s, "eve@rival.example", models.UserExternal)
		inv, token := invite("lena@meridian.example", time.Hour)
		_, expiredToken := invite("lena@meridian.example", time.Minute)
		clock.Advance(2 * time.Minute)

		tests := []struct {
			name     string
			user     models.User
			token    string
			wantKind models.Kind
		}{
			{"someone else's invitation is forbidden", eve, token, models.Forbidden},
			{"a forged user struct does not change whose email counts", models.User{ID: eve.ID, Email: "lena@meridian.example", EmailVerified: true, Status: models.UserActive}, token, models.Forbidden},
			{"unknown token is not found", lena, "not-a-token", models.NotFound},
			{"expired invitation is not found", lena, expiredToken, models.NotFound},
		}
		n := len(allEvents(t, s))
		for _, tc := range tests {
			_, err := s.AcceptInvitationToken(ctx, actorOf(tc.user), tc.user, tc.token)
			if models.KindOf(err) != tc.wantKind {
				t.Errorf("%s: AcceptInvitationToken = %v, want %s", tc.name, err, tc.wantKind)
			}
		}
		if roles, _ := s.ListRoles(ctx, eve.ID); len(roles) != 0 || len(eventsSince(t, s, n)) != 0 {
			t.Fatalf("refused acceptances granted %v or were audited", roles)
		}

		got, err := s.AcceptInvitationToken(ctx, actorOf(lena), lena, token)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != inv.ID || got.AcceptedAt == nil || !got.AcceptedAt.Equal(clock.Now()) || got.TokenHash != "" {
			t.Errorf("accepted invitation = %+v", got)
		}
		roles, _ := s.ListRoles(ctx, lena.ID)
		// developer@* is every external sign-up's default role.
		assertEqual(t, "roles", roles, []models.RoleAssignment{{UserID: lena.ID, Role: models.RoleDeveloper, Domain: models.GlobalDomain}, {UserID: lena.ID, Role: models.RolePublisher, Domain: "bank"}})
		if u, _ := s.FindUser(ctx, lena.ID); !u.EmailVerified {
			t.Error("following the invitation did not verify the email")
		}
		if want := []string{"user.email_verified", "invitation.accept", "role.grant"}; !slices.Equal(actions(eventsSince(t, s, n)), want) {
			t.Errorf("events = %v, want %v", actions(eventsSince(t, s, n)), want)
		}

		// Single use.
		_, err = s.AcceptInvitationToken(ctx, actorOf(lena), lena, token)
		wantKind(t, err, models.NotFound, "This invitation is unknown, expired or already used.")

		deactivate(t, s, lena)
		_, token2 := invite("lena@meridian.example", time.Hour)
		_, err = s.AcceptInvitationToken(ctx, actorOf(lena), lena, token2)
		wantKind(t, err, models.Forbidden, "")
		wantChainIntact(t, s)
	})
}

func TestAcceptInvitationsAtSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		admin := mustUser(t, s, "admin@meridian.example", models.UserStaff)
		sam := mustUser(t, s, "sam@acme.example", models.UserExternal)
		acme, err := s.CreateTeam(ctx, actorOf(sam), sam.ID, "Acme")
		if err != nil {
			t.Fatal(err)
		}
		create := func(actor models.User, inv models.Invitation) models.Invitation {
			t.Helper()
			out, _, err := s.CreateInvitation(ctx, actorOf(actor), inv)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		create(admin, models.Invitation{Email: "kim@acme.example", Role: models.RolePublisher, Domain: "bank"})
		create(sam, models.Invitation{Email: "KIM@acme.example", TeamID: &acme.ID})

		// An unverified account with kim's address receives nothing.
		squatter, err := s.SignInSSO(ctx, models.Actor{}, "lax-idp", "squat", "kim@acme.example", "", false, models.UserExternal, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.AcceptInvitations(ctx, models.Actor{}, squatter)
		if err != nil || len(got) != 0 {
			t.Fatalf("unverified account accepted %+v, %v", got, err)
		}
		if roles, _ := s.ListRoles(ctx, squatter.ID); len(roles) != 1 || roles[0].Role != models.RoleDeveloper {
			t.Fatalf("unverified account got roles %v beyond its default developer role", roles)
		}

		// A deactivated account is refused.
		if err := s.DeactivateUser(ctx, system, squatter.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.AcceptInvitations(ctx, models.Actor{}, squatter)
		wantKind(t, err, models.Forbidden, "")

		kim := mustUser(t, s, "kim.real@acme.example", models.UserExternal)
		// A caller passing a stale or forged email cannot claim kim@'s invitations.
		forged := kim
		forged.Email = "kim@acme.example"
		if got, err := s.AcceptInvitations(ctx, models.Actor{}, forged); err != nil || len(got) != 0 {
			t.Fatalf("forged email accepted %+v, %v", got, err)
		}
	})
	// The verified owner of the address gets every open invitation, and
	// only once; expired ones and other addresses' stay.
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		admin := mustUser(t, s, "admin@meridian.example", models.UserStaff)
		sam := mustUser(t, s, "sam@acme.example", models.UserExternal)
		acme, _ := s.CreateTeam(ctx, actorOf(sam), sam.ID, "Acme")
		bank, _, err := s.CreateInvitation(ctx, actorOf(admin), models.Invitation{Email: "kim@acme.example", Role: models.RolePublisher, Domain: "bank"})
		if err != nil {
			t.Fatal(err)
		}
		team, _, err := s.CreateInvitation(ctx, actorOf(sam), models.Invitation{Email: "kim@acme.example", TeamID: &acme.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, inv := range []models.Invitation{
			{Email: "kim@acme.example", Role: models.RoleSubsidiaryAdmin, Domain: "bank", ExpiresAt: clock.Now().Add(time.Minute)},
			{Email: "someone.else@acme.example", Role: models.RoleSubsidiaryAdmin, Domain: "bank"},
		} {
			if _, _, err := s.CreateInvitation(ctx, actorOf(admin), inv); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(time.Hour) // kim's subsidiary admin invitation expires
		kim, err := s.SignInSSO(ctx, models.Actor{}, "google", "g-kim", "kim@acme.example", "Kim", true, models.UserExternal, nil)
		if err != nil {
			t.Fatal(err)
		}
		n := len(allEvents(t, s))
		got, err := s.AcceptInvitations(ctx, models.Actor{RequestID: "req-signin"}, kim)
		if err != nil {
			t.Fatal(err)
		}
		// Kim is an external account: the team invitation is accepted at
		// sign-in, the subsidiary role waits for the invitation link (a
		// partner's provider could vouch for any address).
		if len(got) != 1 || got[0].ID != team.ID || !got[0].AcceptedAt.Equal(clock.Now()) {
			t.Errorf("accepted = %+v; want the team invitation only", got)
		}
		roles, _ := s.ListRoles(ctx, kim.ID)
		assertEqual(t, "roles", roles, []models.RoleAssignment{{UserID: kim.ID, Role: models.RoleDeveloper, Domain: models.GlobalDomain}})
		if _, members, err := s.FindTeam(ctx, kim.ID, acme.ID); err != nil || len(members) != 2 {
			t.Errorf("kim in the team: %+v, %v", members, err)
		}
		events := eventsSince(t, s, n)
		if want := []string{"invitation.accept", "team.member_add"}; !slices.Equal(actions(events), want) {
			t.Errorf("events = %v, want %v", actions(events), want)
		}
		for _, e := range events {
			if e.ActorID == nil || *e.ActorID != kim.ID || e.RequestID != "req-signin" {
				t.Errorf("event %s by %v (%s), want kim", e.Action, e.ActorID, e.RequestID)
			}
		}
		if again, err := s.AcceptInvitations(ctx, models.Actor{}, kim); err != nil || len(again) != 0 {
			t.Errorf("second AcceptInvitations = %+v, %v; want none", again, err)
		}
		// The bank invitation stays open: only its link (AcceptInvitationToken) accepts it.
		open, err := s.ListInvitations(ctx, "bank")
		if err != nil || !slices.ContainsFunc(open, func(i models.Invitation) bool { return i.ID == bank.ID && i.AcceptedAt == nil }) {
			t.Errorf("the bank invitation is no longer open: %+v, %v", open, err)
		}
		wantChainIntact(t, s)
	})
}

// TestInvitationIsAcceptedOnce races two acceptances of one invitation:
// exactly one wins.
func TestInvitationIsAcceptedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		admin := mustUser(t, s, "admin@meridian.example", models.UserStaff)
		kim := mustUser(t, s, "kim@acme.example", models.UserExternal)
		_, token, err := s.CreateInvitation(ctx, actorOf(admin), models.Invitation{Email: kim.Email, Role: models.RolePublisher, Domain: "bank"})
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 4)
		for i := 0; i < 4; i++ {
			go func() {
				_, err := s.AcceptInvitationToken(ctx, actorOf(kim), kim, token)
				errs <- err
			}()
		}
		var ok, notFound int
		for i := 0; i < 4; i++ {
			switch err := <-errs; models.KindOf(err) {
			case models.NotFound:
				notFound++
			default:
				if err != nil {
					t.Error(err)
				}
				ok++
			}
		}
		if ok != 1 || notFound != 3 {
			t.Errorf("%d acceptances succeeded and %d were refused; want 1 and 3", ok, notFound)
		}
		wantChainIntact(t, s)
	})
}
