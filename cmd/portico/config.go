package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/portico/portico/notify"
)

// Config is Portico's configuration. Defaults come first, then PORTICO_*
// environment variables, then flags; Validate reports every problem at once.
type Config struct {
	Addr          string // portal listener
	DataDir       string // where the embedded SQLite file and demo credentials live
	Database      string // PostgreSQL URL or SQLite file path; "" = <DataDir>/portico.db
	BaseURL       string // public URL of the portal; "" = http://<Addr>
	AdminToken    string // bootstrap admin token for the admin JSON API; "" disables it
	SessionSecret string // key sealing sign-in flow cookies; "" = <DataDir>/session.key
	KeyPepper     string // HMAC key of application key digests; "" = <DataDir>/key-pepper
	// KeyPepperPrevious are retired peppers, comma-separated, still
	// accepted while keys are re-hashed with KeyPepper.
	KeyPepperPrevious string
	MaxSpecBytes      int64  // largest OpenAPI bundle accepted
	Demo              bool   // load demo data at start
	Migrate           bool   // apply migrations at start even on PostgreSQL
	LogFormat         string // "text" or "json"
	LogLevel          string // "debug", "info", "warn", "error"
	// SMTPURL is the mail server notifications are sent through:
	// smtp://[user:pass@]host[:port] (STARTTLS when offered; the password
	// only over TLS or to loopback) or smtps://… (TLS from the start). ""
	// keeps emails in the outbox until a server is configured. It holds a
	// password: print it only through notify.RedactURL.
	SMTPURL  string
	MailFrom string // From of notification emails
	// GatewayAddr is the embedded gateway's listener; "off" runs serve
	// without it (for example when only standalone gateways serve traffic).
	GatewayAddr string
	// GatewayURL is the gateway's public URL, shown to developers; "" =
	// http://<GatewayAddr>.
	GatewayURL string
	// TrustedProxies are CIDRs of proxies in front of the gateway whose
	// X-Forwarded-For is believed, comma-separated; "" believes none.
	TrustedProxies string
	// UsageFlushEvery is how often the embedded gateway writes its usage
	// counts to the database.
	UsageFlushEvery time.Duration
}

// defaultConfig returns the zero-configuration defaults.
func defaultConfig() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		DataDir:         "./data",
		MaxSpecBytes:    10 << 20,
		LogFormat:       "text",
		LogLevel:        "info",
		MailFrom:        "Portico <no-reply@localhost>",
		GatewayAddr:     "127.0.0.1:8081",
		UsageFlushEvery: 10 * time.Second,
	}
}

// fromEnv overrides c with PORTICO_* variables. Secrets may also come from
// PORTICO_*_FILE, so they need not sit in the environment.
func (c *Config) fromEnv(getenv func(string) string) error {
	var errs []error
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	secret := func(name string, dst *string) {
		if path := getenv(name + "_FILE"); path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_FILE: %w", name, err))
				return
			}
			*dst = strings.TrimSpace(string(b))
			return
		}
		str(name, dst)
	}
	str("PORTICO_ADDR", &c.Addr)
	str("PORTICO_DATA_DIR", &c.DataDir)
	secret("PORTICO_DATABASE", &c.Database)
	str("PORTICO_BASE_URL", &c.BaseURL)
	secret("PORTICO_ADMIN_TOKEN", &c.AdminToken)
	secret("PORTICO_SESSION_SECRET", &c.SessionSecret)
	secret("PORTICO_KEY_PEPPER", &c.KeyPepper)
	secret("PORTICO_KEY_PEPPER_PREVIOUS", &c.KeyPepperPrevious)
	str("PORTICO_LOG_FORMAT", &c.LogFormat)
	str("PORTICO_LOG_LEVEL", &c.LogLevel)
	secret("PORTICO_SMTP_URL", &c.SMTPURL)
	str("PORTICO_MAIL_FROM", &c.MailFrom)
	str("PORTICO_GATEWAY_ADDR", &c.GatewayAddr)
	str("PORTICO_GATEWAY_URL", &c.GatewayURL)
	str("PORTICO_TRUSTED_PROXIES", &c.TrustedProxies)
	if v := getenv("PORTICO_USAGE_FLUSH_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("PORTICO_USAGE_FLUSH_EVERY: %q is not a duration such as 10s", v))
		}
		c.UsageFlushEvery = d
	}
	if v := getenv("PORTICO_MAX_SPEC_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("PORTICO_MAX_SPEC_BYTES: %q is not a number of bytes", v))
		}
		c.MaxSpecBytes = n
	}
	for name, dst := range map[string]*bool{"PORTICO_DEMO": &c.Demo, "PORTICO_MIGRATE": &c.Migrate} {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not true or false", name, v))
			}
			*dst = b
		}
	}
	return errors.Join(errs...)
}

// storeFlags registers the flags every subcommand that opens the store has.
func (c *Config) storeFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory for the embedded SQLite database (env PORTICO_DATA_DIR)")
	fs.StringVar(&c.Database, "database", c.Database, "PostgreSQL URL (postgres://…) or SQLite file; default <data-dir>/portico.db (env PORTICO_DATABASE)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json (env PORTICO_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn, error (env PORTICO_LOG_LEVEL)")
}

// serveFlags registers the flags of `portico serve` and `check-config`.
func (c *Config) serveFlags(fs *flag.FlagSet) {
	c.storeFlags(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "portal listen address (env PORTICO_ADDR)")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public URL of the portal, e.g. https://developer.example.com (env PORTICO_BASE_URL)")
	fs.StringVar(&c.AdminToken, "admin-token", c.AdminToken, "bootstrap admin token for the admin JSON API; empty disables it (env PORTICO_ADMIN_TOKEN or PORTICO_ADMIN_TOKEN_FILE)")
	fs.Int64Var(&c.MaxSpecBytes, "max-spec-bytes", c.MaxSpecBytes, "largest OpenAPI document or bundle accepted, in bytes (env PORTICO_MAX_SPEC_BYTES)")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "load the demo group, subsidiaries and APIs (env PORTICO_DEMO)")
	fs.BoolVar(&c.Migrate, "migrate", c.Migrate, "apply database migrations at start (always done for the embedded SQLite) (env PORTICO_MIGRATE)")
	// No default shown: the URL may hold a password.
	fs.Func("smtp-url", "mail server for notification emails: smtp://[user:pass@]host[:port] (STARTTLS when offered) or smtps://…; unset keeps emails in the outbox (env PORTICO_SMTP_URL or PORTICO_SMTP_URL_FILE)", func(v string) error {
		c.SMTPURL = v
		return nil
	})
	fs.StringVar(&c.MailFrom, "mail-from", c.MailFrom, "From of notification emails (env PORTICO_MAIL_FROM)")
	fs.StringVar(&c.GatewayAddr, "gateway-addr", c.GatewayAddr, `embedded gateway listen address; "off" disables it (env PORTICO_GATEWAY_ADDR)`)
	fs.StringVar(&c.GatewayURL, "gateway-url", c.GatewayURL, "public URL of the gateway, shown to developers; default http://<gateway-addr> (env PORTICO_GATEWAY_URL)")
	fs.DurationVar(&c.UsageFlushEvery, "usage-flush-every", c.UsageFlushEvery, "how often the embedded gateway writes usage counts to the database (env PORTICO_USAGE_FLUSH_EVERY)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "CIDRs of proxies in front of the gateway whose X-Forwarded-For is believed, comma-separated (env PORTICO_TRUSTED_PROXIES)")
}

// GatewayEnabled reports whether serve runs the embedded gateway.
func (c Config) GatewayEnabled() bool { return c.GatewayAddr != "off" }

// PublicGatewayURL returns the gateway's public base URL without a trailing
// slash.
func (c Config) PublicGatewayURL() string {
	if c.GatewayURL != "" {
		return strings.TrimRight(c.GatewayURL, "/")
	}
	return "http://" + c.GatewayAddr
}

// TrustedProxyPrefixes parses TrustedProxies.
func (c Config) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(c.TrustedProxies, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			if a, aerr := netip.ParseAddr(f); aerr == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			} else {
				return nil, fmt.Errorf("trusted-proxies: %q is not a CIDR such as 10.0.0.0/8", f)
			}
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// DSN returns the database to open: the PostgreSQL URL or the SQLite path.
func (c Config) DSN() string {
	if c.Database != "" {
		return c.Database
	}
	return filepath.Join(c.DataDir, "portico.db")
}

// IsPostgres reports whether the configured database is PostgreSQL.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.DSN(), "postgres://") || strings.HasPrefix(c.DSN(), "postgresql://")
}

// PublicURL returns the portal's public base URL without a trailing slash.
func (c Config) PublicURL() string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	return "http://" + c.Addr
}

// Validate reports every problem in c.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: want host:port, e.g. 127.0.0.1:8080", c.Addr))
	}
	if c.GatewayEnabled() {
		if _, port, err := net.SplitHostPort(c.GatewayAddr); err != nil {
			errs = append(errs, fmt.Errorf("gateway-addr %q: want host:port, e.g. 127.0.0.1:8081, or off", c.GatewayAddr))
		} else if c.GatewayAddr == c.Addr && port != "0" {
			errs = append(errs, fmt.Errorf("gateway-addr %q: the portal listens there already (addr)", c.GatewayAddr))
		}
	}
	if c.GatewayURL != "" {
		u, err := url.Parse(c.GatewayURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("gateway-url %q: want an absolute http(s) URL", c.GatewayURL))
		}
	}
	if c.UsageFlushEvery < 100*time.Millisecond || c.UsageFlushEvery > time.Hour {
		errs = append(errs, fmt.Errorf("usage-flush-every %s: want between 100ms and 1h", c.UsageFlushEvery))
	}
	if _, err := c.TrustedProxyPrefixes(); err != nil {
		errs = append(errs, err)
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data-dir must not be empty"))
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("base-url %q: want an absolute http(s) URL", c.BaseURL))
		}
	}
	if c.MaxSpecBytes < 1024 {
		errs = append(errs, fmt.Errorf("max-spec-bytes %d: must be at least 1024", c.MaxSpecBytes))
	}
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		errs = append(errs, errors.New("admin-token: use at least 16 characters"))
	}
	if c.SMTPURL != "" {
		if _, err := notify.NewSMTPSender(c.SMTPURL); err != nil {
			errs = append(errs, fmt.Errorf("smtp-url: %w", err))
		}
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil || strings.ContainsAny(c.MailFrom, "\r\n") {
		errs = append(errs, fmt.Errorf("mail-from %q: want one address, e.g. Portico <no-reply@example.com>", c.MailFrom))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log-format %q: want text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}
