package store_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func TestApplicationsRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		n := len(allEvents(t, s))
		in := models.Application{OwnerUserID: &w.devA.ID, Name: " Mobile ", Description: "iOS app", IPAllowlist: []string{"192.0.2.0/24", "2001:db8::/32"}, AppID: "app_mobile"}
		created, err := s.CreateApplication(ctx, actorOf(w.devA), w.devA.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.FindApplication(ctx, w.devA.ID, created.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := in
		want.ID, want.Name, want.Status, want.CreatedAt, want.UpdatedAt = created.ID, "Mobile", models.ApplicationActive, got.CreatedAt, got.UpdatedAt
		if !reflect.DeepEqual(got, want) || got.CreatedAt.IsZero() {
			t.Errorf("FindApplication =\n%+v\nwant\n%+v", got, want)
		}
		name, desc, ips := "Mobile 2", "", []string{}
		updated, err := s.UpdateApplication(ctx, actorOf(w.devA), w.devA.ID, created.ID, models.ApplicationUpdate{Name: &name, Description: &desc, IPAllowlist: &ips})
		if err != nil {
			t.Fatal(err)
		}
		want.Name, want.Description, want.IPAllowlist, want.UpdatedAt = "Mobile 2", "", []string{}, updated.UpdatedAt
		if !reflect.DeepEqual(updated, want) {
			t.Errorf("UpdateApplication =\n%+v\nwant\n%+v", updated, want)
		}
		bad := []string{"10.0.0.1"}
		_, err = s.UpdateApplication(ctx, actorOf(w.devA), w.devA.ID, created.ID, models.ApplicationUpdate{IPAllowlist: &bad})
		wantKind(t, err, models.Invalid, "")
		_, err = s.CreateApplication(ctx, actorOf(w.devA), w.devA.ID, models.Application{OwnerUserID: &w.devA.ID, Name: "Dup", AppID: "app_mobile"})
		wantKind(t, err, models.Conflict, "")

		if err := s.SuspendApplication(ctx, system, created.ID); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.SuspendApplication(ctx, system, created.ID), models.Conflict, "")
		if got, _ := s.FindApplication(ctx, w.devA.ID, created.ID); got.Status != models.ApplicationSuspended {
			t.Errorf("status after suspend = %s", got.Status)
		}
		if err := s.SetApplicationStatus(ctx, system, created.ID, models.ApplicationActive); err != nil {
			t.Fatal(err)
		}
		events := eventsSince(t, s, n)
		if got := actions(events); !slices.Equal(got, []string{"application.create", "application.update", "application.suspend", "application.resume"}) {
			t.Fatalf("actions = %v", got)
		}
		if events[0].Target != "application:"+itoa(created.ID) || *events[0].ActorID != w.devA.ID {
			t.Errorf("application.create event = %+v", events[0])
		}
		if b, a := decode(t, events[1].Before), decode(t, events[1].After); b["name"] != "Mobile" || a["name"] != "Mobile 2" {
			t.Errorf("application.update Before %v After %v", b, a)
		}
		wantChainIntact(t, s)
	})
}

func TestApplicationsAreVisibleOnlyToOwnersAndTeammates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		own := mustApp(t, s, w.devA, "own", nil)
		shared := mustApp(t, s, w.mate, "shared", &w.team)
		bApp := mustApp(t, s, w.devB, "b", nil)
		if _, err := s.AddCredential(ctx, actorOf(w.devA), w.devA.ID, models.Credential{ApplicationID: own.ID, Prefix: "pk_a", Digest: digestOf("a"), Kind: models.CredentialAppKey}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name    string
			viewer  models.User
			wantIDs []int64
		}{
			{"A sees their own and the team's", w.devA, []int64{own.ID, shared.ID}},
			{"the teammate sees only the team's", w.mate, []int64{shared.ID}},
			{"B sees only their own", w.devB, []int64{bApp.ID}},
			{"an admin with no applications sees none", w.bankAdmin, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				apps, err := s.ListApplications(ctx, tc.viewer.ID)
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, a := range apps {
					ids = append(ids, a.ID)
				}
				if !slices.Equal(ids, tc.wantIDs) {
					t.Errorf("IDs = %v, want %v", ids, tc.wantIDs)
				}
			})
		}

		n := len(allEvents(t, s))
		name := "pwned"
		for _, appID := range []int64{own.ID, shared.ID} {
			t.Run(fmt.Sprintf("B cannot reach application %d", appID), func(t *testing.T) {
				b := w.devB.ID
				_, err := s.FindApplication(ctx, b, appID)
				wantKind(t, err, models.NotFound, "Application not found")
				_, err = s.UpdateApplication(ctx, actorOf(w.devB), b, appID, models.ApplicationUpdate{Name: &name})
				wantKind(t, err, models.NotFound, "Application not found")
				_, err = s.ListCredentials(ctx, b, appID)
				wantKind(t, err, models.NotFound, "Application not found")
				_, err = s.AddCredential(ctx, actorOf(w.devB), b, models.Credential{ApplicationID: appID, Prefix: "pk_b", Digest: digestOf("b" + itoa(appID)), Kind: models.CredentialAppKey})
				wantKind(t, err, models.NotFound, "Application not found")
				_, err = s.ListSubscriptions(ctx, b, appID)
				wantKind(t, err, models.NotFound, "Application not found")
				_, err = s.Subscribe(ctx, actorOf(w.devB), b, appID, w.free.ID, publicOnly)
				wantKind(t, err, models.NotFound, "Application not found")
			})
		}
		creds, err := s.ListCredentials(ctx, w.devA.ID, own.ID)
		if err != nil || len(creds) != 1 {
			t.Fatalf("ListCredentials = %v, %v", creds, err)
		}
		wantKind(t, s.RevokeCredential(ctx, actorOf(w.devB), w.devB.ID, creds[0].ID), models.NotFound, "Credential not found")
		// B cannot create an application for A or for a team B is not in.
		_, err = s.CreateApplication(ctx, actorOf(w.devB), w.devB.ID, models.Application{OwnerUserID: &w.devA.ID, Name: "x", AppID: "app_x"})
		wantKind(t, err, models.Forbidden, "")
		_, err = s.CreateApplication(ctx, actorOf(w.devB), w.devB.ID, models.Application{OwnerTeamID: &w.team.ID, Name: "x", AppID: "app_x"})
		wantKind(t, err, models.NotFound, "Team not found")
		if got := eventsSince(t, s, n); len(got) != 0 {
			t.Errorf("refused changes wrote events %v", actions(got))
		}
		if got, _ := s.FindApplication(ctx, w.devA.ID, own.ID); got.Name != "own" {
			t.Errorf("A's application was renamed to %q", got.Name)
		}

		// The teammate may manage the team's application and its keys.
		if _, err := s.UpdateApplication(ctx, actorOf(w.devA), w.devA.ID, shared.ID, models.ApplicationUpdate{Name: &name}); err != nil {
			t.Errorf("team member UpdateApplication: %v", err)
		}
		c, err := s.AddCredential(ctx, actorOf(w.devA), w.devA.ID, models.Credential{ApplicationID: shared.ID, Prefix: "pk_t", Digest: digestOf("t"), Kind: models.CredentialAppKey})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeCredential(ctx, actorOf(w.mate), w.mate.ID, c.ID); err != nil {
			t.Errorf("teammate RevokeCredential: %v", err)
		}
	})
}

func TestCredentials(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		w := newSelfService(t, s)
		app := mustApp(t, s, w.devA, "keys", nil)
		if _, err := s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, app.ID, w.free.ID, publicOnly); err != nil {
			t.Fatal(err)
		}
		a := actorOf(w.devA)
		n := len(allEvents(t, s))
		expires := clock.Now().Add(time.Hour)
		var keys []models.Credential
		for i := range models.MaxLiveAppKeys {
			in := models.Credential{ApplicationID: app.ID, Name: fmt.Sprintf(" key %d ", i), Prefix: fmt.Sprintf("pk_%d", i), Digest: digestOf(fmt.Sprint("secret", i)), Kind: models.CredentialAppKey}
			if i == 0 {
				in.ExpiresAt = &expires
			}
			c, err := s.AddCredential(ctx, a, w.devA.ID, in)
			if err != nil {
				t.Fatalf("key %d: %v", i, err)
			}
			keys = append(keys, c)
		}
		sixth := models.Credential{ApplicationID: app.ID, Prefix: "pk_6", Digest: digestOf("secret6"), Kind: models.CredentialAppKey}
		_, err := s.AddCredential(ctx, a, w.devA.ID, sixth)
		wantKind(t, err, models.Conflict, "The application already has 5 keys; revoke one first.")
		_, err = s.AddCredential(ctx, a, w.devA.ID, models.Credential{ApplicationID: app.ID, Prefix: "pk_dup", Digest: digestOf("secret1"), Kind: models.CredentialAPIKey})
		wantKind(t, err, models.Conflict, "Credential already exists")
		past := clock.Now().Add(-time.Minute)
		_, err = s.AddCredential(ctx, a, w.devA.ID, models.Credential{ApplicationID: app.ID, Prefix: "pk_x", Digest: digestOf("x"), Kind: models.CredentialAPIKey, ExpiresAt: &past})
		wantKind(t, err, models.Invalid, "")
		_, err = s.AddCredential(ctx, a, w.devA.ID, models.Credential{ApplicationID: app.ID, Prefix: "pk_x", Digest: []byte("short"), Kind: models.CredentialAppKey})
		wantKind(t, err, models.Invalid, "")

		// Round trip: the list leaves digests out; the gateway finds the key.
		creds, err := s.ListCredentials(ctx, w.devA.ID, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(creds) != models.MaxLiveAppKeys {
			t.Fatalf("ListCredentials has %d", len(creds))
		}
		last := creds[0]
		want := keys[4]
		want.Digest = nil
		if last.ID != want.ID || last.Name != "key 4" || last.Prefix != "pk_4" || last.Kind != models.CredentialAppKey || last.Digest != nil || !last.CreatedAt.Equal(want.CreatedAt) || last.ApplicationID != app.ID {
			t.Errorf("ListCredentials[0] = %+v, want %+v", last, want)
		}
		gc, err := s.FindCredentialByDigest(ctx, digestOf("secret0"))
		if err != nil {
			t.Fatal(err)
		}
		if gc.Credential.ID != keys[0].ID || !bytes.Equal(gc.Credential.Digest, digestOf("secret0")) || !gc.Credential.ExpiresAt.Equal(expires) || gc.Application.ID != app.ID || gc.Application.AppID != "app_keys" {
			t.Errorf("FindCredentialByDigest = %+v", gc)
		}
		if len(gc.Subscriptions) != 1 || gc.Subscriptions[0].PlanID != w.free.ID || len(gc.Plans) != 1 || gc.Plans[0].Name != "Free" {
			t.Errorf("gateway subscriptions %+v plans %+v", gc.Subscriptions, gc.Plans)
		}

		// Revoking frees a slot; revoking twice is NotFound.
		if err := s.RevokeCredential(ctx, a, w.devA.ID, keys[1].ID); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.RevokeCredential(ctx, a, w.devA.ID, keys[1].ID), models.NotFound, "Credential not found")
		if _, err := s.AddCredential(ctx, a, w.devA.ID, sixth); err != nil {
			t.Fatalf("AddCredential after revoke: %v", err)
		}
		_, err = s.FindCredentialByDigest(ctx, digestOf("secret1"))
		wantKind(t, err, models.NotFound, "Credential not found")

		// Expiry frees a slot too, and the gateway stops finding the key.
		clock.Advance(time.Hour)
		_, err = s.FindCredentialByDigest(ctx, digestOf("secret0"))
		wantKind(t, err, models.NotFound, "Credential not found")
		if _, err := s.AddCredential(ctx, a, w.devA.ID, models.Credential{ApplicationID: app.ID, Prefix: "pk_7", Digest: digestOf("secret7"), Kind: models.CredentialAppKey}); err != nil {
			t.Fatalf("AddCredential after expiry: %v", err)
		}
		// One live API key at most.
		if _, err := s.AddCredential(ctx, a, w.devA.ID, models.Credential{ApplicationID: app.ID, Prefix: "ak_1", Digest: digestOf("api1"), Kind: models.CredentialAPIKey}); err != nil {
			t.Fatal(err)
		}
		_, err = s.AddCredential(ctx, a, w.devA.ID, models.Credential{ApplicationID: app.ID, Prefix: "ak_2", Digest: digestOf("api2"), Kind: models.CredentialAPIKey})
		wantKind(t, err, models.Conflict, "")

		// A suspended application, or a deactivated owner, stops every key.
		if _, err := s.FindCredentialByDigest(ctx, digestOf("secret2")); err != nil {
			t.Fatal(err)
		}
		if err := s.SuspendApplication(ctx, system, app.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.FindCredentialByDigest(ctx, digestOf("secret2"))
		wantKind(t, err, models.NotFound, "Credential not found")
		if err := s.SetApplicationStatus(ctx, system, app.ID, models.ApplicationActive); err != nil {
			t.Fatal(err)
		}
		if err := s.DeactivateUser(ctx, system, w.devA.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.FindCredentialByDigest(ctx, digestOf("secret2"))
		wantKind(t, err, models.NotFound, "Credential not found")
		_, err = s.FindCredentialByDigest(ctx, digestOf("never issued"))
		wantKind(t, err, models.NotFound, "Credential not found")

		// The audit trail names keys by prefix and never holds a digest.
		events := eventsSince(t, s, n)
		wantActions := []string{"credential.create", "credential.create", "credential.create", "credential.create", "credential.create",
			"credential.revoke", "credential.create", "credential.create", "credential.create", "application.suspend", "application.resume"}
		if got := actions(events); !slices.Equal(got[:len(wantActions)], wantActions) {
			t.Errorf("actions = %v\nwant prefix %v", got, wantActions)
		}
		if after := decode(t, events[0].After); after["prefix"] != "pk_0" || after["name"] != "key 0" {
			t.Errorf("credential.create After = %v", after)
		}
		for _, e := range events {
			for _, secret := range []string{"secret0", "secret1"} {
				d := fmt.Sprintf("%x", digestOf(secret))
				if strings.Contains(e.Before+e.After, d) || strings.Contains(e.Before+e.After, "digest") {
					t.Errorf("event %s holds a digest: %s %s", e.Action, e.Before, e.After)
				}
			}
		}
		wantChainIntact(t, s)
	})
}

func TestMarkCredentialUsed(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		w := newSelfService(t, s)
		app := mustApp(t, s, w.devA, "used", nil)
		c, err := s.AddCredential(ctx, actorOf(w.devA), w.devA.ID, models.Credential{ApplicationID: app.ID, Prefix: "pk", Digest: digestOf("used"), Kind: models.CredentialAppKey})
		if err != nil {
			t.Fatal(err)
		}
		n := len(allEvents(t, s))
		clock.Advance(time.Minute)
		if err := s.MarkCredentialUsed(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkCredentialUsed(ctx, 9999); err != nil {
			t.Errorf("unknown credential: %v", err)
		}
		creds, err := s.ListCredentials(ctx, w.devA.ID, app.ID)
		if err != nil || len(creds) != 1 || creds[0].LastUsedAt == nil || !creds[0].LastUsedAt.Equal(clock.Now()) {
			t.Fatalf("credentials = %+v, %v", creds, err)
		}
		if got := eventsSince(t, s, n); len(got) != 0 {
			t.Errorf("usage wrote events %v", actions(got))
		}
	})
}
