package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

// TestImportKeysTakesOverKeysOnceAndAtomically imports a key map the way an
// operator moving from another gateway would: applications are created and
// subscribed, the keys work (found by digest), a second run changes
// nothing, and a file with a key already held by someone else stores
// nothing at all.
func TestImportKeysTakesOverKeysOnceAndAtomically(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		p := plan(w.bankAPI.ID, "Migrated", models.AudiencePublic, models.ApprovalManual)
		p.KeyMode = models.KeyModeAPIKey
		migrated := mustPlan(t, s, w.bankAdmin, "bank", p)
		var keys []store.ImportedKey
		for i := range 10 {
			keys = append(keys, store.ImportedKey{Application: fmt.Sprintf("app-%02d", i/2), Prefix: "legacy", Digest: digestOf(fmt.Sprint("legacy-key-", i))})
		}
		actor := models.Actor{Email: "cli:ops"}
		res, err := s.ImportKeys(ctx, actor, w.devB.ID, migrated.ID, keys)
		if err != nil {
			t.Fatal(err)
		}
		if res.AppsCreated != 5 || res.Subscribed != 5 || res.KeysImported != 10 || res.KeysPresent != 0 {
			t.Errorf("first import = %+v; want 5 applications created and subscribed, 10 keys", res)
		}
		gc, err := s.FindCredentialByDigest(ctx, digestOf("legacy-key-3"))
		if err != nil {
			t.Fatal(err)
		}
		if gc.Application.Name != "app-01" || gc.Credential.Kind != models.CredentialAPIKey || len(gc.Subscriptions) != 1 ||
			gc.Subscriptions[0].State != models.SubscriptionActive || gc.Subscriptions[0].PlanID != migrated.ID {
			t.Errorf("imported key 3 = app %q kind %s subscriptions %+v; want app-01, api_key, active on the plan", gc.Application.Name, gc.Credential.Kind, gc.Subscriptions)
		}
		apps, err := s.ListApplications(ctx, w.devB.ID)
		if err != nil || len(apps) != 5 {
			t.Fatalf("developer B's applications after import: %d (%v); want 5", len(apps), err)
		}

		again, err := s.ImportKeys(ctx, actor, w.devB.ID, migrated.ID, keys)
		if err != nil {
			t.Fatal(err)
		}
		if again.AppsCreated != 0 || again.Subscribed != 0 || again.KeysImported != 0 || again.KeysPresent != 10 {
			t.Errorf("second import = %+v; want nothing new, 10 keys present", again)
		}

		// Developer A holds a key; importing it for B fails, and the other
		// key of that file is not stored either.
		app := mustApp(t, s, w.devA, "a-app", nil)
		if _, err := s.AddCredential(ctx, actorOf(w.devA), w.devA.ID, models.Credential{ApplicationID: app.ID, Prefix: "pk", Digest: digestOf("taken"), Kind: models.CredentialAPIKey}); err != nil {
			t.Fatal(err)
		}
		_, err = s.ImportKeys(ctx, actor, w.devB.ID, migrated.ID, []store.ImportedKey{
			{Application: "app-new", Prefix: "legacy", Digest: digestOf("fresh")},
			{Application: "app-new", Prefix: "legacy", Digest: digestOf("taken")},
		})
		if models.KindOf(err) != models.Conflict {
			t.Errorf("importing a key someone holds: %v; want Conflict", err)
		}
		if _, err := s.FindCredentialByDigest(ctx, digestOf("fresh")); models.KindOf(err) != models.NotFound {
			t.Errorf("after the failed import the other key: %v; want NotFound (nothing stored)", err)
		}
		if apps, _ := s.ListApplications(ctx, w.devB.ID); len(apps) != 5 {
			t.Errorf("after the failed import developer B has %d applications; want 5", len(apps))
		}
	})
}
