package sso

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/portico/portico/models"
)

var (
	namePattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	domainPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	tenantPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]*$`)
)

// The configuration fields, as ConfigFromEnv names them after
// PORTICO_SSO_<NAME>_.
const (
	fieldType         = "TYPE"
	fieldIssuer       = "ISSUER"
	fieldClientID     = "CLIENT_ID"
	fieldClientSecret = "CLIENT_SECRET"
	fieldKind         = "KIND"
	fieldGroupsClaim  = "GROUPS_CLAIM"
	fieldRoleMap      = "ROLE_MAP"
)

// Validate reports every problem of c at once (errors.Join), each naming the
// provider. New calls it.
func (c ProviderConfig) Validate() error {
	return errors.Join(c.problems(func(field string) string {
		return fmt.Sprintf("sso provider %q: %s", c.Name, field)
	})...)
}

// problems lists what is wrong with c; name turns a field into the words
// that introduce a problem with it.
func (c ProviderConfig) problems(name func(field string) string) []error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s %s", name(field), fmt.Sprintf(format, args...)))
	}
	if !namePattern.MatchString(c.Name) {
		errs = append(errs, fmt.Errorf("sso provider name %q: use 1 to 32 lower-case letters, digits and dashes", c.Name))
	}
	switch c.Type {
	case TypeOIDC:
		if c.Issuer == "" {
			add(fieldIssuer, "is required for type oidc")
		} else if err := checkIssuer(c.Issuer); err != nil {
			add(fieldIssuer, "%v", err)
		}
	case TypeMicrosoft:
		switch t := strings.ToLower(c.Issuer); {
		case t == "":
			add(fieldIssuer, "is required for type microsoft: the directory (tenant) ID")
		case t == "common" || t == "organizations" || t == "consumers":
			add(fieldIssuer, "%q would let any Microsoft account sign in: use the directory (tenant) ID", c.Issuer)
		case strings.Contains(t, "://"):
			if err := checkIssuer(c.Issuer); err != nil {
				add(fieldIssuer, "%v", err)
			}
		case !tenantPattern.MatchString(c.Issuer):
			add(fieldIssuer, "%q is not a directory (tenant) ID", c.Issuer)
		}
	case TypeGitHub, TypeGoogle, TypeGitLab:
		if c.Issuer != "" {
			if err := checkIssuer(c.Issuer); err != nil {
				add(fieldIssuer, "%v", err)
			}
		}
	default:
		add(fieldType, "%q is not one of oidc, github, google, microsoft, gitlab", c.Type)
	}
	if c.ClientID == "" {
		add(fieldClientID, "is required")
	}
	if c.ClientSecret == "" {
		add(fieldClientSecret, "is required")
	}
	switch c.Kind {
	case models.UserExternal:
	case models.UserStaff:
		// Anyone can open an account at these: they cannot vouch for staff.
		if c.Type == TypeGitHub || c.Type == TypeGoogle || (c.Type == TypeGitLab && c.Issuer == "") {
			add(fieldKind, "staff is refused for type %s: anyone can register there", c.Type)
		}
	default:
		add(fieldKind, "%q is not external or staff", c.Kind)
	}
	if c.GroupsClaim != "" && c.Type == TypeGitHub {
		add(fieldGroupsClaim, "is not supported for type github")
	}
	if len(c.RoleMap) > 0 {
		if c.Kind != models.UserStaff {
			add(fieldRoleMap, "is only for staff providers")
		}
		if c.GroupsClaim == "" {
			add(fieldRoleMap, "needs a groups claim (%s)", fieldGroupsClaim)
		}
		groups := make([]string, 0, len(c.RoleMap))
		for g := range c.RoleMap {
			groups = append(groups, g)
		}
		slices.Sort(groups)
		for _, g := range groups {
			if g == "" {
				add(fieldRoleMap, "has an empty group")
			}
			for _, ra := range c.RoleMap[g] {
				if err := checkRole(ra); err != nil {
					add(fieldRoleMap, "group %q: %v", g, err)
				}
			}
		}
	}
	return errs
}

// checkIssuer accepts an absolute https URL, or http on a loopback host.
func checkIssuer(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q is not an absolute URL without query", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
	}
	return fmt.Errorf("%q must use https (http only on a loopback address)", s)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkRole accepts a known role: scoped roles in a subsidiary, global
// roles in models.GlobalDomain (or "").
func checkRole(ra models.RoleAssignment) error {
	if !ra.Role.Valid() {
		return fmt.Errorf("unknown role %q", ra.Role)
	}
	if ra.Role.Scoped() {
		if !domainPattern.MatchString(ra.Domain) {
			return fmt.Errorf("role %s needs a subsidiary (%s@<subsidiary>)", ra.Role, ra.Role)
		}
		return nil
	}
	if ra.Domain != "" && ra.Domain != models.GlobalDomain {
		return fmt.Errorf("role %s is global: drop @%s", ra.Role, ra.Domain)
	}
	return nil
}

func defaultDisplayName(c ProviderConfig) string {
	switch c.Type {
	case TypeGitHub:
		return "GitHub"
	case TypeGoogle:
		return "Google"
	case TypeMicrosoft:
		return "Microsoft"
	case TypeGitLab:
		return "GitLab"
	}
	return c.Name
}

func defaultScopes(c ProviderConfig) []string {
	if c.Type == TypeGitHub {
		return []string{"read:user", "user:email"}
	}
	s := []string{"openid", "email", "profile"}
	// Generic providers (Dex, Okta, Keycloak) release a "groups" claim for a
	// "groups" scope; Entra ID and GitLab put groups in the token unasked.
	if c.Type == TypeOIDC && c.GroupsClaim == "groups" {
		s = append(s, "groups")
	}
	return s
}

// issuerURL is the issuer of an OpenID Connect type.
func issuerURL(c ProviderConfig) string {
	switch c.Type {
	case TypeGoogle:
		if c.Issuer == "" {
			return "https://accounts.google.com"
		}
	case TypeGitLab:
		if c.Issuer == "" {
			return "https://gitlab.com"
		}
	case TypeMicrosoft:
		if !strings.Contains(c.Issuer, "://") {
			return "https://login.microsoftonline.com/" + c.Issuer + "/v2.0"
		}
	}
	return c.Issuer
}

// githubEndpoints returns the OAuth endpoints and API base of github.com or
// of a GitHub Enterprise Server at base.
func githubEndpoints(base string) (authURL, tokenURL, apiURL string) {
	base = strings.TrimSuffix(base, "/")
	if base == "" || base == "https://github.com" {
		return "https://github.com/login/oauth/authorize", "https://github.com/login/oauth/access_token", "https://api.github.com"
	}
	return base + "/login/oauth/authorize", base + "/login/oauth/access_token", base + "/api/v3"
}
