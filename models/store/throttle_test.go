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

// A sign-in "email" without "@" is chosen by whoever posts the form: it must
// not be counted under a client IP's key (it could lock out a whole office).
func TestLoginFailures_EmailWithoutAtIsNotCountedAsAnIP(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		start := clock.Now()
		if err := s.RecordSignInFailure(ctx, models.Actor{ClientIP: "203.0.113.9"}, "198.51.100.7", "unknown email"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.LoginFailures(ctx, "198.51.100.7", start); err != nil || len(got) != 0 {
			t.Errorf("victim IP's failures = %v, %v; want none", got, err)
		}
		if got, err := s.LoginFailures(ctx, "203.0.113.9", start); err != nil || len(got) != 1 {
			t.Errorf("attacker IP's failures = %v, %v; want 1", got, err)
		}
		evs := allEvents(t, s)
		if last := evs[len(evs)-1]; last.Action != "auth.sign_in_failed" || last.Target != "email:198.51.100.7" {
			t.Errorf("last event = %s %s", last.Action, last.Target)
		}
	})
}
