package handlers

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi"
)

// TestInboxShowsApprovalAndMarksRead: a developer's manual subscription
// is approved by the bank's admin; the developer's header counts one
// unread notice, the inbox shows it highlighted with the comment and a
// link to the application; "Mark all as read" clears the badge. Another
// user cannot mark it read.
func TestInboxShowsApprovalAndMarksRead(t *testing.T) {
	ip := newIdentityPortal(t)
	ctx := context.Background()
	res := ip.seed(t, "bank", "accounts-v2.yaml", openapi.ImportOptions{APISlug: "accounts-api", State: models.StatePublished})
	dev, admin := ip.users[developer], ip.users[adminBank]
	plan, err := ip.st.CreatePlan(ctx, testSystemActor, []string{"bank"}, models.Plan{
		APIID: res.API.ID, Name: "Gold", Audience: models.AudiencePublic, ApprovalMode: models.ApprovalManual,
		KeyMode: models.KeyModeKeyPair, Pricing: models.Pricing{Model: models.PricingFree}, State: models.PlanPublished,
	})
	if err != nil {
		t.Fatal(err)
	}
	app, err := ip.st.CreateApplication(ctx, testSystemActor, dev.ID, models.Application{Name: "Budget planner", AppID: "app_0123456789abcdef0123456789abcdef", OwnerUserID: &dev.ID})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := ip.st.Subscribe(ctx, testSystemActor, dev.ID, app.ID, plan.ID, []models.Audience{models.AudiencePublic})
	if err != nil {
		t.Fatal(err)
	}

	devB := ip.browser(t)
	devB.mustSignIn(dev.Email)
	empty := parseHTML(t, devB.get("/inbox").Body)
	if byTestID(empty, "empty-state").Length() != 1 || byTestID(empty, "unread-count").Length() != 0 {
		t.Fatalf("before any decision the developer's inbox is not empty, or the header shows a count")
	}

	// The admin sees the request in their inbox, linking the approval queue.
	adminB := ip.browser(t)
	adminB.mustSignIn(admin.Email)
	doc := parseHTML(t, adminB.get("/inbox").Body)
	if got := byTestID(doc, "notification-link").AttrOr("href", ""); got != "/admin/subsidiaries/bank/approvals" {
		t.Errorf("admin's notice links %q; want the bank's approval queue", got)
	}

	if _, err := ip.st.DecideSubscription(ctx, testSystemActor, admin.ID, []string{"bank"}, sub.ID, true, "Approved for the pilot"); err != nil {
		t.Fatal(err)
	}
	home := parseHTML(t, devB.get("/").Body)
	badge := byTestID(home, "unread-count")
	if strings.TrimSpace(badge.Text()) != "1" || !strings.Contains(byTestID(home, "inbox-link").Text(), "1 unread") {
		t.Fatalf("header badge = %q, link %q; want 1 with the accessible text \"1 unread\"", badge.Text(), byTestID(home, "inbox-link").Text())
	}
	rec := devB.get("/inbox")
	wantStatus(t, rec, http.StatusOK)
	doc = parseHTML(t, rec.Body)
	items := byTestID(doc, "notification")
	if items.Length() != 1 {
		t.Fatalf("inbox lists %d notices; want 1", items.Length())
	}
	item := items.First()
	if item.AttrOr("data-unread", "") != "true" || item.AttrOr("data-kind", "") != string(models.NotifySubscriptionApproved) {
		t.Errorf("notice kind %q unread %q; want an unread approval", item.AttrOr("data-kind", ""), item.AttrOr("data-unread", ""))
	}
	if !strings.Contains(item.Text(), "Approved for the pilot") || !strings.Contains(item.Text(), "Budget planner") {
		t.Errorf("notice text %q lacks the comment or the application", item.Text())
	}
	if got := byTestID(item, "notification-link").AttrOr("href", ""); got != "/apps/"+strconv.FormatInt(app.ID, 10) {
		t.Errorf("notice links %q; want the application", got)
	}
	var ids []int64
	if err := ipNotificationIDs(ip, dev.ID, &ids); err != nil || len(ids) != 1 {
		t.Fatalf("notifications of the developer: %v, %v", ids, err)
	}

	// Another signed-in user cannot mark the developer's notice read.
	other := ip.browser(t)
	other.mustSignIn(ip.users[internal].Email)
	rec = other.postForm("/inbox/read", url.Values{"id": {strconv.FormatInt(ids[0], 10)}})
	wantStatus(t, rec, http.StatusNotFound)
	if n, _ := ip.st.UnreadNotifications(ctx, dev.ID); n != 1 {
		t.Fatalf("after another user's attempt the developer has %d unread; want 1", n)
	}
	wantStatus(t, other.postForm("/inbox/read", url.Values{"id": {"not-a-number"}}), http.StatusNotFound)

	// Mark all as read: the badge goes, the notice stays, no longer highlighted.
	rec = devB.postForm("/inbox/read", nil)
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); !strings.HasPrefix(loc, "/inbox") {
		t.Errorf("mark read redirects to %q; want the inbox", loc)
	}
	doc = parseHTML(t, devB.get("/inbox?done=read").Body)
	if byTestID(doc, "unread-count").Length() != 0 || byTestID(doc, "mark-all-read").Length() != 0 {
		t.Error("after marking all read the header still counts unread notices")
	}
	if item := byTestID(doc, "notification"); item.Length() != 1 || item.AttrOr("data-unread", "") != "false" {
		t.Errorf("after marking all read: %d notices, unread %q; want the notice, read", item.Length(), item.AttrOr("data-unread", ""))
	}
	if !strings.Contains(byTestID(doc, "notice").Text(), "Marked as read") {
		t.Error("no confirmation after marking read")
	}
}

// TestInboxMarksOneRead marks one of two notices read with its button.
func TestInboxMarksOneRead(t *testing.T) {
	ip := newIdentityPortal(t)
	ctx := context.Background()
	dev := ip.users[developer]
	app, err := ip.st.CreateApplication(ctx, testSystemActor, dev.ID, models.Application{Name: "Budget planner", AppID: "app_0123456789abcdef0123456789abcdef", OwnerUserID: &dev.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"one", "two"} {
		digest := sha256.Sum256([]byte(name))
		if _, err := ip.st.AddCredential(ctx, testSystemActor, dev.ID, models.Credential{ApplicationID: app.ID, Name: name, Prefix: "ptk_app_" + name, Digest: digest[:], Kind: models.CredentialAppKey}); err != nil {
			t.Fatal(err)
		}
	}
	b := ip.browser(t)
	b.mustSignIn(dev.Email)
	doc := parseHTML(t, b.get("/inbox").Body)
	if got := strings.TrimSpace(byTestID(doc, "unread-count").Text()); got != "2" {
		t.Fatalf("badge = %q; want 2", got)
	}
	newest := byTestID(doc, "notification").First()
	id := newest.Find(`input[name="id"]`).AttrOr("value", "")
	if id == "" || !strings.Contains(newest.Text(), "ptk_app_two") {
		t.Fatalf("newest notice %q has no mark-read form for the second key", newest.Text())
	}
	wantStatus(t, b.postForm("/inbox/read", url.Values{"id": {id}}), http.StatusSeeOther)
	doc = parseHTML(t, b.get("/inbox").Body)
	if got := strings.TrimSpace(byTestID(doc, "unread-count").Text()); got != "1" {
		t.Errorf("badge after reading one = %q; want 1", got)
	}
	items := byTestID(doc, "notification")
	if items.First().AttrOr("data-unread", "") != "false" || items.Last().AttrOr("data-unread", "") != "true" {
		t.Error("the wrong notice was marked read")
	}
}

func ipNotificationIDs(ip *identityPortal, userID int64, ids *[]int64) error {
	ns, err := ip.st.ListNotifications(context.Background(), userID, 10)
	for _, n := range ns {
		*ids = append(*ids, n.ID)
	}
	return err
}
