package gateway

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/portico/portico/credentials"
	"github.com/portico/portico/gateway/limits"
)

// view is what the gateway's decision reads of a request. It holds no
// net/http type: another HTTP engine fills one in from its own request and
// runs the same decide (and the same security tests).
type view struct {
	Method string
	// Target is the request target exactly as received (the request
	// line's second word); only origin form ("/path?query") is served.
	Target string
	Remote string // the peer's "ip:port"
	Header headerReader
}

// headerReader reads request headers by canonical name; http.Header is
// one.
type headerReader interface {
	Get(key string) string
	Values(key string) []string
}

// decision is the outcome of decide: who is calling what, and either a
// refusal or the go-ahead.
type decision struct {
	refusal refusal // status 0: admitted
	route   *route  // nil when no route matched (or before one was)
	op      *operation
	rest    string // escaped path after the base path
	query   string // the raw query to forward (credential parameters removed)
	cred    *cred
	sub     *subscription
	client  netip.Addr

	preflight bool   // a CORS preflight the gateway answers itself
	allow     string // the Allow header of a 405

	limited    bool // the limiter was asked: RateLimit headers apply
	limit      limits.Decision
	retryAfter int64 // seconds, for a 429
}

// app returns the calling application's row ID, 0 when unknown.
func (d *decision) app() int64 {
	if d.cred != nil {
		return d.cred.app.ID
	}
	return 0
}

// decide runs the pipeline's checks in order: request target and path,
// route, lifecycle, CORS preflight, operation, credentials, authorization,
// client address and limits. It charges the limiter only for a request
// that passed every other check.
func (g *Gateway) decide(ctx context.Context, c *compiled, q *view, now time.Time, d *decision) {
	if q.Target == "" || q.Target[0] != '/' {
		d.refusal = errBadTarget
		return
	}
	path, query := q.Target, ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query = path[:i], path[i+1:]
	}
	if !cleanPath(path) {
		d.refusal = errBadPath
		return
	}
	rt, rest := c.match(path)
	if rt == nil {
		d.refusal = errNoRoute
		return
	}
	d.route, d.rest, d.query = rt, rest, query
	if rt.State == "retired" {
		d.refusal = errRetired
		return
	}
	if rt.CORS != nil && q.Method == http.MethodOptions && q.Header.Get("Access-Control-Request-Method") != "" {
		d.preflight = true
		return
	}
	op, known := rt.operation(q.Method, rest)
	if op == nil {
		if known {
			d.allow = rt.allowedMethods(rest)
			d.refusal = errMethod
			return
		}
		d.refusal = errNoOperation
		return
	}
	d.op = op

	// Credentials: headers, or the query when a plan of this API takes them
	// there.
	apiKey := q.Header.Get("X-Api-Key")
	appID, appKey := q.Header.Get("X-App-Id"), q.Header.Get("X-App-Key")
	inQuery := hasQueryCredentials(query)
	if inQuery {
		if !rt.queryCreds {
			d.refusal = errCredsInQuery
			return
		}
		if apiKey == "" && appID == "" && appKey == "" {
			apiKey, appID, appKey = queryParam(query, "api_key"), queryParam(query, "app_id"), queryParam(query, "app_key")
		}
		d.query = stripCredentials(query)
	}
	k, f := g.authenticate(c, apiKey, appID, appKey, now)
	d.cred = k
	if f.status != 0 {
		d.refusal = f
		return
	}
	a := k.app
	if !a.Active {
		d.refusal = errSuspended
		return
	}
	s := a.subs[rt.APIID]
	switch {
	case s == nil:
		d.refusal = errNotSubscribed
		return
	case (s.plan.KeyMode == "api_key") != (k.Kind == "api_key"):
		d.refusal = errWrongKeyKind
		return
	case inQuery && !s.plan.QueryCredentials:
		d.refusal = errCredsInQuery
		return
	case s.plan.allowed != nil && !s.plan.allowed[op.ID]:
		d.refusal = errOpNotInPlan
		return
	}
	d.sub = s
	d.client = g.clientIP(q)
	if len(a.allow) > 0 && !allowed(a.allow, d.client) {
		d.refusal = errIPNotAllowed
		return
	}

	// Limits: one Take for every subject that applies.
	subjects, _, _ := s.limitsOf(op.ID)
	if g.opt.Limiter == nil || len(subjects) == 0 {
		return
	}
	dec, err := g.opt.Limiter.Take(ctx, now, subjects...)
	if err != nil {
		g.opt.Logger.Warn("limiter failed", "err", err)
		d.refusal = errLimiterDown
		return
	}
	d.limited, d.limit = true, dec
	if dec.Reason == limits.Allowed {
		return
	}
	switch dec.Reason {
	case limits.QuotaExceeded:
		d.refusal = errQuotaExceeded
	case limits.SpikeArrested:
		d.refusal = errSpikeArrest
	case limits.Unavailable:
		d.refusal = errLimiterDown
		return
	default:
		d.refusal = errRateLimited
	}
	d.retryAfter = max(int64((dec.RetryAfter+time.Second-1)/time.Second), 1)
}

// authenticate finds the credential; on failure it returns a refusal (and
// the credential when it was found but expired). Unknown app_id and wrong
// key get the same refusal.
func (g *Gateway) authenticate(c *compiled, apiKey, appID, appKey string, now time.Time) (*cred, refusal) {
	if g.opt.Hasher == nil {
		return nil, errBadCreds
	}
	if apiKey != "" {
		if !plausibleAPIKey(apiKey) {
			return nil, errBadCreds
		}
		k := c.apiKey(g.opt.Hasher.Digest(apiKey))
		if k == nil && g.opt.Hasher != nil {
			// Keys digested under a previous pepper (a rotation).
			ds := g.opt.Hasher.Digests(apiKey)
			for _, d := range ds[1:] {
				if k = c.apiKey(d); k != nil {
					break
				}
			}
		}
		if k == nil {
			return nil, errBadCreds
		}
		if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
			return k, errExpired
		}
		return k, refusal{}
	}
	if appID == "" || appKey == "" {
		return nil, errNoCreds
	}
	if _, err := credentials.ParseKey(appKey); err != nil {
		return nil, errBadCreds // a typo or a foreign string: no digest needed
	}
	a := c.apps[appID]
	// The digest is computed for unknown applications too: the time taken
	// does not tell whether an app_id exists.
	found := a.match(g.opt.Hasher.Digest(appKey))
	if found == nil && a != nil {
		ds := g.opt.Hasher.Digests(appKey)
		for _, d := range ds[1:] {
			if found = a.match(d); found != nil {
				break
			}
		}
	}
	if found == nil {
		return nil, errBadCreds
	}
	if found.ExpiresAt != nil && !now.Before(*found.ExpiresAt) {
		return found, errExpired
	}
	return found, refusal{}
}

// apiKey looks an API key up by its digest, confirming the map's match in
// constant time.
func (c *compiled) apiKey(d [32]byte) *cred {
	k, ok := c.apiKeys[d]
	if !ok || subtle.ConstantTimeCompare(k.digest[:], d[:]) != 1 {
		return nil
	}
	return k
}

// match compares d with every app key of the application (all of them:
// no early exit).
func (a *app) match(d [32]byte) *cred {
	if a == nil {
		return nil
	}
	var found *cred
	for _, k := range a.keys {
		if subtle.ConstantTimeCompare(k.digest[:], d[:]) == 1 {
			found = k
		}
	}
	return found
}

// plausibleAPIKey accepts what an API key can be: one of ours, or an
// imported legacy key of 16 to 128 printable ASCII characters.
func plausibleAPIKey(s string) bool {
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// clientIP is the peer's address, or, when the peer is a trusted proxy,
// the right-most X-Forwarded-For address that is not one (several
// X-Forwarded-For headers are read as one list). X-Real-IP and Forwarded
// are never read.
func (g *Gateway) clientIP(q *view) netip.Addr {
	ap, err := netip.ParseAddrPort(q.Remote)
	if err != nil {
		return netip.Addr{}
	}
	ip := ap.Addr().Unmap()
	if len(g.opt.TrustedProxies) == 0 || !allowed(g.opt.TrustedProxies, ip) {
		return ip
	}
	xff := q.Header.Values("X-Forwarded-For")
	for i := len(xff) - 1; i >= 0; i-- {
		hops := xff[i]
		for hops != "" {
			hop := hops
			if j := strings.LastIndexByte(hops, ','); j >= 0 {
				hop, hops = hops[j+1:], hops[:j]
			} else {
				hops = ""
			}
			a, err := netip.ParseAddr(strings.TrimSpace(hop))
			if err != nil {
				return ip // a garbled hop: trust nothing further left
			}
			a = a.Unmap()
			if !allowed(g.opt.TrustedProxies, a) {
				return a
			}
			ip = a
		}
	}
	return ip
}

func allowed(list []netip.Prefix, ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	for _, p := range list {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// cleanPath accepts only a normalized path: no dot segments (plain or
// percent-encoded, in any case, or double-encoded), no encoded "/" or "\",
// no backslash, no empty segment, no ";" path parameters, no control
// characters or NUL, no malformed percent-encoding.
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		switch b := p[i]; {
		case b <= 0x20 || b == 0x7f || b == '\\' || b == ';' || b == '#':
			return false
		case b == '/':
			if i+1 < len(p) && p[i+1] == '/' {
				return false
			}
			seg := p[i+1:]
			if j := strings.IndexByte(seg, '/'); j >= 0 {
				seg = seg[:j]
			}
			if seg == "." || seg == ".." {
				return false
			}
		case b == '%':
			if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
				return false
			}
			switch hi, lo := p[i+1]|0x20, p[i+2]|0x20; {
			case hi == '2' && (lo == 'e' || lo == 'f' || lo == '5'), // "." "/" "%" (double encoding)
				hi == '5' && lo == 'c',                               // "\"
				hi == '3' && lo == 'b',                               // ";"
				hi == '0' || hi == '1' || p[i+1] == '7' && lo == 'f': // control characters
				return false
			}
		}
	}
	return true
}

func isHex(b byte) bool {
	return b >= '0' && b <= '9' || b|0x20 >= 'a' && b|0x20 <= 'f'
}

// credentialParams are query parameters that carry credentials.
func isCredentialParam(name string) bool {
	switch strings.ToLower(name) {
	case "app_id", "app_key", "api_key", "apikey", "access_token", "key", "x-api-key":
		return true
	}
	return false
}

// hasQueryCredentials reports whether the raw query names a credential
// parameter.
func hasQueryCredentials(q string) bool {
	for q != "" {
		var part string
		if i := strings.IndexByte(q, '&'); i >= 0 {
			part, q = q[:i], q[i+1:]
		} else {
			part, q = q, ""
		}
		if i := strings.IndexByte(part, '='); i >= 0 {
			part = part[:i]
		}
		if isCredentialParam(part) {
			return true
		}
	}
	return false
}

// queryParam returns the first value of name in the raw query, unescaped.
func queryParam(q, name string) string {
	for q != "" {
		var part string
		if i := strings.IndexByte(q, '&'); i >= 0 {
			part, q = q[:i], q[i+1:]
		} else {
			part, q = q, ""
		}
		k, v, _ := strings.Cut(part, "=")
		if strings.EqualFold(k, name) {
			if u, err := url.QueryUnescape(v); err == nil {
				return u
			}
			return ""
		}
	}
	return ""
}

// stripCredentials returns the raw query without credential parameters,
// the others untouched and in order.
func stripCredentials(q string) string {
	var b strings.Builder
	for q != "" {
		var part string
		if i := strings.IndexByte(q, '&'); i >= 0 {
			part, q = q[:i], q[i+1:]
		} else {
			part, q = q, ""
		}
		k, _, _ := strings.Cut(part, "=")
		if isCredentialParam(k) {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(part)
	}
	return b.String()
}
