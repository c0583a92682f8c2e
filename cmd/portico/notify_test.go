package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portico/portico/internal/smtptest"
	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store/storetest"
)

func TestServeSaysWhetherEmailIsOnWithoutThePassword(t *testing.T) {
	off := startServe(t)
	if !strings.Contains(off.Stderr.String(), "email notifications off") {
		t.Errorf("no log line says email is off:\n%s", off.Stderr.String())
	}

	secretFile := filepath.Join(t.TempDir(), "smtp-url")
	if err := os.WriteFile(secretFile, []byte("smtps://bot:s3cr3t-pass@127.0.0.1:1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	on := startServeEnv(t, map[string]string{"PORTICO_SMTP_URL_FILE": secretFile, "PORTICO_MAIL_FROM": "Bank Portal <portal@bank.example>"})
	logs := on.Stderr.String()
	if !strings.Contains(logs, "email notifications on") || !strings.Contains(logs, "smtps://bot:xxxxx@127.0.0.1:1") {
		t.Errorf("no log line says email is on, with the redacted server:\n%s", logs)
	}
	if strings.Contains(logs+on.Stdout.String(), "s3cr3t") {
		t.Errorf("the SMTP password was printed:\n%s", logs)
	}
}

func TestBadMailConfigurationIsReportedWithoutThePassword(t *testing.T) {
	e, out, errOut := testEnv(map[string]string{"PORTICO_SMTP_URL": "smtp://bot:s3cr3t-pass@mail.example.com:70000", "PORTICO_MAIL_FROM": "not an address"})
	err := run(context.Background(), []string{"check-config"}, e)
	if err == nil {
		t.Fatal("check-config accepted a bad SMTP URL and From")
	}
	for _, want := range []string{"smtp-url", "bad port", `mail-from "not an address"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error()+out.String()+errOut.String(), "s3cr3t") {
		t.Errorf("the SMTP password was printed: %v", err)
	}
	// The usage of serve does not show a password from the environment
	// as the flag's default.
	e, _, errOut = testEnv(map[string]string{"PORTICO_SMTP_URL": "smtp://bot:s3cr3t-pass@mail.example.com"})
	_ = run(context.Background(), []string{"serve", "-h"}, e)
	if !strings.Contains(errOut.String(), "smtp-url") || strings.Contains(errOut.String(), "s3cr3t") {
		t.Errorf("serve -h shows the SMTP password, or no smtp-url flag:\n%s", errOut.String())
	}
}

// TestServeDeliversNotificationEmails: a running `portico serve` with an
// SMTP URL delivers the email of a change made in its database (here by a
// second process on the same SQLite file) to a real SMTP server, with the
// link made absolute with the public URL.
func TestServeDeliversNotificationEmails(t *testing.T) {
	srv := smtptest.Start(t)
	s := startServeEnv(t, map[string]string{"PORTICO_SMTP_URL": srv.URL(), "PORTICO_MAIL_FROM": "Bank Portal <portal@bank.example>"},
		"--base-url", "https://developer.bank.example")
	st := storetest.OpenFile(t, filepath.Join(s.DataDir, "portico.db"))
	ctx := context.Background()
	sys := models.Actor{Email: "system (test)"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := st.EnsureSubsidiary(ctx, models.Subsidiary{Slug: "bank", Name: "Bank"})
	must(err)
	doc := `{"openapi":"3.0.3","info":{"title":"Accounts API","version":"1.0.0"},"paths":{}}`
	sum := sha256.Sum256([]byte(doc))
	res, err := st.ImportVersion(ctx, "bank", models.VersionImport{
		APISlug: "accounts", APIName: "Accounts API", Audience: models.AudiencePublic, Version: "1.0.0", State: models.StatePublished,
		OpenAPIVersion: "3.0.3", Format: "json", RootPath: "openapi.json",
		Files: []models.SpecFile{{Path: "openapi.json", Content: []byte(doc)}}, Document: []byte(doc),
		DocumentHash: hex.EncodeToString(sum[:]), Title: "Accounts API", RenderModel: []byte(`{"ModelVersion":1}`),
	})
	must(err)
	dev, err := st.CreateUser(ctx, sys, models.User{Email: "dev@fintech.example", Kind: models.UserExternal})
	must(err)
	plan, err := st.CreatePlan(ctx, sys, []string{"bank"}, models.Plan{
		APIID: res.API.ID, Name: "Free", Audience: models.AudiencePublic, ApprovalMode: models.ApprovalAutomatic, KeyMode: models.KeyModeKeyPair,
		Pricing: models.Pricing{Model: models.PricingFree}, State: models.PlanPublished,
	})
	must(err)
	app, err := st.CreateApplication(ctx, sys, dev.ID, models.Application{OwnerUserID: &dev.ID, Name: "Payroll", AppID: "app_payroll"})
	must(err)
	_, err = st.Subscribe(ctx, sys, dev.ID, app.ID, plan.ID, []models.Audience{models.AudiencePublic})
	must(err)

	deadline := time.Now().Add(20 * time.Second)
	for len(srv.Messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%s holds %d messages after 20 s; want the activation notice\nserve log:\n%s", srv, len(msgs), s.Stderr.String())
	}
	m := msgs[0]
	if !strings.Contains(m.Header.Get("To"), "dev@fintech.example") || !strings.Contains(m.Header.Get("From"), "portal@bank.example") {
		t.Errorf("To %q From %q", m.Header.Get("To"), m.Header.Get("From"))
	}
	if !strings.Contains(strings.ReplaceAll(m.Body, "=\r\n", ""), "https://developer.bank.example/apps/") {
		t.Errorf("body lacks the absolute link to the application:\n%s", m.Body)
	}
}
