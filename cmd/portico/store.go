package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"

	"github.com/portico/portico/models/store"
)

// openStore opens the configured database. The embedded SQLite database is
// created and migrated on the fly (zero set-up); PostgreSQL is only migrated
// when asked, and an old schema is refused with the command that fixes it.
func openStore(ctx context.Context, cfg Config, migrate bool) (*store.Store, error) {
	if !cfg.IsPostgres() && cfg.Database == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	st, err := store.Open(ctx, store.Config{DSN: cfg.DSN()})
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", redactDSN(cfg.DSN()), err)
	}
	if migrate || !cfg.IsPostgres() {
		if err := st.Migrate(ctx); err != nil {
			st.Close()
			return nil, fmt.Errorf("migrate database: %w", err)
		}
	}
	current, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	if current < latest {
		st.Close()
		return nil, fmt.Errorf("database schema is at version %d, this Portico needs %d: run `portico migrate` (or start with --migrate)", current, latest)
	}
	if current > latest {
		st.Close()
		return nil, fmt.Errorf("database schema is at version %d, newer than this Portico knows (%d): upgrade Portico", current, latest)
	}
	return st, nil
}

// redactDSN hides the password of a PostgreSQL URL.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func runMigrate(ctx context.Context, args []string, e env) error {
	cfg, _, err := loadConfig("migrate", args, e, (*Config).storeFlags)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer st.Close()
	current, _, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "database %s is at schema version %d\n", redactDSN(cfg.DSN()), current)
	return nil
}

func runSubsidiary(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list") {
		return errors.New("usage: portico subsidiary create --slug SLUG --name NAME [--description TEXT] | portico subsidiary list")
	}
	var slug, name, description string
	cfg, _, err := loadConfig("subsidiary "+args[0], args[1:], e, func(c *Config, fs *flag.FlagSet) {
		c.storeFlags(fs)
		if args[0] == "create" {
			fs.StringVar(&slug, "slug", "", "URL segment, e.g. bank (required)")
			fs.StringVar(&name, "name", "", "display name, e.g. Meridian Bank (required)")
			fs.StringVar(&description, "description", "", "Markdown description")
		}
	})
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if args[0] == "list" {
		subs, err := st.ListSubsidiaries(ctx)
		if err != nil {
			return err
		}
		for _, s := range subs {
			fmt.Fprintf(e.stdout, "%-16s %-32s %d APIs\n", s.Subsidiary.Slug, s.Subsidiary.Name, s.APICount)
		}
		return nil
	}
	sub, err := st.EnsureSubsidiary(ctx, subsidiaryFromFlags(slug, name, description))
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(e.stdout, "subsidiary %s (%s) is ready\n", sub.Slug, sub.Name)
	return nil
}
