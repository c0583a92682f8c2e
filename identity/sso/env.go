package sso

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/portico/portico/models"
)

// ConfigFromEnv reads the providers named by PORTICO_SSO_PROVIDERS from the
// environment through getenv (the variables are listed in the package
// comment). It returns nil and no error when PORTICO_SSO_PROVIDERS is empty,
// and reports every problem at once (errors.Join), each naming its variable.
// Secrets from _CLIENT_SECRET_FILE are read from disk.
func ConfigFromEnv(getenv func(string) string) ([]ProviderConfig, error) {
	list := strings.TrimSpace(getenv("PORTICO_SSO_PROVIDERS"))
	if list == "" {
		return nil, nil
	}
	var (
		cfgs []ProviderConfig
		errs []error
		seen = map[string]bool{}
	)
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !namePattern.MatchString(name) {
			errs = append(errs, fmt.Errorf("PORTICO_SSO_PROVIDERS: %q is not a provider name (1 to 32 lower-case letters, digits and dashes)", name))
			continue
		}
		if seen[name] {
			errs = append(errs, fmt.Errorf("PORTICO_SSO_PROVIDERS: %q is listed twice", name))
			continue
		}
		seen[name] = true
		cfg, problems := providerFromEnv(getenv, name)
		errs = append(errs, problems...)
		cfgs = append(cfgs, cfg)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return cfgs, nil
}

// envPrefix is the prefix of a provider's variables.
func envPrefix(name string) string {
	return "PORTICO_SSO_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_"
}

func providerFromEnv(getenv func(string) string, name string) (ProviderConfig, []error) {
	prefix := envPrefix(name)
	get := func(field string) string { return strings.TrimSpace(getenv(prefix + field)) }
	var errs []error

	cfg := ProviderConfig{
		Name:        name,
		Type:        strings.ToLower(get(fieldType)),
		Issuer:      get(fieldIssuer),
		ClientID:    get(fieldClientID),
		DisplayName: get("DISPLAY_NAME"),
		Kind:        models.UserKind(strings.ToLower(get(fieldKind))),
		GroupsClaim: get(fieldGroupsClaim),
	}
	if scopes := strings.Fields(get("SCOPES")); len(scopes) > 0 {
		cfg.Scopes = scopes
	}
	if cfg.Type == "" {
		cfg.Type = TypeOIDC
	}
	if cfg.Kind == "" {
		cfg.Kind = models.UserExternal
	}
	if cfg.DisplayName == "" {
		cfg.DisplayName = defaultDisplayName(cfg)
	}

	secret, secretFile := getenv(prefix+fieldClientSecret), get(fieldClientSecret+"_FILE")
	switch {
	case secret != "" && secretFile != "":
		errs = append(errs, fmt.Errorf("%s%s and %s%s_FILE are both set: keep one", prefix, fieldClientSecret, prefix, fieldClientSecret))
	case secretFile != "":
		b, err := os.ReadFile(secretFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s%s_FILE: %w", prefix, fieldClientSecret, err))
		}
		cfg.ClientSecret = strings.TrimSpace(string(b))
		if err == nil && cfg.ClientSecret == "" {
			errs = append(errs, fmt.Errorf("%s%s_FILE: %s is empty", prefix, fieldClientSecret, secretFile))
		}
	default:
		cfg.ClientSecret = strings.TrimSpace(secret)
	}

	if raw := get(fieldRoleMap); raw != "" {
		roleMap, err := parseRoleMap(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s%s: %w", prefix, fieldRoleMap, err))
		}
		cfg.RoleMap = roleMap
	}

	for _, err := range cfg.problems(func(field string) string { return prefix + field }) {
		// A secret file that failed to read is reported once, above.
		if secretFile != "" && strings.HasPrefix(err.Error(), prefix+fieldClientSecret+" ") {
			continue
		}
		errs = append(errs, err)
	}
	return cfg, errs
}

// parseRoleMap parses "group=role[@subsidiary][,role…];group=…". A group
// listed twice gets the roles of both entries.
func parseRoleMap(raw string) (map[string][]models.RoleAssignment, error) {
	out := map[string][]models.RoleAssignment{}
	var errs []error
	for _, entry := range strings.Split(raw, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		group, roles, ok := strings.Cut(entry, "=")
		group = strings.TrimSpace(group)
		if !ok || group == "" || strings.TrimSpace(roles) == "" {
			errs = append(errs, fmt.Errorf("%q is not group=role[@subsidiary][,role…]", entry))
			continue
		}
		for _, r := range strings.Split(roles, ",") {
			role, domain, _ := strings.Cut(strings.TrimSpace(r), "@")
			ra := models.RoleAssignment{Role: models.Role(strings.TrimSpace(role)), Domain: strings.TrimSpace(domain)}
			if err := checkRole(ra); err != nil {
				errs = append(errs, fmt.Errorf("group %q: %w", group, err))
				continue
			}
			if !ra.Role.Scoped() {
				ra.Domain = models.GlobalDomain
			}
			out[group] = append(out[group], ra)
		}
	}
	return out, errors.Join(errs...)
}
