package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/portico/portico/models"
)

func TestInvitations_UnusableLinksAreExplained(t *testing.T) {
	ip := newIdentityPortal(t)
	owner := ip.signedIn(t, "developer")
	path := createTeamThrough(t, owner, "Acme")
	token := inviteThrough(t, owner, path, "someone@acme.example")
	wrong := unverifiedTestUser(t, ip, "wrong@acme.example", roleGlobal(models.RoleDeveloper))
	wb := ip.browser(t)
	wb.mustSignIn(wrong.Email)

	tests := []struct {
		name       string
		method     string
		path       string
		wantStatus int
	}{
		{"unknown token", http.MethodPost, "/invitations/" + strings.Repeat("a", 43), http.StatusNotFound},
		{"unknown token shown", http.MethodGet, "/invitations/" + strings.Repeat("a", 43), http.StatusOK}, // nothing is looked up before accepting
		{"malformed token", http.MethodPost, "/invitations/not%20a%20token", http.StatusNotFound},
		{"malformed token shown", http.MethodGet, "/invitations/not%20a%20token", http.StatusNotFound},
		{"overlong token", http.MethodPost, "/invitations/" + strings.Repeat("a", maxInvitationTokenLen+1), http.StatusNotFound},
		{"sent to another address", http.MethodPost, "/invitations/" + token, http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rec *httptest.ResponseRecorder
			if tc.method == http.MethodPost {
				rec = wb.postForm(tc.path, nil)
			} else {
				rec = wb.get(tc.path)
			}
			wantStatus(t, rec, tc.wantStatus)
			if tc.wantStatus != http.StatusOK && errorMessage(t, rec) == "" {
				t.Error("no explanation")
			}
		})
	}
	if teams, err := ip.st.ListTeams(t.Context(), wrong.ID); err != nil || len(teams) != 0 {
		t.Errorf("teams of the wrong user = %+v (%v)", teams, err)
	}
	if got := teamMembers(t, owner, path); len(got) != 1 {
		t.Errorf("members = %q", got)
	}
}

func TestInvitations_AnonymousVisitorsSignInFirst(t *testing.T) {
	ip := newIdentityPortal(t)
	token := inviteThrough(t, ip.signedIn(t, "developer"), createTeamThrough(t, ip.signedIn(t, "developer"), "Acme"), "mate@acme.example")
	b := ip.browser(t)
	rec := b.get("/invitations/" + token)
	wantRedirect(t, rec, "/login?return_to="+url.QueryEscape("/invitations/"+token))
	// A POST without a session is not replayed after sign-in.
	wantRedirect(t, b.postForm("/invitations/"+token, nil), "/login")

	// Signing in returns to the invitation.
	mate := unverifiedTestUser(t, ip, "mate@acme.example", roleGlobal(models.RoleDeveloper))
	rec = b.signIn(mate.Email, testPassword, "/invitations/"+token)
	wantRedirect(t, rec, "/invitations/"+token)
	wantStatus(t, b.get("/invitations/"+token), http.StatusOK)
	rec = b.postForm("/invitations/"+token, nil)
	wantStatus(t, rec, http.StatusSeeOther)
	if e := lastAudit(t, ip); e.ActorEmail != mate.Email {
		t.Errorf("last audit event = %+v", e)
	}
	teams, err := ip.st.ListTeams(t.Context(), mate.ID)
	if err != nil || len(teams) != 1 {
		t.Errorf("teams of the invitee = %+v (%v)", teams, err)
	}
}
