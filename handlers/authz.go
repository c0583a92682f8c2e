package handlers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// Route policies. Every route of the portal has exactly one of these, set
// where the route is registered:
//
//   - public: no guard (catalog pages, sign-in, health, static files).
//     What a public page shows still depends on the viewer (internal APIs
//     only for staff).
//   - signed in: Auth.RequireSignIn.
//   - a permission: Auth.Require(action, domainParam), where the domain is a
//     subsidiary taken from the route's URL parameter, or the global domain.
//   - the import API: a session with api:import in the subsidiary, or the
//     bootstrap admin token (Auth.RequireImport).
//
// handlers/authz_matrix_test.go walks every registered route and checks
// each persona against its expected outcome, so a route added without a
// policy fails the suite.

// Actor emails of requests not made by a signed-in user.
const (
	ActorBootstrapToken = "bootstrap-token"
)

type tokenAuthKey struct{}

// RequireSignIn lets signed-in users through. Anonymous visitors are sent to
// the sign-in page (303, returning here afterwards), or get 401 on /api/.
func (a *Auth) RequireSignIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ViewerFrom(r.Context()) == nil {
			a.unauthenticated(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Require lets through signed-in users who may do action in the domain:
// the subsidiary named by the route's URL parameter domainParam (for
// example "subsidiary"), or, when domainParam is models.GlobalDomain, the
// global domain. Anonymous visitors are handled as by RequireSignIn; others
// get 403. Apply it to routes (With, Group), not to a router before
// routing, where URL parameters are not known yet.
func (a *Auth) Require(action models.Action, domainParam string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			v := ViewerFrom(r.Context())
			if v == nil {
				a.unauthenticated(w, r)
				return
			}
			if !v.Can(action, routeDomain(r, domainParam)) {
				a.forbidden(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// routeDomain is the authorization domain of a request: the global domain,
// or the value of the URL parameter. A missing parameter yields "", in
// which nobody holds any role.
func routeDomain(r *http.Request, domainParam string) string {
	if domainParam == "" || domainParam == models.GlobalDomain {
		return models.GlobalDomain
	}
	return chi.URLParam(r, domainParam)
}

// RequireImport guards the import API of a subsidiary (URL parameter
// "subsidiary"): either the request carries the bootstrap admin token
// (Authorization: Bearer, for automation; audited as "bootstrap-token"), or
// it comes from a session whose user may import API versions in that
// subsidiary. A request with an Authorization header is judged by the token
// alone.
func (a *Auth) RequireImport(next http.Handler) http.Handler {
	return a.requireTokenOr(models.ActionImportAPI)(next)
}

// RequirePlans guards the plan endpoints of a subsidiary (URL parameter
// "subsidiary") as RequireImport does, for the permission to manage plans:
// the bootstrap admin token, or a session whose user may manage plans there.
func (a *Auth) RequirePlans(next http.Handler) http.Handler {
	return a.requireTokenOr(models.ActionManagePlans)(next)
}

// requireTokenOr lets through requests that carry the bootstrap admin token
// (marked in the context, so ActorFrom names it), or, without an
// Authorization header, sessions whose user may do action in the route's
// subsidiary (URL parameter "subsidiary").
func (a *Auth) requireTokenOr(action models.Action) func(http.Handler) http.Handler {
	want := sha256.Sum256([]byte(a.adminToken))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "" {
				v := ViewerFrom(r.Context())
				switch {
				case v == nil:
					w.Header().Set("WWW-Authenticate", `Bearer realm="portico"`)
					a.errs.renderStatus(w, r, http.StatusUnauthorized,
						"Sign in to the portal, or send the admin token as \"Authorization: Bearer <token>\".", nil)
				case !v.Can(action, chi.URLParam(r, "subsidiary")):
					a.forbidden(w, r)
				default:
					next.ServeHTTP(w, r)
				}
				return
			}
			if !a.checkAdminToken(w, r, want) {
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenAuthKey{}, true)))
		})
	}
}

// checkAdminToken reports whether the request's Authorization header holds
// the bootstrap admin token (want is its SHA-256). When it does not, it has
// answered 401 with a WWW-Authenticate challenge.
func (a *Auth) checkAdminToken(w http.ResponseWriter, r *http.Request, want [sha256.Size]byte) bool {
	if a.adminToken == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="portico"`)
		a.errs.renderStatus(w, r, http.StatusUnauthorized,
			"Admin token access is disabled. Start Portico with an admin token (--admin-token, or PORTICO_ADMIN_TOKEN / PORTICO_ADMIN_TOKEN_FILE) to enable it, or sign in.", nil)
		return false
	}
	got, ok := bearerToken(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="portico"`)
		a.errs.renderStatus(w, r, http.StatusUnauthorized,
			"Send the admin token as \"Authorization: Bearer <token>\".", nil)
		return false
	}
	sum := sha256.Sum256([]byte(got))
	if subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="portico", error="invalid_token"`)
		a.errs.renderStatus(w, r, http.StatusUnauthorized, "The admin token is not valid.", nil)
		return false
	}
	return true
}

// RequirePerson is Require(action, "subsidiary") for decisions that must be
// taken by a person, because rules such as four eyes compare who asked with
// who decides: a request with the bootstrap admin token gets 403 saying so
// (401 when the token is wrong), whatever the token may do elsewhere.
func (a *Auth) RequirePerson(action models.Action) func(http.Handler) http.Handler {
	want := sha256.Sum256([]byte(a.adminToken))
	require := a.Require(action, "subsidiary")
	return func(next http.Handler) http.Handler {
		guarded := require(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "" {
				guarded.ServeHTTP(w, r)
				return
			}
			if !a.checkAdminToken(w, r, want) {
				return
			}
			a.errs.renderStatus(w, r, http.StatusForbidden,
				"The admin token cannot do this: the decision must be taken by a person, because the four-eyes rule compares who requested a subscription with who decides on it. Sign in to the portal with an account that may approve subscriptions in this subsidiary, and send the request with that session.", nil)
		})
	}
}

// RecentSignInWindow is how long after signing in a session may create,
// rotate or reveal secrets (application keys) without signing in again.
const RecentSignInWindow = 10 * time.Minute

// RecentSignIn reports whether the request's viewer signed in less than
// RecentSignInWindow ago. Handlers that create or reveal secrets check it
// and, when false, ask the user to sign in again (see ReauthURL).
func (a *Auth) RecentSignIn(r *http.Request) bool {
	v := ViewerFrom(r.Context())
	if v == nil || v.SignedInAt.IsZero() {
		return false
	}
	age := a.sess.now().Sub(v.SignedInAt)
	return age >= -time.Minute && age < RecentSignInWindow
}

// ActorFrom returns who makes the request, for the audit trail: the
// signed-in user, the bootstrap admin token, or an anonymous visitor (no
// user ID, no email), with the request ID and client IP.
func ActorFrom(r *http.Request) models.Actor {
	a := auditActor(r)
	if tok, _ := r.Context().Value(tokenAuthKey{}).(bool); tok && a.UserID == nil {
		a.Email = ActorBootstrapToken
	}
	return a
}

// unauthenticated answers a request that needs a signed-in user: 401 on
// /api/, else a redirect to the sign-in page that returns to the page asked
// for (GET and HEAD only: other methods cannot be replayed by a redirect).
func (a *Auth) unauthenticated(w http.ResponseWriter, r *http.Request) {
	if isAPIPath(r.URL.Path) {
		a.errs.renderStatus(w, r, http.StatusUnauthorized, "Sign in to the portal to use this endpoint.", nil)
		return
	}
	to := "/login"
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		to = views.SignInURL(r.URL.RequestURI())
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// forbidden answers a signed-in user who may not do what they asked.
func (a *Auth) forbidden(w http.ResponseWriter, r *http.Request) {
	a.errs.renderStatus(w, r, http.StatusForbidden, "Your account does not have access to this. If you need it, ask an administrator of the subsidiary concerned.", nil)
}
