package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/portico/portico/identity"
	"github.com/portico/portico/models"
)

// cliActor is who the command line acts as in the audit trail.
func cliActor() models.Actor {
	who := os.Getenv("USER")
	if who == "" {
		who = "unknown"
	}
	return models.Actor{Email: "cli:" + who, ClientIP: "local"}
}

// runUser implements `portico user create`: a local account for bootstrap
// (the first platform admin) or break-glass access. Everyone else signs in
// with SSO.
func runUser(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: portico user create --email EMAIL [--name NAME] [--admin] [--staff] [--password-file FILE]")
	}
	var email, name, passwordFile string
	var admin, staff bool
	cfg, _, err := loadConfig("user create", args[1:], e, func(c *Config, fs *flag.FlagSet) {
		c.storeFlags(fs)
		fs.StringVar(&email, "email", "", "email address to sign in with (required)")
		fs.StringVar(&name, "name", "", "display name")
		fs.BoolVar(&admin, "admin", false, "make the user a platform admin (every subsidiary)")
		fs.BoolVar(&staff, "staff", false, "mark the user as group staff (implied by --admin)")
		fs.StringVar(&passwordFile, "password-file", "", "read the password from this file; default: generate one and print it once")
	})
	if err != nil {
		return err
	}
	if strings.TrimSpace(email) == "" {
		return errors.New("user create: --email is required")
	}
	password, generated := "", false
	if passwordFile != "" {
		b, err := os.ReadFile(passwordFile)
		if err != nil {
			return fmt.Errorf("user create: read --password-file: %w", err)
		}
		password = strings.TrimRight(string(b), "\r\n")
	} else {
		password, generated = identity.GeneratePassword(), true
	}
	if err := identity.CheckPassword(password); err != nil {
		return userError(err)
	}
	hash, err := identity.HashPassword(password)
	if err != nil {
		return err
	}
	kind := models.UserExternal
	if admin || staff {
		kind = models.UserStaff
	}
	st, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer st.Close()
	actor := cliActor()
	u, err := st.CreateUser(ctx, actor, models.User{Email: email, Name: name, Kind: kind, Status: models.UserActive, PasswordHash: hash})
	if err != nil {
		return userError(err)
	}
	grants := models.DefaultRoles(kind)
	if admin {
		grants = append(grants, models.RoleAssignment{Role: models.RolePlatformAdmin, Domain: models.GlobalDomain})
	}
	for _, g := range grants {
		if err := st.GrantRole(ctx, actor, u.ID, g.Role, g.Domain); err != nil {
			return userError(err)
		}
	}
	fmt.Fprintf(e.stdout, "created user %s (id %d, %s)", u.Email, u.ID, u.Kind)
	if admin {
		fmt.Fprint(e.stdout, ", platform admin")
	}
	fmt.Fprintln(e.stdout)
	if generated {
		fmt.Fprintf(e.stdout, "password (shown once, store it now): %s\n", password)
	}
	return nil
}

// runAudit implements `portico audit verify`: walk the hash chain of the
// audit trail and report the first event that does not match.
func runAudit(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: portico audit verify")
	}
	cfg, _, err := loadConfig("audit verify", args[1:], e, (*Config).storeFlags)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	defer st.Close()
	n, broken, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if broken != nil {
		return fmt.Errorf("audit trail broken at event %d (%s, %s, %s): it or an earlier event was changed, inserted or removed; %d events before it verify",
			broken.ID, broken.Action, broken.Target, broken.At.UTC().Format("2006-01-02T15:04:05Z"), n)
	}
	fmt.Fprintf(e.stdout, "audit trail intact: %d events, hash chain verified\n", n)
	return nil
}
