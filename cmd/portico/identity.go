package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/portico/portico/credentials"
	"github.com/portico/portico/demo"
	"github.com/portico/portico/handlers"
	"github.com/portico/portico/identity"
	"github.com/portico/portico/identity/sso"
	"github.com/portico/portico/models/store"
)

// rolesRefreshInterval is how often serve checks whether roles changed in
// another process (`portico user create --admin` while serving, another
// replica's admin page); changes made through this process apply at once.
const rolesRefreshInterval = 2 * time.Second

// newAuthorizer loads who holds which role from the database.
func newAuthorizer(ctx context.Context, st *store.Store, log *slog.Logger) (*identity.Authorizer, error) {
	adapter, err := st.CasbinAdapter()
	if err != nil {
		return nil, fmt.Errorf("open role store: %w", err)
	}
	authz, err := identity.NewAuthorizer(adapter)
	if err != nil {
		return nil, fmt.Errorf("load roles: %w", err)
	}
	if bad := authz.Ignored(); len(bad) > 0 {
		log.Warn("role rows ignored: they grant nothing", "rows", bad)
	}
	return authz, nil
}

// refreshRoles reloads roles whenever the store's policy version changes,
// until ctx ends.
func refreshRoles(ctx context.Context, st *store.Store, authz *identity.Authorizer, log *slog.Logger) {
	last, _ := st.PolicyVersion(ctx)
	t := time.NewTicker(rolesRefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v, err := st.PolicyVersion(ctx)
		if err != nil || v == last {
			continue
		}
		if err := authz.Reload(); err != nil {
			log.Error("reload roles", "err", err)
			continue
		}
		last = v
	}
}

// newSSO sets up the identity providers configured in PORTICO_SSO_*; nil
// when none is.
func newSSO(ctx context.Context, cfg Config, e env) (*sso.Manager, error) {
	providers, err := sso.ConfigFromEnv(e.getenv)
	if err != nil {
		return nil, fmt.Errorf("single sign-on configuration:\n%w", err)
	}
	if len(providers) == 0 {
		return nil, nil
	}
	secret, err := sessionSecret(cfg)
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	m, err := sso.New(dctx, providers, cfg.PublicURL(), secret, &http.Client{Timeout: 15 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("single sign-on: %w", err)
	}
	return m, nil
}

// sessionSecret returns the key that seals sign-in flow cookies:
// PORTICO_SESSION_SECRET (or _FILE), else <data-dir>/session.key, created
// with 32 random bytes on first use. Replicas behind one URL must share it.
func sessionSecret(cfg Config) ([]byte, error) {
	if cfg.SessionSecret != "" {
		if len(cfg.SessionSecret) < 32 {
			return nil, errors.New("session secret: use at least 32 characters")
		}
		return []byte(cfg.SessionSecret), nil
	}
	path := filepath.Join(cfg.DataDir, "session.key")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return b, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return b, nil
}

// keyHasher returns the hasher of application key digests: its pepper is
// PORTICO_KEY_PEPPER (at least 32 characters), or <data-dir>/key-pepper,
// created with 32 random bytes at first start. Retired peppers from
// PORTICO_KEY_PEPPER_PREVIOUS still verify keys issued under them. Losing
// the pepper invalidates every key: back it up with the database.
func keyHasher(cfg Config) (*credentials.Hasher, error) {
	current := []byte(cfg.KeyPepper)
	if cfg.KeyPepper == "" {
		path := filepath.Join(cfg.DataDir, "key-pepper")
		b, err := os.ReadFile(path)
		switch {
		case err == nil && len(b) >= 32:
			current = b
		case err == nil || errors.Is(err, os.ErrNotExist):
			if err == nil {
				return nil, fmt.Errorf("%s holds %d bytes; a key pepper has at least 32 (restore it from backup, or delete it only if no application key has been issued)", path, len(b))
			}
			if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
				return nil, fmt.Errorf("create data directory: %w", err)
			}
			current = make([]byte, 32)
			_, _ = rand.Read(current)
			if err := os.WriteFile(path, current, 0o600); err != nil {
				return nil, fmt.Errorf("write %s: %w", path, err)
			}
		default:
			return nil, fmt.Errorf("read key pepper: %w", err)
		}
	} else if len(cfg.KeyPepper) < 32 {
		return nil, errors.New("key pepper: use at least 32 characters")
	}
	var previous [][]byte
	for _, p := range strings.Split(cfg.KeyPepperPrevious, ",") {
		if p = strings.TrimSpace(p); p != "" {
			previous = append(previous, []byte(p))
		}
	}
	return credentials.NewHasher(current, previous...)
}

// loadDemoAccounts creates the demo personas, writes
// <data-dir>/demo-credentials.env and prints the accounts.
func loadDemoAccounts(ctx context.Context, cfg Config, st *store.Store, e env) ([]handlers.DemoAccount, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	password, fresh, err := demoPassword(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("read demo credentials: %w", err)
	}
	hash, err := identity.HashPassword(password)
	if err != nil {
		return nil, err
	}
	if err := demo.LoadPersonas(ctx, st, hash, fresh); err != nil {
		return nil, fmt.Errorf("create demo accounts: %w", err)
	}
	path, err := writeDemoCredentials(cfg.DataDir, password, nil)
	if err != nil {
		return nil, err
	}
	accounts := make([]handlers.DemoAccount, 0, len(demo.Personas()))
	fmt.Fprintf(e.stdout, "Demo accounts (password %s), also in %s:\n", password, path)
	for _, p := range demo.Personas() {
		accounts = append(accounts, handlers.DemoAccount{Persona: p.Label, Email: p.Email, Password: password})
		fmt.Fprintf(e.stdout, "  %-40s %s\n", p.Label, p.Email)
	}
	return accounts, nil
}

// cleanupInterval is how often serve deletes expired sessions (and the
// markers of ended ones) and login failures too old to matter.
const cleanupInterval = 10 * time.Minute

// loginFailureRetention keeps failures well beyond any throttle window, for
// the throttle, not for the record (the audit trail keeps that).
const loginFailureRetention = 24 * time.Hour

// keyExpiryNotice is how long before a key expires its owners are warned
// (once per key).
const keyExpiryNotice = 7 * 24 * time.Hour

// outboxRetention is how long sent and given-up emails stay in the outbox,
// for operators looking into a delivery.
const outboxRetention = 30 * 24 * time.Hour

// usageBatchRetention is how long the IDs of received usage batches are
// kept: a gateway resends a batch within minutes, not days.
const usageBatchRetention = 7 * 24 * time.Hour

// cleanUp deletes expired data every cleanupInterval until ctx ends.
func cleanUp(ctx context.Context, st *store.Store, log *slog.Logger) {
	t := time.NewTicker(cleanupInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := st.DeleteExpiredSessions(ctx); err != nil && ctx.Err() == nil {
			log.Error("delete expired sessions", "err", err)
		}
		if err := st.PruneLoginFailures(ctx, time.Now().Add(-loginFailureRetention)); err != nil && ctx.Err() == nil {
			log.Error("prune login failures", "err", err)
		}
		if _, err := st.PruneOutbox(ctx, time.Now().Add(-outboxRetention)); err != nil && ctx.Err() == nil {
			log.Error("prune outbox", "err", err)
		}
		if _, err := st.PruneUsageBatches(ctx, time.Now().Add(-usageBatchRetention)); err != nil && ctx.Err() == nil {
			log.Error("prune usage batch IDs", "err", err)
		}
		if n, err := st.NotifyExpiringCredentials(ctx, keyExpiryNotice); err != nil && ctx.Err() == nil {
			log.Error("warn about expiring keys", "err", err)
		} else if n > 0 {
			log.Info("warned about expiring keys", "keys", n)
		}
	}
}
