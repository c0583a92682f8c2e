package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/portico/portico/models"
)

// Tests of the admin pages (admin.go, admin_members.go, admin_users.go):
// real routes over a real store, personas signed in through POST /login.

// signedIn returns a browser signed in as the persona.
func (ip *identityPortal) signedIn(t testing.TB, persona string) *browser {
	t.Helper()
	u, ok := ip.users[persona]
	if !ok {
		t.Fatalf("no persona %q", persona)
	}
	b := ip.browser(t)
	b.mustSignIn(u.Email)
	return b
}

// unverifiedTestUser creates an account whose email no one vouched for
// (as an SSO provider that does not verify addresses leaves it), with the
// password testPassword and the roles.
func unverifiedTestUser(t testing.TB, ip *identityPortal, email string, roles ...models.RoleAssignment) models.User {
	t.Helper()
	ctx := context.Background()
	u, err := ip.st.SignInSSO(ctx, testSystemActor, "github", "gh-"+email, email, "", false, models.UserExternal, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u.EmailVerified {
		t.Fatal("SSO account without a verified email counts as verified")
	}
	if err := ip.st.SetPassword(ctx, testSystemActor, u.ID, testPasswordHash(t)); err != nil {
		t.Fatal(err)
	}
	for _, ra := range roles {
		if err := ip.st.GrantRole(ctx, testSystemActor, u.ID, ra.Role, ra.Domain); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// roleStrings returns the user's roles as "role@domain", sorted.
func roleStrings(t testing.TB, ip *identityPortal, userID int64) []string {
	t.Helper()
	roles, err := ip.st.ListRoles(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ra := range roles {
		out = append(out, string(ra.Role)+"@"+ra.Domain)
	}
	slices.Sort(out)
	return out
}

// auditTotal is the number of events in the audit trail.
func auditTotal(t testing.TB, ip *identityPortal) int {
	t.Helper()
	_, n, err := ip.st.ListAudit(context.Background(), models.AuditFilter{PerPage: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// lastAudit returns the newest audit event.
func lastAudit(t testing.TB, ip *identityPortal) models.AuditEvent {
	t.Helper()
	events, _, err := ip.st.ListAudit(context.Background(), models.AuditFilter{PerPage: 1})
	if err != nil || len(events) == 0 {
		t.Fatalf("no audit event (%v)", err)
	}
	return events[0]
}

// wantRedirect fails unless rec is a 303 to location.
func wantRedirect(t testing.TB, rec *httptest.ResponseRecorder, location string) {
	t.Helper()
	wantStatus(t, rec, http.StatusSeeOther)
	if got := rec.Header().Get("Location"); got != location {
		t.Fatalf("Location = %q, want %q", got, location)
	}
}

// texts returns the trimmed texts of the elements with a data-testid.
func texts(doc finder, testID string) []string {
	var out []string
	byTestID(doc, testID).Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.Join(strings.Fields(s.Text()), " "))
	})
	return out
}

// attrs returns an attribute of the elements with a data-testid.
func attrs(doc finder, testID, attr string) []string {
	var out []string
	byTestID(doc, testID).Each(func(_ int, s *goquery.Selection) {
		out = append(out, s.AttrOr(attr, ""))
	})
	return out
}

func userPath(u models.User, action string) string {
	return "/admin/users/" + strconv.FormatInt(u.ID, 10) + "/" + action
}

func memberPath(sub string, u models.User, action string) string {
	return "/admin/subsidiaries/" + sub + "/members/" + strconv.FormatInt(u.ID, 10) + "/" + action
}

func TestAdminHome_ListsTheSubsidiariesTheViewerAdministers(t *testing.T) {
	ip := newIdentityPortal(t)
	tests := []struct {
		persona    string
		wantStatus int
		wantSubs   []string
		wantUsers  bool   // the platform section with the users link
		wantLink   string // the page every subsidiary links to
	}{
		{"developer", http.StatusForbidden, nil, false, ""},
		{"internal", http.StatusForbidden, nil, false, ""},
		{"publisher@bank", http.StatusOK, []string{"bank"}, false, "plans"}, // plans only
		{"subsidiary_admin@bank", http.StatusOK, []string{"bank"}, false, "members"},
		{"subsidiary_admin@insurance", http.StatusOK, []string{"insurance"}, false, "members"},
		{"platform_admin", http.StatusOK, []string{"bank", "insurance", "securities"}, true, "members"},
	}
	for _, tc := range tests {
		t.Run(tc.persona, func(t *testing.T) {
			rec := ip.signedIn(t, tc.persona).get("/admin")
			wantStatus(t, rec, tc.wantStatus)
			doc := parseHTML(t, rec.Body)
			if got := attrs(doc, "admin-subsidiary", "data-subsidiary"); !slices.Equal(got, tc.wantSubs) {
				t.Errorf("subsidiaries = %q, want %q", got, tc.wantSubs)
			}
			if got := byTestID(doc, "admin-users-link").Length() == 1; got != tc.wantUsers {
				t.Errorf("users link shown = %v, want %v", got, tc.wantUsers)
			}
			if tc.wantStatus == http.StatusOK {
				for _, s := range tc.wantSubs {
					if doc.Find(`a[href="/admin/subsidiaries/`+s+`/`+tc.wantLink+`"]`).Length() != 1 {
						t.Errorf("no %s link for %s", tc.wantLink, s)
					}
				}
			}
		})
	}
	t.Run("anonymous is sent to sign in", func(t *testing.T) {
		wantRedirect(t, ip.browser(t).get("/admin"), "/login?return_to=%2Fadmin")
	})
}

func TestMembers_ListsMembersWithTheirRolesInTheSubsidiary(t *testing.T) {
	ip := newIdentityPortal(t)
	// A member with roles in two subsidiaries shows only the bank's here.
	both := createTestUser(t, ip.st, "both@meridian.example", models.UserStaff,
		roleIn(models.RolePublisher, "bank"), roleIn(models.RoleSubsidiaryAdmin, "securities"))

	rec := ip.signedIn(t, "subsidiary_admin@bank").get("/admin/subsidiaries/bank/members")
	wantStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body)
	rows := map[string][]string{}
	byTestID(doc, "member-row").Each(func(_ int, s *goquery.Selection) {
		rows[s.AttrOr("data-email", "")] = attrs(s, "member-role", "data-role")
	})
	want := map[string][]string{
		"bank.admin@meridian.example": {"subsidiary_admin"},
		"publisher@meridian.example":  {"publisher"},
		both.Email:                    {"publisher"},
	}
	if len(rows) != len(want) {
		t.Fatalf("member rows = %v, want %v", rows, want)
	}
	for email, roles := range want {
		if !slices.Equal(rows[email], roles) {
			t.Errorf("roles of %s = %q, want %q", email, rows[email], roles)
		}
	}
	// The viewer's own row has no role or account controls.
	own := doc.Find(`[data-testid="member-row"][data-email="bank.admin@meridian.example"]`)
	if n := byTestID(own, "change-role").Length() + byTestID(own, "deactivate").Length() + byTestID(own, "remove-role").Length(); n != 0 {
		t.Errorf("own row has %d controls", n)
	}
	if byTestID(doc, "invite-form").Find(`label[for="invite-email"]`).Length() != 1 {
		t.Error("invite form's email field has no label")
	}
	if got := texts(doc, "no-invitations"); len(got) != 1 {
		t.Errorf("pending invitations empty state = %q", got)
	}

	t.Run("unknown subsidiary is 404 for a platform admin", func(t *testing.T) {
		wantStatus(t, ip.signedIn(t, "platform_admin").get("/admin/subsidiaries/nope/members"), http.StatusNotFound)
	})
}

func TestMembers_InviteGrantsAnExistingVerifiedAccountAtOnce(t *testing.T) {
	ip := newIdentityPortal(t)
	u := createTestUser(t, ip.st, "new.hire@meridian.example", models.UserStaff, roleGlobal(models.RoleInternal))
	b := ip.signedIn(t, "subsidiary_admin@bank")

	rec := b.postForm("/admin/subsidiaries/bank/members/invitations", url.Values{"email": {"  New.Hire@Meridian.example "}, "role": {"publisher"}})
	wantRedirect(t, rec, "/admin/subsidiaries/bank/members?done=granted")
	if got, want := roleStrings(t, ip, u.ID), []string{"internal@*", "publisher@bank"}; !slices.Equal(got, want) {
		t.Errorf("roles = %q, want %q", got, want)
	}
	e := lastAudit(t, ip)
	if e.Action != "role.grant" || e.Subsidiary != "bank" || e.ActorEmail != "bank.admin@meridian.example" || e.Target != "user:"+strconv.FormatInt(u.ID, 10) || e.RequestID == "" || e.ClientIP != "192.0.2.10" {
		t.Errorf("audit event = %+v", e)
	}
	page := parseHTML(t, b.get(rec.Header().Get("Location")).Body)
	if len(texts(page, "notice")) != 1 {
		t.Error("no confirmation after the redirect")
	}
}

func TestMembers_InviteSomeoneWithoutAnAccountShowsTheLinkOnce(t *testing.T) {
	ip := newIdentityPortal(t)
	b := ip.signedIn(t, "subsidiary_admin@bank")

	rec := b.postForm("/admin/subsidiaries/bank/members/invitations", url.Values{"email": {"newcomer@meridian.example"}, "role": {"subsidiary_admin"}})
	wantStatus(t, rec, http.StatusOK)
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	doc := parseHTML(t, rec.Body)
	link := byTestID(doc, "invitation-link").AttrOr("value", "")
	token, ok := strings.CutPrefix(link, "http://example.com/invitations/")
	if !ok || len(token) < 20 {
		t.Fatalf("invitation link = %q", link)
	}
	if got := texts(doc, "invitation-row"); len(got) != 1 || !strings.Contains(got[0], "newcomer@meridian.example") || !strings.Contains(got[0], "Subsidiary admin") {
		t.Errorf("pending invitations = %q", got)
	}
	if e := lastAudit(t, ip); e.Action != "invitation.create" || e.Subsidiary != "bank" {
		t.Errorf("audit event = %+v", e)
	}
	// Shown once: the members page does not show it again.
	again := b.get("/admin/subsidiaries/bank/members")
	if strings.Contains(again.Body.String(), token) {
		t.Error("the members page shows the token again")
	}

	// The invitee has an account whose address nobody vouched for (a
	// verified one receives the invitation at sign-in): they follow the
	// link and accept, which proves they read the mailbox.
	newcomer := unverifiedTestUser(t, ip, "newcomer@meridian.example")
	defaults := roleStrings(t, ip, newcomer.ID) // developer@*, from signing up
	nb := ip.browser(t)
	nb.mustSignIn(newcomer.Email)
	show := nb.get("/invitations/" + token)
	wantStatus(t, show, http.StatusOK)
	if got := texts(parseHTML(t, show.Body), "invitation-email"); !slices.Equal(got, []string{newcomer.Email}) {
		t.Errorf("invitation page names %q", got)
	}
	if got := roleStrings(t, ip, newcomer.ID); !slices.Equal(got, defaults) {
		t.Fatalf("showing the invitation changed the roles to %q", got)
	}
	wantRedirect(t, nb.postForm("/invitations/"+token, nil), "/admin/subsidiaries/bank/members?done=joined")
	if got, want := roleStrings(t, ip, newcomer.ID), append(slices.Clone(defaults), "subsidiary_admin@bank"); !slices.Equal(got, want) {
		t.Errorf("roles after accepting = %q, want %q", got, want)
	}
	wantStatus(t, nb.get("/admin/subsidiaries/bank/members"), http.StatusOK)
	// The link works once.
	rec = nb.postForm("/invitations/"+token, nil)
	wantStatus(t, rec, http.StatusNotFound)
	if msg := errorMessage(t, rec); msg == "" {
		t.Error("no explanation for a used invitation")
	}
}

func TestMembers_InviteAnUnverifiedAccountSendsAnInvitationInstead(t *testing.T) {
	ip := newIdentityPortal(t)
	// Someone signed up through a provider that does not vouch for the
	// address: a role must not follow the address alone.
	u := unverifiedTestUser(t, ip, "claimed@meridian.example")
	defaults := roleStrings(t, ip, u.ID) // developer@*, from signing up
	rec := ip.signedIn(t, "subsidiary_admin@bank").postForm("/admin/subsidiaries/bank/members/invitations",
		url.Values{"email": {u.Email}, "role": {"publisher"}})
	wantStatus(t, rec, http.StatusOK)
	if byTestID(parseHTML(t, rec.Body), "invitation-link").Length() != 1 {
		t.Error("no invitation link")
	}
	if got := roleStrings(t, ip, u.ID); !slices.Equal(got, defaults) {
		t.Errorf("unverified account's roles became %q", got)
	}
}

func TestMembers_InviteFormProblemsReRenderWithInput(t *testing.T) {
	ip := newIdentityPortal(t)
	b := ip.signedIn(t, "subsidiary_admin@bank")
	tests := []struct {
		name      string
		form      url.Values
		wantError string // data-testid of the field error
		wantEmail string // echoed input
	}{
		{"blank email", url.Values{"email": {" "}, "role": {"publisher"}}, "error-email", ""},
		{"malformed email", url.Values{"email": {"Bob <bob@x.example>"}, "role": {"publisher"}}, "error-email", "Bob <bob@x.example>"},
		{"platform role refused", url.Values{"email": {"x@meridian.example"}, "role": {"platform_admin"}}, "error-role", "x@meridian.example"},
		{"unknown role refused", url.Values{"email": {"x@meridian.example"}, "role": {"owner"}}, "error-role", "x@meridian.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := auditTotal(t, ip)
			rec := b.postForm("/admin/subsidiaries/bank/members/invitations", tc.form)
			wantStatus(t, rec, http.StatusUnprocessableEntity)
			doc := parseHTML(t, rec.Body)
			if byTestID(doc, tc.wantError).Length() != 1 {
				t.Errorf("no %s", tc.wantError)
			}
			field := byTestID(doc, "field-email")
			if got := field.AttrOr("value", ""); got != tc.wantEmail {
				t.Errorf("email echoed as %q, want %q", got, tc.wantEmail)
			}
			if tc.wantError == "error-email" && field.AttrOr("aria-invalid", "") != "true" {
				t.Error("email field not marked aria-invalid")
			}
			if auditTotal(t, ip) != before {
				t.Error("a refused form changed something")
			}
		})
	}
}

func TestMembers_ChangeRoleGrantsTheNewAndRevokesTheOld(t *testing.T) {
	ip := newIdentityPortal(t)
	pub := ip.users["publisher@bank"]
	b := ip.signedIn(t, "subsidiary_admin@bank")

	wantRedirect(t, b.postForm(memberPath("bank", pub, "role"), url.Values{"role": {"subsidiary_admin"}}),
		"/admin/subsidiaries/bank/members?done=role")
	if got, want := roleStrings(t, ip, pub.ID), []string{"subsidiary_admin@bank"}; !slices.Equal(got, want) {
		t.Errorf("roles = %q, want %q", got, want)
	}
	events, _, err := ip.st.ListAudit(context.Background(), models.AuditFilter{Subsidiaries: []string{"bank"}, PerPage: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].Action != "role.revoke" || events[1].Action != "role.grant" {
		t.Errorf("audit = %+v", events)
	}
	t.Run("same role again changes nothing", func(t *testing.T) {
		before := auditTotal(t, ip)
		wantStatus(t, b.postForm(memberPath("bank", pub, "role"), url.Values{"role": {"subsidiary_admin"}}), http.StatusSeeOther)
		if auditTotal(t, ip) != before {
			t.Error("audit grew")
		}
	})
	t.Run("someone who is not a member is 404", func(t *testing.T) {
		dev := ip.users["developer"]
		wantStatus(t, b.postForm(memberPath("bank", dev, "role"), url.Values{"role": {"publisher"}}), http.StatusNotFound)
		if got := roleStrings(t, ip, dev.ID); !slices.Equal(got, []string{"developer@*"}) {
			t.Errorf("roles = %q", got)
		}
	})
	t.Run("unknown user is 404", func(t *testing.T) {
		wantStatus(t, b.postForm("/admin/subsidiaries/bank/members/999999/role", url.Values{"role": {"publisher"}}), http.StatusNotFound)
		wantStatus(t, b.postForm("/admin/subsidiaries/bank/members/abc/role", url.Values{"role": {"publisher"}}), http.StatusNotFound)
	})
	t.Run("own roles are refused", func(t *testing.T) {
		self := ip.users["subsidiary_admin@bank"]
		wantStatus(t, b.postForm(memberPath("bank", self, "role"), url.Values{"role": {"publisher"}}), http.StatusForbidden)
		wantStatus(t, b.postForm(memberPath("bank", self, "roles/remove"), url.Values{"role": {"subsidiary_admin"}}), http.StatusForbidden)
		if got := roleStrings(t, ip, self.ID); !slices.Equal(got, []string{"subsidiary_admin@bank"}) {
			t.Errorf("roles = %q", got)
		}
	})
}

func TestMembers_RemoveRole(t *testing.T) {
	ip := newIdentityPortal(t)
	pub := ip.users["publisher@bank"]
	b := ip.signedIn(t, "subsidiary_admin@bank")
	wantRedirect(t, b.postForm(memberPath("bank", pub, "roles/remove"), url.Values{"role": {"publisher"}}),
		"/admin/subsidiaries/bank/members?done=removed")
	if got := roleStrings(t, ip, pub.ID); len(got) != 0 {
		t.Errorf("roles = %q", got)
	}
	if e := lastAudit(t, ip); e.Action != "role.revoke" || e.Subsidiary != "bank" {
		t.Errorf("audit = %+v", e)
	}
	// Removing it again: nothing to remove.
	wantStatus(t, b.postForm(memberPath("bank", pub, "roles/remove"), url.Values{"role": {"publisher"}}), http.StatusNotFound)
	// Global roles are not removed here.
	dev := ip.users["developer"]
	wantStatus(t, b.postForm(memberPath("bank", dev, "roles/remove"), url.Values{"role": {"developer"}}), http.StatusUnprocessableEntity)
	if got := roleStrings(t, ip, dev.ID); !slices.Equal(got, []string{"developer@*"}) {
		t.Errorf("developer roles = %q", got)
	}
}

// TestMembers_CrossSubsidiaryAttemptsAreRefused: the bank's admin cannot
// read or change anything of the insurer's (THREATS R2); nothing changes
// and the audit trail gains nothing.
func TestMembers_CrossSubsidiaryAttemptsAreRefused(t *testing.T) {
	ip := newIdentityPortal(t)
	insAdmin := ip.users["subsidiary_admin@insurance"]
	insPub := createTestUser(t, ip.st, "ins.publisher@meridian.example", models.UserStaff, roleIn(models.RolePublisher, "insurance"))
	b := ip.signedIn(t, "subsidiary_admin@bank")
	before := auditTotal(t, ip)

	attempts := []struct {
		name   string
		method string
		path   string
		form   url.Values
	}{
		{"members page", http.MethodGet, "/admin/subsidiaries/insurance/members", nil},
		{"invite", http.MethodPost, "/admin/subsidiaries/insurance/members/invitations", url.Values{"email": {"spy@meridian.example"}, "role": {"subsidiary_admin"}}},
		{"invite an existing user", http.MethodPost, "/admin/subsidiaries/insurance/members/invitations", url.Values{"email": {"bank.admin@meridian.example"}, "role": {"subsidiary_admin"}}},
		{"change role", http.MethodPost, memberPath("insurance", insPub, "role"), url.Values{"role": {"subsidiary_admin"}}},
		{"remove role", http.MethodPost, memberPath("insurance", insAdmin, "roles/remove"), url.Values{"role": {"subsidiary_admin"}}},
		{"deactivate", http.MethodPost, userPath(insAdmin, "deactivate"), url.Values{"subsidiary": {"insurance"}}},
		{"deactivate, claiming the bank", http.MethodPost, userPath(insPub, "deactivate"), url.Values{"subsidiary": {"bank"}}},
		{"reactivate", http.MethodPost, userPath(insPub, "reactivate"), nil},
		{"audit trail", http.MethodGet, "/admin/audit?subsidiary=insurance", nil},
		{"user list", http.MethodGet, "/admin/users", nil},
	}
	for _, a := range attempts {
		t.Run(a.name, func(t *testing.T) {
			var rec *httptest.ResponseRecorder
			if a.method == http.MethodGet {
				rec = b.get(a.path)
			} else {
				rec = b.postForm(a.path, a.form)
			}
			wantStatus(t, rec, http.StatusForbidden)
			if errorMessage(t, rec) == "" {
				t.Error("no explanation")
			}
		})
	}
	if got := roleStrings(t, ip, insAdmin.ID); !slices.Equal(got, []string{"subsidiary_admin@insurance"}) {
		t.Errorf("insurance admin roles = %q", got)
	}
	if got := roleStrings(t, ip, insPub.ID); !slices.Equal(got, []string{"publisher@insurance"}) {
		t.Errorf("insurance publisher roles = %q", got)
	}
	if got := roleStrings(t, ip, ip.users["subsidiary_admin@bank"].ID); !slices.Equal(got, []string{"subsidiary_admin@bank"}) {
		t.Errorf("bank admin roles = %q", got)
	}
	for _, u := range []models.User{insAdmin, insPub} {
		if fresh, _ := ip.st.FindUser(context.Background(), u.ID); !fresh.Active() {
			t.Errorf("%s was deactivated", u.Email)
		}
	}
	invs, err := ip.st.ListInvitations(context.Background(), "insurance")
	if err != nil || len(invs) != 0 {
		t.Errorf("insurance invitations = %v (%v)", invs, err)
	}
	if after := auditTotal(t, ip); after != before {
		t.Errorf("audit trail grew from %d to %d events", before, after)
	}
}

// TestMembers_MassAssignmentIsIgnored: only the validated form fields are
// read; the subsidiary is the URL's, the role one of the subsidiary roles
// (THREATS R3).
func TestMembers_MassAssignmentIsIgnored(t *testing.T) {
	ip := newIdentityPortal(t)
	target := createTestUser(t, ip.st, "target@meridian.example", models.UserStaff)
	pub := ip.users["publisher@bank"]
	b := ip.signedIn(t, "subsidiary_admin@bank")

	rec := b.postForm("/admin/subsidiaries/bank/members/invitations", url.Values{
		"email":      {target.Email},
		"role":       {"publisher", "platform_admin"},
		"subsidiary": {"insurance"},
		"domain":     {"*"},
		"user_id":    {strconv.FormatInt(pub.ID, 10)},
		"owner_id":   {"1"},
		"status":     {"deactivated"},
	})
	wantStatus(t, rec, http.StatusSeeOther)
	if got, want := roleStrings(t, ip, target.ID), []string{"publisher@bank"}; !slices.Equal(got, want) {
		t.Errorf("target roles = %q, want %q", got, want)
	}
	if got := roleStrings(t, ip, pub.ID); !slices.Equal(got, []string{"publisher@bank"}) {
		t.Errorf("publisher roles = %q", got)
	}

	rec = b.postForm(memberPath("bank", pub, "role"), url.Values{
		"role":       {"subsidiary_admin"},
		"subsidiary": {"insurance"},
		"domain":     {"insurance"},
		"user_id":    {strconv.FormatInt(ip.users["developer"].ID, 10)},
	})
	wantStatus(t, rec, http.StatusSeeOther)
	if got, want := roleStrings(t, ip, pub.ID), []string{"subsidiary_admin@bank"}; !slices.Equal(got, want) {
		t.Errorf("publisher roles = %q, want %q", got, want)
	}
	if got := roleStrings(t, ip, ip.users["developer"].ID); !slices.Equal(got, []string{"developer@*"}) {
		t.Errorf("developer roles = %q", got)
	}
}

// TestMembers_CrossOriginPostsAreRefused: a form posted from another site
// (CSRF) changes nothing.
func TestMembers_CrossOriginPostsAreRefused(t *testing.T) {
	ip := newIdentityPortal(t)
	pub := ip.users["publisher@bank"]
	b := ip.signedIn(t, "subsidiary_admin@bank")
	before := auditTotal(t, ip)
	posts := []struct {
		path string
		form url.Values
	}{
		{"/admin/subsidiaries/bank/members/invitations", url.Values{"email": {"evil@attacker.example"}, "role": {"subsidiary_admin"}}},
		{memberPath("bank", pub, "role"), url.Values{"role": {"subsidiary_admin"}}},
		{memberPath("bank", pub, "roles/remove"), url.Values{"role": {"publisher"}}},
		{userPath(pub, "deactivate"), nil},
	}
	for _, p := range posts {
		for _, site := range []string{"cross-site", "same-site"} {
			t.Run(p.path+" from a "+site+" page", func(t *testing.T) {
				r := httptest.NewRequest(http.MethodPost, p.path, strings.NewReader(p.form.Encode()))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("Sec-Fetch-Site", site)
				wantStatus(t, b.do(r), http.StatusForbidden)
			})
		}
		t.Run(p.path+" with a foreign Origin only", func(t *testing.T) {
			// An older browser sends no fetch metadata, only Origin.
			r := httptest.NewRequest(http.MethodPost, p.path, strings.NewReader(p.form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Origin", "https://attacker.example")
			for _, c := range b.cookies {
				r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
			}
			wantStatus(t, ip.do(r), http.StatusForbidden)
		})
	}
	if got := roleStrings(t, ip, pub.ID); !slices.Equal(got, []string{"publisher@bank"}) {
		t.Errorf("publisher roles = %q", got)
	}
	if fresh, _ := ip.st.FindUser(context.Background(), pub.ID); !fresh.Active() {
		t.Error("publisher was deactivated")
	}
	if after := auditTotal(t, ip); after != before {
		t.Errorf("audit trail grew from %d to %d events", before, after)
	}
}

// TestUsers_DeactivationEndsTheSessionOnTheNextRequest: the bank's admin
// deactivates the bank's publisher from the members page; the publisher's
// next request is anonymous, and they cannot sign in again until a
// platform admin reactivates them.
func TestUsers_DeactivationEndsTheSessionOnTheNextRequest(t *testing.T) {
	ip := newIdentityPortal(t)
	pub := ip.users["publisher@bank"]
	victim := ip.signedIn(t, "publisher@bank")
	if got := victim.signedInAs(); got != pub.Email {
		t.Fatalf("publisher signed in as %q", got)
	}
	admin := ip.signedIn(t, "subsidiary_admin@bank")

	wantRedirect(t, admin.postForm(userPath(pub, "deactivate"), url.Values{"subsidiary": {"bank"}}),
		"/admin/subsidiaries/bank/members?done=deactivated")
	if got := victim.signedInAs(); got != "" {
		t.Errorf("after deactivation the publisher is still signed in as %q", got)
	}
	if e := lastAudit(t, ip); e.Action != "user.deactivate" || e.ActorEmail != "bank.admin@meridian.example" || e.Target != "user:"+strconv.FormatInt(pub.ID, 10) || e.Subsidiary != "bank" {
		t.Errorf("audit = %+v", e)
	}
	// The bank admin sees the deactivation in the bank's audit trail.
	if rows := auditRows(t, admin, "/admin/audit?action=user.deactivate"); !slices.Contains(rows, "user.deactivate@bank") {
		t.Errorf("the bank admin's audit trail shows %q, want the deactivation", rows)
	}
	if rec := ip.browser(t).signIn(pub.Email, testPassword, ""); rec.Code == http.StatusSeeOther {
		t.Error("a deactivated user signed in")
	}
	// The members page shows the status and offers reactivation.
	doc := parseHTML(t, admin.get("/admin/subsidiaries/bank/members").Body)
	row := doc.Find(`[data-testid="member-row"][data-email="` + pub.Email + `"]`)
	if got := texts(row, "user-status"); !slices.Equal(got, []string{"Deactivated"}) {
		t.Errorf("status = %q", got)
	}
	if byTestID(row, "reactivate").Length() != 1 {
		t.Error("no reactivate button")
	}

	wantRedirect(t, ip.signedIn(t, "platform_admin").postForm(userPath(pub, "reactivate"), nil), "/admin/users?done=reactivated")
	ip.browser(t).mustSignIn(pub.Email)
}

func TestUsers_WhoMayDeactivateWhom(t *testing.T) {
	ip := newIdentityPortal(t)
	twoSubs := createTestUser(t, ip.st, "two@meridian.example", models.UserStaff,
		roleIn(models.RolePublisher, "bank"), roleIn(models.RolePublisher, "insurance"))
	bankStaff := createTestUser(t, ip.st, "bank.staff@meridian.example", models.UserStaff,
		roleIn(models.RolePublisher, "bank"), roleGlobal(models.RoleInternal))
	bankPlatform := createTestUser(t, ip.st, "bank.platform@meridian.example", models.UserStaff,
		roleIn(models.RoleSubsidiaryAdmin, "bank"), roleGlobal(models.RolePlatformAdmin))
	tests := []struct {
		actor      string
		target     models.User
		path       string // "" = the target's deactivate path
		wantStatus int
	}{
		{"subsidiary_admin@bank", bankStaff, "", http.StatusSeeOther},                          // group-wide roles do not count
		{"subsidiary_admin@bank", twoSubs, "", http.StatusForbidden},                           // also in the insurer
		{"subsidiary_admin@bank", bankPlatform, "", http.StatusForbidden},                      // a platform admin
		{"subsidiary_admin@bank", ip.users["developer"], "", http.StatusForbidden},             // not a member
		{"subsidiary_admin@bank", ip.users["subsidiary_admin@bank"], "", http.StatusForbidden}, // themselves
		{"subsidiary_admin@bank", models.User{}, "/admin/users/999999/deactivate", http.StatusNotFound},
		{"subsidiary_admin@bank", models.User{}, "/admin/users/0/deactivate", http.StatusNotFound},
		{"publisher@bank", ip.users["developer"], "", http.StatusForbidden},
		{"developer", bankStaff, "", http.StatusForbidden},
		{"developer", models.User{}, "/admin/users/999999/deactivate", http.StatusForbidden}, // no probing ids
		{"platform_admin", twoSubs, "", http.StatusSeeOther},
		{"platform_admin", ip.users["platform_admin"], "", http.StatusForbidden},
		{"platform_admin", models.User{}, "/admin/users/999999/deactivate", http.StatusNotFound},
	}
	for _, tc := range tests {
		path := tc.path
		if path == "" {
			path = userPath(tc.target, "deactivate")
		}
		t.Run(tc.actor+" "+path+" "+tc.target.Email, func(t *testing.T) {
			rec := ip.signedIn(t, tc.actor).postForm(path, nil)
			wantStatus(t, rec, tc.wantStatus)
			if tc.target.ID == 0 {
				return
			}
			fresh, err := ip.st.FindUser(context.Background(), tc.target.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := fresh.Active(), tc.wantStatus != http.StatusSeeOther; got != want {
				t.Errorf("target active = %v, want %v", got, want)
			}
			if !fresh.Active() {
				if err := ip.st.ReactivateUser(context.Background(), testSystemActor, fresh.ID); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestUsers_ListSearchesEveryAccount(t *testing.T) {
	ip := newIdentityPortal(t)
	b := ip.signedIn(t, "platform_admin")

	rec := b.get("/admin/users")
	wantStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body)
	if got := len(attrs(doc, "user-row", "data-email")); got != len(personas) {
		t.Errorf("%d user rows, want %d", got, len(personas))
	}
	own := doc.Find(`[data-testid="user-row"][data-email="platform.admin@meridian.example"]`)
	if byTestID(own, "deactivate").Length() != 0 {
		t.Error("the platform admin is offered to deactivate themselves")
	}

	rec = b.get("/admin/users?q=insurance")
	wantStatus(t, rec, http.StatusOK)
	doc = parseHTML(t, rec.Body)
	if got := attrs(doc, "user-row", "data-email"); !slices.Equal(got, []string{"insurance.admin@meridian.example"}) {
		t.Errorf("search rows = %q", got)
	}
	if got := byTestID(doc, "users-search").AttrOr("value", ""); got != "insurance" {
		t.Errorf("search box = %q", got)
	}

	rec = b.get("/admin/users?q=nobody-like-this")
	wantStatus(t, rec, http.StatusOK)
	if byTestID(parseHTML(t, rec.Body), "empty-state").Length() != 1 {
		t.Error("no empty state for a search without results")
	}

	for _, p := range []string{"developer", "internal", "publisher@bank", "subsidiary_admin@bank"} {
		t.Run(p+" is refused", func(t *testing.T) {
			wantStatus(t, ip.signedIn(t, p).get("/admin/users"), http.StatusForbidden)
		})
	}
}
