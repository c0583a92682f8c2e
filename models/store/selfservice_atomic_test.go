package store_test

import (
	"context"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

// TestSelfServiceFailuresChangeNothing checks that a change the database
// refuses inside the transaction leaves neither rows nor audit events.
func TestSelfServiceFailuresChangeNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		app := mustApp(t, s, w.devA, "atomic", nil)
		a := actorOf(w.devA)
		if _, err := s.AddCredential(ctx, a, w.devA.ID, models.Credential{ApplicationID: app.ID, Prefix: "pk", Digest: digestOf("k"), Kind: models.CredentialAppKey}); err != nil {
			t.Fatal(err)
		}
		n := len(allEvents(t, s))
		taken := "Gold"
		for _, tc := range []struct {
			name string
			run  func() error
		}{
			{"a digest already stored", func() error {
				_, err := s.AddCredential(ctx, a, w.devA.ID, models.Credential{ApplicationID: app.ID, Prefix: "pk2", Digest: digestOf("k"), Kind: models.CredentialAppKey})
				return err
			}},
			{"an app_id already stored", func() error {
				_, err := s.CreateApplication(ctx, a, w.devA.ID, models.Application{OwnerUserID: &w.devA.ID, Name: "other", AppID: app.AppID})
				return err
			}},
			{"a plan name already taken", func() error {
				_, err := s.UpdatePlan(ctx, actorOf(w.bankAdmin), []string{"bank"}, w.free.ID, models.PlanUpdate{Name: &taken})
				return err
			}},
		} {
			t.Run(tc.name, func(t *testing.T) { wantKind(t, tc.run(), models.Conflict, "") })
		}
		if got := eventsSince(t, s, n); len(got) != 0 {
			t.Errorf("failed changes wrote events %v", actions(got))
		}
		creds, err := s.ListCredentials(ctx, w.devA.ID, app.ID)
		if err != nil || len(creds) != 1 {
			t.Errorf("credentials = %+v, %v", creds, err)
		}
		apps, err := s.ListApplications(ctx, w.devA.ID)
		if err != nil || len(apps) != 1 {
			t.Errorf("applications = %+v, %v", apps, err)
		}
		if p, err := s.FindPlan(ctx, w.free.ID, allAudiences); err != nil || p.Name != "Free" {
			t.Errorf("plan = %+v, %v", p, err)
		}
		wantChainIntact(t, s)
	})
}
