package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func TestSubscriptionLifecycle(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		w := newSelfService(t, s)
		app := mustApp(t, s, w.devA, "lifecycle", nil)
		a := actorOf(w.devA)
		n := len(allEvents(t, s))

		// A manual plan waits in the bank admins' queue.
		sub, err := s.Subscribe(ctx, a, w.devA.ID, app.ID, w.manual.ID, publicOnly)
		if err != nil {
			t.Fatal(err)
		}
		want := models.Subscription{ID: sub.ID, ApplicationID: app.ID, APIID: w.bankAPI.ID, PlanID: w.manual.ID, State: models.SubscriptionPending,
			RequestedBy: w.devA.ID, CreatedAt: sub.CreatedAt, UpdatedAt: sub.UpdatedAt}
		if sub != want || !sub.CreatedAt.Equal(clock.Now()) {
			t.Errorf("Subscribe =\n%+v\nwant\n%+v", sub, want)
		}
		_, err = s.Subscribe(ctx, a, w.devA.ID, app.ID, w.manual.ID, publicOnly)
		wantKind(t, err, models.Conflict, "The application is already subscribed to this plan.")
		for _, tc := range []struct {
			name         string
			subsidiaries []string
			wantIDs      []int64
		}{
			{"bank admins see it", []string{"bank"}, []int64{sub.ID}},
			{"platform admins see it", []string{models.GlobalDomain}, []int64{sub.ID}},
			{"insurance admins do not", []string{"insurance"}, nil},
			{"nobody without subsidiaries", nil, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				queue, err := s.ListApprovalQueue(ctx, tc.subsidiaries)
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, q := range queue {
					ids = append(ids, q.ID)
				}
				if !slices.Equal(ids, tc.wantIDs) {
					t.Errorf("queue = %v, want %v", ids, tc.wantIDs)
				}
			})
		}

		// THREATS R2: an admin of another subsidiary cannot decide.
		_, err = s.DecideSubscription(ctx, actorOf(w.insAdmin), w.insAdmin.ID, []string{"insurance"}, sub.ID, true, "mine now")
		wantKind(t, err, models.NotFound, "Subscription not found")
		clock.Advance(time.Second)
		approved, err := s.DecideSubscription(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, []string{"bank"}, sub.ID, true, " Welcome aboard ")
		if err != nil {
			t.Fatal(err)
		}
		want.State, want.DecidedBy, want.DecisionComment, want.UpdatedAt = models.SubscriptionActive, &w.bankAdmin.ID, "Welcome aboard", approved.UpdatedAt
		if approved.DecidedAt == nil || !approved.DecidedAt.Equal(clock.Now()) {
			t.Errorf("DecidedAt = %v, want %v", approved.DecidedAt, clock.Now())
		}
		want.DecidedAt = approved.DecidedAt
		if approved.State != want.State || *approved.DecidedBy != w.bankAdmin.ID || approved.DecisionComment != want.DecisionComment || approved.PlanID != want.PlanID {
			t.Errorf("DecideSubscription =\n%+v\nwant\n%+v", approved, want)
		}
		_, err = s.DecideSubscription(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, []string{"bank"}, sub.ID, false, "")
		wantKind(t, err, models.Conflict, "A subscription that is active cannot be rejected.")
		if subs, err := s.ListSubscriptions(ctx, w.devA.ID, app.ID); err != nil || len(subs) != 1 || subs[0].State != models.SubscriptionActive || subs[0].DecisionComment != "Welcome aboard" {
			t.Errorf("requester sees %+v, %v", subs, err)
		}

		// Downgrading to the automatic plan is immediate; B cannot cancel it.
		down, err := s.Subscribe(ctx, a, w.devA.ID, app.ID, w.free.ID, publicOnly)
		if err != nil {
			t.Fatal(err)
		}
		if down.ID != sub.ID || down.PlanID != w.free.ID || down.State != models.SubscriptionActive || down.DecidedBy != nil || down.DecisionComment != "" {
			t.Errorf("plan change = %+v", down)
		}
		_, err = s.CancelSubscription(ctx, actorOf(w.devB), w.devB.ID, sub.ID)
		wantKind(t, err, models.NotFound, "Subscription not found")
		// Upgrading to the manual plan waits again.
		up, err := s.Subscribe(ctx, a, w.devA.ID, app.ID, w.manual.ID, publicOnly)
		if err != nil {
			t.Fatal(err)
		}
		if up.State != models.SubscriptionPending || up.PlanID != w.manual.ID {
			t.Errorf("upgrade = %+v", up)
		}
		rejected, err := s.DecideSubscription(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, []string{"bank"}, sub.ID, false, "No business case")
		if err != nil {
			t.Fatal(err)
		}
		if rejected.State != models.SubscriptionRejected || rejected.DecisionComment != "No business case" {
			t.Errorf("reject = %+v", rejected)
		}
		cancelled, err := s.CancelSubscription(ctx, a, w.devA.ID, sub.ID)
		wantKind(t, err, models.Conflict, "A subscription that is rejected cannot be cancelled.")
		if _, err := s.Subscribe(ctx, a, w.devA.ID, app.ID, w.free.ID, publicOnly); err != nil {
			t.Fatal(err)
		}
		if cancelled, err = s.CancelSubscription(ctx, a, w.devA.ID, sub.ID); err != nil {
			t.Fatal(err)
		}
		if cancelled.State != models.SubscriptionCancelled {
			t.Errorf("cancel = %+v", cancelled)
		}
		// After cancelling, the gateway sees no subscription for the app.
		if _, err := s.AddCredential(ctx, a, w.devA.ID, models.Credential{ApplicationID: app.ID, Prefix: "pk", Digest: digestOf("life"), Kind: models.CredentialAppKey}); err != nil {
			t.Fatal(err)
		}
		gc, err := s.FindCredentialByDigest(ctx, digestOf("life"))
		if err != nil || len(gc.Subscriptions) != 0 || len(gc.Plans) != 0 {
			t.Errorf("gateway after cancel: %+v, %v", gc, err)
		}

		events := eventsSince(t, s, n)
		wantActions := []string{"subscription.request", "subscription.approve", "subscription.change_plan", "subscription.change_plan",
			"subscription.reject", "subscription.change_plan", "subscription.cancel", "credential.create"}
		if got := actions(events); !slices.Equal(got, wantActions) {
			t.Fatalf("actions = %v\nwant      %v", got, wantActions)
		}
		for _, e := range events[:7] {
			if e.Subsidiary != "bank" || e.Target != "subscription:"+itoa(sub.ID) {
				t.Errorf("event %s: subsidiary %q target %q", e.Action, e.Subsidiary, e.Target)
			}
		}
		if after := decode(t, events[1].After); after["state"] != "active" || after["decision_comment"] != "Welcome aboard" {
			t.Errorf("approve After = %v", after)
		}
		wantChainIntact(t, s)
	})
}

func TestSubscribeAudiencesAndSelfProvisioning(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		w := newSelfService(t, s)
		staffApp := mustApp(t, s, w.staff, "internal", nil)
		devApp := mustApp(t, s, w.devA, "external", nil)

		// Staff subscribing to a manual internal plan are active at once.
		sub, err := s.Subscribe(ctx, actorOf(w.staff), w.staff.ID, staffApp.ID, w.internalPlan.ID, allAudiences)
		if err != nil {
			t.Fatal(err)
		}
		if sub.State != models.SubscriptionActive || sub.DecidedAt == nil {
			t.Errorf("self-provisioned subscription = %+v", sub)
		}
		// An external developer cannot see the internal plan...
		_, err = s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, devApp.ID, w.internalPlan.ID, publicOnly)
		wantKind(t, err, models.NotFound, "Plan not found")
		// ...and even when allowed to see it, waits for approval.
		sub, err = s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, devApp.ID, w.internalPlan.ID, allAudiences)
		if err != nil || sub.State != models.SubscriptionPending {
			t.Errorf("external on internal plan = %+v, %v", sub, err)
		}

		// Nobody approves their own request.
		adminApp := mustApp(t, s, w.bankAdmin, "admin", nil)
		own, err := s.Subscribe(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, adminApp.ID, w.manual.ID, publicOnly)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.DecideSubscription(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, []string{"bank"}, own.ID, true, "")
		wantKind(t, err, models.Forbidden, "You cannot decide on a subscription you requested; another admin must.")
		if _, err := s.DecideSubscription(ctx, system, 0, []string{models.GlobalDomain}, own.ID, true, ""); err != nil {
			t.Errorf("platform decision: %v", err)
		}

		// Hidden and retired plans take no new subscriptions.
		hidden := models.PlanHidden
		if _, err := s.UpdatePlan(ctx, actorOf(w.bankAdmin), []string{"bank"}, w.free.ID, models.PlanUpdate{State: &hidden}); err != nil {
			t.Fatal(err)
		}
		_, err = s.Subscribe(ctx, actorOf(w.staff), w.staff.ID, staffApp.ID, w.free.ID, allAudiences)
		wantKind(t, err, models.NotFound, "Plan not found")

		// A suspended application cannot subscribe, and a suspended
		// subscription cannot escape by changing plan.
		if err := s.SuspendApplication(ctx, system, devApp.ID); err != nil {
			t.Fatal(err)
		}
		n := len(allEvents(t, s))
		_, err = s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, devApp.ID, w.manual.ID, allAudiences)
		wantKind(t, err, models.Conflict, "The application is suspended.")
		if got := eventsSince(t, s, n); len(got) != 0 {
			t.Errorf("refused subscribe wrote %v", actions(got))
		}
		subs, err := s.ListSubscriptions(ctx, w.devA.ID, devApp.ID)
		if err != nil || len(subs) != 1 || subs[0].PlanID != w.internalPlan.ID || subs[0].State != models.SubscriptionPending {
			t.Errorf("subscriptions after refusal = %+v, %v", subs, err)
		}
	})
}

func TestSuspendSubscription(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		app := mustApp(t, s, w.devA, "suspended", nil)
		a := actorOf(w.devA)
		sub, err := s.Subscribe(ctx, a, w.devA.ID, app.ID, w.free.ID, publicOnly)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddCredential(ctx, a, w.devA.ID, models.Credential{ApplicationID: app.ID, Prefix: "pk", Digest: digestOf("s"), Kind: models.CredentialAppKey}); err != nil {
			t.Fatal(err)
		}
		n := len(allEvents(t, s))
		_, err = s.SuspendSubscription(ctx, actorOf(w.insAdmin), w.insAdmin.ID, []string{"insurance"}, sub.ID, true, "")
		wantKind(t, err, models.NotFound, "Subscription not found")
		got, err := s.SuspendSubscription(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, []string{"bank"}, sub.ID, true, "Unpaid invoice")
		if err != nil {
			t.Fatal(err)
		}
		if got.State != models.SubscriptionSuspended || got.DecisionComment != "Unpaid invoice" || *got.DecidedBy != w.bankAdmin.ID {
			t.Errorf("suspended = %+v", got)
		}
		if gc, err := s.FindCredentialByDigest(ctx, digestOf("s")); err != nil || len(gc.Subscriptions) != 0 {
			t.Errorf("gateway sees %+v, %v", gc.Subscriptions, err)
		}
		_, err = s.Subscribe(ctx, a, w.devA.ID, app.ID, w.manual.ID, publicOnly)
		wantKind(t, err, models.Conflict, "A subscription that is suspended cannot be requested.")
		_, err = s.SuspendSubscription(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, []string{"bank"}, sub.ID, true, "")
		wantKind(t, err, models.Conflict, "A subscription that is suspended cannot be suspended.")
		if got, err = s.SuspendSubscription(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, []string{"bank"}, sub.ID, false, "Paid"); err != nil {
			t.Fatal(err)
		}
		if got.State != models.SubscriptionActive || got.PlanID != w.free.ID {
			t.Errorf("resumed = %+v", got)
		}
		if got := actions(eventsSince(t, s, n)); !slices.Equal(got, []string{"subscription.suspend", "subscription.resume"}) {
			t.Errorf("actions = %v", got)
		}
	})
}

func TestPartnerPlansTakeTeamApplicationsAndAlwaysWait(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		partner := mustPlan(t, s, w.bankAdmin, "bank", plan(w.bankAPI.ID, "Partner", models.AudiencePartner, models.ApprovalAutomatic))
		own := mustApp(t, s, w.devA, "solo", nil)
		_, err := s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, own.ID, partner.ID, allAudiences)
		wantKind(t, err, models.Conflict, "Partner plans are for consumer teams: create the application for your team to subscribe to this plan.")
		teamApp := mustApp(t, s, w.devA, "acme-app", &w.team)
		sub, err := s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, teamApp.ID, partner.ID, allAudiences)
		if err != nil {
			t.Fatal(err)
		}
		if sub.State != models.SubscriptionPending {
			t.Errorf("partner plan with automatic approval: state %s; want pending until a bank admin admits the team", sub.State)
		}
	})
}
