package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func TestCreateTeam(t *testing.T) {
	tests := []struct {
		name     string
		owner    string // "sam", "gone" (deactivated) or "nobody"
		teamName string
		wantKind models.Kind
		wantName string
	}{
		{"owner creates a team", "sam", "Acme Fintech", "", "Acme Fintech"},
		{"name is trimmed", "sam", "  Acme Labs  ", "", "Acme Labs"},
		{"SQL in the name is text", "sam", "x'); DELETE FROM teams; --", "", "x'); DELETE FROM teams; --"},
		{"blank name is invalid", "sam", "   ", models.Invalid, ""},
		{"overlong name is invalid", "sam", strings.Repeat("t", 201), models.Invalid, ""},
		{"unknown owner is not found", "nobody", "Ghosts", models.NotFound, ""},
		{"deactivated owner is forbidden", "gone", "Gone Inc", models.Forbidden, ""},
	}
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		sam := mustUser(t, s, "sam@acme.example", models.UserExternal)
		gone := mustUser(t, s, "gone@acme.example", models.UserExternal)
		deactivate(t, s, gone)
		owners := map[string]int64{"sam": sam.ID, "gone": gone.ID, "nobody": 9999}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				n := len(allEvents(t, s))
				owner := owners[tc.owner]
				team, err := s.CreateTeam(ctx, models.Actor{UserID: &owner, Email: tc.owner}, owner, tc.teamName)
				if tc.wantKind != "" {
					wantKind(t, err, tc.wantKind, "")
					if len(eventsSince(t, s, n)) != 0 {
						t.Error("a refused CreateTeam was audited")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				want := models.Team{ID: team.ID, Name: tc.wantName, OwnerID: sam.ID, CreatedAt: clock.Now()}
				assertEqual(t, "created team", team, want)
				found, members, err := s.FindTeam(ctx, sam.ID, team.ID)
				if err != nil {
					t.Fatal(err)
				}
				assertEqual(t, "found team", found, want)
				assertEqual(t, "members", members, []models.TeamMember{{TeamID: team.ID, UserID: sam.ID, Role: models.TeamRoleOwner, CreatedAt: clock.Now(), Email: sam.Email, Name: sam.Name}})
				events := eventsSince(t, s, n)
				if len(events) != 1 || events[0].Action != "team.create" || events[0].Target != fmt.Sprintf("team:%d", team.ID) ||
					events[0].After != fmt.Sprintf(`{"name":%q,"owner_id":%d}`, tc.wantName, sam.ID) {
					t.Errorf("events = %+v", events)
				}
			})
		}
	})
}

func TestTeamsAreOnlyVisibleToTheirMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sam := mustUser(t, s, "sam@acme.example", models.UserExternal)
		kim := mustUser(t, s, "kim@acme.example", models.UserExternal)
		eve := mustUser(t, s, "eve@rival.example", models.UserExternal)
		acme, err := s.CreateTeam(ctx, actorOf(sam), sam.ID, "Acme")
		if err != nil {
			t.Fatal(err)
		}
		rival, err := s.CreateTeam(ctx, actorOf(eve), eve.ID, "Rival")
		if err != nil {
			t.Fatal(err)
		}
		// Kim joins Acme through an invitation.
		_, token, err := s.CreateInvitation(ctx, actorOf(sam), models.Invitation{Email: kim.Email, TeamID: &acme.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AcceptInvitationToken(ctx, actorOf(kim), kim, token); err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name    string
			user    models.User
			wantIDs []int64
		}{
			{"owner lists their team", sam, []int64{acme.ID}},
			{"member lists the team they joined", kim, []int64{acme.ID}},
			{"other owner lists only their own", eve, []int64{rival.ID}},
		} {
			teams, err := s.ListTeams(ctx, tc.user.ID)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, tm := range teams {
				ids = append(ids, tm.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tc.wantIDs) {
				t.Errorf("%s: ListTeams = %v, want %v", tc.name, ids, tc.wantIDs)
			}
		}

		_, members, err := s.FindTeam(ctx, kim.ID, acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(members) != 2 || members[0].UserID != sam.ID || members[0].Role != models.TeamRoleOwner ||
			members[1].UserID != kim.ID || members[1].Role != models.TeamRoleMember || members[1].Email != kim.Email {
			t.Errorf("members = %+v; want the owner then kim", members)
		}

		// IDOR: a non-member asking for the team by ID gets NotFound, like
		// for a team that does not exist.
		for _, tc := range []struct {
			name           string
			userID, teamID int64
		}{
			{"non-member asks for another team", eve.ID, acme.ID},
			{"member asks for a team they are not in", kim.ID, rival.ID},
			{"unknown team", sam.ID, 9999},
			{"unknown user", 9999, acme.ID},
		} {
			_, _, err := s.FindTeam(ctx, tc.userID, tc.teamID)
			if models.KindOf(err) != models.NotFound || models.MessageOf(err) != "Team not found" {
				t.Errorf("%s: FindTeam = %v, want NotFound", tc.name, err)
			}
		}
	})
}

func TestRemoveTeamMember(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, _ *testClock) {
		ctx := context.Background()
		sam := mustUser(t, s, "sam@acme.example", models.UserExternal)
		kim := mustUser(t, s, "kim@acme.example", models.UserExternal)
		eve := mustUser(t, s, "eve@rival.example", models.UserExternal)
		acme, err := s.CreateTeam(ctx, actorOf(sam), sam.ID, "Acme")
		if err != nil {
			t.Fatal(err)
		}
		_, token, err := s.CreateInvitation(ctx, actorOf(sam), models.Invitation{Email: kim.Email, TeamID: &acme.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AcceptInvitationToken(ctx, actorOf(kim), kim, token); err != nil {
			t.Fatal(err)
		}
		n := len(allEvents(t, s))
		tests := []struct {
			name                    string
			ownerID, teamID, userID int64
			wantKind                models.Kind
		}{
			{"a member cannot remove the owner", kim.ID, acme.ID, sam.ID, models.NotFound},
			{"an outsider cannot remove a member", eve.ID, acme.ID, kim.ID, models.NotFound},
			{"the owner cannot leave", sam.ID, acme.ID, sam.ID, models.Invalid},
			{"a non-member cannot be removed", sam.ID, acme.ID, eve.ID, models.NotFound},
			{"unknown team", sam.ID, 9999, kim.ID, models.NotFound},
		}
		for _, tc := range tests {
			err := s.RemoveTeamMember(ctx, actorOf(sam), tc.ownerID, tc.teamID, tc.userID)
			if models.KindOf(err) != tc.wantKind {
				t.Errorf("%s: RemoveTeamMember = %v, want %s", tc.name, err, tc.wantKind)
			}
		}
		if _, members, _ := s.FindTeam(ctx, sam.ID, acme.ID); len(members) != 2 || len(eventsSince(t, s, n)) != 0 {
			t.Fatalf("refused removals changed the team (%d members) or the trail", len(members))
		}
		if err := s.RemoveTeamMember(ctx, actorOf(sam), sam.ID, acme.ID, kim.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.FindTeam(ctx, kim.ID, acme.ID); models.KindOf(err) != models.NotFound {
			t.Errorf("removed member still finds the team: %v", err)
		}
		events := eventsSince(t, s, n)
		if len(events) != 1 || events[0].Action != "team.member_remove" || *events[0].ActorID != sam.ID ||
			events[0].Before != fmt.Sprintf(`{"role":"member","user_id":%d}`, kim.ID) {
			t.Errorf("events = %+v", events)
		}
	})
}
