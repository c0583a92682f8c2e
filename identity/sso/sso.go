// Package sso is Portico's OpenID Connect and OAuth 2 relying party: it sends
// a browser to an identity provider and turns the provider's answer into a
// verified identity (Result). Handlers own what follows (users, sessions,
// roles, audit). It is a package of its own because that one job is
// security-critical and independent of HTTP routing, storage and views;
// within Portico it imports only models and identity (SafeReturnTo).
//
// # Providers
//
// Each configured provider (ProviderConfig) has a Type:
//
//   - "oidc": any OpenID Connect provider, by issuer URL (Entra ID, Okta,
//     Keycloak, Dex, ZITADEL, …).
//   - "google", "microsoft" (Entra ID, one tenant), "gitlab": the OpenID
//     Connect face of these providers, with their issuer filled in.
//   - "github": GitHub's OAuth 2 (it has no ID token); the user and their
//     verified primary email come from GitHub's API.
//
// goth (markbates/goth) supplies the providers: its openidConnect provider
// for every OpenID Connect type (goth's google, azureadv2 and gitlab
// providers keep no ID token that could be verified, and the gitlab one
// calls GitLab's retired v3 API) and its github provider for GitHub. goth
// builds the authorization URL and fetches the GitHub profile; security does
// not rest on it:
//
//   - state, nonce and a PKCE verifier (S256) are fresh for every sign-in and
//     bound to the browser in a short-lived flow cookie (AES-GCM sealed, 10
//     minutes, HttpOnly, SameSite=Lax, Secure and __Host- prefixed when the
//     portal's URL is https). The callback must present the same state; the
//     cookie is deleted there, so it works once. gothic and its gorilla
//     session store are not used.
//   - the code is exchanged with golang.org/x/oauth2 and the PKCE verifier.
//   - ID tokens are verified with coreos/go-oidc against the provider's JWKS:
//     signature, issuer, audience, expiry; then the nonce, the authorized
//     party when there are several audiences, and at_hash.
//   - discovery must report the configured issuer, or New fails.
//
// # Configuration from the environment
//
// ConfigFromEnv reads providers from these variables (NAME is the provider
// name upper-cased, with "-" written as "_"):
//
//	PORTICO_SSO_PROVIDERS          comma-separated provider names, e.g. "corporate,github"
//	PORTICO_SSO_<NAME>_TYPE        oidc (default), github, google, microsoft, gitlab
//	PORTICO_SSO_<NAME>_ISSUER      oidc: issuer URL (required; https, or http on loopback only)
//	                               microsoft: directory (tenant) ID (required), or the full issuer URL
//	                               gitlab: self-managed GitLab URL (default https://gitlab.com)
//	                               github: GitHub Enterprise Server URL (default https://github.com)
//	PORTICO_SSO_<NAME>_CLIENT_ID   the client (application) ID registered at the provider (required)
//	PORTICO_SSO_<NAME>_CLIENT_SECRET       its secret (required), or
//	PORTICO_SSO_<NAME>_CLIENT_SECRET_FILE  a file holding it
//	PORTICO_SSO_<NAME>_DISPLAY_NAME  the sign-in button's label (default by type, else NAME)
//	PORTICO_SSO_<NAME>_KIND        external (default: developers) or staff (group employees)
//	PORTICO_SSO_<NAME>_SCOPES      space-separated scopes (default "openid email profile",
//	                               plus "groups" for an oidc provider whose groups claim is "groups";
//	                               github: "read:user user:email")
//	PORTICO_SSO_<NAME>_GROUPS_CLAIM  staff: the ID token or userinfo claim holding groups, e.g. "groups"
//	PORTICO_SSO_<NAME>_ROLE_MAP    staff: group → roles, e.g.
//	                               "bank-admins=subsidiary_admin@bank;group-admins=platform_admin;
//	                               api-team=publisher@bank,publisher@insurance"
//
// The callback URL to register at each provider is the portal's public URL
// followed by /auth/NAME/callback.
//
// Staff providers must be ones where the group decides who has an account:
// "oidc", "microsoft" (one tenant) or a self-managed "gitlab". github, google
// and gitlab.com let anyone register, so they can only be external.
package sso

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/markbates/goth"
	"github.com/markbates/goth/providers/github"
	"github.com/markbates/goth/providers/openidConnect"
	"golang.org/x/oauth2"

	"github.com/portico/portico/identity"
	"github.com/portico/portico/models"
)

// The provider types.
const (
	TypeOIDC      = "oidc"
	TypeGitHub    = "github"
	TypeGoogle    = "google"
	TypeMicrosoft = "microsoft"
	TypeGitLab    = "gitlab"
)

// flowTTL is how long a sign-in may take between Begin and Complete.
const flowTTL = 10 * time.Minute

// ProviderConfig configures one identity provider.
type ProviderConfig struct {
	Name         string // URL segment and identity key, e.g. "corporate", "github"
	DisplayName  string // on the sign-in button, e.g. "Meridian staff (Entra ID)"
	Type         string // "oidc" (generic, by issuer), "github", "google", "microsoft", "gitlab"
	Issuer       string // oidc: issuer URL (discovery at /.well-known/openid-configuration); microsoft: tenant; gitlab, github: self-hosted base URL
	ClientID     string
	ClientSecret string
	Scopes       []string        // default openid email profile (+ groups claim scope if configured)
	Kind         models.UserKind // external (developers) or staff (group employees)
	GroupsClaim  string          // staff: claim holding groups/roles, e.g. "groups"
	// RoleMap maps a group value to the roles it grants (UserID unset), e.g.
	// "bank-publishers" → publisher@bank. Global roles have Domain
	// models.GlobalDomain (or "").
	RoleMap map[string][]models.RoleAssignment
}

// Provider is a configured provider as the sign-in page shows it.
type Provider struct {
	Name, DisplayName string
	Kind              models.UserKind
}

// Result is the verified identity a provider vouched for.
type Result struct {
	Provider string
	Subject  string // stable "sub" (GitHub: the numeric user ID)
	Email    string // lower-cased; never empty
	// EmailVerified is the provider's claim that the person controls Email
	// (always true for GitHub, whose verified primary email is used). Do not
	// link a sign-in to an existing account by an unverified email.
	EmailVerified bool
	Name          string
	Groups        []string
	Kind          models.UserKind
	Roles         []models.RoleAssignment // from RoleMap for staff providers (UserID unset)
	ReturnTo      string                  // a local path, from Begin
}

// Manager signs people in at the configured providers. It is safe for
// concurrent use.
type Manager struct {
	providers []*provider
	byName    map[string]*provider
	client    *http.Client
	aead      cipher.AEAD
	cookie    string // flow cookie name
	secure    bool
	now       func() time.Time
}

type provider struct {
	cfg    ProviderConfig
	issuer string // OpenID Connect issuer; "" for GitHub
	goth   goth.Provider
	oauth  oauth2.Config

	// OpenID Connect types.
	oidc     *oidc.Provider
	verifier *oidc.IDTokenVerifier
	userInfo bool // the provider has a userinfo endpoint

	// GitHub.
	github    *github.Provider
	emailsURL string
}

// New sets up the providers: it runs OpenID Connect discovery (bounded by
// ctx; a provider whose discovery fails, or reports another issuer than the
// configured one, is an error naming it) and builds goth providers.
// callbackBase is the portal's public URL; a provider's callback is
// callbackBase + "/auth/" + name + "/callback". secret keys the flow cookie
// and must be at least 32 bytes. client makes every request to the providers
// (nil: a client with a 30 s timeout). All configuration problems are
// reported at once.
func New(ctx context.Context, cfgs []ProviderConfig, callbackBase string, secret []byte, client *http.Client) (*Manager, error) {
	base, err := url.Parse(strings.TrimSuffix(callbackBase, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" || base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("sso: callback base %q is not an absolute http(s) URL", callbackBase)
	}
	if len(secret) < 32 {
		return nil, errors.New("sso: the flow cookie secret must be at least 32 bytes")
	}
	aead, err := newAEAD(secret)
	if err != nil {
		return nil, fmt.Errorf("sso: %w", err)
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	m := &Manager{
		byName: map[string]*provider{},
		client: client,
		aead:   aead,
		cookie: "portico_sso_flow",
		secure: base.Scheme == "https",
		now:    time.Now,
	}
	if m.secure {
		m.cookie = "__Host-portico_sso_flow"
	}

	var errs []error
	seen := map[string]bool{}
	for _, cfg := range cfgs {
		if seen[cfg.Name] {
			errs = append(errs, fmt.Errorf("sso provider %q: configured twice", cfg.Name))
			continue
		}
		seen[cfg.Name] = true
		if err := cfg.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		p, err := m.setUp(ctx, cfg, base.String()+"/auth/"+cfg.Name+"/callback")
		if err != nil {
			errs = append(errs, fmt.Errorf("sso provider %q: %w", cfg.Name, err))
			continue
		}
		m.providers = append(m.providers, p)
		m.byName[cfg.Name] = p
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Manager) setUp(ctx context.Context, cfg ProviderConfig, callback string) (*provider, error) {
	if cfg.DisplayName == "" {
		cfg.DisplayName = defaultDisplayName(cfg)
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = defaultScopes(cfg)
	}
	p := &provider{cfg: cfg}

	if cfg.Type == TypeGitHub {
		authURL, tokenURL, apiURL := githubEndpoints(cfg.Issuer)
		gp := github.NewCustomisedURL(cfg.ClientID, cfg.ClientSecret, callback, authURL, tokenURL, apiURL+"/user", apiURL+"/user/emails", scopes...)
		gp.SetName(cfg.Name)
		gp.HTTPClient = m.client
		p.goth, p.github, p.emailsURL = gp, gp, apiURL+"/user/emails"
		p.oauth = oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: callback, Scopes: scopes,
			Endpoint: oauth2.Endpoint{AuthURL: authURL, TokenURL: tokenURL},
		}
		return p, nil
	}

	issuer := issuerURL(cfg)
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, m.client), issuer)
	if err != nil {
		return nil, fmt.Errorf("discovery at %s: %w", issuer, err)
	}
	var meta struct {
		UserInfo string `json:"userinfo_endpoint"`
	}
	if err := op.Claims(&meta); err != nil {
		return nil, fmt.Errorf("discovery at %s: %w", issuer, err)
	}
	ep := op.Endpoint()
	gp, err := openidConnect.NewCustomisedURL(cfg.ClientID, cfg.ClientSecret, callback, ep.AuthURL, ep.TokenURL, issuer, meta.UserInfo, "", scopes...)
	if err != nil {
		return nil, err
	}
	gp.SetName(cfg.Name)
	gp.HTTPClient = m.client
	p.goth = gp
	p.issuer = issuer
	p.oidc = op
	p.userInfo = meta.UserInfo != ""
	// The key set outlives New's ctx: keep its values (the client), not its deadline.
	p.verifier = op.VerifierContext(oidc.ClientContext(context.WithoutCancel(ctx), m.client), &oidc.Config{
		ClientID: cfg.ClientID,
		Now:      func() time.Time { return m.now() },
	})
	p.oauth = oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: callback, Scopes: scopes, Endpoint: ep}
	return p, nil
}

// Providers lists the configured providers in configuration order.
func (m *Manager) Providers() []Provider {
	out := make([]Provider, 0, len(m.providers))
	for _, p := range m.providers {
		out = append(out, Provider{Name: p.cfg.Name, DisplayName: p.cfg.DisplayName, Kind: p.cfg.Kind})
	}
	return out
}

// Begin starts a sign-in at the named provider: it binds a fresh state, nonce
// and PKCE verifier, with returnTo (passed through identity.SafeReturnTo), to the
// browser in a 10-minute flow cookie and redirects (302) to the provider. It
// returns a NotFound error for an unknown provider; any other error is
// internal and nothing has been written to w.
func (m *Manager) Begin(w http.ResponseWriter, r *http.Request, provider, returnTo string) error {
	p := m.byName[provider]
	if p == nil {
		return models.Errorf(models.NotFound, "Unknown sign-in provider.")
	}
	f := flow{
		Provider: provider,
		State:    randomToken(),
		Nonce:    randomToken(),
		Verifier: oauth2.GenerateVerifier(),
		ReturnTo: identity.SafeReturnTo(returnTo),
		Expires:  m.now().Add(flowTTL).Unix(),
	}
	sess, err := p.goth.BeginAuth(f.State)
	if err != nil {
		return fmt.Errorf("begin sign-in with %s: %w", provider, err)
	}
	raw, err := sess.GetAuthURL()
	if err != nil {
		return fmt.Errorf("begin sign-in with %s: %w", provider, err)
	}
	authURL, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("begin sign-in with %s: %w", provider, err)
	}
	q := authURL.Query()
	q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(f.Verifier))
	q.Set("code_challenge_method", "S256")
	if p.oidc != nil {
		q.Set("nonce", f.Nonce)
	}
	authURL.RawQuery = q.Encode()

	value, err := m.seal(f)
	if err != nil {
		return fmt.Errorf("begin sign-in with %s: %w", provider, err)
	}
	http.SetCookie(w, m.flowCookie(value, int(flowTTL/time.Second)))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, authURL.String(), http.StatusFound)
	return nil
}

// User-safe messages of sign-in refusals.
const (
	msgExpired   = "Sign-in failed: the sign-in link has expired or was already used. Try again."
	msgCancelled = "Sign-in was cancelled at the identity provider."
	msgProvider  = "Sign-in failed: the identity provider did not complete the sign-in. Try again."
	msgVerify    = "Sign-in failed: the identity provider's answer could not be verified. Try again."
	msgNoEmail   = "Sign-in failed: the identity provider did not share your email address."
)

// Causes of refusals, wrapped inside the returned error for logs and tests.
var (
	errNoFlow        = errors.New("no flow cookie")
	errBadFlow       = errors.New("flow cookie does not open")
	errFlowExpired   = errors.New("flow cookie expired")
	errFlowProvider  = errors.New("flow cookie is for another provider")
	errState         = errors.New("state does not match the flow cookie")
	errProviderError = errors.New("provider answered with an error")
	errIssuerParam   = errors.New("authorization response names another issuer")
	errNoCode        = errors.New("no code in the callback")
	errExchange      = errors.New("code exchange refused")
	errNoIDToken     = errors.New("token response has no id_token")
	errIDToken       = errors.New("ID token invalid")
	errNonce         = errors.New("ID token nonce does not match the flow cookie")
	errUserInfo      = errors.New("userinfo refused")
	errProfile       = errors.New("profile fetch refused")
	errNoSubject     = errors.New("no subject")
	errNoEmail       = errors.New("no usable email address")
)

// refuse returns an Unauthenticated *models.Error carrying msg, wrapping
// cause for logs.
func refuse(provider, msg string, cause error) error {
	return fmt.Errorf("sign in with %s: %w (%w)", provider, cause, models.Errorf(models.Unauthenticated, "%s", msg))
}

// Complete finishes a sign-in at the provider's callback. It checks the state
// against the flow cookie (and deletes the cookie, so a flow completes at most
// once), exchanges the code with the PKCE verifier and, for OpenID Connect,
// verifies the ID token against the provider's JWKS (signature, iss, aud, exp,
// nonce); for GitHub it fetches the user and their verified primary email.
// It returns a NotFound error for an unknown provider and an Unauthenticated
// *models.Error with a user-safe message for every refusal; the wrapped
// cause is for logs and never contains tokens.
func (m *Manager) Complete(w http.ResponseWriter, r *http.Request, provider string) (Result, error) {
	p := m.byName[provider]
	if p == nil {
		return Result{}, models.Errorf(models.NotFound, "Unknown sign-in provider.")
	}
	f, err := m.takeFlow(w, r)
	if err != nil {
		return Result{}, refuse(provider, msgExpired, err)
	}
	if f.Provider != provider {
		return Result{}, refuse(provider, msgExpired, errFlowProvider)
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		return Result{}, refuse(provider, msgExpired, errState)
	}
	if e := q.Get("error"); e != "" {
		msg := msgProvider
		if e == "access_denied" {
			msg = msgCancelled
		}
		return Result{}, refuse(provider, msg, fmt.Errorf("%w: %.64q", errProviderError, e))
	}
	// RFC 9207: a provider that names itself must be the one we sent the browser to.
	if iss := q.Get("iss"); iss != "" && p.issuer != "" && iss != p.issuer {
		return Result{}, refuse(provider, msgVerify, errIssuerParam)
	}
	code := q.Get("code")
	if code == "" {
		return Result{}, refuse(provider, msgProvider, errNoCode)
	}

	ctx := context.WithValue(r.Context(), oauth2.HTTPClient, m.client)
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return Result{}, refuse(provider, msgProvider, fmt.Errorf("%w: %w", errExchange, err))
	}
	var res Result
	if p.oidc != nil {
		res, err = m.oidcIdentity(ctx, p, tok, f.Nonce)
	} else {
		res, err = m.githubIdentity(ctx, p, tok)
	}
	if err != nil {
		return Result{}, err
	}
	res.Provider = provider
	res.Kind = p.cfg.Kind
	res.ReturnTo = f.ReturnTo
	res.Email = strings.ToLower(strings.TrimSpace(res.Email))
	if res.Subject == "" {
		return Result{}, refuse(provider, msgVerify, errNoSubject)
	}
	if res.Email == "" {
		return Result{}, refuse(provider, msgNoEmail, errNoEmail)
	}
	if p.cfg.Kind == models.UserStaff {
		res.Roles = rolesFor(p.cfg.RoleMap, res.Groups)
	}
	return res, nil
}

// rolesFor returns the roles RoleMap grants to groups, without duplicates,
// global roles in models.GlobalDomain.
func rolesFor(roleMap map[string][]models.RoleAssignment, groups []string) []models.RoleAssignment {
	var out []models.RoleAssignment
	seen := map[models.RoleAssignment]bool{}
	for _, g := range groups {
		for _, ra := range roleMap[g] {
			ra.UserID = 0
			if !ra.Role.Scoped() {
				ra.Domain = models.GlobalDomain
			}
			if !seen[ra] {
				seen[ra] = true
				out = append(out, ra)
			}
		}
	}
	return out
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// contextClient returns a copy of c whose requests carry ctx, for library
// calls (goth's) that make requests without a context.
func contextClient(ctx context.Context, c *http.Client) *http.Client {
	cc := *c
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cc.Transport = contextTransport{ctx: ctx, base: base}
	return &cc
}

type contextTransport struct {
	ctx  context.Context
	base http.RoundTripper
}

func (t contextTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.base.RoundTrip(r.WithContext(t.ctx))
}
