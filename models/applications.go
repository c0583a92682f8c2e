package models

import (
	"net/netip"
	"time"
)

// ApplicationStatus is whether an application's credentials work.
type ApplicationStatus string

// The application statuses. Suspending an application stops its keys.
const (
	ApplicationActive    ApplicationStatus = "active"
	ApplicationSuspended ApplicationStatus = "suspended"
)

// MaxIPAllowlist is the most CIDRs an application's allowlist holds.
const MaxIPAllowlist = 50

// MaxLiveAppKeys is the most app_keys an application holds that are neither
// revoked nor expired: enough to rotate without downtime.
const MaxLiveAppKeys = 5

// Application is a consumer of APIs, owned by one developer or by one team
// (exactly one of OwnerUserID and OwnerTeamID is set). AppID is its public,
// stable identifier, made by package credentials.
type Application struct {
	ID          int64 `gorm:"primaryKey"`
	OwnerUserID *int64
	OwnerTeamID *int64
	Name        string
	Description string
	IPAllowlist []string `gorm:"serializer:json"` // CIDRs; empty allows any address
	Status      ApplicationStatus
	AppID       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Validate checks an application before it is stored. It returns an Invalid
// error listing every problem in its Details, each starting with the field
// name.
func (a Application) Validate() error {
	var p problems
	if (a.OwnerUserID == nil) == (a.OwnerTeamID == nil) {
		p.addf("owner must be exactly one of a user and a team")
	}
	p.text("name", a.Name, true, MaxNameLen)
	p.text("description", a.Description, false, MaxSummaryLen)
	if len(a.IPAllowlist) > MaxIPAllowlist {
		p.addf("ip_allowlist has %d entries; the limit is %d", len(a.IPAllowlist), MaxIPAllowlist)
	} else {
		for _, c := range a.IPAllowlist {
			if pf, err := netip.ParsePrefix(c); err != nil || pf.Masked() != pf {
				p.addf("ip_allowlist entry %q is not a CIDR such as 192.0.2.0/24", clipForMessage(c, 60))
			}
		}
	}
	if a.Status != ApplicationActive && a.Status != ApplicationSuspended {
		p.addf("status %q is not active or suspended", a.Status)
	}
	p.text("app_id", a.AppID, true, 100)
	return p.err("invalid application")
}

// ApplicationUpdate changes an application; nil fields stay as they are.
type ApplicationUpdate struct {
	Name        *string
	Description *string
	IPAllowlist *[]string
}

// CredentialKind is the kind of secret a credential stands for.
type CredentialKind string

// The credential kinds.
const (
	CredentialAppKey CredentialKind = "app_key" // one of the app_keys of an app_id
	CredentialAPIKey CredentialKind = "api_key" // a single API key
)

// DigestLen is the length of a credential digest (HMAC-SHA-256).
const DigestLen = 32

// Credential is a secret of an application, stored only as a digest made by
// credentials.Hasher. Prefix is the non-secret start shown to recognize it.
type Credential struct {
	ID            int64 `gorm:"primaryKey"`
	ApplicationID int64
	Name          string
	Prefix        string
	Digest        []byte `json:"-"`
	Kind          CredentialKind
	ExpiresAt     *time.Time
	RevokedAt     *time.Time
	LastUsedAt    *time.Time
	CreatedAt     time.Time
}

// Live reports whether c is neither revoked nor expired at now.
func (c Credential) Live(now time.Time) bool {
	return c.RevokedAt == nil && (c.ExpiresAt == nil || c.ExpiresAt.After(now))
}

// Validate checks a new credential. It returns an Invalid error listing
// every problem in its Details.
func (c Credential) Validate() error {
	var p problems
	p.text("name", c.Name, false, MaxNameLen)
	p.text("prefix", c.Prefix, true, 64)
	if len(c.Digest) != DigestLen {
		p.addf("digest has %d bytes; want %d", len(c.Digest), DigestLen)
	}
	if c.Kind != CredentialAppKey && c.Kind != CredentialAPIKey {
		p.addf("kind %q is not app_key or api_key", c.Kind)
	}
	return p.err("invalid credential")
}

// GatewayCredential is what the gateway needs to admit a request made with
// a credential: the credential, its application, and the application's
// active subscriptions with their plans.
type GatewayCredential struct {
	Credential    Credential
	Application   Application
	Subscriptions []Subscription
	Plans         []Plan // Plans[i] is the plan of Subscriptions[i]
}

// UsageTotal is an application's use of one API version over a period, as
// the gateway counted it.
type UsageTotal struct {
	Subsidiary   string
	API          string
	APIName      string
	Version      string
	Calls        int64
	Success      int64 // 2xx
	ClientErrors int64 // 4xx, refusals included
	ServerErrors int64 // 5xx
	LastCall     *time.Time
}
