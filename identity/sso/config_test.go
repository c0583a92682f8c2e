package sso

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/portico/portico/models"
)

func TestConfigFromEnv(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "corporate.secret")
	if err := os.WriteFile(secretFile, []byte("s3cret-from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyFile := filepath.Join(dir, "empty.secret")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	missingFile := filepath.Join(dir, "missing.secret")

	tests := []struct {
		name     string
		env      map[string]string
		want     []ProviderConfig
		wantErrs []string // every line of the joined error, in order
	}{
		{
			name: "no providers configured",
			env:  map[string]string{"PORTICO_SSO_CORPORATE_ISSUER": "https://idp.example"},
		},
		{
			name: "staff provider with groups, role map and secret from a file; external GitHub with defaults",
			env: map[string]string{
				"PORTICO_SSO_PROVIDERS":                    " corporate , github ",
				"PORTICO_SSO_CORPORATE_TYPE":               "OIDC",
				"PORTICO_SSO_CORPORATE_ISSUER":             "https://login.meridian.example/realms/staff",
				"PORTICO_SSO_CORPORATE_CLIENT_ID":          "portico",
				"PORTICO_SSO_CORPORATE_CLIENT_SECRET_FILE": secretFile,
				"PORTICO_SSO_CORPORATE_DISPLAY_NAME":       "Meridian staff (Entra ID)",
				"PORTICO_SSO_CORPORATE_KIND":               "staff",
				"PORTICO_SSO_CORPORATE_SCOPES":             "openid email  profile groups",
				"PORTICO_SSO_CORPORATE_GROUPS_CLAIM":       "groups",
				"PORTICO_SSO_CORPORATE_ROLE_MAP":           "bank-admins=subsidiary_admin@bank; group-admins=platform_admin ;api-team=publisher@bank,publisher@insurance;bank-admins=publisher@bank;",
				"PORTICO_SSO_GITHUB_TYPE":                  "github",
				"PORTICO_SSO_GITHUB_CLIENT_ID":             "gh-id",
				"PORTICO_SSO_GITHUB_CLIENT_SECRET":         "gh-secret",
			},
			want: []ProviderConfig{
				{
					Name: "corporate", DisplayName: "Meridian staff (Entra ID)", Type: TypeOIDC,
					Issuer: "https://login.meridian.example/realms/staff", ClientID: "portico", ClientSecret: "s3cret-from-file",
					Scopes: []string{"openid", "email", "profile", "groups"}, Kind: models.UserStaff, GroupsClaim: "groups",
					RoleMap: map[string][]models.RoleAssignment{
						"bank-admins":  {{Role: models.RoleSubsidiaryAdmin, Domain: "bank"}, {Role: models.RolePublisher, Domain: "bank"}},
						"group-admins": {{Role: models.RolePlatformAdmin, Domain: models.GlobalDomain}},
						"api-team":     {{Role: models.RolePublisher, Domain: "bank"}, {Role: models.RolePublisher, Domain: "insurance"}},
					},
				},
				{Name: "github", DisplayName: "GitHub", Type: TypeGitHub, ClientID: "gh-id", ClientSecret: "gh-secret", Kind: models.UserExternal},
			},
		},
		{
			name: "dashed name, type defaults to oidc, microsoft tenant",
			env: map[string]string{
				"PORTICO_SSO_PROVIDERS":                 "partner-idp,entra",
				"PORTICO_SSO_PARTNER_IDP_ISSUER":        "http://127.0.0.1:5556/dex",
				"PORTICO_SSO_PARTNER_IDP_CLIENT_ID":     "p",
				"PORTICO_SSO_PARTNER_IDP_CLIENT_SECRET": "ps",
				"PORTICO_SSO_ENTRA_TYPE":                "microsoft",
				"PORTICO_SSO_ENTRA_ISSUER":              "72f988bf-86f1-41af-91ab-2d7cd011db47",
				"PORTICO_SSO_ENTRA_CLIENT_ID":           "e",
				"PORTICO_SSO_ENTRA_CLIENT_SECRET":       "es",
				"PORTICO_SSO_ENTRA_KIND":                "staff",
			},
			want: []ProviderConfig{
				{Name: "partner-idp", DisplayName: "partner-idp", Type: TypeOIDC, Issuer: "http://127.0.0.1:5556/dex", ClientID: "p", ClientSecret: "ps", Kind: models.UserExternal},
				{Name: "entra", DisplayName: "Microsoft", Type: TypeMicrosoft, Issuer: "72f988bf-86f1-41af-91ab-2d7cd011db47", ClientID: "e", ClientSecret: "es", Kind: models.UserStaff},
			},
		},
		{
			name: "every missing or wrong piece reported at once",
			env: map[string]string{
				"PORTICO_SSO_PROVIDERS":                "corporate,partners,Bad_Name,corporate,gh,ms,files",
				"PORTICO_SSO_CORPORATE_TYPE":           "oidc",
				"PORTICO_SSO_PARTNERS_TYPE":            "saml",
				"PORTICO_SSO_PARTNERS_CLIENT_ID":       "p",
				"PORTICO_SSO_PARTNERS_CLIENT_SECRET":   "s",
				"PORTICO_SSO_PARTNERS_KIND":            "admin",
				"PORTICO_SSO_GH_TYPE":                  "github",
				"PORTICO_SSO_GH_CLIENT_ID":             "g",
				"PORTICO_SSO_GH_CLIENT_SECRET":         "s",
				"PORTICO_SSO_GH_KIND":                  "staff",
				"PORTICO_SSO_GH_GROUPS_CLAIM":          "orgs",
				"PORTICO_SSO_MS_TYPE":                  "microsoft",
				"PORTICO_SSO_MS_ISSUER":                "common",
				"PORTICO_SSO_MS_CLIENT_ID":             "m",
				"PORTICO_SSO_MS_CLIENT_SECRET":         "s",
				"PORTICO_SSO_MS_ROLE_MAP":              "admins=platform_admin;bad;x=superuser@bank;y=publisher;z=developer@bank",
				"PORTICO_SSO_FILES_ISSUER":             "http://idp.example",
				"PORTICO_SSO_FILES_CLIENT_ID":          "f",
				"PORTICO_SSO_FILES_CLIENT_SECRET":      "s",
				"PORTICO_SSO_FILES_CLIENT_SECRET_FILE": emptyFile,
				"PORTICO_SSO_FILES_GROUPS_CLAIM":       "groups",
			},
			wantErrs: []string{
				"PORTICO_SSO_CORPORATE_ISSUER is required for type oidc",
				"PORTICO_SSO_CORPORATE_CLIENT_ID is required",
				"PORTICO_SSO_CORPORATE_CLIENT_SECRET is required",
				`PORTICO_SSO_PARTNERS_TYPE "saml" is not one of oidc, github, google, microsoft, gitlab`,
				`PORTICO_SSO_PARTNERS_KIND "admin" is not external or staff`,
				`PORTICO_SSO_PROVIDERS: "Bad_Name" is not a provider name (1 to 32 lower-case letters, digits and dashes)`,
				`PORTICO_SSO_PROVIDERS: "corporate" is listed twice`,
				"PORTICO_SSO_GH_KIND staff is refused for type github: anyone can register there",
				"PORTICO_SSO_GH_GROUPS_CLAIM is not supported for type github",
				`PORTICO_SSO_MS_ROLE_MAP: "bad" is not group=role[@subsidiary][,role…]`,
				`group "x": unknown role "superuser"`,
				`group "y": role publisher needs a subsidiary (publisher@<subsidiary>)`,
				`group "z": role developer is global: drop @bank`,
				`PORTICO_SSO_MS_ISSUER "common" would let any Microsoft account sign in: use the directory (tenant) ID`,
				"PORTICO_SSO_MS_ROLE_MAP is only for staff providers",
				"PORTICO_SSO_MS_ROLE_MAP needs a groups claim (GROUPS_CLAIM)",
				"PORTICO_SSO_FILES_CLIENT_SECRET and PORTICO_SSO_FILES_CLIENT_SECRET_FILE are both set: keep one",
				`PORTICO_SSO_FILES_ISSUER "http://idp.example" must use https (http only on a loopback address)`,
			},
		},
		{
			name: "unreadable and empty secret files",
			env: map[string]string{
				"PORTICO_SSO_PROVIDERS":            "a,b",
				"PORTICO_SSO_A_ISSUER":             "https://a.example",
				"PORTICO_SSO_A_CLIENT_ID":          "a",
				"PORTICO_SSO_A_CLIENT_SECRET_FILE": missingFile,
				"PORTICO_SSO_B_ISSUER":             "https://b.example",
				"PORTICO_SSO_B_CLIENT_ID":          "b",
				"PORTICO_SSO_B_CLIENT_SECRET_FILE": emptyFile,
			},
			wantErrs: []string{
				"PORTICO_SSO_A_CLIENT_SECRET_FILE: open " + missingFile + ": no such file or directory",
				"PORTICO_SSO_B_CLIENT_SECRET_FILE: " + emptyFile + " is empty",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
			var gotErrs []string
			if err != nil {
				gotErrs = strings.Split(err.Error(), "\n")
			}
			if !reflect.DeepEqual(gotErrs, tc.wantErrs) {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(gotErrs, "\n"), strings.Join(tc.wantErrs, "\n"))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("configs = %+v\nwant      %+v", got, tc.want)
			}
		})
	}
}

func TestNew_RefusesBadSetups(t *testing.T) {
	ok := ProviderConfig{Name: "corporate", Type: TypeOIDC, Issuer: "https://idp.example", ClientID: "c", ClientSecret: "s", Kind: models.UserStaff}
	unreachable := httptest.NewServer(http.NotFoundHandler())
	unreachable.Close()

	tests := []struct {
		name    string
		cfgs    []ProviderConfig
		base    string
		secret  []byte
		wantErr string
	}{
		{"short secret", nil, "https://portal.example", []byte("too short"), "sso: the flow cookie secret must be at least 32 bytes"},
		{"relative callback base", nil, "/portal", testSecret, `sso: callback base "/portal" is not an absolute http(s) URL`},
		{"callback base with a query", nil, "https://portal.example/?x=1", testSecret, `sso: callback base "https://portal.example/?x=1" is not an absolute http(s) URL`},
		{"invalid provider", []ProviderConfig{{Name: "corporate", Type: TypeOIDC, Kind: models.UserStaff}}, "https://portal.example", testSecret,
			"sso provider \"corporate\": ISSUER is required for type oidc\nsso provider \"corporate\": CLIENT_ID is required\nsso provider \"corporate\": CLIENT_SECRET is required"},
		{"invalid role map, provider configured twice", []ProviderConfig{
			{Name: "corporate", Type: TypeOIDC, Issuer: "https://idp.example", ClientID: "c", ClientSecret: "s", Kind: models.UserStaff, RoleMap: map[string][]models.RoleAssignment{"x": {{Role: "root"}}}},
			ok,
		}, "https://portal.example", testSecret,
			"sso provider \"corporate\": ROLE_MAP needs a groups claim (GROUPS_CLAIM)\nsso provider \"corporate\": ROLE_MAP group \"x\": unknown role \"root\"\n" +
				"sso provider \"corporate\": configured twice"},
		{"discovery fails", []ProviderConfig{{Name: "partners", Type: TypeOIDC, Issuer: unreachable.URL, ClientID: "c", ClientSecret: "s", Kind: models.UserExternal}}, "https://portal.example", testSecret,
			`sso provider "partners": discovery at ` + unreachable.URL + `: Get "` + unreachable.URL + `/.well-known/openid-configuration": dial tcp ` + strings.TrimPrefix(unreachable.URL, "http://") + `: connect: connection refused`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := New(t.Context(), tc.cfgs, tc.base, tc.secret, nil)
			if m != nil || err == nil || err.Error() != tc.wantErr {
				t.Errorf("New = %v, %v\nwant error %q", m, err, tc.wantErr)
			}
		})
	}
}

func TestBegin_FlowCookieAndRedirect(t *testing.T) {
	f := startFakeOP(t)
	cfg := []ProviderConfig{{Name: "partner", Type: TypeOIDC, Issuer: f.URL, ClientID: fakeClientID, ClientSecret: fakeSecret, Kind: models.UserExternal}}
	tests := []struct {
		name         string
		base         string
		returnTo     string
		wantName     string
		wantSecure   bool
		wantReturnTo string
	}{
		{"https portal: __Host- and Secure", "https://portal.example", "/apis", "__Host-portico_sso_flow", true, "/apis"},
		{"plain-http portal: no prefix, not Secure", "http://127.0.0.1:8080", "/apps/3", "portico_sso_flow", false, "/apps/3"},
		{"scheme-relative return_to becomes /", "https://portal.example", "//evil.example", "__Host-portico_sso_flow", true, "/"},
		{"encoded tab return_to becomes /", "https://portal.example", "/%09/evil.example", "__Host-portico_sso_flow", true, "/"},
		{"backslash return_to becomes /", "https://portal.example", `/\evil.example`, "__Host-portico_sso_flow", true, "/"},
		{"absolute return_to becomes /", "https://portal.example", "https://evil.example", "__Host-portico_sso_flow", true, "/"},
		{"javascript: return_to becomes /", "https://portal.example", "javascript:alert(1)", "__Host-portico_sso_flow", true, "/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := newManager(t, cfg, tc.base)
			rec := httptest.NewRecorder()
			if err := m.Begin(rec, httptest.NewRequest(http.MethodGet, tc.base+"/auth/partner", nil), "partner", tc.returnTo); err != nil {
				t.Fatal(err)
			}
			if rec.Code != http.StatusFound || !strings.HasPrefix(rec.Header().Get("Location"), f.URL+"/auth?") {
				t.Errorf("Begin answered %d to %q; want 302 to the provider", rec.Code, rec.Header().Get("Location"))
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q; want no-store", rec.Header().Get("Cache-Control"))
			}
			cookies := rec.Result().Cookies()
			if len(cookies) != 1 {
				t.Fatalf("Begin set %d cookies; want 1", len(cookies))
			}
			c := cookies[0]
			if c.Name != tc.wantName || c.Secure != tc.wantSecure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != 600 || c.Domain != "" {
				t.Errorf("cookie = %+v; want %s, Secure %v, HttpOnly, SameSite=Lax, Path=/, Max-Age=600, no Domain", c, tc.wantName, tc.wantSecure)
			}
			fl, err := m.open(c.Value)
			if err != nil {
				t.Fatal(err)
			}
			if fl.ReturnTo != tc.wantReturnTo {
				t.Errorf("returnTo = %q; want %q", fl.ReturnTo, tc.wantReturnTo)
			}
		})
	}
}

func TestUnknownProviderIsNotFound(t *testing.T) {
	m, _ := newManager(t, nil, "https://portal.example")
	err := m.Begin(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/auth/nope", nil), "nope", "/")
	if models.KindOf(err) != models.NotFound {
		t.Errorf("Begin: %v; want not found", err)
	}
	_, err = m.Complete(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/auth/nope/callback?code=x&state=y", nil), "nope")
	if models.KindOf(err) != models.NotFound {
		t.Errorf("Complete: %v; want not found", err)
	}
	if got := m.Providers(); len(got) != 0 {
		t.Errorf("Providers() = %v; want none", got)
	}
}
