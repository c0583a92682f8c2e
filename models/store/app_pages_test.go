package store_test

import (
	"context"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

// The reads of the developer's pages: counts and names per application,
// and every lookup scoped to the viewer and to the application of the URL.
func TestAppPagesReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		own := mustApp(t, s, w.devA, "own", nil)
		shared := mustApp(t, s, w.mate, "shared", &w.team)
		bApp := mustApp(t, s, w.devB, "b", nil)
		live, err := s.AddCredential(ctx, actorOf(w.devA), w.devA.ID, models.Credential{ApplicationID: own.ID, Name: "ci", Prefix: "ptk_app_live", Digest: digestOf("live"), Kind: models.CredentialAppKey})
		if err != nil {
			t.Fatal(err)
		}
		gone, err := s.AddCredential(ctx, actorOf(w.devA), w.devA.ID, models.Credential{ApplicationID: own.ID, Prefix: "ptk_app_gone", Digest: digestOf("gone"), Kind: models.CredentialAppKey})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeCredential(ctx, actorOf(w.devA), w.devA.ID, gone.ID); err != nil {
			t.Fatal(err)
		}
		sub, err := s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, own.ID, w.free.ID, publicOnly)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, shared.ID, w.manual.ID, publicOnly); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CancelSubscription(ctx, actorOf(w.devA), w.devA.ID, mustSubID(t, s, w.devA.ID, shared.ID)); err != nil {
			t.Fatal(err)
		}

		sums, err := s.ListAppSummaries(ctx, w.devA.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(sums) != 2 {
			t.Fatalf("A sees %d applications, want own and shared", len(sums))
		}
		if got := sums[0]; got.Name != "own" || got.TeamName != "" || got.Subscriptions != 1 || got.LiveKeys != 1 || got.AppID != own.AppID {
			t.Errorf("own = %+v, want no team, 1 subscription, 1 live key", got)
		}
		if got := sums[1]; got.Name != "shared" || got.TeamName != "Acme" || got.Subscriptions != 0 || got.LiveKeys != 0 {
			t.Errorf("shared = %+v, want team Acme, the cancelled subscription not counted, no keys", got)
		}
		if sums, err := s.ListAppSummaries(ctx, w.devB.ID); err != nil || len(sums) != 1 || sums[0].ID != bApp.ID {
			t.Errorf("B sees %+v, %v; want only B's application", sums, err)
		}

		subs, err := s.ListAppSubscriptions(ctx, w.devA.ID, own.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) != 1 || subs[0].ID != sub.ID || subs[0].APIName != w.bankAPI.Name || subs[0].APISlug != w.bankAPI.Slug ||
			subs[0].SubsidiarySlug != "bank" || subs[0].SubsidiaryName != "Bank" || subs[0].PlanName != "Free" || subs[0].State != models.SubscriptionActive {
			t.Errorf("subscriptions of own = %+v", subs)
		}
		if _, err := s.ListAppSubscriptions(ctx, w.devB.ID, own.ID); models.KindOf(err) != models.NotFound {
			t.Errorf("B lists A's subscriptions: %v, want NotFound", err)
		}

		page, err := s.FindAppPage(ctx, w.devA.ID, own.ID)
		if err != nil {
			t.Fatal(err)
		}
		if page.Application.ID != own.ID || page.TeamName != "" || len(page.Keys) != 2 || page.Keys[0].ID != gone.ID || page.Keys[0].Digest != nil ||
			page.Keys[1].ID != live.ID || len(page.Subscriptions) != 1 || page.Subscriptions[0].PlanName != "Free" {
			t.Errorf("A's page = %+v", page)
		}
		if page, err := s.FindAppPage(ctx, w.mate.ID, shared.ID); err != nil || page.TeamName != "Acme" || len(page.Keys) != 0 {
			t.Errorf("teammate's page of the shared app = %+v, %v", page, err)
		}
		if _, err := s.FindAppPage(ctx, w.devB.ID, own.ID); models.KindOf(err) != models.NotFound {
			t.Errorf("B finds A's page: %v, want NotFound", err)
		}

		c, err := s.FindAppCredential(ctx, w.devA.ID, own.ID, live.ID)
		if err != nil || c.Prefix != "ptk_app_live" || c.Name != "ci" || c.Digest != nil {
			t.Errorf("FindAppCredential = %+v, %v; want the key without its digest", c, err)
		}
		for name, f := range map[string]func() error{
			"B finds A's key":           func() error { _, err := s.FindAppCredential(ctx, w.devB.ID, own.ID, live.ID); return err },
			"A's key under another app": func() error { _, err := s.FindAppCredential(ctx, w.devA.ID, shared.ID, live.ID); return err },
			"B finds A's subscription":  func() error { _, err := s.FindAppSubscription(ctx, w.devB.ID, own.ID, sub.ID); return err },
			"subscription under another app": func() error {
				_, err := s.FindAppSubscription(ctx, w.devA.ID, shared.ID, sub.ID)
				return err
			},
		} {
			if err := f(); models.KindOf(err) != models.NotFound {
				t.Errorf("%s: %v, want NotFound", name, err)
			}
		}
		if got, err := s.FindAppSubscription(ctx, w.mate.ID, shared.ID, mustSubID(t, s, w.mate.ID, shared.ID)); err != nil || got.State != models.SubscriptionCancelled {
			t.Errorf("teammate finds the team's subscription: %+v, %v", got, err)
		}
	})
}

func mustSubID(t *testing.T, s *store.Store, viewerID, appID int64) int64 {
	t.Helper()
	subs, err := s.ListSubscriptions(context.Background(), viewerID, appID)
	if err != nil || len(subs) == 0 {
		t.Fatalf("ListSubscriptions: %v, %d", err, len(subs))
	}
	return subs[0].ID
}
