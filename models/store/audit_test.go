package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func TestAppendAudit(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		actor := int64(42)
		in := models.AuditEvent{ID: 1000, At: time.Unix(5, 0), ActorID: &actor, ActorEmail: "Publisher@Meridian.example", Subsidiary: "bank",
			Action: "api.import", Target: "api:bank/accounts", Before: "", After: `{"version":"2.0.0"}`, RequestID: "req-9",
			ClientIP: "2001:db8::1", PrevHash: "forged", Hash: "forged"}
		first, err := s.AppendAudit(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		want := in
		want.ID, want.At, want.ActorEmail, want.PrevHash = 1, clock.Now(), "publisher@meridian.example", ""
		want.Hash = want.ComputeHash()
		assertEqual(t, "first event", first, want)
		clock.Advance(time.Second)
		second, err := s.AppendAudit(ctx, models.AuditEvent{Action: "api.export", Subsidiary: models.GlobalDomain})
		if err != nil {
			t.Fatal(err)
		}
		if second.ID != 2 || second.PrevHash != first.Hash || second.Subsidiary != "" || second.Hash != second.ComputeHash() || !second.At.Equal(clock.Now()) {
			t.Errorf("second event = %+v", second)
		}
		assertEqual(t, "stored trail", allEvents(t, s), []models.AuditEvent{first, second})
		_, err = s.AppendAudit(ctx, models.AuditEvent{Action: "  "})
		wantKind(t, err, models.Invalid, "")
		if n := wantChainIntact(t, s); n != 2 {
			t.Errorf("VerifyAudit checked %d events, want 2", n)
		}
	})
}

func TestVerifyAuditOnAnEmptyTrail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if n := wantChainIntact(t, s); n != 0 {
			t.Errorf("checked %d events of an empty trail", n)
		}
	})
}

// auditWorkload runs one of every audited operation.
func auditWorkload(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	mustSubsidiary(t, s, "bank", "Bank")
	mustSubsidiary(t, s, "insurance", "Insurance")
	admin := mustUser(t, s, "admin@meridian.example", models.UserStaff)
	a := actorOf(admin)
	sam := mustUser(t, s, "sam@acme.example", models.UserExternal)
	mustGrant(t, s, admin, models.RolePlatformAdmin, models.GlobalDomain)
	mustGrant(t, s, sam, models.RoleDeveloper, models.GlobalDomain)
	steps := []func() error{
		func() error { return s.SetPassword(ctx, a, sam.ID, "$argon2id$x") },
		func() error { return s.RecordSignIn(ctx, models.Actor{}, sam.ID, "local") },
		func() error {
			return s.RecordSignInFailure(ctx, models.Actor{ClientIP: "203.0.113.1"}, "sam@acme.example", "wrong password")
		},
		func() error {
			_, err := s.SignInSSO(ctx, models.Actor{}, "corporate", "c-1", "lena@meridian.example", "Lena", true, models.UserStaff,
				[]models.RoleAssignment{{Role: models.RolePublisher, Domain: "bank"}})
			return err
		},
		func() error { return s.GrantRole(ctx, a, sam.ID, models.RoleSubsidiaryAdmin, "insurance") },
		func() error { return s.RevokeRole(ctx, a, sam.ID, models.RoleSubsidiaryAdmin, "insurance") },
		func() error {
			_, _, err := s.CreateInvitation(ctx, a, models.Invitation{Email: "new@meridian.example", Role: models.RolePublisher, Domain: "insurance"})
			return err
		},
		func() error {
			team, err := s.CreateTeam(ctx, actorOf(sam), sam.ID, "Acme")
			if err != nil {
				return err
			}
			kim := mustUser(t, s, "kim@acme.example", models.UserExternal)
			_, token, err := s.CreateInvitation(ctx, actorOf(sam), models.Invitation{Email: kim.Email, TeamID: &team.ID})
			if err != nil {
				return err
			}
			if _, err := s.AcceptInvitationToken(ctx, models.Actor{}, kim, token); err != nil {
				return err
			}
			return s.RemoveTeamMember(ctx, actorOf(sam), sam.ID, team.ID, kim.ID)
		},
		func() error { return s.DeactivateUser(ctx, a, sam.ID) },
		func() error { return s.ReactivateUser(ctx, a, sam.ID) },
		func() error {
			_, err := s.AppendAudit(ctx, models.AuditEvent{Action: "api.import", Subsidiary: "bank", ActorEmail: "system"})
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
}

func TestAuditTrailRecordsEveryChangeAndVerifies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		auditWorkload(t, s)
		events := allEvents(t, s)
		want := []string{
			"user.create", "user.create", "role.grant", "role.grant", "user.password", "auth.sign_in", "auth.sign_in_failed",
			"user.create", "auth.link", "role.grant", "role.grant", "role.grant", "role.revoke", "invitation.create", // the SSO sign-up's default role, then its group roles
			"team.create", "user.create", "invitation.create", "invitation.accept", "team.member_add", "team.member_remove",
			"user.deactivate", "user.reactivate", "api.import",
		}
		if got := actions(events); !slices.Equal(got, want) {
			t.Errorf("actions:\n got %v\nwant %v", got, want)
		}
		for i, e := range events {
			if e.ID != int64(i+1) {
				t.Errorf("event %d has ID %d", i, e.ID)
			}
		}
		if n := wantChainIntact(t, s); n != len(want) {
			t.Errorf("VerifyAudit checked %d events, want %d", n, len(want))
		}
	})
}

func TestListAuditFilters(t *testing.T) {
	eachWithClock(t, func(t *testing.T, s *store.Store, clock *testClock) {
		ctx := context.Background()
		start := clock.Now()
		for i, e := range []models.AuditEvent{
			{Action: "role.grant", Subsidiary: "bank", ActorEmail: "tom@meridian.example"},
			{Action: "role.grant", Subsidiary: "insurance", ActorEmail: "ana@meridian.example"},
			{Action: "user.deactivate", Subsidiary: "", ActorEmail: "priya@meridian.example"},
			{Action: "role.revoke", Subsidiary: "bank", ActorEmail: "tom@meridian.example"},
			{Action: "api.import", Subsidiary: "bank", ActorEmail: "lena@meridian.example"},
		} {
			e.Target = fmt.Sprint("n:", i+1)
			if _, err := s.AppendAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Minute)
		}
		at := func(minutes int) *time.Time { t := start.Add(time.Duration(minutes) * time.Minute); return &t }
		tests := []struct {
			name      string
			f         models.AuditFilter
			wantIDs   []int64
			wantTotal int
		}{
			{"no filter lists everything, newest first", models.AuditFilter{}, []int64{5, 4, 3, 2, 1}, 5},
			{"one subsidiary leaves out the others and platform events", models.AuditFilter{Subsidiaries: []string{"bank"}}, []int64{5, 4, 1}, 3},
			{"several subsidiaries", models.AuditFilter{Subsidiaries: []string{"bank", "insurance"}}, []int64{5, 4, 2, 1}, 4},
			{"an empty subsidiary list selects nothing", models.AuditFilter{Subsidiaries: []string{}}, []int64{}, 0},
			{"action", models.AuditFilter{Action: "role.grant"}, []int64{2, 1}, 2},
			{"actor email in any case", models.AuditFilter{ActorEmail: " TOM@meridian.example "}, []int64{4, 1}, 2},
			{"since is inclusive, until exclusive", models.AuditFilter{Since: at(1), Until: at(3)}, []int64{3, 2}, 2},
			{"filters combine", models.AuditFilter{Subsidiaries: []string{"bank"}, ActorEmail: "tom@meridian.example", Action: "role.revoke"}, []int64{4}, 1},
			{"pages", models.AuditFilter{Page: 2, PerPage: 2}, []int64{3, 2}, 5},
			{"page past the end", models.AuditFilter{Page: 4, PerPage: 2}, []int64{}, 5},
			{"SQL in a filter is text", models.AuditFilter{Action: "x' OR '1'='1"}, []int64{}, 0},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				events, total, err := s.ListAudit(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				ids := []int64{}
				for _, e := range events {
					ids = append(ids, e.ID)
				}
				if !slices.Equal(ids, tc.wantIDs) || total != tc.wantTotal {
					t.Errorf("ListAudit = %v (total %d), want %v (total %d)", ids, total, tc.wantIDs, tc.wantTotal)
				}
			})
		}
	})
}

// auditSQL is the dialect's SQL for the tampering tests.
type auditSQL struct {
	dropUpdateTrigger, dropDeleteTrigger, dropChainTrigger string
	truncate                                               string
}

func tamperSQL(dialect string) auditSQL {
	if dialect == store.DialectPostgres {
		return auditSQL{
			dropUpdateTrigger: "DROP TRIGGER audit_events_no_change ON audit_events",
			dropDeleteTrigger: "DROP TRIGGER audit_events_no_change ON audit_events",
			dropChainTrigger:  "DROP TRIGGER audit_events_chain ON audit_events",
			truncate:          "TRUNCATE audit_events",
		}
	}
	return auditSQL{
		dropUpdateTrigger: "DROP TRIGGER audit_events_no_update",
		dropDeleteTrigger: "DROP TRIGGER audit_events_no_delete",
		dropChainTrigger:  "DROP TRIGGER audit_events_chain",
		truncate:          "DELETE FROM audit_events", // SQLite has no TRUNCATE
	}
}

func TestAuditEventsCannotBeChangedOrDeleted(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenDialect(t, dialect, nil)
			auditWorkload(t, s)
			before := allEvents(t, s)
			last := before[len(before)-1]
			for _, tc := range []struct{ name, sql string }{
				{"update one field", "UPDATE audit_events SET actor_email = 'someone.else@example.com' WHERE id = 3"},
				{"update every row", `UPDATE audit_events SET "after" = ''`},
				{"delete one row", "DELETE FROM audit_events WHERE id = 3"},
				{"delete the newest row", fmt.Sprintf("DELETE FROM audit_events WHERE id = %d", last.ID)},
				{"empty the table", tamperSQL(dialect).truncate},
				{"insert an event that skips an ID", fmt.Sprintf("INSERT INTO audit_events (id, at, action, prev_hash, hash) VALUES (%d, '2026-01-01 00:00:00+00:00', 'x', '%s', 'h')", last.ID+2, last.Hash)},
				{"insert an event with the wrong previous hash", fmt.Sprintf("INSERT INTO audit_events (id, at, action, prev_hash, hash) VALUES (%d, '2026-01-01 00:00:00+00:00', 'x', 'bogus', 'h')", last.ID+1)},
				{"insert an event in the middle", "INSERT INTO audit_events (id, at, action, prev_hash, hash) VALUES (3, '2026-01-01 00:00:00+00:00', 'x', '', 'h')"},
			} {
				if err := s.ExecForTest(ctx, tc.sql); err == nil {
					t.Errorf("%s: the database allowed it", tc.name)
				}
			}
			assertEqual(t, "trail after refused tampering", allEvents(t, s), before)
			wantChainIntact(t, s)
		})
	}
}

func TestVerifyAuditDetectsTampering(t *testing.T) {
	// Each case tampers with the trail of auditWorkload (events 1 to last)
	// after dropping the triggers that would stop it, as someone with the
	// database's owner rights could.
	tests := []struct {
		name       string
		drop       func(q auditSQL) []string
		tamper     func(t *testing.T, s *store.Store, last models.AuditEvent) string // returns the SQL to run
		wantBroken func(last models.AuditEvent) int64                                // ID of the first event VerifyAudit must report
	}{
		{"changed field",
			func(q auditSQL) []string { return []string{q.dropUpdateTrigger} },
			func(t *testing.T, s *store.Store, last models.AuditEvent) string {
				return `UPDATE audit_events SET "after" = '{"domain":"*","roles":["platform_admin"]}' WHERE id = 10`
			},
			func(models.AuditEvent) int64 { return 10 }},
		{"changed actor of the first event",
			func(q auditSQL) []string { return []string{q.dropUpdateTrigger} },
			func(t *testing.T, s *store.Store, last models.AuditEvent) string {
				return "UPDATE audit_events SET actor_email = 'nobody@example.com' WHERE id = 1"
			},
			func(models.AuditEvent) int64 { return 1 }},
		{"changed event with its own hash recomputed breaks the link to the next",
			func(q auditSQL) []string { return []string{q.dropUpdateTrigger} },
			func(t *testing.T, s *store.Store, last models.AuditEvent) string {
				e := allEvents(t, s)[6] // ID 7
				e.Action = "user.noop"
				return fmt.Sprintf("UPDATE audit_events SET action = 'user.noop', hash = '%s' WHERE id = 7", e.ComputeHash())
			},
			func(models.AuditEvent) int64 { return 8 }},
		{"deleted event in the middle",
			func(q auditSQL) []string { return []string{q.dropDeleteTrigger} },
			func(t *testing.T, s *store.Store, last models.AuditEvent) string {
				return "DELETE FROM audit_events WHERE id = 12"
			},
			func(models.AuditEvent) int64 { return 13 }},
		{"deleted first event",
			func(q auditSQL) []string { return []string{q.dropDeleteTrigger} },
			func(t *testing.T, s *store.Store, last models.AuditEvent) string {
				return "DELETE FROM audit_events WHERE id = 1"
			},
			func(models.AuditEvent) int64 { return 2 }},
		{"forged event appended with a hash that does not match",
			func(q auditSQL) []string { return nil },
			func(t *testing.T, s *store.Store, last models.AuditEvent) string {
				return fmt.Sprintf("INSERT INTO audit_events (id, at, action, prev_hash, hash) SELECT id + 1, at, 'role.grant', hash, 'forged' FROM audit_events WHERE id = %d", last.ID)
			},
			func(last models.AuditEvent) int64 { return last.ID + 1 }},
		{"forged event past a gap with the chain trigger dropped",
			func(q auditSQL) []string { return []string{q.dropChainTrigger} },
			func(t *testing.T, s *store.Store, last models.AuditEvent) string {
				forged := models.AuditEvent{ID: last.ID + 5, At: last.At, Action: "role.grant", PrevHash: last.Hash}
				return fmt.Sprintf("INSERT INTO audit_events (id, at, action, prev_hash, hash) SELECT %d, at, 'role.grant', hash, '%s' FROM audit_events WHERE id = %d",
					forged.ID, forged.ComputeHash(), last.ID)
			},
			func(last models.AuditEvent) int64 { return last.ID + 5 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, dialect := range storetest.Dialects {
				t.Run(dialect, func(t *testing.T) {
					ctx := context.Background()
					s := storetest.OpenDialect(t, dialect, nil)
					auditWorkload(t, s)
					events := allEvents(t, s)
					last := events[len(events)-1]
					wantChainIntact(t, s)
					for _, q := range tc.drop(tamperSQL(dialect)) {
						if err := s.ExecForTest(ctx, q); err != nil {
							t.Fatal(err)
						}
					}
					if err := s.ExecForTest(ctx, tc.tamper(t, s, last)); err != nil {
						t.Fatalf("tampering: %v", err)
					}
					checked, broken, err := s.VerifyAudit(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if want := tc.wantBroken(last); broken == nil || broken.ID != want {
						t.Fatalf("VerifyAudit = %d checked, broken %+v; want broken at %d", checked, broken, want)
					}
				})
			}
		})
	}
}

// TestConcurrentAuditedWritesKeepOneChain appends from many goroutines at
// once, through AppendAudit and through audited store changes, on two
// stores sharing the database (two processes on one SQLite file; two pools
// on one PostgreSQL database): the trail stays one unbroken chain with
// every event in it.
func TestConcurrentAuditedWritesKeepOneChain(t *testing.T) {
	const (
		workers = 6
		each    = 15
	)
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			var a, b *store.Store
			if dialect == store.DialectPostgres {
				dsn := storetest.PostgresDSN(t)
				a, b = openMigrated(t, dsn), openMigrated(t, dsn)
			} else {
				path := filepath.Join(t.TempDir(), "portico.db")
				a, b = storetest.OpenFile(t, path), storetest.OpenFile(t, path)
			}
			mustSubsidiary(t, a, "bank", "Bank")
			var wg sync.WaitGroup
			errs := make(chan error, 2*workers*each)
			for w := 0; w < workers; w++ {
				s := []*store.Store{a, b}[w%2]
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < each; i++ {
						if i%3 == 0 {
							u, err := s.CreateUser(ctx, system, models.User{Email: fmt.Sprintf("u%d-%d@acme.example", w, i)})
							if err != nil {
								errs <- err
								continue
							}
							if err := s.GrantRole(ctx, system, u.ID, models.RolePublisher, "bank"); err != nil {
								errs <- err
							}
							continue
						}
						if _, err := s.AppendAudit(ctx, models.AuditEvent{Action: "test.append", Target: fmt.Sprintf("w%d:%d", w, i)}); err != nil {
							errs <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			perWorker := each/3*2 + (each - each/3) // creates and grants, plus appends
			want := workers * perWorker
			if n := wantChainIntact(t, b); n != want {
				t.Errorf("VerifyAudit checked %d events, want %d", n, want)
			}
		})
	}
}

// openMigrated opens a second store on an existing test database.
func openMigrated(t *testing.T, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}
