package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/identity"
	"github.com/portico/portico/identity/sso"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// Sign-in limits.
const (
	maxLoginForm  = 16 << 10 // bytes of a posted sign-in form
	maxEmailRunes = 254
)

// msgBadCredentials is the one answer to a wrong password, an unknown
// email, an account without a password and a deactivated account, so the
// sign-in form does not reveal which accounts exist.
const msgBadCredentials = "Email or password is incorrect."

// DefaultLoginThrottle and DefaultIPThrottle bound failed local sign-ins:
// per email address, and per client IP (many people may share one, behind
// a company's NAT).
// The zero Throttle is identity's default (5 failures in 15 minutes lock
// for 15 minutes).
var (
	DefaultLoginThrottle = identity.Throttle{}
	DefaultIPThrottle    = identity.Throttle{MaxFailures: 50}
)

// DemoAccount is a ready-made account of a demo run, listed with its
// password on the sign-in page.
type DemoAccount struct {
	Persona  string // "Admin of Meridian Bank"
	Email    string
	Password string
}

// AuthStore is what signing in and out needs from persistence.
type AuthStore interface {
	SessionStore
	FindUserByEmail(ctx context.Context, email string) (models.User, error)
	RecordSignIn(ctx context.Context, actor models.Actor, userID int64, method string) error
	RecordSignInFailure(ctx context.Context, actor models.Actor, email, reason string) error
	SignInSSO(ctx context.Context, actor models.Actor, provider, subject, email, name string, emailVerified bool, kind models.UserKind, roleGrants []models.RoleAssignment) (models.User, error)
	AcceptInvitations(ctx context.Context, actor models.Actor, user models.User) ([]models.Invitation, error)
	LoginFailures(ctx context.Context, key string, since time.Time) ([]time.Time, error)
	ClearLoginFailures(ctx context.Context, key string) error
	AppendAudit(ctx context.Context, e models.AuditEvent) (models.AuditEvent, error)
}

// SSO signs people in at identity providers. *sso.Manager satisfies it.
type SSO interface {
	Providers() []sso.Provider
	Begin(w http.ResponseWriter, r *http.Request, provider, returnTo string) error
	Complete(w http.ResponseWriter, r *http.Request, provider string) (sso.Result, error)
}

// Auth signs people in and out (local accounts and SSO), keeps their
// sessions and guards routes (see authz.go).
type Auth struct {
	st         AuthStore
	sess       *sessions
	sso        SSO // nil: no providers
	pages      *pageRenderer
	errs       *ErrorRenderer
	demo       []DemoAccount
	throttle   identity.Throttle // per email
	ipThrottle identity.Throttle // per client IP
	adminToken string
	// emailLocks serializes the sign-in attempts on one email, so parallel
	// guesses cannot all pass the throttle before any failure is recorded.
	emailLocks keyLocks
}

// keyLocks is a set of mutexes by key, each kept only while in use.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	mu    sync.Mutex
	users int
}

// lock locks key and returns the function that unlocks it.
func (k *keyLocks) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyLock{}
		k.m[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}

func newAuth(opts Options, st AuthStore, pages *pageRenderer, errs *ErrorRenderer, secure bool) *Auth {
	authz, ssoM := opts.Authorizer, opts.SSO
	// A nil *identity.Authorizer or *sso.Manager in the interface means none.
	if isNil(authz) {
		authz = nil
	}
	if isNil(ssoM) {
		ssoM = nil
	}
	a := &Auth{
		st:         st,
		sess:       newSessions(st, authz, errs, secure, opts.SessionIdle, opts.SessionLifetime, opts.Now),
		sso:        ssoM,
		pages:      pages,
		errs:       errs,
		demo:       opts.DemoAccounts,
		throttle:   opts.LoginThrottle,
		ipThrottle: opts.IPThrottle,
		adminToken: opts.AdminToken,
	}
	if a.throttle == (identity.Throttle{}) {
		a.throttle = DefaultLoginThrottle
	}
	if a.ipThrottle == (identity.Throttle{}) {
		a.ipThrottle = DefaultIPThrottle
	}
	return a
}

// isNil reports whether v is nil or a nil pointer.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// Routes registers sign-in, sign-out and the SSO endpoints. They are open
// to everyone.
func (a *Auth) Routes(r chi.Router) {
	r.Get("/login", a.new)
	r.Post("/login", a.create)
	r.Post("/logout", a.delete)
	r.Get("/auth/{provider}", a.begin)
	r.Get("/auth/{provider}/callback", a.callback)
}

// new shows the sign-in page. A signed-in visitor is sent on to return_to,
// unless they are asked to confirm who they are (reauth=1, before a secret
// is shown): then the page offers the ways their account signs in, and a
// successful sign-in starts a fresh session.
func (a *Auth) new(w http.ResponseWriter, r *http.Request) {
	returnTo := identity.SafeReturnTo(r.URL.Query().Get("return_to"))
	if v := ViewerFrom(r.Context()); v != nil {
		if !reauthRequested(r) {
			http.Redirect(w, r, returnTo, http.StatusSeeOther)
			return
		}
		a.renderSignIn(w, r, http.StatusOK, returnTo, v.User.Email, "")
		return
	}
	a.renderSignIn(w, r, http.StatusOK, returnTo, "", "")
}

// reauthRequested reports whether a signed-in visitor asked to sign in
// again (reauth=1 in the URL, or in the posted form).
func reauthRequested(r *http.Request) bool {
	if ViewerFrom(r.Context()) == nil {
		return false
	}
	return r.URL.Query().Get("reauth") == "1" || (r.PostForm != nil && r.PostForm.Get("reauth") == "1")
}

// loginForm is the posted sign-in form.
type loginForm struct {
	Email    string
	Password string
	ReturnTo string // already made safe
}

// parseLoginForm reads the sign-in form: email trimmed and lower-cased,
// password as typed, return_to made a safe local path.
func parseLoginForm(w http.ResponseWriter, r *http.Request) (loginForm, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		return loginForm{}, models.Errorf(models.Invalid, "The sign-in form could not be read.")
	}
	f := loginForm{
		Email:    strings.ToLower(strings.TrimSpace(r.PostForm.Get("email"))),
		Password: r.PostForm.Get("password"),
		ReturnTo: identity.SafeReturnTo(r.PostForm.Get("return_to")),
	}
	if len([]rune(f.Email)) > maxEmailRunes {
		f.Email = string([]rune(f.Email)[:maxEmailRunes])
	}
	return f, nil
}

// create signs in with a local account's email and password. Unknown
// emails, wrong passwords and deactivated accounts get the same answer after
// the same work; repeated failures per email and per client IP are refused
// for a while (429); every attempt is audited.
func (a *Auth) create(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	form, err := parseLoginForm(w, r)
	if err != nil {
		a.errs.Render(w, r, err)
		return
	}
	if form.Email == "" || form.Password == "" {
		a.renderSignIn(w, r, http.StatusUnprocessableEntity, form.ReturnTo, form.Email, "Enter your email and password.")
		return
	}
	actor := actorOf(r, nil, form.Email)
	// From the throttle check to the recorded outcome, one attempt per
	// email at a time (in this process).
	unlock := a.emailLocks.lock(form.Email)
	defer unlock()
	wait, err := a.lockedOut(ctx, form.Email, actor.ClientIP)
	if err != nil {
		a.errs.Render(w, r, err)
		return
	}
	if wait > 0 {
		a.refuseThrottled(w, r, form, wait)
		return
	}
	u, reason, err := a.checkPassword(ctx, form.Email, form.Password)
	if err != nil {
		a.errs.Render(w, r, err)
		return
	}
	if reason != "" {
		if err := a.st.RecordSignInFailure(ctx, actor, form.Email, reason); err != nil {
			a.errs.Render(w, r, err)
			return
		}
		a.renderSignIn(w, r, http.StatusUnauthorized, form.ReturnTo, form.Email, msgBadCredentials)
		return
	}
	if err := a.signIn(ctx, r, u, "local"); err != nil {
		a.errs.Render(w, r, err)
		return
	}
	if err := a.st.ClearLoginFailures(ctx, form.Email); err != nil {
		a.errs.Render(w, r, err)
		return
	}
	http.Redirect(w, r, form.ReturnTo, http.StatusSeeOther)
}

// lockedOut returns how long sign-ins for email, or from ip, are refused.
func (a *Auth) lockedOut(ctx context.Context, email, ip string) (time.Duration, error) {
	now := a.sess.now()
	var wait time.Duration
	for _, c := range []struct {
		key string
		t   identity.Throttle
	}{{email, a.throttle}, {ip, a.ipThrottle}} {
		if c.key == "" {
			continue
		}
		failures, err := a.st.LoginFailures(ctx, c.key, c.t.Since(now))
		if err != nil {
			return 0, fmt.Errorf("check sign-in throttle: %w", err)
		}
		if locked, d := c.t.Locked(failures, now); locked {
			wait = max(wait, d, time.Second)
		}
	}
	return wait, nil
}

// refuseThrottled answers 429 with Retry-After, without checking the
// password. Nothing is recorded (identity.Throttle): the lockout ends
// Lockout after the failure that caused it, whatever happens meanwhile.
func (a *Auth) refuseThrottled(w http.ResponseWriter, r *http.Request, form loginForm, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	a.renderSignIn(w, r, http.StatusTooManyRequests, form.ReturnTo, form.Email,
		fmt.Sprintf("Too many failed sign-in attempts. Try again in %s.", waitText(wait)))
}

// waitText says how long to wait in words: "1 minute", "15 minutes".
func waitText(d time.Duration) string {
	m := int((d + time.Minute - 1) / time.Minute)
	if m <= 1 {
		return "1 minute"
	}
	return strconv.Itoa(m) + " minutes"
}

// checkPassword returns the user whose email and password these are, or
// the reason (for the audit trail) why not. It verifies a password hash in
// every case, so unknown emails cost as much as known ones.
func (a *Auth) checkPassword(ctx context.Context, email, password string) (models.User, string, error) {
	u, err := a.st.FindUserByEmail(ctx, email)
	switch {
	case models.KindOf(err) == models.NotFound:
		identity.VerifyNoAccount(password)
		return models.User{}, "unknown email", nil
	case err != nil:
		return models.User{}, "", err
	case u.PasswordHash == "":
		identity.VerifyNoAccount(password)
		return models.User{}, "no local password", nil
	}
	ok, err := identity.VerifyPassword(u.PasswordHash, password)
	switch {
	case err != nil:
		return models.User{}, "", fmt.Errorf("verify password of user %d: %w", u.ID, err)
	case !ok:
		return models.User{}, "wrong password", nil
	case !u.Active():
		return models.User{}, "account deactivated", nil
	}
	return u, "", nil
}

// signIn starts u's session after a successful sign-in: pending invitations
// are accepted (they may grant roles), the sign-in is audited, and the
// browser gets a new session token.
func (a *Auth) signIn(ctx context.Context, r *http.Request, u models.User, method string) error {
	actor := actorOf(r, &u.ID, u.Email)
	if _, err := a.st.AcceptInvitations(ctx, actor, u); err != nil {
		return err
	}
	if err := a.st.RecordSignIn(ctx, actor, u.ID, method); err != nil {
		return err
	}
	return a.sess.start(ctx, u, method)
}

// delete signs out: the session ends on the server, not only in the
// browser ("auth.sign_out" in the audit trail).
func (a *Auth) delete(w http.ResponseWriter, r *http.Request) {
	if err := a.sess.destroy(r.Context()); err != nil {
		a.errs.Render(w, r, err)
		return
	}
	if v := ViewerFrom(r.Context()); v != nil {
		actor := ActorFrom(r)
		_, err := a.st.AppendAudit(r.Context(), models.AuditEvent{
			ActorID: actor.UserID, ActorEmail: actor.Email, Action: "auth.sign_out",
			Target: "user:" + strconv.FormatInt(v.User.ID, 10), RequestID: actor.RequestID, ClientIP: actor.ClientIP,
		})
		if err != nil {
			a.errs.Render(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// begin sends the browser to the identity provider.
func (a *Auth) begin(w http.ResponseWriter, r *http.Request) {
	if a.sso == nil {
		a.errs.Render(w, r, models.Errorf(models.NotFound, "Unknown sign-in provider."))
		return
	}
	returnTo := identity.SafeReturnTo(r.URL.Query().Get("return_to"))
	if err := a.sso.Begin(w, r, chi.URLParam(r, "provider"), returnTo); err != nil {
		a.errs.Render(w, r, err)
	}
}

// callback completes a sign-in at the identity provider: the provider's
// answer is verified, the user found or created (with the roles a staff
// provider's groups grant), and a new session started. A refusal shows the
// sign-in page with a user-safe reason and is audited.
func (a *Auth) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	provider := chi.URLParam(r, "provider")
	if a.sso == nil {
		a.errs.Render(w, r, models.Errorf(models.NotFound, "Unknown sign-in provider."))
		return
	}
	res, err := a.sso.Complete(w, r, provider)
	if models.KindOf(err) == models.NotFound {
		a.errs.Render(w, r, err)
		return
	}
	if err != nil {
		a.refuseSSO(w, r, actorOf(r, nil, ""), provider, "/", err)
		return
	}
	actor := actorOf(r, nil, res.Email)
	u, err := a.st.SignInSSO(ctx, actor, res.Provider, res.Subject, res.Email, res.Name, res.EmailVerified, res.Kind, res.Roles)
	if err != nil {
		a.refuseSSO(w, r, actor, provider, res.ReturnTo, err)
		return
	}
	if !u.Active() {
		a.refuseSSO(w, r, actor, provider, res.ReturnTo, models.Errorf(models.Forbidden, "This account is deactivated. Contact an administrator of the portal."))
		return
	}
	if err := a.signIn(ctx, r, u, provider); err != nil {
		a.errs.Render(w, r, err)
		return
	}
	http.Redirect(w, r, identity.SafeReturnTo(res.ReturnTo), http.StatusSeeOther)
}

// refuseSSO audits a refused SSO sign-in and shows the sign-in page with
// the error's user-safe message. Internal errors go to the error page.
func (a *Auth) refuseSSO(w http.ResponseWriter, r *http.Request, actor models.Actor, provider, returnTo string, err error) {
	kind := models.KindOf(err)
	if kind == models.Internal {
		a.errs.Render(w, r, err)
		return
	}
	if aerr := a.st.RecordSignInFailure(r.Context(), actor, actor.Email, "sso:"+provider+": "+err.Error()); aerr != nil {
		a.errs.Render(w, r, aerr)
		return
	}
	a.renderSignIn(w, r, statusOf[kind], identity.SafeReturnTo(returnTo), "", models.MessageOf(err))
}

// renderSignIn renders the sign-in page with status and, after a failed
// attempt, the email typed and a user-safe error.
func (a *Auth) renderSignIn(w http.ResponseWriter, r *http.Request, status int, returnTo, email, errMsg string) {
	v := views.SignInView{ReturnTo: returnTo, Email: email, Error: errMsg, LocalForm: true}
	if reauthRequested(r) {
		// Confirming who they are: the account's own way to sign in, for
		// the account of the session only.
		u := ViewerFrom(r.Context()).User
		v.Reauth, v.Email, v.LocalForm = true, u.Email, u.PasswordHash != ""
	}
	if a.sso != nil && !(v.Reauth && v.LocalForm) {
		for _, p := range a.sso.Providers() {
			u := "/auth/" + p.Name
			if returnTo != "/" {
				u += "?return_to=" + url.QueryEscape(returnTo)
			}
			v.Providers = append(v.Providers, views.SignInProvider{Name: p.Name, DisplayName: p.DisplayName, Staff: p.Kind == models.UserStaff, URL: u})
		}
	}
	for _, d := range a.demo {
		if v.Reauth {
			break
		}
		v.DemoAccounts = append(v.DemoAccounts, views.DemoAccount{Persona: d.Persona, Email: d.Email, Password: d.Password})
	}
	// The page may list demo passwords, and echoes an email: keep it out of caches.
	w.Header().Set("Cache-Control", "no-store")
	a.pages.render(w, r, status, views.SignInPage(a.pages.meta(r, "Sign in", "login"), v))
}

// actorOf is the audit actor of a request made by the user with userID (nil
// when not signed in) and email.
func actorOf(r *http.Request, userID *int64, email string) models.Actor {
	return models.Actor{UserID: userID, Email: email, RequestID: RequestIDFrom(r.Context()), ClientIP: clientIP(r)}
}
