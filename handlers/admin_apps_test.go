package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/portico/portico/models"
)

// TestPlatformAdminSuspendsAnApplication: the platform admin finds a
// developer's application by its owner's email, suspends it (its key stops
// at the gateway's lookup at once) and resumes it; the developer cannot.
func TestPlatformAdminSuspendsAnApplication(t *testing.T) {
	ip := newIdentityPortal(t)
	ctx := context.Background()
	dev := ip.users[developer]
	app, err := ip.st.CreateApplication(ctx, testSystemActor, dev.ID, models.Application{Name: "Budget planner", AppID: "app_0123456789abcdef0123456789abcdef", OwnerUserID: &dev.ID})
	if err != nil {
		t.Fatal(err)
	}
	digest := make([]byte, models.DigestLen)
	digest[0] = 7
	if _, err := ip.st.AddCredential(ctx, testSystemActor, dev.ID, models.Credential{ApplicationID: app.ID, Prefix: "ptk_app_Abcd", Digest: digest, Kind: models.CredentialAppKey}); err != nil {
		t.Fatal(err)
	}

	admin := ip.browser(t)
	admin.mustSignIn(ip.users[platform].Email)
	rec := admin.get("/admin/applications?q=DEV@ACME")
	wantStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body)
	rows := byTestID(doc, "admin-app-row")
	if rows.Length() != 1 || !strings.Contains(rows.Text(), "Budget planner") || !strings.Contains(rows.Text(), dev.Email) {
		t.Fatalf("search by owner email: %d rows %q; want the developer's application", rows.Length(), rows.Text())
	}
	action, _ := byTestID(rows, "suspend-app").Parents().Filter("form").Attr("action")

	// The developer may not suspend it, nor see the list.
	devB := ip.browser(t)
	devB.mustSignIn(dev.Email)
	wantStatus(t, devB.postForm(action, url.Values{}), http.StatusForbidden)
	wantStatus(t, devB.get("/admin/applications"), http.StatusForbidden)

	rec = admin.postForm(action, url.Values{"q": {"dev@acme"}})
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/admin/applications?q=dev%40acme&done=app-suspended" {
		t.Errorf("after suspending: Location %q", loc)
	}
	if _, err := ip.st.FindCredentialByDigest(ctx, digest); models.KindOf(err) != models.NotFound {
		t.Errorf("the key of a suspended application: %v; want NotFound", err)
	}
	doc = parseHTML(t, admin.get("/admin/applications?q=dev%40acme&done=app-suspended").Body)
	if got := byTestID(doc, "app-status").Text(); got != "Suspended" {
		t.Errorf("status after suspending = %q", got)
	}
	if !strings.Contains(doc.Find(`[role="status"]`).Text(), "keys stop working at once") {
		t.Errorf("no confirmation after suspending: %q", doc.Find(`[role="status"]`).Text())
	}
	// Suspending twice is a conflict, not a silent success.
	wantStatus(t, admin.postForm(action, url.Values{}), http.StatusConflict)

	resume, _ := byTestID(doc, "resume-app").Parents().Filter("form").Attr("action")
	wantStatus(t, admin.postForm(resume, url.Values{}), http.StatusSeeOther)
	if _, err := ip.st.FindCredentialByDigest(ctx, digest); err != nil {
		t.Errorf("the key after resuming: %v", err)
	}
	wantStatus(t, admin.postForm("/admin/applications/abc/suspend", url.Values{}), http.StatusNotFound)
}
