package handlers

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/portico/portico/models"
)

// createTeamThrough creates a team with the browser and returns its path.
func createTeamThrough(t testing.TB, b *browser, name string) string {
	t.Helper()
	rec := b.postForm("/teams", url.Values{"name": {name}})
	wantStatus(t, rec, http.StatusSeeOther)
	loc, ok := strings.CutSuffix(rec.Header().Get("Location"), "?done=team")
	if !ok || !strings.HasPrefix(loc, "/teams/") {
		t.Fatalf("create team: Location %q", rec.Header().Get("Location"))
	}
	return loc
}

// inviteThrough invites email to the team at path and returns the token.
func inviteThrough(t testing.TB, b *browser, path, email string) string {
	t.Helper()
	rec := b.postForm(path+"/invitations", url.Values{"email": {email}})
	wantStatus(t, rec, http.StatusOK)
	link := byTestID(parseHTML(t, rec.Body), "invitation-link").AttrOr("value", "")
	_, token, ok := strings.Cut(link, "/invitations/")
	if !ok || token == "" {
		t.Fatalf("invitation link = %q", link)
	}
	return token
}

// teamMembers returns the members' emails a browser sees on a team page.
func teamMembers(t testing.TB, b *browser, path string) []string {
	t.Helper()
	rec := b.get(path)
	wantStatus(t, rec, http.StatusOK)
	return attrs(parseHTML(t, rec.Body), "team-member", "data-email")
}

// TestTeams_CreateInviteAcceptRemove walks a team's life: a developer
// creates it, invites a teammate, who accepts through the link; the owner
// removes them again.
func TestTeams_CreateInviteAcceptRemove(t *testing.T) {
	ip := newIdentityPortal(t)
	owner := ip.signedIn(t, "developer")

	rec := owner.get("/teams")
	wantStatus(t, rec, http.StatusOK)
	if byTestID(parseHTML(t, rec.Body), "empty-state").Length() != 1 {
		t.Error("no empty state without teams")
	}
	path := createTeamThrough(t, owner, "  Acme   Fintech ")
	rec = owner.get(path + "?done=team")
	wantStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body)
	if got := texts(doc, "team-name"); !slices.Equal(got, []string{"Acme Fintech"}) {
		t.Errorf("team name = %q", got)
	}
	if got := attrs(doc, "team-member", "data-email"); !slices.Equal(got, []string{"dev@acme.example"}) {
		t.Errorf("members = %q", got)
	}
	if len(texts(doc, "notice")) != 1 {
		t.Error("no confirmation")
	}
	if got := attrs(parseHTML(t, owner.get("/teams").Body), "team-link", "href"); !slices.Equal(got, []string{path}) {
		t.Errorf("team links = %q, want %q", got, path)
	}

	mate := unverifiedTestUser(t, ip, "mate@acme.example", roleGlobal(models.RoleDeveloper))
	token := inviteThrough(t, owner, path, "Mate@Acme.example")
	if e := lastAudit(t, ip); e.Action != "invitation.create" || e.ActorEmail != "dev@acme.example" {
		t.Errorf("audit = %+v", e)
	}
	mb := ip.browser(t)
	mb.mustSignIn(mate.Email)
	wantRedirect(t, mb.postForm("/invitations/"+token, nil), path+"?done=joined")
	if got, want := teamMembers(t, owner, path), []string{"dev@acme.example", "mate@acme.example"}; !slices.Equal(got, want) {
		t.Errorf("members = %q, want %q", got, want)
	}
	// A member sees the team but neither invites nor removes.
	rec = mb.get(path)
	wantStatus(t, rec, http.StatusOK)
	doc = parseHTML(t, rec.Body)
	if byTestID(doc, "team-invite-form").Length()+byTestID(doc, "remove-member").Length() != 0 {
		t.Error("a member is offered owner controls")
	}
	wantStatus(t, mb.postForm(path+"/invitations", url.Values{"email": {"third@acme.example"}}), http.StatusForbidden)
	wantStatus(t, mb.postForm(path+"/members/"+itoa64(ip.users["developer"].ID)+"/remove", nil), http.StatusNotFound)

	wantRedirect(t, owner.postForm(path+"/members/"+itoa64(mate.ID)+"/remove", nil), path+"?done=member")
	if got := teamMembers(t, owner, path); !slices.Equal(got, []string{"dev@acme.example"}) {
		t.Errorf("members after removal = %q", got)
	}
	wantStatus(t, mb.get(path), http.StatusNotFound)
	// The owner does not leave their own team.
	wantStatus(t, owner.postForm(path+"/members/"+itoa64(ip.users["developer"].ID)+"/remove", nil), http.StatusUnprocessableEntity)
}

func TestTeams_FormProblemsReRenderWithInput(t *testing.T) {
	ip := newIdentityPortal(t)
	b := ip.signedIn(t, "developer")
	long := strings.Repeat("x", models.MaxNameLen+1)
	for _, name := range []string{"", "   ", long} {
		rec := b.postForm("/teams", url.Values{"name": {name}})
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		doc := parseHTML(t, rec.Body)
		if byTestID(doc, "error-name").Length() != 1 {
			t.Errorf("name %q: no error-name", name)
		}
		if got := byTestID(doc, "field-name").AttrOr("value", ""); got != strings.TrimSpace(name) {
			t.Errorf("name echoed as %q", got)
		}
	}
	path := createTeamThrough(t, b, "Acme")
	rec := b.postForm(path+"/invitations", url.Values{"email": {"not an email"}})
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	doc := parseHTML(t, rec.Body)
	if byTestID(doc, "error-email").Length() != 1 || byTestID(doc, "field-email").AttrOr("value", "") != "not an email" {
		t.Error("invalid teammate email not explained with the input")
	}
}

// TestTeams_AnotherDevelopersTeamIsNotFound: a developer cannot see, invite
// into or remove from a team they are not in (THREATS R1); nothing changes.
func TestTeams_AnotherDevelopersTeamIsNotFound(t *testing.T) {
	ip := newIdentityPortal(t)
	owner := ip.signedIn(t, "developer")
	path := createTeamThrough(t, owner, "Acme")
	other := createTestUser(t, ip.st, "other@rival.example", models.UserExternal, roleGlobal(models.RoleDeveloper))
	ob := ip.browser(t)
	ob.mustSignIn(other.Email)
	before := auditTotal(t, ip)

	wantStatus(t, ob.get(path), http.StatusNotFound)
	wantStatus(t, ob.postForm(path+"/invitations", url.Values{"email": {"other@rival.example"}}), http.StatusNotFound)
	wantStatus(t, ob.postForm(path+"/members/"+itoa64(ip.users["developer"].ID)+"/remove", nil), http.StatusNotFound)
	wantStatus(t, ob.get("/teams/999999"), http.StatusNotFound)
	wantStatus(t, ob.get("/teams/abc"), http.StatusNotFound)
	if got := attrs(parseHTML(t, ob.get("/teams").Body), "team-link", "href"); len(got) != 0 {
		t.Errorf("other developer lists teams %q", got)
	}
	if after := auditTotal(t, ip); after != before {
		t.Errorf("audit trail grew from %d to %d", before, after)
	}
	if got := teamMembers(t, owner, path); !slices.Equal(got, []string{"dev@acme.example"}) {
		t.Errorf("members = %q", got)
	}
}

// TestTeams_OwnerIsTheViewer: a client-supplied owner is ignored (THREATS
// R3).
func TestTeams_OwnerIsTheViewer(t *testing.T) {
	ip := newIdentityPortal(t)
	b := ip.signedIn(t, "developer")
	victim := ip.users["platform_admin"]
	rec := b.postForm("/teams", url.Values{"name": {"Acme"}, "owner_id": {itoa64(victim.ID)}, "OwnerID": {itoa64(victim.ID)}, "id": {"1"}})
	wantStatus(t, rec, http.StatusSeeOther)
	teams, err := ip.st.ListTeams(context.Background(), ip.users["developer"].ID)
	if err != nil || len(teams) != 1 || teams[0].OwnerID != ip.users["developer"].ID {
		t.Fatalf("developer's teams = %+v (%v)", teams, err)
	}
	if teams, _ := ip.st.ListTeams(context.Background(), victim.ID); len(teams) != 0 {
		t.Errorf("victim's teams = %+v", teams)
	}
}

func TestTeams_OnlyForThoseWhoManageTeams(t *testing.T) {
	ip := newIdentityPortal(t)
	for _, p := range []string{"internal", "publisher@bank", "subsidiary_admin@bank"} {
		t.Run(p, func(t *testing.T) {
			b := ip.signedIn(t, p)
			wantStatus(t, b.get("/teams"), http.StatusForbidden)
			wantStatus(t, b.postForm("/teams", url.Values{"name": {"Staff team"}}), http.StatusForbidden)
		})
	}
	wantRedirect(t, ip.browser(t).get("/teams"), "/login?return_to=%2Fteams")
	wantStatus(t, ip.signedIn(t, "platform_admin").get("/teams"), http.StatusOK)
}
