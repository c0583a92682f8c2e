package models

import (
	"net/url"
	"strings"
)

// VersionGateway is how the gateway serves an API version: where (its
// base path; "" for the default /{subsidiary}/{api}/v{major}) and from
// which backend (its upstream URL; "" for the built-in mock answering from
// the document's examples).
type VersionGateway struct {
	BasePath    string `json:"base_path"`
	UpstreamURL string `json:"upstream_url"`
	// ValidateRequests refuses calls that do not fit the operation in the
	// document (parameters, JSON bodies) with 400 before the upstream.
	ValidateRequests bool `json:"validate_requests"`
	// CORSOrigins are the web origins browsers may call the version from
	// ("https://app.example.com", or "*" for any); empty: none.
	CORSOrigins []string `json:"cors_origins" gorm:"serializer:json"`
}

// Validate checks the settings. It returns an Invalid error listing every
// problem in its Details.
func (g VersionGateway) Validate() error {
	var p problems
	if g.BasePath != "" {
		switch {
		case !strings.HasPrefix(g.BasePath, "/") || strings.HasSuffix(g.BasePath, "/"):
			p.addf("base_path %q must start with / and not end with one, e.g. /bank/accounts/v2", clipForMessage(g.BasePath, 80))
		case len(g.BasePath) > 200:
			p.addf("base_path is longer than 200 characters")
		default:
			for _, seg := range strings.Split(g.BasePath[1:], "/") {
				if seg == "" || seg == "." || seg == ".." || strings.Trim(seg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~") != "" {
					p.addf("base_path %q: each segment is letters, digits and - . _ ~ (no empty or dot segments)", clipForMessage(g.BasePath, 80))
					break
				}
			}
			if g.BasePath == "/healthz" || g.BasePath == "/readyz" || g.BasePath == "/metrics" {
				p.addf("base_path %s is the gateway's own", g.BasePath)
			}
		}
	}
	if g.UpstreamURL != "" {
		u, err := url.Parse(g.UpstreamURL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			p.addf("upstream_url %q is not an absolute http(s) URL, e.g. https://accounts.internal.example/v2", clipForMessage(g.UpstreamURL, 120))
		case u.User != nil:
			p.addf("upstream_url must not hold credentials")
		case u.RawQuery != "" || u.Fragment != "" || strings.Contains(g.UpstreamURL, "?") || strings.Contains(g.UpstreamURL, "#"):
			p.addf("upstream_url must not have a query or fragment")
		}
	}
	if len(g.CORSOrigins) > 50 {
		p.addf("cors_origins has %d entries; the limit is 50", len(g.CORSOrigins))
	}
	for _, o := range g.CORSOrigins {
		if o == "*" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			p.addf("cors_origins entry %q is not an origin such as https://app.example.com (or *)", clipForMessage(o, 80))
		}
	}
	return p.err("invalid gateway settings")
}

// GatewayRoute is an API version as the gateway serves it, for the admin
// pages.
type GatewayRoute struct {
	VersionID     int64
	APIName       string
	APISlug       string
	Version       string
	VersionSlug   string
	State         State
	Settings      VersionGateway
	EffectivePath string // the base path, or the default one
	Routed        bool   // the gateway serves it (live, and owner of its path)
}
