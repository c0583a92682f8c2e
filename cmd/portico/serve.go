package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/portico/portico/demo"
	"github.com/portico/portico/handlers"
	"github.com/portico/portico/models"
	"github.com/portico/portico/notify"
	"github.com/portico/portico/openapi"
)

// shutdownTimeout bounds how long in-flight requests may take to finish
// after a stop signal.
const shutdownTimeout = 15 * time.Second

func runServe(ctx context.Context, args []string, e env) error {
	cfg, _, err := loadConfig("serve", args, e, (*Config).serveFlags)
	if err != nil {
		return err
	}
	log := newLogger(cfg, e.stderr)

	st, err := openStore(ctx, cfg, cfg.Migrate)
	if err != nil {
		return err
	}
	defer st.Close()

	// Listen before anything needs the public URL: with --addr :0 (tests)
	// the port is known only now, and SSO callbacks must name it.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://" + ln.Addr().String()
	}

	lim := openapi.DefaultLimits()
	lim.MaxBytes = cfg.MaxSpecBytes

	authz, err := newAuthorizer(ctx, st, log)
	if err != nil {
		return err
	}
	ssoManager, err := newSSO(ctx, cfg, e)
	if err != nil {
		return err
	}
	hasher, err := keyHasher(cfg)
	if err != nil {
		return err
	}
	mailer, err := newMailer(cfg, log)
	if err != nil {
		return err
	}
	var demoAccounts []handlers.DemoAccount
	if cfg.Demo {
		started := time.Now()
		sum, err := demo.Load(ctx, st, demoPreparer(lim))
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		plans, err := demo.LoadPlans(ctx, st)
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		if _, err := listPorticoAPI(ctx, st, lim, log); err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		log.Info("demo data loaded", "subsidiaries", sum.Subsidiaries, "versions", sum.Versions, "created", sum.Created, "plans_created", plans, "duration", time.Since(started).Round(time.Millisecond))
		if demoAccounts, err = loadDemoAccounts(ctx, cfg, st, e); err != nil {
			return err
		}
		if err := authz.Reload(); err != nil {
			return fmt.Errorf("load roles: %w", err)
		}
	}

	var quick demo.QuickstartApp
	if cfg.Demo && cfg.GatewayEnabled() {
		prev, _ := readEnvFile(filepath.Join(cfg.DataDir, demoCredentialsFile))
		if quick, err = demo.Quickstart(ctx, st, hasher, prev["APP_KEY"]); err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
	}
	var gw *embeddedGateway
	if cfg.GatewayEnabled() {
		if gw, err = newEmbeddedGateway(ctx, cfg, st, hasher, log); err != nil {
			return err
		}
		defer gw.ln.Close()
		if cfg.GatewayURL == "" {
			cfg.GatewayURL = "http://" + gw.Addr()
		}
		first := gw.first
		gw.first = nil // the gateway holds what it serves; do not pin the first snapshot
		if cfg.Demo {
			path, err := updateDemoCredentials(cfg.DataDir, [][2]string{
				{"GATEWAY_URL", cfg.PublicGatewayURL()},
				{"APP_ID", quick.AppID},
				{"APP_KEY", quick.Key},
				{"DEMO_PATH", demoPath(first, demo.QuickstartSubsidiary, demo.QuickstartAPI, demo.QuickstartPath)},
				{"DEMO_RATE_PER_SECOND", strconv.FormatInt(quick.Plan.RatePerSecond, 10)},
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "A demo application's key for the gateway is in %s (APP_ID, APP_KEY, DEMO_PATH).\n", path)
		}
	}

	portal := handlers.New(handlers.Options{
		Logger:       log,
		AdminToken:   cfg.AdminToken,
		Limits:       lim,
		BaseURL:      cfg.PublicURL(),
		Authorizer:   authz,
		SSO:          ssoManager,
		DemoAccounts: demoAccounts,
		KeyHasher:    hasher,
	}, st)

	srv := &http.Server{
		Handler:           portal,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // spec uploads may be large
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
	}
	url := cfg.PublicURL()
	fmt.Fprintf(e.stdout, "Portico is running at %s (database %s). Press Ctrl+C to stop.\n", url, redactDSN(cfg.DSN()))
	if gw != nil {
		fmt.Fprintf(e.stdout, "The gateway is listening at %s (snapshot revision %d).\n", cfg.PublicGatewayURL(), gw.gw.Revision())
		if e.gatewayReady != nil {
			e.gatewayReady(gw.Addr())
		}
	}
	if e.ready != nil {
		e.ready(ln.Addr().String())
	}

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		refreshRoles(gctx, st, authz, log)
		return nil
	})
	g.Go(func() error {
		cleanUp(gctx, st, log)
		return nil
	})
	if mailer != nil {
		g.Go(func() error {
			return (&notify.Worker{Store: st, Sender: mailer, BaseURL: url, From: cfg.MailFrom, Logger: log}).Run(gctx)
		})
	}
	if gw != nil {
		gw.run(gctx, g)
	}
	g.Go(func() error {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("portal server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		log.Info("shutting down", "timeout", shutdownTimeout)
		return srv.Shutdown(sctx)
	})
	return g.Wait()
}

// demoPreparer adapts the importer to the demo loader.
func demoPreparer(lim openapi.Limits) demo.Preparer {
	return func(ctx context.Context, name string, data []byte) (models.VersionImport, error) {
		return openapi.PrepareImport(ctx, openapi.SingleFile(name, data), openapi.ImportOptions{Limits: lim})
	}
}

// newMailer returns the SMTP sender of notification emails, or nil when no
// mail server is configured: the notices still reach the in-portal inbox,
// and their emails wait in the outbox (they are sent, oldest first, once a
// server is configured and Portico restarts). It logs once which it is.
func newMailer(cfg Config, log *slog.Logger) (*notify.SMTPSender, error) {
	if cfg.SMTPURL == "" {
		log.Info("email notifications off: no SMTP server configured (PORTICO_SMTP_URL); emails wait in the outbox")
		return nil, nil
	}
	sender, err := notify.NewSMTPSender(cfg.SMTPURL)
	if err != nil {
		return nil, fmt.Errorf("smtp-url: %w", err)
	}
	log.Info("email notifications on", "smtp", sender.String(), "from", cfg.MailFrom)
	return sender, nil
}
