package store_test

import (
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico/portico/credentials"
	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

// inbox returns the user's notifications, newest first.
func inbox(t testing.TB, s *store.Store, u models.User) []models.Notification {
	t.Helper()
	ns, err := s.ListNotifications(context.Background(), u.ID, 200)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// kindsOf lists the kinds of notifications, newest first.
func kindsOf(ns []models.Notification) []models.NotificationKind {
	out := []models.NotificationKind{}
	for _, n := range ns {
		out = append(out, n.Kind)
	}
	return out
}

// emailsTo returns the outbox messages to an address, newest first.
func emailsTo(t testing.TB, s *store.Store, addr string) []models.OutboxMessage {
	t.Helper()
	all, err := s.ListOutbox(context.Background(), 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []models.OutboxMessage
	for _, m := range all {
		if m.ToAddress == addr {
			out = append(out, m)
		}
	}
	return out
}

func TestNotifySubscriptionLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		app := mustApp(t, s, w.devA, "Payroll", nil)

		// A manual plan: the bank's admin is asked, nobody else.
		sub, err := s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, app.ID, w.manual.ID, publicOnly)
		if err != nil || sub.State != models.SubscriptionPending {
			t.Fatalf("Subscribe = %+v, %v; want pending", sub, err)
		}
		got := inbox(t, s, w.bankAdmin)
		if len(got) != 1 || got[0].Kind != models.NotifySubscriptionRequested {
			t.Fatalf("bank admin's inbox = %v; want one subscription_requested", kindsOf(got))
		}
		n := got[0]
		if n.Link != "/admin/subsidiaries/bank/approvals" || !strings.Contains(n.Body, w.devA.Email) ||
			!strings.Contains(n.Body, "Payroll") || !strings.Contains(n.Body, "Gold") || !n.Unread() {
			t.Errorf("request notice = %+v; want the requester, app and plan, linking the bank's approval queue", n)
		}
		if got := inbox(t, s, w.insAdmin); len(got) != 0 {
			t.Errorf("insurance admin got %v about a bank API", kindsOf(got))
		}
		if got := inbox(t, s, w.devA); len(got) != 0 {
			t.Errorf("requester got %v before any decision", kindsOf(got))
		}
		mails := emailsTo(t, s, w.bankAdmin.Email)
		if len(mails) != 1 || mails[0].Subject != n.Title || mails[0].Link != n.Link || !strings.Contains(mails[0].BodyText, n.Body) {
			t.Fatalf("emails to the bank admin = %+v; want one with the notice's title, body and link", mails)
		}

		// The decision goes to the requester, with the comment.
		if _, err := s.DecideSubscription(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, []string{"bank"}, sub.ID, false, "Tell us the use case first."); err != nil {
			t.Fatal(err)
		}
		got = inbox(t, s, w.devA)
		if len(got) != 1 || got[0].Kind != models.NotifySubscriptionRejected ||
			!strings.Contains(got[0].Body, "Tell us the use case first.") || got[0].Link != "/apps/"+itoa(app.ID) {
			t.Fatalf("requester's inbox after rejection = %+v; want subscription_rejected with the comment linking the app", got)
		}
		if len(emailsTo(t, s, w.devA.Email)) != 1 {
			t.Errorf("requester has no email about the rejection")
		}

		// Asking again and being approved.
		sub, err = s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, app.ID, w.manual.ID, publicOnly)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DecideSubscription(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, []string{"bank"}, sub.ID, true, "Welcome aboard"); err != nil {
			t.Fatal(err)
		}
		if got := kindsOf(inbox(t, s, w.bankAdmin)); !slices.Equal(got, []models.NotificationKind{models.NotifySubscriptionRequested, models.NotifySubscriptionRequested}) {
			t.Errorf("bank admin's inbox = %v; want two requests", got)
		}
		got = inbox(t, s, w.devA)
		if got[0].Kind != models.NotifySubscriptionApproved || !strings.Contains(got[0].Body, "Welcome aboard") {
			t.Errorf("newest requester notice = %+v; want approved with the comment", got[0])
		}

		// Suspended and resumed: the requester hears both.
		if _, err := s.SuspendSubscription(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, []string{"bank"}, sub.ID, true, "Unusual traffic"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SuspendSubscription(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, []string{"bank"}, sub.ID, false, ""); err != nil {
			t.Fatal(err)
		}
		want := []models.NotificationKind{models.NotifySubscriptionResumed, models.NotifySubscriptionSuspended, models.NotifySubscriptionApproved, models.NotifySubscriptionRejected}
		if got := kindsOf(inbox(t, s, w.devA)); !slices.Equal(got, want) {
			t.Errorf("requester's inbox = %v; want %v", got, want)
		}

		// An automatic plan: the requester hears it is active; no approver is asked.
		app2 := mustApp(t, s, w.devA, "Ledger", nil)
		if _, err := s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, app2.ID, w.free.ID, publicOnly); err != nil {
			t.Fatal(err)
		}
		if got := inbox(t, s, w.devA)[0]; got.Kind != models.NotifySubscriptionApproved || !strings.Contains(got.Title, "active") {
			t.Errorf("auto-approved notice = %+v", got)
		}
		if n := len(inbox(t, s, w.bankAdmin)); n != 2 {
			t.Errorf("bank admin has %d notices after an automatic subscription; want still 2", n)
		}
	})
}

func TestNotifyApproversSkipsRequesterAndDeactivated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		second := mustUser(t, s, "second@bank.example", models.UserStaff)
		mustGrant(t, s, second, models.RoleSubsidiaryAdmin, "bank")
		gone := mustUser(t, s, "gone@bank.example", models.UserStaff)
		mustGrant(t, s, gone, models.RoleSubsidiaryAdmin, "bank")
		if err := s.DeactivateUser(ctx, system, gone.ID); err != nil {
			t.Fatal(err)
		}
		// The bank admin subscribes an app of their own: the other admin is
		// asked, not the requester (four eyes), nor the deactivated admin.
		app := mustApp(t, s, w.bankAdmin, "Admin tool", nil)
		if _, err := s.Subscribe(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, app.ID, w.manual.ID, publicOnly); err != nil {
			t.Fatal(err)
		}
		if got := inbox(t, s, second); len(got) != 1 {
			t.Errorf("second admin got %v; want the request", kindsOf(got))
		}
		if got := inbox(t, s, w.bankAdmin); len(got) != 0 {
			t.Errorf("requesting admin got %v about their own request", kindsOf(got))
		}
		if got := inbox(t, s, gone); len(got) != 0 || len(emailsTo(t, s, gone.Email)) != 0 {
			t.Errorf("deactivated admin got %v", kindsOf(got))
		}
	})
}

func TestNotifyNothingForRefusedChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		app := mustApp(t, s, w.devA, "Payroll", nil)
		if _, err := s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, app.ID, w.manual.ID, publicOnly); err != nil {
			t.Fatal(err)
		}
		before, beforeMail := count(t, s, "notifications"), count(t, s, "outbox")

		// Someone else's application, the same plan again, a decision by
		// another subsidiary's admin, a key for someone else's app.
		if _, err := s.Subscribe(ctx, actorOf(w.devB), w.devB.ID, app.ID, w.free.ID, publicOnly); models.KindOf(err) != models.NotFound {
			t.Fatalf("Subscribe(B on A's app) = %v; want NotFound", err)
		}
		if _, err := s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, app.ID, w.manual.ID, publicOnly); models.KindOf(err) != models.Conflict {
			t.Fatalf("Subscribe(again) = %v; want Conflict", err)
		}
		subs, _ := s.ListSubscriptions(ctx, w.devA.ID, app.ID)
		if _, err := s.DecideSubscription(ctx, actorOf(w.insAdmin), w.insAdmin.ID, []string{"insurance"}, subs[0].ID, true, ""); models.KindOf(err) != models.NotFound {
			t.Fatalf("DecideSubscription(insurance admin) = %v; want NotFound", err)
		}
		if _, err := s.AddCredential(ctx, actorOf(w.devB), w.devB.ID, models.Credential{ApplicationID: app.ID, Prefix: "ptk_app_x", Digest: digestOf("x"), Kind: models.CredentialAppKey}); models.KindOf(err) != models.NotFound {
			t.Fatalf("AddCredential(B on A's app) = %v; want NotFound", err)
		}

		// The notice cannot be written: the approval is undone with it.
		events := len(allEvents(t, s))
		failInserts(t, s, "notifications")
		if _, err := s.DecideSubscription(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, []string{"bank"}, subs[0].ID, true, ""); err == nil {
			t.Fatal("DecideSubscription succeeded while notifications cannot be written")
		}
		if got, _ := s.ListSubscriptions(ctx, w.devA.ID, app.ID); got[0].State != models.SubscriptionPending {
			t.Errorf("subscription is %s after a failed notice; want still pending", got[0].State)
		}
		if got := len(allEvents(t, s)); got != events {
			t.Errorf("a failed notice left %d audit events", got-events)
		}
		allowInserts(t, s, "notifications")

		// The audit trail refuses the change after the notice was written:
		// the notice and its email are undone with it.
		failInserts(t, s, "audit_events")
		if _, err := s.DecideSubscription(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, []string{"bank"}, subs[0].ID, true, ""); err == nil {
			t.Fatal("DecideSubscription succeeded with a failing audit trail")
		}
		allowInserts(t, s, "audit_events")
		if after := count(t, s, "notifications"); after != before {
			t.Errorf("notifications: %d before, %d after refused changes", before, after)
		}
		if after := count(t, s, "outbox"); after != beforeMail {
			t.Errorf("outbox: %d before, %d after refused changes", beforeMail, after)
		}
		// And with the database healthy again, the approval and its notice
		// go through together.
		if _, err := s.DecideSubscription(ctx, actorOf(w.bankAdmin), w.bankAdmin.ID, []string{"bank"}, subs[0].ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if got := kindsOf(inbox(t, s, w.devA)); !slices.Equal(got, []models.NotificationKind{models.NotifySubscriptionApproved}) {
			t.Errorf("requester's inbox = %v; want the approval", got)
		}
	})
}

func count(t testing.TB, s *store.Store, table string) int64 {
	t.Helper()
	n, err := s.CountForTest(context.Background(), table)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// failInserts makes the database refuse every insert into table, until
// allowInserts.
func failInserts(t testing.TB, s *store.Store, table string) {
	t.Helper()
	ctx := context.Background()
	stmts := []string{"CREATE TRIGGER test_fail_" + table + " BEFORE INSERT ON " + table + " BEGIN SELECT RAISE(ABORT, 'test: inserts refused'); END"}
	if s.Dialect() == store.DialectPostgres {
		stmts = []string{
			"CREATE OR REPLACE FUNCTION test_fail_insert() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'test: inserts refused'; END $$ LANGUAGE plpgsql",
			"CREATE TRIGGER test_fail_" + table + " BEFORE INSERT ON " + table + " FOR EACH ROW EXECUTE FUNCTION test_fail_insert()",
		}
	}
	for _, q := range stmts {
		if err := s.ExecForTest(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
}

func allowInserts(t testing.TB, s *store.Store, table string) {
	t.Helper()
	q := "DROP TRIGGER test_fail_" + table
	if s.Dialect() == store.DialectPostgres {
		q += " ON " + table
	}
	if err := s.ExecForTest(context.Background(), q); err != nil {
		t.Fatal(err)
	}
}

func TestNotifyKeysToTeamWithoutSecrets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		app := mustApp(t, s, w.devA, "Team app", &w.team)
		var secrets []string
		newCred := func(name string) models.Credential {
			secret, err := credentials.NewKey(credentials.AppKey)
			if err != nil {
				t.Fatal(err)
			}
			k, err := credentials.ParseKey(secret)
			if err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, secret)
			return models.Credential{ApplicationID: app.ID, Name: name, Prefix: k.Prefix(), Digest: digestOf(secret), Kind: models.CredentialAppKey}
		}
		c, err := s.AddCredential(ctx, actorOf(w.devA), w.devA.ID, newCred("prod"))
		if err != nil {
			t.Fatal(err)
		}
		next, _, err := s.RotateCredential(ctx, actorOf(w.mate), w.mate.ID, c.ID, newCred("prod 2"), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeCredential(ctx, actorOf(w.devA), w.devA.ID, next.ID); err != nil {
			t.Fatal(err)
		}
		want := []models.NotificationKind{models.NotifyKeyRevoked, models.NotifyKeyRotated, models.NotifyKeyCreated}
		for _, u := range []models.User{w.devA, w.mate} {
			got := inbox(t, s, u)
			if !slices.Equal(kindsOf(got), want) {
				t.Errorf("%s's inbox = %v; want %v", u.Email, kindsOf(got), want)
				continue
			}
			if !strings.Contains(got[2].Body, c.Prefix) || !strings.Contains(got[1].Body, next.Prefix) ||
				!strings.Contains(got[1].Body, "keeps working until") || !strings.Contains(got[1].Body, w.mate.Email) {
				t.Errorf("key notices = %q / %q; want prefixes, the grace period and who rotated", got[2].Body, got[1].Body)
			}
		}
		if got := inbox(t, s, w.devB); len(got) != 0 {
			t.Errorf("outsider got %v", kindsOf(got))
		}
		// No secret key anywhere in the inbox or the outbox.
		re := regexp.MustCompile(credentials.KeyPattern)
		texts := []string{}
		for _, u := range []models.User{w.devA, w.mate} {
			for _, n := range inbox(t, s, u) {
				texts = append(texts, n.Title, n.Body, n.Link)
			}
		}
		all, _ := s.ListOutbox(ctx, 500)
		for _, m := range all {
			texts = append(texts, m.Subject, m.BodyText, m.Link)
		}
		if len(all) < 6 {
			t.Fatalf("outbox has %d emails; want 3 per team member", len(all))
		}
		for _, text := range texts {
			if re.MatchString(text) {
				t.Errorf("a notification holds a secret key: %q", text)
			}
			for _, sec := range secrets {
				if strings.Contains(text, sec[len(sec)-20:]) {
					t.Errorf("a notification holds the secret %s…", sec[:12])
				}
			}
		}
	})
}

func TestNotificationsScopedToUser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		app := mustApp(t, s, w.devA, "Payroll", nil)
		for _, name := range []string{"one", "two"} {
			if _, err := s.AddCredential(ctx, actorOf(w.devA), w.devA.ID, models.Credential{ApplicationID: app.ID, Name: name, Prefix: "ptk_app_" + name, Digest: digestOf(name), Kind: models.CredentialAppKey}); err != nil {
				t.Fatal(err)
			}
		}
		mine := inbox(t, s, w.devA)
		if len(mine) != 2 {
			t.Fatalf("A's inbox = %v", kindsOf(mine))
		}
		if got := inbox(t, s, w.devB); len(got) != 0 {
			t.Fatalf("B sees %d of A's notifications", len(got))
		}
		if err := s.MarkNotificationsRead(ctx, w.devB.ID, []int64{mine[0].ID}); models.KindOf(err) != models.NotFound {
			t.Fatalf("B marking A's notification = %v; want NotFound", err)
		}
		if err := s.MarkNotificationsRead(ctx, w.devB.ID, nil); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.UnreadNotifications(ctx, w.devA.ID); n != 2 {
			t.Fatalf("A's unread = %d after B's attempts; want 2", n)
		}
		if err := s.MarkNotificationsRead(ctx, w.devA.ID, []int64{mine[0].ID}); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.UnreadNotifications(ctx, w.devA.ID); n != 1 {
			t.Fatalf("A's unread = %d after reading one; want 1", n)
		}
		if err := s.MarkNotificationsRead(ctx, w.devA.ID, nil); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.UnreadNotifications(ctx, w.devA.ID); n != 0 {
			t.Fatalf("A's unread = %d after reading all; want 0", n)
		}
	})
}

// TestClaimOutboxExclusive claims from two stores on one database (two
// Portico processes) and several goroutines each: no email is handed out
// twice, and every email is handed out.
func TestClaimOutboxExclusive(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			var dsn string
			if dialect == store.DialectPostgres {
				dsn = storetest.PostgresDSN(t)
			} else {
				dsn = filepath.Join(t.TempDir(), "portico.db")
			}
			var stores []*store.Store
			for range 2 {
				s, err := store.Open(ctx, store.Config{DSN: dsn})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				if err := s.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				stores = append(stores, s)
			}
			const total = 60
			for i := range total {
				if _, err := stores[0].EnqueueEmailForTest(ctx, "dev@example.com", "mail "+itoa(int64(i))); err != nil {
					t.Fatal(err)
				}
			}
			var mu sync.Mutex
			seen := map[int64]int{}
			var wg sync.WaitGroup
			at := time.Now().Add(time.Second)
			for g := range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := stores[g%2]
					for {
						msgs, err := s.ClaimOutbox(ctx, at, 3, time.Minute)
						if err != nil {
							t.Error(err)
							return
						}
						if len(msgs) == 0 {
							return
						}
						mu.Lock()
						for _, m := range msgs {
							seen[m.ID]++
						}
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if len(seen) != total {
				t.Errorf("%d emails claimed; want %d", len(seen), total)
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("email %d claimed %d times", id, n)
				}
			}
		})
	}
}

func TestOutboxBackoffAndDeadLetter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m, err := s.EnqueueEmailForTest(ctx, "dev@example.com", "Hello")
		if err != nil {
			t.Fatal(err)
		}
		at := time.Now().UTC().Add(time.Second).Truncate(time.Second)
		claim := func(at time.Time) []models.OutboxMessage {
			t.Helper()
			got, err := s.ClaimOutbox(ctx, at, 10, 2*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		got := claim(at)
		if len(got) != 1 || got[0].ID != m.ID {
			t.Fatalf("claim = %+v; want the email", got)
		}
		// Leased: not handed out again until the lease ends.
		if again := claim(at.Add(time.Minute)); len(again) != 0 {
			t.Fatalf("claimed twice within the lease: %+v", again)
		}
		// The lease ended: another worker takes it, and the first one's
		// report is refused.
		stolen := claim(at.Add(3 * time.Minute))
		if len(stolen) != 1 {
			t.Fatalf("after the lease: %+v; want the email again", stolen)
		}
		if err := s.MarkOutboxSent(ctx, m.ID, got[0].LeaseToken, at); models.KindOf(err) != models.Conflict {
			t.Fatalf("MarkOutboxSent with a lost lease = %v; want Conflict", err)
		}
		token := stolen[0].LeaseToken
		at = at.Add(3 * time.Minute)
		wantDelays := []time.Duration{1, 2, 4, 8, 16, 32, 60, 60, 60}
		for i, d := range wantDelays {
			failed, err := s.MarkOutboxFailed(ctx, m.ID, token, at, "dial tcp 127.0.0.1:25: connection refused\r\nX-Injected: yes", false)
			if err != nil {
				t.Fatal(err)
			}
			if failed.Attempts != i+1 || failed.DeadAt != nil || !failed.NextAttemptAt.Equal(at.Add(d*time.Minute)) {
				t.Fatalf("failure %d: attempts %d, next %v, dead %v; want next in %v", i+1, failed.Attempts, failed.NextAttemptAt, failed.DeadAt, d*time.Minute)
			}
			if strings.ContainsAny(failed.LastError, "\r\n") || !strings.Contains(failed.LastError, "connection refused") {
				t.Fatalf("last error = %q", failed.LastError)
			}
			if early := claim(at.Add(d*time.Minute - time.Second)); len(early) != 0 {
				t.Fatalf("failure %d: claimed before the backoff ended", i+1)
			}
			at = at.Add(d * time.Minute)
			next := claim(at)
			if len(next) != 1 {
				t.Fatalf("failure %d: not claimable after the backoff", i+1)
			}
			token = next[0].LeaseToken
		}
		dead, err := s.MarkOutboxFailed(ctx, m.ID, token, at, "451 try again later", false)
		if err != nil {
			t.Fatal(err)
		}
		if dead.Attempts != models.MaxDeliveryAttempts || dead.DeadAt == nil || dead.LastError != "451 try again later" {
			t.Fatalf("after %d failures: %+v; want given up with the last error", models.MaxDeliveryAttempts, dead)
		}
		if again := claim(at.Add(48 * time.Hour)); len(again) != 0 {
			t.Fatalf("a given-up email was claimed: %+v", again)
		}

		// Pruning keeps what is recent or still to be sent.
		pending, _ := s.EnqueueEmailForTest(ctx, "later@example.com", "Waiting")
		if n, err := s.PruneOutbox(ctx, at); err != nil || n != 0 {
			t.Fatalf("PruneOutbox(at the give-up time) = %d, %v; want nothing older", n, err)
		}
		if n, err := s.PruneOutbox(ctx, at.Add(time.Second)); err != nil || n != 1 {
			t.Fatalf("PruneOutbox(after the give-up time) = %d, %v; want the given-up email", n, err)
		}
		if box, _ := s.ListOutbox(ctx, 10); len(box) != 1 || box[0].ID != pending.ID {
			t.Fatalf("outbox after pruning = %+v; want only the waiting email", box)
		}

		// A permanent refusal gives up at once.
		m2, _ := s.EnqueueEmailForTest(ctx, "nobody@example.com", "Bounce")
		c := claim(at.Add(48 * time.Hour))
		if len(c) != 2 || c[1].ID != m2.ID {
			t.Fatalf("claim = %+v", c)
		}
		d2, err := s.MarkOutboxFailed(ctx, m2.ID, c[1].LeaseToken, at, "550 mailbox unavailable", true)
		if err != nil || d2.DeadAt == nil || d2.Attempts != 1 {
			t.Fatalf("permanent failure = %+v, %v; want given up after one attempt", d2, err)
		}
	})
}

func TestNotifyExpiringCredentialsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		app := mustApp(t, s, w.devA, "Payroll", nil)
		add := func(name string, expires time.Duration) models.Credential {
			at := time.Now().Add(expires)
			c, err := s.AddCredential(ctx, actorOf(w.devA), w.devA.ID, models.Credential{ApplicationID: app.ID, Name: name, Prefix: "ptk_app_" + name, Digest: digestOf(name), Kind: models.CredentialAppKey, ExpiresAt: &at})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		add("soon", 3*24*time.Hour)
		add("later", 30*24*time.Hour)
		rotated := add("rotated", 20*24*time.Hour)
		if _, _, err := s.RotateCredential(ctx, actorOf(w.devA), w.devA.ID, rotated.ID, models.Credential{Prefix: "ptk_app_new", Digest: digestOf("new")}, 24*time.Hour); err != nil {
			t.Fatal(err)
		}
		n, err := s.NotifyExpiringCredentials(ctx, 7*24*time.Hour)
		if err != nil || n != 1 {
			t.Fatalf("NotifyExpiringCredentials = %d, %v; want 1 (the rotated key's notice said when it stops)", n, err)
		}
		got := inbox(t, s, w.devA)[0]
		if got.Kind != models.NotifyKeyExpiring || !strings.Contains(got.Body, "ptk_app_soon") {
			t.Errorf("expiry notice = %+v", got)
		}
		if n, err := s.NotifyExpiringCredentials(ctx, 7*24*time.Hour); err != nil || n != 0 {
			t.Errorf("second scan = %d, %v; want nothing new", n, err)
		}
	})
}

// TestNotifyPlatformAdminsWhenSubsidiaryHasNoAdmin: a request to a
// subsidiary without an admin goes to the platform admins, so it does not
// wait unseen.
func TestNotifyPlatformAdminsWhenSubsidiaryHasNoAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		w := newSelfService(t, s)
		root := mustUser(t, s, "root@group.example", models.UserStaff)
		mustGrant(t, s, root, models.RolePlatformAdmin, models.GlobalDomain)
		if err := s.RevokeRole(ctx, system, w.bankAdmin.ID, models.RoleSubsidiaryAdmin, "bank"); err != nil {
			t.Fatal(err)
		}
		app := mustApp(t, s, w.devA, "Payroll", nil)
		if _, err := s.Subscribe(ctx, actorOf(w.devA), w.devA.ID, app.ID, w.manual.ID, publicOnly); err != nil {
			t.Fatal(err)
		}
		if got := kindsOf(inbox(t, s, root)); !slices.Equal(got, []models.NotificationKind{models.NotifySubscriptionRequested}) {
			t.Errorf("platform admin's inbox = %v; want the request", got)
		}
		if got := inbox(t, s, w.bankAdmin); len(got) != 0 {
			t.Errorf("former bank admin got %v", kindsOf(got))
		}
	})
}
