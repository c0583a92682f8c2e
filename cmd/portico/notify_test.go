package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
