package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
)

// TestIdentityModelsRoundTrip checks that every identity type gorm maps
// has its columns in the migrated schema, and reads users and their linked
// identities back field by field (the other types round-trip in their own
// tests: teams, invitations, audit events, roles).
func TestIdentityModelsRoundTrip(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		if err := s.CheckIdentityColumnsForTest(ctx); err != nil {
			t.Fatalf("gorm models and migrated schema disagree: %v", err)
		}
		created := clock.Now()
		u, err := s.SignInSSO(ctx, models.Actor{}, "corporate", "00u1a2b3c4-«sub»", "Zoë.Müller@Meridian.example", "Zoë Müller — «Ops»", true, models.UserStaff, nil)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(90 * time.Minute)
		if err := s.SetPassword(ctx, system, u.ID, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if err := s.RecordSignIn(ctx, models.Actor{}, u.ID, "local"); err != nil {
			t.Fatal(err)
		}
		login := clock.Now()
		want := models.User{ID: u.ID, Email: "zoë.müller@meridian.example", Name: "Zoë Müller — «Ops»", Kind: models.UserStaff,
			Status: models.UserActive, EmailVerified: true, PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
			CreatedAt: created, UpdatedAt: created.Add(90 * time.Minute), LastLoginAt: &login}
		got, err := s.FindUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertEqual(t, "user", got, want)
		ids, err := s.ListIdentities(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertEqual(t, "identities", ids, []models.ExternalIdentity{{ID: ids[0].ID, UserID: u.ID, Provider: "corporate",
			Subject: "00u1a2b3c4-«sub»", Email: "zoë.müller@meridian.example", CreatedAt: created}})
		wantChainIntact(t, s)
	})
}
