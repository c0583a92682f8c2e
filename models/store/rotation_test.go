package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func TestRotateCredential(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		w := newSelfService(t, s)
		app := mustApp(t, s, w.devA, "rotating", nil)
		a := actorOf(w.devA)
		var ring []models.Credential
		for i := range models.MaxLiveAppKeys {
			c, err := s.AddCredential(ctx, a, w.devA.ID, models.Credential{ApplicationID: app.ID, Name: fmt.Sprint("k", i), Prefix: fmt.Sprint("pk_", i), Digest: digestOf(fmt.Sprint("old", i)), Kind: models.CredentialAppKey})
			if err != nil {
				t.Fatal(err)
			}
			ring = append(ring, c)
		}

		// A full ring still rotates; with a grace period both keys work until it ends.
		next := models.Credential{Prefix: "pk_new", Digest: digestOf("new0")}
		fresh, old, err := s.RotateCredential(ctx, a, w.devA.ID, ring[0].ID, next, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if fresh.Name != "k0" || fresh.Kind != models.CredentialAppKey || fresh.ApplicationID != app.ID {
			t.Errorf("new key = %+v; want the old key's name, kind and application", fresh)
		}
		if old.ExpiresAt == nil || !old.ExpiresAt.Equal(clock.Now().Add(time.Hour)) || old.RevokedAt != nil {
			t.Errorf("old key after rotation = expires %v revoked %v; want expiry in one hour", old.ExpiresAt, old.RevokedAt)
		}
		for _, secret := range []string{"old0", "new0"} {
			if _, err := s.FindCredentialByDigest(ctx, digestOf(secret)); err != nil {
				t.Errorf("during the grace period %s: %v", secret, err)
			}
		}
		clock.Advance(time.Hour + time.Second)
		if _, err := s.FindCredentialByDigest(ctx, digestOf("old0")); models.KindOf(err) != models.NotFound {
			t.Errorf("after the grace period the old key: %v; want NotFound", err)
		}
		if _, err := s.FindCredentialByDigest(ctx, digestOf("new0")); err != nil {
			t.Errorf("after the grace period the new key: %v", err)
		}

		// Without grace the old key stops at once.
		_, old, err = s.RotateCredential(ctx, a, w.devA.ID, ring[1].ID, models.Credential{Prefix: "pk_n1", Digest: digestOf("new1")}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if old.RevokedAt == nil {
			t.Error("rotation without grace left the old key unrevoked")
		}
		if _, err := s.FindCredentialByDigest(ctx, digestOf("old1")); models.KindOf(err) != models.NotFound {
			t.Errorf("old key after rotation without grace: %v; want NotFound", err)
		}

		// Someone else's key, a revoked key, a bad grace: refused, nothing written.
		before := len(allEvents(t, s))
		_, _, err = s.RotateCredential(ctx, actorOf(w.devB), w.devB.ID, ring[2].ID, models.Credential{Prefix: "pk_b", Digest: digestOf("b")}, 0)
		wantKind(t, err, models.NotFound, "")
		_, _, err = s.RotateCredential(ctx, a, w.devA.ID, ring[1].ID, models.Credential{Prefix: "pk_c", Digest: digestOf("c")}, 0)
		wantKind(t, err, models.NotFound, "")
		_, _, err = s.RotateCredential(ctx, a, w.devA.ID, ring[2].ID, models.Credential{Prefix: "pk_d", Digest: digestOf("d")}, -time.Second)
		wantKind(t, err, models.Invalid, "")
		_, _, err = s.RotateCredential(ctx, a, w.devA.ID, ring[2].ID, models.Credential{Prefix: "pk_e", Digest: digestOf("new0")}, 0)
		wantKind(t, err, models.Conflict, "")
		if n := len(allEvents(t, s)); n != before {
			t.Errorf("refused rotations wrote %d audit events", n-before)
		}
		if _, err := s.FindCredentialByDigest(ctx, digestOf("old2")); err != nil {
			t.Errorf("a refused rotation broke the key: %v", err)
		}
		creds, err := s.ListCredentials(ctx, w.devA.ID, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(creds) != models.MaxLiveAppKeys+2 {
			t.Errorf("%d credentials after two rotations of five keys; want 7", len(creds))
		}
	})
}

func TestListAllApplications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newSelfService(t, s)
		mustApp(t, s, w.devA, "alpha", nil)
		mustApp(t, s, w.devB, "beta", nil)
		mustApp(t, s, w.mate, "gamma", &w.team)
		apps, total, err := s.ListAllApplications(context.Background(), "", 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || len(apps) != 2 || apps[0].Name != "alpha" || apps[0].OwnerEmail != w.devA.Email || apps[1].Name != "beta" {
			t.Fatalf("page 1 = %+v (total %d); want alpha (a@dev.example), beta of 3", apps, total)
		}
		apps, total, err = s.ListAllApplications(context.Background(), "ACME", 1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 || len(apps) != 1 || apps[0].Name != "gamma" || apps[0].TeamName != "Acme" || apps[0].OwnerEmail != "" {
			t.Fatalf("search ACME = %+v (total %d); want the team's gamma", apps, total)
		}
		apps, _, err = s.ListAllApplications(context.Background(), "100%_", 1, 10)
		if err != nil || len(apps) != 0 {
			t.Fatalf("wildcards are literal: %+v, %v", apps, err)
		}
	})
}
