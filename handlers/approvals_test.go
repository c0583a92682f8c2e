package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/portico/portico/models"
)

// Tests of the approval queue and the subscription list (approvals.go).

// subscriptionOf returns a subscription as its requester sees it (the
// store's view scoped to the requester).
func subscriptionOf(t testing.TB, ip *identityPortal, requester models.User, sub models.Subscription) models.Subscription {
	t.Helper()
	subs, err := ip.st.ListSubscriptions(context.Background(), requester.ID, sub.ApplicationID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if s.ID == sub.ID {
			return s
		}
	}
	t.Fatalf("%s does not see subscription %d", requester.Email, sub.ID)
	return models.Subscription{}
}

func subURL(sub string, id int64, action string) string {
	return "/admin/subsidiaries/" + sub + "/subscriptions/" + strconv.FormatInt(id, 10) + "/" + action
}

func TestApprovalQueueApprovesAndRejectsWithComments(t *testing.T) {
	ip := newIdentityPortal(t)
	ip.seedCatalog(t)
	accounts := subsidiaryAPI(t, ip, "bank", "accounts-api")
	quotes := subsidiaryAPI(t, ip, "insurance", "quotes")
	gold := testPlan(t, ip, accounts.ID, "Gold", models.AudiencePublic, models.ApprovalManual)
	insGold := testPlan(t, ip, quotes.ID, "Quotes Gold", models.AudiencePublic, models.ApprovalManual)
	dev := ip.users[developer]
	first := testSubscription(t, ip, dev, "Budget app", gold)
	second := testSubscription(t, ip, dev, "Second app", gold)
	testSubscription(t, ip, dev, "Insurance app", insGold)

	admin := ip.signedIn(t, adminBank)
	doc := parseHTML(t, admin.get("/admin").Body)
	if c := strings.TrimSpace(doc.Find(`[data-subsidiary="bank"] [data-testid="pending-count"]`).Text()); c != "2" {
		t.Errorf("admin page shows %q pending for the bank, want 2", c)
	}

	rec := admin.get("/admin/subsidiaries/bank/approvals")
	wantStatus(t, rec, http.StatusOK)
	doc = parseHTML(t, rec.Body)
	rows := byTestID(doc, "approval-row")
	if rows.Length() != 2 {
		t.Fatalf("queue has %d rows, want the bank's 2", rows.Length())
	}
	row := rows.First()
	if id, _ := row.Attr("data-subscription-id"); id != strconv.FormatInt(first.ID, 10) {
		t.Errorf("first row is subscription %s, want the oldest, %d", id, first.ID)
	}
	if app, _ := row.Attr("data-application"); app != "Budget app" {
		t.Errorf("first row application %q", app)
	}
	if owner := strings.TrimSpace(row.Find(`[data-testid="approval-owner"]`).Text()); owner != dev.Email {
		t.Errorf("owner shown %q, want %s", owner, dev.Email)
	}
	if row.Find(`[data-testid="approve-button"]`).Length() != 1 || row.Find(`[data-testid="reject-button"]`).Length() != 1 ||
		row.Find(`[data-testid="decision-comment"]`).Length() != 1 {
		t.Error("row lacks approve, reject or the comment field")
	}
	if action, _ := row.Find(`[data-testid="reject-button"]`).Attr("formaction"); action != subURL("bank", first.ID, "reject") {
		t.Errorf("reject posts to %q", action)
	}

	// Approve.
	rec = admin.postForm(subURL("bank", first.ID, "approve"), url.Values{"comment": {"Welcome aboard."}})
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/admin/subsidiaries/bank/approvals?done=approved" {
		t.Errorf("after approve: Location %q", loc)
	}
	if got := subscriptionOf(t, ip, dev, first); got.State != models.SubscriptionActive || got.DecisionComment != "Welcome aboard." {
		t.Errorf("after approve the developer sees %s %q, want active with the comment", got.State, got.DecisionComment)
	}
	doc = parseHTML(t, admin.get("/admin/subsidiaries/bank/approvals?done=approved").Body)
	if !strings.Contains(byTestID(doc, "notice").Text(), "approved") {
		t.Error("no confirmation after approving")
	}
	if byTestID(doc, "approval-row").Length() != 1 {
		t.Error("the approved subscription is still in the queue")
	}

	// Reject: a comment is required.
	rec = admin.postForm(subURL("bank", second.ID, "reject"), url.Values{"comment": {"   "}})
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	doc = parseHTML(t, rec.Body)
	if msg := doc.Find(`[data-subscription-id="` + strconv.FormatInt(second.ID, 10) + `"] [data-testid="error-comment"]`).Text(); !strings.Contains(msg, "Say why you reject") {
		t.Errorf("comment error on the row = %q", msg)
	}
	if got := subscriptionOf(t, ip, dev, second); got.State != models.SubscriptionPending {
		t.Errorf("a rejection without comment changed the subscription to %s", got.State)
	}
	rec = admin.postForm(subURL("bank", second.ID, "reject"), url.Values{"comment": {"Please describe your use case."}})
	wantStatus(t, rec, http.StatusSeeOther)
	if got := subscriptionOf(t, ip, dev, second); got.State != models.SubscriptionRejected || got.DecisionComment != "Please describe your use case." {
		t.Errorf("after reject the developer sees %s %q", got.State, got.DecisionComment)
	}
	doc = parseHTML(t, admin.get("/admin/subsidiaries/bank/approvals").Body)
	if !strings.Contains(byTestID(doc, "empty-state").Text(), "Nothing waits for approval") {
		t.Error("an empty queue does not say that nothing waits")
	}
	// The decision is listed with its comment.
	doc = parseHTML(t, admin.get("/admin/subsidiaries/bank/subscriptions?state=rejected").Body)
	if c := doc.Find(`[data-testid="subscription-row"] [data-testid="subscription-comment"]`).Text(); !strings.Contains(c, "Please describe your use case.") {
		t.Errorf("rejected list shows comment %q", c)
	}
	if n := len(ip.auditEvents(t, "subscription.reject")); n != 1 {
		t.Errorf("%d subscription.reject audit events, want 1", n)
	}
}

func TestApprovalQueueKeepsFourEyesAndSubsidiaries(t *testing.T) {
	ip := newIdentityPortal(t)
	ip.seedCatalog(t)
	accounts := subsidiaryAPI(t, ip, "bank", "accounts-api")
	gold := testPlan(t, ip, accounts.ID, "Gold", models.AudiencePublic, models.ApprovalManual)
	bankAdmin := ip.users[adminBank]
	own := testSubscription(t, ip, bankAdmin, "Admin's own app", gold)
	devSub := testSubscription(t, ip, ip.users[developer], "Dev app", gold)

	// An admin cannot approve their own request.
	admin := ip.signedIn(t, adminBank)
	doc := parseHTML(t, admin.get("/admin/subsidiaries/bank/approvals").Body)
	if doc.Find(`[data-subscription-id="`+strconv.FormatInt(own.ID, 10)+`"] [data-testid="own-request"]`).Length() != 1 {
		t.Error("the admin's own request is not marked as such")
	}
	rec := admin.postForm(subURL("bank", own.ID, "approve"), url.Values{"comment": {"LGTM"}})
	wantStatus(t, rec, http.StatusForbidden)
	doc = parseHTML(t, rec.Body)
	const fourEyes = "You cannot decide on a subscription you requested; another admin must."
	if msg := strings.TrimSpace(doc.Find(`[data-subscription-id="` + strconv.FormatInt(own.ID, 10) + `"] [data-testid="decision-error"]`).Text()); msg != fourEyes {
		t.Errorf("four-eyes message on the row = %q", msg)
	}
	if v := doc.Find(`[data-subscription-id="` + strconv.FormatInt(own.ID, 10) + `"] [data-testid="decision-comment"]`).Text(); v != "LGTM" {
		t.Errorf("the comment typed is not kept: %q", v)
	}
	if got := subscriptionOf(t, ip, bankAdmin, own); got.State != models.SubscriptionPending {
		t.Errorf("own request is %s after the refused approval", got.State)
	}
	// Another admin (the platform admin) may.
	rec = ip.signedIn(t, platform).postForm(subURL("bank", own.ID, "approve"), url.Values{})
	wantStatus(t, rec, http.StatusSeeOther)
	if got := subscriptionOf(t, ip, bankAdmin, own); got.State != models.SubscriptionActive {
		t.Errorf("own request is %s after another admin approved it", got.State)
	}

	// The insurance admin cannot decide on a bank subscription, by either URL.
	ins := ip.signedIn(t, adminInsure)
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/admin/subsidiaries/bank/approvals", http.StatusForbidden},
		{"/admin/subsidiaries/bank/subscriptions", http.StatusForbidden},
	} {
		if rec := ins.get(tc.path); rec.Code != tc.want {
			t.Errorf("insurance admin GET %s: status %d, want %d", tc.path, rec.Code, tc.want)
		}
	}
	for _, action := range []string{"approve", "reject", "suspend", "resume"} {
		form := url.Values{"comment": {"from insurance"}}
		if rec := ins.postForm(subURL("bank", devSub.ID, action), form); rec.Code != http.StatusForbidden {
			t.Errorf("insurance admin %s through the bank URL: status %d, want 403", action, rec.Code)
		}
		if rec := ins.postForm(subURL("insurance", devSub.ID, action), form); rec.Code != http.StatusNotFound {
			t.Errorf("insurance admin %s through the insurance URL: status %d, want 404", action, rec.Code)
		}
	}
	doc = parseHTML(t, ins.get("/admin/subsidiaries/insurance/approvals").Body)
	if byTestID(doc, "approval-row").Length() != 0 {
		t.Error("the insurance queue shows a bank subscription")
	}
	if got := subscriptionOf(t, ip, ip.users[developer], devSub); got.State != models.SubscriptionPending || got.DecidedBy != nil {
		t.Errorf("the bank subscription changed: %+v", got)
	}

	// A publisher may not approve.
	pub := ip.signedIn(t, pubBank)
	if rec := pub.postForm(subURL("bank", devSub.ID, "approve"), url.Values{}); rec.Code != http.StatusForbidden {
		t.Errorf("publisher approve: status %d, want 403", rec.Code)
	}
	if got := subscriptionOf(t, ip, ip.users[developer], devSub); got.State != models.SubscriptionPending {
		t.Errorf("the publisher's attempt changed the subscription to %s", got.State)
	}
}

func TestSubscriptionListSuspendsAndResumes(t *testing.T) {
	ip := newIdentityPortal(t)
	ip.seedCatalog(t)
	accounts := subsidiaryAPI(t, ip, "bank", "accounts-api")
	free := testPlan(t, ip, accounts.ID, "Free", models.AudiencePublic, models.ApprovalAutomatic)
	dev := ip.users[developer]
	sub := testSubscription(t, ip, dev, "Live app", free)
	admin := ip.signedIn(t, adminBank)

	doc := parseHTML(t, admin.get("/admin/subsidiaries/bank/subscriptions?state=suspended").Body)
	if !strings.Contains(byTestID(doc, "empty-state").Text(), "No suspended subscriptions") {
		t.Error("an empty filter does not say so")
	}
	doc = parseHTML(t, admin.get("/admin/subsidiaries/bank/subscriptions?state=active").Body)
	row := byTestID(doc, "subscription-row")
	if row.Length() != 1 || row.Find(`[data-testid="suspend-button"]`).Length() != 1 {
		t.Fatalf("active list: %d rows, want 1 with a suspend button", row.Length())
	}
	if cur := strings.TrimSpace(doc.Find(`[data-testid="state-filter"][aria-current="page"]`).Text()); cur != "Active" {
		t.Errorf("current filter %q, want Active", cur)
	}

	rec := admin.postForm(subURL("bank", sub.ID, "suspend"), url.Values{"comment": {"Unusual traffic."}, "filter": {"active"}})
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/admin/subsidiaries/bank/subscriptions?state=active&done=suspended" {
		t.Errorf("after suspend: Location %q", loc)
	}
	if got := subscriptionOf(t, ip, dev, sub); got.State != models.SubscriptionSuspended || got.DecisionComment != "Unusual traffic." {
		t.Errorf("after suspend: %s %q", got.State, got.DecisionComment)
	}
	// Suspending again is a conflict shown on the page.
	rec = admin.postForm(subURL("bank", sub.ID, "suspend"), url.Values{})
	wantStatus(t, rec, http.StatusConflict)
	if byTestID(parseHTML(t, rec.Body), "decision-refused").Length() != 1 {
		t.Error("a refused suspension is not explained")
	}
	doc = parseHTML(t, admin.get("/admin/subsidiaries/bank/subscriptions?state=suspended").Body)
	if doc.Find(`[data-testid="subscription-row"] [data-testid="resume-button"]`).Length() != 1 {
		t.Fatal("the suspended subscription has no resume button")
	}
	rec = admin.postForm(subURL("bank", sub.ID, "resume"), url.Values{"filter": {"bogus"}})
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/admin/subsidiaries/bank/subscriptions?done=resumed" {
		t.Errorf("after resume: Location %q (an unknown filter means all)", loc)
	}
	if got := subscriptionOf(t, ip, dev, sub); got.State != models.SubscriptionActive {
		t.Errorf("after resume: %s", got.State)
	}
}
