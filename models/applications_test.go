package models

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestApplicationValidate(t *testing.T) {
	one, two := int64(1), int64(2)
	valid := func() Application {
		return Application{OwnerUserID: &one, Name: "Mobile app", IPAllowlist: []string{"192.0.2.0/24", "2001:db8::/32"}, Status: ApplicationActive, AppID: "app_123"}
	}
	tests := []struct {
		name       string
		edit       func(*Application)
		wantDetail []string
	}{
		{"user-owned application is valid", func(*Application) {}, nil},
		{"team-owned application is valid", func(a *Application) { a.OwnerUserID, a.OwnerTeamID = nil, &two }, nil},
		{"two owners", func(a *Application) { a.OwnerTeamID = &two }, []string{"owner must be exactly one of a user and a team"}},
		{"no owner", func(a *Application) { a.OwnerUserID = nil }, []string{"owner must be exactly one of a user and a team"}},
		{"blank name and app ID", func(a *Application) { a.Name, a.AppID = "", "" }, []string{"name is required", "app_id is required"}},
		{"bad CIDRs", func(a *Application) { a.IPAllowlist = []string{"10.0.0.1", "10.0.0.1/8", "nonsense"} }, []string{
			`ip_allowlist entry "10.0.0.1" is not a CIDR such as 192.0.2.0/24`,
			`ip_allowlist entry "10.0.0.1/8" is not a CIDR such as 192.0.2.0/24`,
			`ip_allowlist entry "nonsense" is not a CIDR such as 192.0.2.0/24`,
		}},
		{"too many CIDRs", func(a *Application) { a.IPAllowlist = slices.Repeat([]string{"10.0.0.0/8"}, 51) }, []string{"ip_allowlist has 51 entries; the limit is 50"}},
		{"unknown status", func(a *Application) { a.Status = "frozen" }, []string{`status "frozen" is not active or suspended`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := valid()
			tc.edit(&a)
			err := a.Validate()
			if tc.wantDetail == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if KindOf(err) != Invalid || !strings.HasPrefix(MessageOf(err), "invalid application: ") {
				t.Fatalf("Validate() = %v, want Invalid application", err)
			}
			if got := DetailsOf(err); !slices.Equal(got, tc.wantDetail) {
				t.Errorf("details = %q\nwant      %q", got, tc.wantDetail)
			}
		})
	}
}

func TestCredentialValidateAndLive(t *testing.T) {
	digest := make([]byte, DigestLen)
	tests := []struct {
		name       string
		c          Credential
		wantDetail []string
	}{
		{"app key is valid", Credential{Prefix: "pk_live_ab", Digest: digest, Kind: CredentialAppKey}, nil},
		{"short digest, no prefix, unknown kind", Credential{Digest: digest[:31], Kind: "secret"}, []string{
			"prefix is required", "digest has 31 bytes; want 32", `kind "secret" is not app_key or api_key`,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			if got := DetailsOf(err); !slices.Equal(got, tc.wantDetail) || (err == nil) != (tc.wantDetail == nil) {
				t.Errorf("Validate() = %v, details %q, want %q", err, got, tc.wantDetail)
			}
		})
	}
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	past, future := now.Add(-time.Second), now.Add(time.Hour)
	for _, tc := range []struct {
		name string
		c    Credential
		want bool
	}{
		{"no expiry is live", Credential{}, true},
		{"future expiry is live", Credential{ExpiresAt: &future}, true},
		{"expired now is not live", Credential{ExpiresAt: &now}, false},
		{"past expiry is not live", Credential{ExpiresAt: &past}, false},
		{"revoked is not live", Credential{RevokedAt: &past}, false},
	} {
		if got := tc.c.Live(now); got != tc.want {
			t.Errorf("%s: Live = %v, want %v", tc.name, got, tc.want)
		}
	}
}
