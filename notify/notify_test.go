package notify_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico/portico/internal/smtptest"
	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
	"github.com/portico/portico/notify"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var system = models.Actor{Email: "system (test)", RequestID: "req-setup", ClientIP: "127.0.0.1"}

func actorOf(u models.User) models.Actor {
	id := u.ID
	return models.Actor{UserID: &id, Email: u.Email, RequestID: "req-" + u.Email}
}

// world is a bank with one API and a manual plan, its admin, and a
// developer with an application.
type world struct {
	admin, dev models.User
	app        models.Application
	manual     models.Plan
	free       models.Plan
}

func newWorld(t *testing.T, s *store.Store) world {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.EnsureSubsidiary(ctx, models.Subsidiary{Slug: "bank", Name: "Bank"})
	must(err)
	doc := `{"openapi":"3.0.3","info":{"title":"Accounts API","version":"1.0.0"},"paths":{}}`
	sum := sha256.Sum256([]byte(doc))
	res, err := s.ImportVersion(ctx, "bank", models.VersionImport{
		APISlug: "accounts", APIName: "Accounts API", Audience: models.AudiencePublic, Version: "1.0.0", State: models.StatePublished,
		OpenAPIVersion: "3.0.3", Format: "json", RootPath: "openapi.json",
		Files: []models.SpecFile{{Path: "openapi.json", Content: []byte(doc)}}, Document: []byte(doc),
		DocumentHash: hex.EncodeToString(sum[:]), Title: "Accounts API", RenderModel: []byte(`{"ModelVersion":1}`),
	})
	must(err)
	var w world
	w.admin, err = s.CreateUser(ctx, system, models.User{Email: "admin@bank.example", Name: "Ada Admin", Kind: models.UserStaff})
	must(err)
	must(s.GrantRole(ctx, system, w.admin.ID, models.RoleSubsidiaryAdmin, "bank"))
	w.dev, err = s.CreateUser(ctx, system, models.User{Email: "dev@fintech.example", Name: "Dev Eloper", Kind: models.UserExternal})
	must(err)
	plan := func(name string, mode models.ApprovalMode) models.Plan {
		p, err := s.CreatePlan(ctx, actorOf(w.admin), []string{"bank"}, models.Plan{
			APIID: res.API.ID, Name: name, Audience: models.AudiencePublic, ApprovalMode: mode, KeyMode: models.KeyModeKeyPair,
			Pricing: models.Pricing{Model: models.PricingFree}, State: models.PlanPublished,
		})
		must(err)
		return p
	}
	w.manual, w.free = plan("Gold", models.ApprovalManual), plan("Free", models.ApprovalAutomatic)
	w.app, err = s.CreateApplication(ctx, actorOf(w.dev), w.dev.ID, models.Application{OwnerUserID: &w.dev.ID, Name: "Payroll", AppID: "app_payroll"})
	must(err)
	return w
}

// decodedBody is the text of a delivered quoted-printable body.
func decodedBody(t *testing.T, m smtptest.Message) string {
	t.Helper()
	b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m.Body)))
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

func subject(t *testing.T, m smtptest.Message) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWorkerDeliversRetriesAndDeliversOnce runs the worker against a real
// SMTP server process: a subscription request reaches the approver; with
// the server down the next email is rescheduled with backoff; with the
// server back and the clock past the backoff, it is delivered exactly once.
func TestWorkerDeliversRetriesAndDeliversOnce(t *testing.T) {
	srv := smtptest.Start(t)
	s := storetest.Open(t)
	ctx := context.Background()
	w := newWorld(t, s)

	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	sender, err := notify.NewSMTPSender(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	worker := &notify.Worker{Store: s, Sender: sender, BaseURL: "https://developer.bank.example/", From: "Portico <no-reply@bank.example>", Now: clock}

	sub, err := s.Subscribe(ctx, actorOf(w.dev), w.dev.ID, w.app.ID, w.manual.ID, []models.Audience{models.AudiencePublic})
	if err != nil {
		t.Fatal(err)
	}
	sent, failed, err := worker.RunOnce(ctx)
	if err != nil || sent != 1 || failed != 0 {
		t.Fatalf("RunOnce = %d sent, %d failed, %v; want the request sent", sent, failed, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%s holds %d messages; want 1", srv, len(msgs))
	}
	m := msgs[0]
	to, _ := mail.ParseAddress(m.Header.Get("To"))
	from, _ := mail.ParseAddress(m.Header.Get("From"))
	if to == nil || to.Address != "admin@bank.example" || from == nil || from.Address != "no-reply@bank.example" {
		t.Errorf("To %q, From %q; want the bank admin, from no-reply", m.Header.Get("To"), m.Header.Get("From"))
	}
	if got := subject(t, m); got != "Approval requested: Accounts API for Payroll" {
		t.Errorf("Subject = %q", got)
	}
	body := decodedBody(t, m)
	for _, want := range []string{"Hello Ada Admin,", "dev@fintech.example asks to subscribe", `"Payroll"`, "Gold plan",
		"\nhttps://developer.bank.example/admin/subsidiaries/bank/approvals\n", "https://developer.bank.example/inbox"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if ct := m.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q; want plain text", ct)
	}
	if sent, failed, _ := worker.RunOnce(ctx); sent+failed != 0 {
		t.Fatalf("second RunOnce handled %d messages; want none", sent+failed)
	}

	// The server goes away: the approval email fails and waits.
	srv.Stop()
	if _, err := s.DecideSubscription(ctx, actorOf(w.admin), w.admin.ID, []string{"bank"}, sub.ID, true, "Enjoy"); err != nil {
		t.Fatal(err)
	}
	sent, failed, err = worker.RunOnce(ctx)
	if err != nil || sent != 0 || failed != 1 {
		t.Fatalf("RunOnce with the server down = %d sent, %d failed, %v; want one failure", sent, failed, err)
	}
	box, err := s.ListOutbox(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	pending := box[0]
	if pending.ToAddress != "dev@fintech.example" || pending.Attempts != 1 || pending.LastError == "" ||
		!pending.NextAttemptAt.After(clock()) || pending.SentAt != nil || pending.DeadAt != nil {
		t.Fatalf("after a failed delivery: %+v; want attempts 1, last_error set, next attempt in the future", pending)
	}
	if !strings.Contains(pending.LastError, "connect") {
		t.Errorf("last_error = %q; want the connection failure", pending.LastError)
	}

	// Back on the same port: nothing is due before the backoff ends.
	srv.Start()
	if sent, failed, _ := worker.RunOnce(ctx); sent+failed != 0 {
		t.Fatalf("RunOnce before the backoff ended handled %d messages", sent+failed)
	}
	offset.Store(int64(models.DeliveryBackoff(1) + time.Second))
	sent, failed, err = worker.RunOnce(ctx)
	if err != nil || sent != 1 || failed != 0 {
		t.Fatalf("RunOnce after the backoff = %d sent, %d failed, %v; want the approval sent", sent, failed, err)
	}
	if sent, failed, _ := worker.RunOnce(ctx); sent+failed != 0 {
		t.Fatalf("a sent email was handled again")
	}
	msgs = srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%s holds %d messages; want exactly 2", srv, len(msgs))
	}
	if got := subject(t, msgs[1]); got != "Subscription approved: Accounts API (Gold)" {
		t.Errorf("Subject = %q", got)
	}
	if body := decodedBody(t, msgs[1]); !strings.Contains(body, "Enjoy") || !strings.Contains(body, "https://developer.bank.example/apps/") {
		t.Errorf("approval body lacks the comment or the link:\n%s", body)
	}
	box, _ = s.ListOutbox(ctx, 10)
	for _, m := range box {
		if m.SentAt == nil {
			t.Errorf("email %d to %s not marked sent", m.ID, m.ToAddress)
		}
	}
}

// TestRunStopsWithContext checks that Run delivers on its first poll and
// returns when its context ends.
func TestRunStopsWithContext(t *testing.T) {
	srv := smtptest.Start(t)
	s := storetest.Open(t)
	ctx, cancel := context.WithCancel(context.Background())
	w := newWorld(t, s)
	sender, err := notify.NewSMTPSender(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Subscribe(ctx, actorOf(w.dev), w.dev.ID, w.app.ID, w.free.ID, []models.Audience{models.AudiencePublic}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- (&notify.Worker{Store: s, Sender: sender, BaseURL: "http://localhost:8080", From: "no-reply@localhost", Interval: 50 * time.Millisecond}).Run(ctx)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(srv.Messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || subject(t, msgs[0]) != "Subscription active: Accounts API (Free)" {
		t.Fatalf("messages = %d; want the activation notice", len(msgs))
	}
}

func TestComposeHeadersCannotBeInjected(t *testing.T) {
	raw, err := notify.Compose(notify.Message{
		From:    "Portico <no-reply@bank.example>",
		To:      "dev@fintech.example",
		Subject: "Hi\r\nBcc: victim@evil.example\r\n\r\nforged body",
		Body:    "Line one\nLine two with ünïcode and a very long line that goes on and on and on and on past seventy-six characters\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Bcc") != "" || len(m.Header) != 8 {
		t.Errorf("headers = %v; the subject added a header", m.Header)
	}
	if got := m.Header.Get("Subject"); got != "Hi Bcc: victim@evil.example forged body" {
		t.Errorf("Subject = %q", got)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
	if got := string(body); got != "Line one\r\nLine two with ünïcode and a very long line that goes on and on and on and on past seventy-six characters\r\n" {
		t.Errorf("body = %q", got)
	}
	if _, err := notify.Compose(notify.Message{From: "no-reply@x.example", To: "a@x.example, b@x.example"}); err == nil {
		t.Error("Compose accepted two recipients")
	}
	if _, err := notify.Compose(notify.Message{From: "no-reply@x.example", To: "a@x.example\r\nBcc: b@x.example"}); err == nil {
		t.Error("Compose accepted a recipient with a header in it")
	}
}

func TestSMTPURL(t *testing.T) {
	for _, tc := range []struct {
		url, want, err string
	}{
		{url: "smtp://mail.example.com", want: "smtp://mail.example.com"},
		{url: "smtps://bot:s3cr3t@mail.example.com:465", want: "smtps://bot:xxxxx@mail.example.com:465"},
		{url: "smtp://bot:s3cr3t@mail.example.com:587?starttls=required", want: "smtp://bot:xxxxx@mail.example.com:587?starttls=required"},
		{url: "http://bot:s3cr3t@mail.example.com", err: "scheme"},
		{url: "smtp://bot:s3cr3t@mail.example.com:99999", err: "port"},
		{url: "smtp://bot:s3cr3t@", err: "no host"},
		{url: "smtp://bot:s3cr3t@mail.example.com?starttls=maybe", err: "starttls"},
	} {
		s, err := notify.NewSMTPSender(tc.url)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("NewSMTPSender(%s) = %v; want an error about %s without the password", tc.url, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("NewSMTPSender(%s) = %v", tc.url, err)
			continue
		}
		if got := s.String(); got != tc.want {
			t.Errorf("String() = %q; want %q", got, tc.want)
		}
	}
}
