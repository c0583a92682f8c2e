package gateway

import (
	"encoding/json"
	"time"
)

// Snapshot is the compiled configuration of the data plane: everything the
// gateway needs to decide on a request, and nothing more (credential
// digests, never secrets). The control plane compiles it from its store
// (models/store.CompileSnapshot); the embedded gateway swaps it in
// in-process, standalone gateways pull it as JSON. A snapshot is immutable
// once handed to Gateway.Swap.
type Snapshot struct {
	// Revision is the control plane's configuration revision the snapshot
	// was compiled at; it only grows.
	Revision    int64        `json:"revision"`
	GeneratedAt time.Time    `json:"generated_at"`
	Routes      []Route      `json:"routes"`
	Plans       []Plan       `json:"plans"`
	Apps        []App        `json:"apps"`
	Credentials []Credential `json:"credentials"`
}

// Route is one API version reachable through the gateway: published or
// deprecated versions, and retired ones (answered with 410 Gone). Drafts
// and versions in review are not in the snapshot.
type Route struct {
	VersionID  int64  `json:"version_id"`
	APIID      int64  `json:"api_id"`
	Subsidiary string `json:"subsidiary"` // slug
	API        string `json:"api"`        // slug
	Version    string `json:"version"`    // slug
	// BasePath is where the version is served, without a trailing slash,
	// for example "/bank/accounts/v1".
	BasePath string `json:"base_path"`
	// Upstream is the backend's base URL; "" serves the built-in mock from
	// the document's examples.
	Upstream     string     `json:"upstream,omitempty"`
	State        string     `json:"state"` // "published", "deprecated" or "retired"
	DeprecatedAt *time.Time `json:"deprecated_at,omitempty"`
	SunsetAt     *time.Time `json:"sunset_at,omitempty"`
	// Validate turns on request validation against the document.
	Validate bool `json:"validate,omitempty"`
	// MaxBodyBytes caps request bodies; 0 means the gateway's default.
	MaxBodyBytes int64 `json:"max_body_bytes,omitempty"`
	CORS         *CORS `json:"cors,omitempty"`
	// Operations are the document's operations, in document order.
	Operations []Operation `json:"operations"`
	// Document is the version's OpenAPI document as JSON, with every $ref
	// resolvable inside it (bundled); the mock and request validation use it.
	Document json.RawMessage `json:"document,omitempty"`
}

// Operation is one operation of a route's document.
type Operation struct {
	ID     string `json:"id"`     // operationId, or "METHOD /path" when the document has none
	Method string `json:"method"` // upper case
	Path   string `json:"path"`   // the document's path template, for example "/accounts/{accountId}"
}

// CORS is a route's cross-origin policy. Nil means no CORS headers at all.
type CORS struct {
	AllowOrigins     []string `json:"allow_origins"` // exact origins, or "*"
	AllowHeaders     []string `json:"allow_headers,omitempty"`
	ExposeHeaders    []string `json:"expose_headers,omitempty"`
	AllowCredentials bool     `json:"allow_credentials,omitempty"`
	MaxAgeSeconds    int      `json:"max_age_seconds,omitempty"`
}

// Plan is the part of a plan the gateway enforces.
type Plan struct {
	ID    int64  `json:"id"`
	APIID int64  `json:"api_id"`
	Name  string `json:"name"`
	// KeyMode is "key_pair" (X-App-Id + X-App-Key) or "api_key" (X-Api-Key).
	KeyMode string `json:"key_mode"`
	Limits  Limits `json:"limits"`
	// OperationLimits are limits per operation ID on top of the plan's.
	OperationLimits map[string]Limits `json:"operation_limits,omitempty"`
	// Operations, when not empty, are the only operation IDs the plan
	// allows; empty allows every operation.
	Operations []string `json:"operations,omitempty"`
	// QueryCredentials lets clients send credentials as query parameters
	// (app_id/app_key, api_key); otherwise those parameters are refused.
	QueryCredentials bool `json:"query_credentials,omitempty"`
}

// Limits are rate limits and quotas; zero means none.
type Limits struct {
	RatePerSecond int64 `json:"rate_per_second,omitempty"`
	RatePerMinute int64 `json:"rate_per_minute,omitempty"`
	RatePerHour   int64 `json:"rate_per_hour,omitempty"`
	QuotaPerDay   int64 `json:"quota_per_day,omitempty"`
	QuotaPerMonth int64 `json:"quota_per_month,omitempty"`
	// SpikeArrest smooths bursts: at most this many requests per second,
	// evenly spaced (0: none).
	SpikeArrest int64 `json:"spike_arrest,omitempty"`
}

// App is an application whose credentials may work: its active
// subscriptions and the rules that apply to every call.
type App struct {
	ID    int64  `json:"id"`     // the control plane's row ID
	AppID string `json:"app_id"` // public app_id
	Name  string `json:"name"`
	// Active is false when the application is suspended or its owner is
	// deactivated: its keys stop working.
	Active bool `json:"active"`
	// IPAllowlist are CIDRs the calls must come from; empty allows any.
	IPAllowlist   []string       `json:"ip_allowlist,omitempty"`
	Subscriptions []Subscription `json:"subscriptions,omitempty"` // active ones only
}

// Subscription is an active subscription of an application to an API.
type Subscription struct {
	ID     int64 `json:"id"`
	APIID  int64 `json:"api_id"`
	PlanID int64 `json:"plan_id"`
}

// Credential is a live or expiring key of an application (revoked keys are
// not in the snapshot).
type Credential struct {
	ID   int64  `json:"id"`
	App  int64  `json:"app"`  // App.ID
	Kind string `json:"kind"` // "app_key" or "api_key"
	// Digest is the hex HMAC-SHA-256 of the key under the key pepper
	// (credentials.Hasher).
	Digest    string     `json:"digest"`
	Prefix    string     `json:"prefix"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}
