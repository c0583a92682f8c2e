// Package handlers is Portico's HTTP layer for people and programs: the
// portal pages (home, catalog, API product, API reference, downloads), the
// admin JSON API, operations endpoints, static assets, middleware and the one
// error renderer. Each file declares the small store interface it needs;
// *store.Store satisfies them all.
package handlers

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/portico/portico/credentials"
	"github.com/portico/portico/identity"
	"github.com/portico/portico/markdown"
	"github.com/portico/portico/openapi"
)

// Options configures the handlers. The zero value works: no admin API,
// default limits, assets versioned by their content.
type Options struct {
	Logger *slog.Logger // nil discards logs
	// AdminToken is the bootstrap admin token for the admin JSON API
	// (Authorization: Bearer <token>). Empty disables the admin API.
	AdminToken string
	// Limits bounds uploaded documents. Zero means openapi.DefaultLimits().
	Limits openapi.Limits
	// BaseURL is the public URL of the portal, for example
	// https://developer.example.com. An https URL turns on HSTS; links in
	// JSON responses are made absolute with it.
	BaseURL string
	// AssetVersion is the cache-busting token of /static URLs. Empty means
	// a digest of the embedded files.
	AssetVersion string
	// ReferenceCacheSize is how many decoded API reference models are kept
	// in memory. Zero means 64.
	ReferenceCacheSize int

	// Authorizer answers what signed-in users may do (*identity.Authorizer).
	// Nil: nobody holds any permission.
	Authorizer Authorizer
	// SSO signs people in at identity providers (*sso.Manager). Nil: local
	// accounts only.
	SSO SSO
	// DemoAccounts are listed with their passwords on the sign-in page
	// (demo mode only).
	DemoAccounts []DemoAccount
	// SessionIdle and SessionLifetime end sessions after that long without
	// a request, and that long after sign-in. Zero means 30 minutes and 12
	// hours.
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	// LoginThrottle and IPThrottle lock local sign-in after repeated
	// failures, per email and per client IP. Zero values mean
	// DefaultLoginThrottle and DefaultIPThrottle.
	LoginThrottle identity.Throttle
	IPThrottle    identity.Throttle
	// KeyHasher digests application keys (HMAC-SHA-256 with the server's
	// pepper). Nil: pages that create keys answer 503.
	KeyHasher *credentials.Hasher
	// Now is the clock of session timeouts and sign-in throttling. Nil
	// means time.Now.
	Now func() time.Time
}

// Store is everything the handlers need from persistence. *store.Store
// satisfies it.
type Store interface {
	HealthStore
	SettingsStore
	HomeStore
	CatalogStore
	ProductStore
	ProductPageStore
	ApplicationStore
	SubscribeStore
	VersionStore
	ImportStore
	AuthStore
	AdminPagesStore
	NotificationStore
	AdminAppStore
	PlanStore
	ApprovalStore
	APISelfServiceStore
	APIPlansStore
	GatewayRoutesStore
}

// New returns the portal's HTTP handler: every route of the portal, the
// admin JSON API, operations endpoints and static assets, behind the common
// middleware (request ID, request log, panic recovery, security headers,
// cross-origin protection).
func New(opts Options, st Store) http.Handler {
	return newPortal(opts, st).handler
}

// portal is the assembled handler with the parts tests reach into.
type portal struct {
	handler http.Handler
	refs    *referenceCache
}

func newPortal(opts Options, st Store) *portal {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lim := opts.Limits
	if lim == (openapi.Limits{}) {
		lim = openapi.DefaultLimits()
	}
	errs := &ErrorRenderer{log: log}
	assets := newAssets(errs)
	assetVersion := opts.AssetVersion
	if assetVersion == "" {
		assetVersion = assets.version
	}
	errs.assetVersion = assetVersion
	baseURL := strings.TrimRight(opts.BaseURL, "/")
	md := markdown.New()

	pages := &pageRenderer{errs: errs, assetVersion: assetVersion}
	https := strings.HasPrefix(baseURL, "https://")
	auth := newAuth(opts, st, pages, errs, https)

	r := chi.NewRouter()
	r.Use(
		requestID,
		requestLog(log),
		recoverer(errs),
		securityHeaders(https),
		crossOrigin(errs),
		auth.sess.middleware,
		// Reference pages of large documents are megabytes of HTML; they
		// compress about tenfold. Pages hold no secrets yet, so BREACH does
		// not apply; revisit when pages show secrets next to reflected input.
		middleware.Compress(5, "text/html", "text/css", "text/javascript", "application/javascript",
			"application/json", "application/problem+json", "application/yaml", "image/svg+xml"),
		withSettings(st),
		withUnreadCount(st),
		middleware.GetHead,
	)
	r.NotFound(func(w http.ResponseWriter, req *http.Request) {
		if to, ok := withoutTrailingSlash(r, req); ok {
			http.Redirect(w, req, to, http.StatusMovedPermanently)
			return
		}
		errs.notFound(w, req)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		errs.methodNotAllowed(w, req, r)
	})

	NewHealthHandler(st, errs).Routes(r)
	assets.Routes(r)
	auth.Routes(r)
	NewHomeHandler(st, pages, md).Routes(r)
	NewCatalogHandler(st, pages).Routes(r)
	NewProductHandler(st, pages, md).Routes(r)
	versions := NewVersionHandler(st, pages, lim, opts.ReferenceCacheSize)
	versions.Routes(r)
	NewAdminHandler(st, pages, auth).Routes(r)
	NewMembersHandler(st, pages, auth, baseURL, opts.Now).Routes(r)
	NewUsersHandler(st, pages, auth).Routes(r)
	NewAdminAppsHandler(st, pages, auth).Routes(r)
	NewPlansHandler(st, pages, auth).Routes(r)
	NewApprovalsHandler(st, pages, auth).Routes(r)
	NewGatewayRoutesHandler(st, pages, auth).Routes(r)
	NewAuditHandler(st, pages, auth).Routes(r)
	NewTeamsHandler(st, pages, auth, baseURL).Routes(r)
	NewInvitationsHandler(st, pages, auth).Routes(r)
	NewInboxHandler(st, pages, auth).Routes(r)
	NewApplicationsHandler(st, pages, auth, opts.KeyHasher, opts.Now).Routes(r)
	NewSubscribeHandler(st, pages, auth, md).Routes(r)

	r.Route("/api/v1", func(api chi.Router) {
		NewAPIDocHandler(errs).Routes(api)
		NewAPICatalogHandler(st, errs, baseURL).Routes(api)
		api.Group(func(admin chi.Router) {
			admin.Use(auth.RequireImport)
			NewAPIVersionsHandler(st, errs, lim, baseURL).Routes(admin)
			NewAPIGatewayHandler(st, errs).Routes(admin)
		})
		NewAPISelfServiceHandler(st, errs, auth, auth, opts.KeyHasher, opts.Now).Routes(api)
		NewAPIPlansHandler(st, errs, auth).Routes(api)
	})
	return &portal{handler: r, refs: versions.refs}
}

// withoutTrailingSlash returns where to send a GET or HEAD request for
// "/apis/" and the like: the same path without the trailing slash, when
// that path exists. The target is always a local path: it never starts
// with "//" or "/\", so the redirect cannot lead off the site.
func withoutTrailingSlash(routes chi.Routes, r *http.Request) (string, bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return "", false
	}
	p := r.URL.Path
	if len(p) < 2 || !strings.HasSuffix(p, "/") || strings.HasPrefix(p, "/static/") {
		return "", false
	}
	p = strings.TrimRight(p, "/")
	if p == "" || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\\\x00\r\n\t") {
		return "", false
	}
	if !routes.Match(chi.NewRouteContext(), http.MethodGet, p) {
		return "", false
	}
	to := (&url.URL{Path: p, RawQuery: r.URL.RawQuery}).String()
	if !strings.HasPrefix(to, "/") || strings.HasPrefix(to, "//") {
		return "", false
	}
	return to, true
}
