package store_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

// testClock is a settable clock for stores under test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// eachWithClock is storetest.Each with a store clock the test controls.
func eachWithClock(t *testing.T, fn func(t *testing.T, s *store.Store, clock *testClock)) {
	t.Helper()
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			clock := newTestClock()
			fn(t, storetest.OpenDialect(t, d, clock.Now), clock)
		})
	}
}

// system is the actor of test set-up.
var system = models.Actor{Email: "system (test)", RequestID: "req-setup", ClientIP: "127.0.0.1"}

// actorOf is u acting from a test request.
func actorOf(u models.User) models.Actor {
	id := u.ID
	return models.Actor{UserID: &id, Email: u.Email, RequestID: "req-" + u.Email, ClientIP: "192.0.2.10"}
}

// mustUser creates an account or fails the test.
func mustUser(t testing.TB, s *store.Store, email string, kind models.UserKind) models.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), system, models.User{Email: email, Name: "Name of " + email, Kind: kind})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

// mustGrant grants a role or fails the test.
func mustGrant(t testing.TB, s *store.Store, u models.User, role models.Role, domain string) {
	t.Helper()
	if err := s.GrantRole(context.Background(), system, u.ID, role, domain); err != nil {
		t.Fatalf("GrantRole(%s, %s, %s): %v", u.Email, role, domain, err)
	}
}

// allEvents returns the whole audit trail, oldest first.
func allEvents(t testing.TB, s *store.Store) []models.AuditEvent {
	t.Helper()
	events, total, err := s.ListAudit(context.Background(), models.AuditFilter{PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	if total > len(events) {
		t.Fatalf("audit trail has %d events, more than a page", total)
	}
	for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
		events[i], events[j] = events[j], events[i]
	}
	return events
}

// eventsSince returns the events after the first n of the trail.
func eventsSince(t testing.TB, s *store.Store, n int) []models.AuditEvent {
	t.Helper()
	return allEvents(t, s)[n:]
}

// actions lists the actions of events.
func actions(events []models.AuditEvent) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Action
	}
	return out
}

// decode parses an event's Before or After.
func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	if s == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("audit JSON %q: %v", s, err)
	}
	return m
}

// wantChainIntact fails the test unless the audit trail verifies.
func wantChainIntact(t testing.TB, s *store.Store) int {
	t.Helper()
	checked, broken, err := s.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if broken != nil {
		t.Fatalf("audit chain broken at event %d (%s) after %d checked", broken.ID, broken.Action, checked)
	}
	return checked
}

func ptr[T any](v T) *T { return &v }
