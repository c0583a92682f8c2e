// Command portico runs Portico: the developer portal, API catalog and API
// gateway of a financial group, in one binary.
//
//	portico serve --demo                 run the portal with demo data on the embedded SQLite
//	portico import --subsidiary bank F…  import API versions from OpenAPI documents
//	portico subsidiary create|list       manage subsidiaries
//	portico user create --admin …        create a local (bootstrap) account
//	portico plan create …                create a plan (for scripts)
//	portico keys import …                take over API keys from another gateway
//	portico audit verify                 check the audit trail's hash chain
//	portico migrate                      apply database migrations
//	portico check-config                 validate configuration and exit
//	portico version                      print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], env{getenv: os.Getenv, stdout: os.Stdout, stderr: os.Stderr})
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "portico:", err)
		os.Exit(1)
	}
}

// env is the process environment run works in; tests supply their own.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	// ready, when set, is called by serve with the portal's listening
	// address once it accepts connections.
	ready func(portalAddr string)
	// gatewayReady, when set, is called by serve with the embedded
	// gateway's listening address (before ready).
	gatewayReady func(gatewayAddr string)
}

const usage = `Portico — developer portal, API catalog and API gateway.

Usage:
  portico serve [--demo] [--addr 127.0.0.1:8080] [--data-dir ./data] [--database DSN]
  portico import --subsidiary SLUG [--api SLUG] [--state STATE] [--audience AUDIENCE] FILE|DIR|ZIP...
  portico subsidiary create --slug SLUG --name NAME [--description TEXT]
  portico subsidiary list
  portico user create --email EMAIL [--name NAME] [--admin] [--staff] [--password-file FILE]
  portico plan create --subsidiary SLUG --api SLUG --name NAME [--key-mode api_key] [--rate-per-second N] …
  portico keys import --subsidiary SLUG --api SLUG --plan NAME --owner EMAIL FILE
  portico audit verify
  portico migrate
  portico check-config
  portico version

Run "portico COMMAND -h" for the flags of a command.
`

// run parses args and runs one subcommand.
func run(ctx context.Context, args []string, e env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, e)
	case "import":
		return runImport(ctx, rest, e)
	case "subsidiary":
		return runSubsidiary(ctx, rest, e)
	case "migrate":
		return runMigrate(ctx, rest, e)
	case "user":
		return runUser(ctx, rest, e)
	case "plan":
		return runPlan(ctx, rest, e)
	case "keys":
		return runKeys(ctx, rest, e)
	case "audit":
		return runAudit(ctx, rest, e)
	case "check-config":
		return runCheckConfig(rest, e)
	case "version", "--version", "-version":
		fmt.Fprintln(e.stdout, "portico", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return nil
	}
	fmt.Fprint(e.stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// loadConfig builds the configuration for one subcommand: defaults, then the
// environment, then flags (registered by register), then validation.
func loadConfig(name string, args []string, e env, register func(*Config, *flag.FlagSet)) (Config, *flag.FlagSet, error) {
	cfg := defaultConfig()
	if err := cfg.fromEnv(e.getenv); err != nil {
		return cfg, nil, err
	}
	fs := flag.NewFlagSet("portico "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	register(&cfg, fs)
	if err := fs.Parse(args); err != nil {
		return cfg, fs, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fs, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return cfg, fs, nil
}

// newLogger returns the process logger.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func runCheckConfig(args []string, e env) error {
	cfg, _, err := loadConfig("check-config", args, e, (*Config).serveFlags)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "configuration ok: portal on %s, database %s\n", cfg.Addr, redactDSN(cfg.DSN()))
	return nil
}
