package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/portico/portico/models"
)

// Session defaults (ASVS L2: idle 30 minutes, absolute 12 hours).
const (
	DefaultSessionIdle     = 30 * time.Minute
	DefaultSessionLifetime = 12 * time.Hour
)

// Session cookie names: with the __Host- prefix (which browsers accept only
// with Secure, Path=/ and no Domain) when the portal is served over https,
// without it for plain-http local and demo runs, where a Secure cookie would
// never be sent back.
const (
	sessionCookieSecure = "__Host-portico_session"
	sessionCookiePlain  = "portico_session"
)

// Keys of the values a session holds.
const (
	sessUserID = "uid"     // int64: the signed-in user
	sessAuthAt = "auth_at" // int64 Unix nanoseconds: when they signed in (absolute timeout)
	sessSeenAt = "seen_at" // int64 Unix nanoseconds: their last request (idle timeout)
	sessRoles  = "roles"   // string: fingerprint of their roles, to renew the token when they change
	sessMethod = "method"  // string: "local" or the identity provider's name
)

// SessionStore is what sessions need from persistence.
type SessionStore interface {
	// SessionStore is where scs keeps session data, server side.
	SessionStore() scs.Store
	// BindSession records which user a committed session token belongs to,
	// so that deactivating the user deletes their sessions.
	BindSession(ctx context.Context, token string, userID int64) error
	// FindUser returns the user with the ID, or NotFound.
	FindUser(ctx context.Context, id int64) (models.User, error)
	// PolicyVersion increases with every change of who holds which role, in
	// any process sharing the database.
	PolicyVersion(ctx context.Context) (int64, error)
}

// Authorizer answers "may user U do action A in domain D?" (casbin with
// subsidiaries as domains) and lists a user's roles. *identity.Authorizer
// satisfies it.
type Authorizer interface {
	Can(userID int64, action models.Action, domain string) bool
	Roles(userID int64) []models.RoleAssignment
	// Reload reads the role assignments again.
	Reload() error
}

// denyAll is the Authorizer when none is configured: nobody may do
// anything that needs a permission.
type denyAll struct{}

func (denyAll) Can(int64, models.Action, string) bool { return false }
func (denyAll) Roles(int64) []models.RoleAssignment   { return nil }
func (denyAll) Reload() error                         { return nil }

// sessions keeps the signed-in user of a browser in a server-side session
// (scs over the store) and enforces the idle and absolute timeouts from
// timestamps in the session, read against an injectable clock.
type sessions struct {
	mgr      *scs.SessionManager
	st       SessionStore
	authz    Authorizer
	errs     *ErrorRenderer
	idle     time.Duration
	lifetime time.Duration
	now      func() time.Time

	policyMu   sync.Mutex   // one authorizer reload at a time
	policySeen atomic.Int64 // the PolicyVersion the authorizer last loaded
}

func newSessions(st SessionStore, authz Authorizer, errs *ErrorRenderer, secure bool, idle, lifetime time.Duration, now func() time.Time) *sessions {
	if idle <= 0 {
		idle = DefaultSessionIdle
	}
	if lifetime <= 0 {
		lifetime = DefaultSessionLifetime
	}
	if now == nil {
		now = time.Now
	}
	if authz == nil {
		authz = denyAll{}
	}
	m := scs.New()
	m.Store = st.SessionStore()
	// scs's Lifetime is a backstop (on the wall clock) for the absolute
	// timeout the middleware enforces on the injected clock. scs's
	// IdleTimeout is left off on purpose: it rewrites every session on
	// every request, and a request still in flight when its session is
	// destroyed (sign-out, deactivation) would then write the session back.
	// The middleware enforces the idle timeout from the session's last-seen
	// time, refreshed at most once a minute.
	m.Lifetime = lifetime
	m.Cookie.Name = sessionCookiePlain
	if secure {
		m.Cookie.Name = sessionCookieSecure
	}
	m.Cookie.Secure = secure
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Path = "/"
	m.Cookie.Domain = ""
	// A browser session cookie: it ends when the browser does.
	m.Cookie.Persist = false
	m.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) { errs.Render(w, r, err) }
	return &sessions{mgr: m, st: st, authz: authz, errs: errs, idle: idle, lifetime: lifetime, now: now}
}

// middleware loads the request's session and, when it holds a signed-in
// user, sets the Viewer. Static files skip it: they are the same for
// everyone and would otherwise cost a session read each.
func (s *sessions) middleware(next http.Handler) http.Handler {
	withViewer := s.loadViewer(next)
	withSession := s.mgr.LoadAndSave(withViewer)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		withSession.ServeHTTP(w, r)
	})
}

// loadViewer turns the session's user ID into the request's Viewer. A
// session past its idle or absolute timeout, or of a user who no longer
// exists or was deactivated, is destroyed on the server and the request
// continues as anonymous: deactivation ends sessions at once. When the
// user's roles changed since the session's token was issued, the token is
// renewed (ASVS 3.2.1).
func (s *sessions) loadViewer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		uid := s.mgr.GetInt64(ctx, sessUserID)
		if uid == 0 {
			next.ServeHTTP(w, r)
			return
		}
		now := s.now()
		if s.expired(ctx, now) {
			s.end(w, r, next)
			return
		}
		u, err := s.st.FindUser(ctx, uid)
		switch {
		case models.KindOf(err) == models.NotFound:
			s.end(w, r, next)
			return
		case err != nil:
			s.errs.Render(w, r, err)
			return
		case !u.Active():
			s.end(w, r, next)
			return
		}
		if err := s.refreshPolicy(ctx); err != nil {
			s.errs.Render(w, r, err)
			return
		}
		roles := s.authz.Roles(uid)
		if fp := rolesFingerprint(roles); fp != s.mgr.GetString(ctx, sessRoles) {
			if err := s.renew(ctx, uid, func() { s.mgr.Put(ctx, sessRoles, fp) }); err != nil {
				s.errs.Render(w, r, err)
				return
			}
		}
		if seen := time.Unix(0, s.mgr.GetInt64(ctx, sessSeenAt)); now.Sub(seen) >= s.touchEvery() {
			s.mgr.Put(ctx, sessSeenAt, now.UnixNano())
		}
		v := &Viewer{User: u, Roles: roles, SignedInAt: time.Unix(0, s.mgr.GetInt64(ctx, sessAuthAt)), can: func(action models.Action, domain string) bool {
			return s.authz.Can(uid, action, domain)
		}}
		// Pages of signed-in users show who they are (and maybe internal
		// APIs): no shared cache may keep them. Handlers may say more.
		w.Header().Set("Cache-Control", "private, no-cache")
		setLogUser(ctx, uid)
		next.ServeHTTP(w, r.WithContext(withViewer(ctx, v)))
	})
}

// touchEvery is how stale the last-seen time may get before a request
// refreshes it: a minute, or less for short idle timeouts, so the idle
// timeout is exact to within that.
func (s *sessions) touchEvery() time.Duration {
	return min(time.Minute, s.idle/10)
}

// refreshPolicy reloads the authorizer when the role policy changed since
// it last loaded (in this process or another one sharing the database), so
// a granted or revoked role takes effect on the user's next request.
func (s *sessions) refreshPolicy(ctx context.Context) error {
	v, err := s.st.PolicyVersion(ctx)
	if err != nil {
		return err
	}
	if v == s.policySeen.Load() {
		return nil
	}
	s.policyMu.Lock()
	defer s.policyMu.Unlock()
	if v == s.policySeen.Load() {
		return nil
	}
	if err := s.authz.Reload(); err != nil {
		return err
	}
	s.policySeen.Store(v)
	return nil
}

// expired reports whether the session is past its idle or absolute
// timeout at now. A session whose timestamps are missing or lie in the
// future counts as expired.
func (s *sessions) expired(ctx context.Context, now time.Time) bool {
	authAt := s.mgr.GetInt64(ctx, sessAuthAt)
	seenAt := s.mgr.GetInt64(ctx, sessSeenAt)
	if authAt == 0 || seenAt == 0 {
		return true
	}
	const skew = time.Minute // several portal processes' clocks
	t0, t1 := time.Unix(0, authAt), time.Unix(0, seenAt)
	return now.Sub(t0) >= s.lifetime || now.Sub(t1) >= s.idle || t0.After(now.Add(skew)) || t1.After(now.Add(skew))
}

// end destroys the session on the server and serves the request as
// anonymous.
func (s *sessions) end(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if err := s.mgr.Destroy(r.Context()); err != nil {
		s.errs.Render(w, r, err)
		return
	}
	next.ServeHTTP(w, r)
}

// start signs u in on this browser: a new session token (the one the
// browser sent before, if any, is deleted, so a planted token is useless),
// the user and the timestamps, committed and bound to the user.
func (s *sessions) start(ctx context.Context, u models.User, method string) error {
	// Sign-in may have granted roles (invitations, a staff provider's groups).
	if err := s.refreshPolicy(ctx); err != nil {
		return err
	}
	if err := s.mgr.Clear(ctx); err != nil {
		return err
	}
	now := s.now().UnixNano()
	return s.renew(ctx, u.ID, func() {
		s.mgr.Put(ctx, sessUserID, u.ID)
		s.mgr.Put(ctx, sessAuthAt, now)
		s.mgr.Put(ctx, sessSeenAt, now)
		s.mgr.Put(ctx, sessMethod, method)
		s.mgr.Put(ctx, sessRoles, rolesFingerprint(s.authz.Roles(u.ID)))
	})
}

// renew gives the session a new token, applies put, and commits the
// session now so that it can be bound to the user (the response commits it
// again, unchanged).
func (s *sessions) renew(ctx context.Context, uid int64, put func()) error {
	if err := s.mgr.RenewToken(ctx); err != nil {
		return err
	}
	put()
	token, _, err := s.mgr.Commit(ctx)
	if err != nil {
		return err
	}
	return s.st.BindSession(ctx, token, uid)
}

// destroy ends the session on the server (sign-out).
func (s *sessions) destroy(ctx context.Context) error {
	return s.mgr.Destroy(ctx)
}

// rolesFingerprint identifies a set of role assignments, in any order.
func rolesFingerprint(roles []models.RoleAssignment) string {
	keys := make([]string, len(roles))
	for i, ra := range roles {
		keys[i] = string(ra.Role) + "@" + ra.Domain
	}
	slices.Sort(keys)
	sum := sha256.Sum256([]byte(strings.Join(keys, "\n")))
	return hex.EncodeToString(sum[:8])
}
