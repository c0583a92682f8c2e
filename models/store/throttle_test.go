package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
)

func TestLoginFailures(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		start := clock.Now()
		fail := func(email, ip string) {
			t.Helper()
			if err := s.RecordSignInFailure(ctx, models.Actor{ClientIP: ip}, email, "wrong password"); err != nil {
				t.Fatal(err)
			}
		}
		fail("alice@acme.example", "203.0.113.1")
		clock.Advance(10 * time.Minute)
		fail("alice@acme.example", "203.0.113.2")
		clock.Advance(10 * time.Minute)
		fail("bob@acme.example", "203.0.113.1")
		fail("bob@acme.example", "") // no IP: counted against the email only
		tests := []struct {
			name  string
			key   string
			since time.Time
			want  []time.Time
		}{
			{"email, any case", "ALICE@acme.example", start, []time.Time{start, start.Add(10 * time.Minute)}},
			{"since is inclusive", "alice@acme.example", start.Add(10 * time.Minute), []time.Time{start.Add(10 * time.Minute)}},
			{"IP across emails", "203.0.113.1", start, []time.Time{start, start.Add(20 * time.Minute)}},
			{"unknown key", "carol@acme.example", start, []time.Time{}},
			{"window after the last failure", "bob@acme.example", start.Add(21 * time.Minute), []time.Time{}},
		}
		for _, tc := range tests {
			got, err := s.LoginFailures(ctx, tc.key, tc.since)
			if err != nil {
				t.Fatal(err)
			}
			assertEqual(t, tc.name, got, tc.want)
		}
		if err := s.ClearLoginFailures(ctx, "Alice@Acme.example"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.LoginFailures(ctx, "alice@acme.example", start); len(got) != 0 {
			t.Errorf("after clearing: %v", got)
		}
		if got, _ := s.LoginFailures(ctx, "203.0.113.2", start); len(got) != 1 {
			t.Errorf("clearing the email cleared the IP: %v", got)
		}
		if err := s.PruneLoginFailures(ctx, start.Add(15*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountForTest(ctx, "login_failures"); n != 3 {
			t.Errorf("%d failure rows after pruning, want the 3 of bob and the IP at 20 min", n)
		}
	})
}
