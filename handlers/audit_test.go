package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portico/portico/models"
)

// auditRows returns the action and subsidiary of each audit-row, newest
// first, as "action@subsidiary".
func auditRows(t testing.TB, b *browser, target string) []string {
	t.Helper()
	rec := b.get(target)
	wantStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body)
	var out []string
	for i, a := range attrs(doc, "audit-row", "data-action") {
		out = append(out, a+"@"+attrs(doc, "audit-row", "data-subsidiary")[i])
	}
	return out
}

// TestAudit_ShowsTheEventsOfWhatAdminsJustDid: actions taken through the
// admin pages appear in the trail, each admin sees only their own
// subsidiaries' events, and the filters select.
func TestAudit_ShowsTheEventsOfWhatAdminsJustDid(t *testing.T) {
	ip := newIdentityPortal(t)
	bank := ip.signedIn(t, "subsidiary_admin@bank")
	ins := ip.signedIn(t, "subsidiary_admin@insurance")
	pub := ip.users["publisher@bank"]

	wantStatus(t, bank.postForm(memberPath("bank", pub, "role"), url.Values{"role": {"subsidiary_admin"}}), http.StatusSeeOther)
	wantStatus(t, bank.postForm("/admin/subsidiaries/bank/members/invitations", url.Values{"email": {"a@meridian.example"}, "role": {"publisher"}}), http.StatusOK)
	wantStatus(t, ins.postForm("/admin/subsidiaries/insurance/members/invitations", url.Values{"email": {"b@meridian.example"}, "role": {"publisher"}}), http.StatusOK)

	// The bank's admin: the bank's events only, newest first.
	if got, want := auditRows(t, bank, "/admin/audit"), []string{
		"invitation.create@bank", "role.revoke@bank", "role.grant@bank",
		// the test set-up granted the personas' roles
		"role.grant@bank", "role.grant@bank",
	}; !slices.Equal(got, want) {
		t.Errorf("bank admin sees %q, want %q", got, want)
	}
	// The insurer's admin sees none of the bank's.
	for _, row := range auditRows(t, ins, "/admin/audit") {
		if !strings.HasSuffix(row, "@insurance") {
			t.Errorf("insurance admin sees %q", row)
		}
	}
	// Filters.
	if got, want := auditRows(t, bank, "/admin/audit?action=role.revoke"), []string{"role.revoke@bank"}; !slices.Equal(got, want) {
		t.Errorf("action filter: %q, want %q", got, want)
	}
	if got := auditRows(t, bank, "/admin/audit?actor=BANK.ADMIN@meridian.example"); len(got) != 3 {
		t.Errorf("actor filter: %q, want the 3 events of the bank admin", got)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	if got := auditRows(t, bank, "/admin/audit?since="+today+"&until="+today); len(got) != 5 {
		t.Errorf("today: %d events, want 5", len(got))
	}
	rec := bank.get("/admin/audit?since=" + tomorrow)
	wantStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body)
	if byTestID(doc, "audit-row").Length() != 0 || byTestID(doc, "empty-state").Length() != 1 {
		t.Error("a range without events shows rows or no empty state")
	}

	// The details of an event.
	rec = bank.get("/admin/audit?action=role.revoke")
	doc = parseHTML(t, rec.Body)
	for id, want := range map[string]string{
		"audit-actor":      "bank.admin@meridian.example",
		"audit-subsidiary": "bank",
		"audit-action":     "role.revoke",
		"audit-target":     "user:" + itoa64(pub.ID),
		"audit-client-ip":  "192.0.2.10",
	} {
		if got := texts(doc, id); !slices.Equal(got, []string{want}) {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if got := texts(doc, "audit-before"); len(got) != 1 || !strings.Contains(got[0], "publisher") {
		t.Errorf("before = %q", got)
	}
	if got := texts(doc, "audit-request-id"); len(got) != 1 || len(got[0]) < 8 {
		t.Errorf("request id = %q", got)
	}

	// The platform admin sees everything, platform-wide events included.
	all := auditRows(t, ip.signedIn(t, "platform_admin"), "/admin/audit")
	for _, want := range []string{"user.create@", "invitation.create@insurance", "invitation.create@bank", "auth.sign_in@"} {
		if !slices.Contains(all, want) {
			t.Errorf("platform admin does not see %s in %q", want, all)
		}
	}
}

func TestAudit_ScopeIsEnforcedInTheQuery(t *testing.T) {
	ip := newIdentityPortal(t)
	tests := []struct {
		persona    string
		target     string
		wantStatus int
	}{
		{"developer", "/admin/audit", http.StatusForbidden},
		{"internal", "/admin/audit", http.StatusForbidden},
		{"publisher@bank", "/admin/audit", http.StatusForbidden},
		{"publisher@bank", "/admin/audit?subsidiary=bank", http.StatusForbidden},
		{"subsidiary_admin@bank", "/admin/audit?subsidiary=insurance", http.StatusForbidden},
		{"subsidiary_admin@bank", "/admin/audit?subsidiary=nope", http.StatusForbidden},
		{"subsidiary_admin@bank", "/admin/audit?subsidiary=bank", http.StatusOK},
		{"platform_admin", "/admin/audit?subsidiary=insurance", http.StatusOK},
		{"platform_admin", "/admin/audit?subsidiary=nope", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.persona+" "+tc.target, func(t *testing.T) {
			wantStatus(t, ip.signedIn(t, tc.persona).get(tc.target), tc.wantStatus)
		})
	}
	t.Run("anonymous is sent to sign in", func(t *testing.T) {
		wantRedirect(t, ip.browser(t).get("/admin/audit"), "/login?return_to=%2Fadmin%2Faudit")
	})
	t.Run("bad filter values are explained, the rest applies", func(t *testing.T) {
		rec := ip.signedIn(t, "subsidiary_admin@bank").get("/admin/audit?since=yesterday&until=2020-13-01&action=role.grant")
		wantStatus(t, rec, http.StatusOK)
		doc := parseHTML(t, rec.Body)
		for _, id := range []string{"error-since", "error-until"} {
			if byTestID(doc, id).Length() != 1 {
				t.Errorf("no %s", id)
			}
		}
		for _, a := range attrs(doc, "audit-row", "data-action") {
			if a != "role.grant" {
				t.Errorf("row %q despite the action filter", a)
			}
		}
	})
}

func TestAudit_Paginates(t *testing.T) {
	ip := newIdentityPortal(t)
	ctx := t.Context()
	for i := 0; i < auditPerPage+5; i++ {
		if _, err := ip.st.AppendAudit(ctx, models.AuditEvent{ActorEmail: "system", Subsidiary: "bank", Action: "test.event", Target: "n:" + itoa64(int64(i))}); err != nil {
			t.Fatal(err)
		}
	}
	b := ip.signedIn(t, "subsidiary_admin@bank")
	first := auditRows(t, b, "/admin/audit?action=test.event")
	if len(first) != auditPerPage {
		t.Fatalf("page 1 has %d rows", len(first))
	}
	rec := b.get("/admin/audit?action=test.event")
	next := byTestID(parseHTML(t, rec.Body), "page-next").AttrOr("href", "")
	if next != "/admin/audit?action=test.event&page=2" {
		t.Fatalf("next page link = %q", next)
	}
	if got := auditRows(t, b, next); len(got) != 5 {
		t.Errorf("page 2 has %d rows, want 5", len(got))
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
