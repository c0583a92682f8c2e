package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/portico/portico/credentials"
	"github.com/portico/portico/gateway/limits"
)

// Options configure a Gateway.
type Options struct {
	// Hasher computes key digests with the key pepper (and previous ones).
	Hasher *credentials.Hasher
	// Limiter enforces plan limits; nil enforces none.
	Limiter limits.Limiter
	// Usage, when set, is told about every request the gateway finished
	// for a route (refusals included; app 0 when none was identified).
	Usage func(app, version int64, operation string, status int, latency time.Duration, at time.Time)
	// Now is the clock (tests inject one); default time.Now.
	Now func() time.Time
	// TrustedProxies are the proxies whose X-Forwarded-For is believed:
	// the client is the right-most address not in them.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	// UpstreamTimeout bounds the wait for an upstream's response headers,
	// and each silence while its body streams (default 30 s).
	UpstreamTimeout time.Duration
	// MaxBodyBytes caps request bodies when a route sets no cap (default
	// 10 MiB).
	MaxBodyBytes int64
	// Transport reaches the upstreams; default: a pooled transport that
	// never follows redirects and caps response headers at 64 KiB.
	Transport http.RoundTripper
}

// Gateway is the data plane: an http.Handler enforcing the snapshot it
// was last given.
type Gateway struct {
	opt     Options
	cur     atomic.Pointer[compiled]
	reqID   atomic.Uint64
	idPref  string
	metrics *Metrics
}

// New returns a gateway with no snapshot (it answers 503 until Swap).
func New(o Options) *Gateway {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.UpstreamTimeout <= 0 {
		o.UpstreamTimeout = 30 * time.Second
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 10 << 20
	}
	if o.Transport == nil {
		o.Transport = &http.Transport{
			DialContext:            (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:           1024,
			MaxIdleConnsPerHost:    256,
			IdleConnTimeout:        90 * time.Second,
			ResponseHeaderTimeout:  o.UpstreamTimeout,
			ExpectContinueTimeout:  time.Second,
			MaxResponseHeaderBytes: 64 << 10,
			DisableCompression:     true,
		}
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &Gateway{opt: o, idPref: hex.EncodeToString(b[:]) + "-", metrics: newMetrics()}
}

// Swap compiles s and serves it from now on; requests in flight finish on
// the snapshot they started with. An invalid snapshot is refused and the
// running one stays.
func (g *Gateway) Swap(s *Snapshot) error {
	started := time.Now()
	c, err := compile(s)
	if err != nil {
		g.metrics.snapshotRefused.Add(1)
		return err
	}
	g.cur.Store(c)
	g.metrics.snapshot(s, time.Since(started))
	return nil
}

// Revision is the revision of the snapshot being served (0 before any).
func (g *Gateway) Revision() int64 {
	if c := g.cur.Load(); c != nil {
		return c.snap.Revision
	}
	return 0
}

// Handler serves the gateway plus /healthz, /readyz and /metrics (those
// paths are the gateway's own: no API can be routed there).
func (g *Gateway) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"status":"ok"}`+"\n")
		case "/readyz":
			g.ready(w)
		case "/metrics":
			g.metrics.ServeHTTP(w, r)
		default:
			g.ServeHTTP(w, r)
		}
	})
}

func (g *Gateway) ready(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	c := g.cur.Load()
	if c == nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"status":"no snapshot"}`+"\n")
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"status": "ready", "revision": c.snap.Revision, "generated_at": c.snap.GeneratedAt,
		"age_seconds": int64(time.Since(c.snap.GeneratedAt).Seconds()), "routes": len(c.snap.Routes),
	})
}

// headers the gateway sets for the upstream; inbound copies are removed.
const (
	hAppID       = "X-Portico-App-Id"
	hApplication = "X-Portico-Application"
	hPlan        = "X-Portico-Plan"
	hSubsidiary  = "X-Portico-Subsidiary"
	hAPI         = "X-Portico-Api"
	hVersion     = "X-Portico-Version"
)

// ServeHTTP runs the pipeline: route, credential, authorization, limits,
// then the upstream (or the mock).
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.opt.Now()
	reqID := g.idPref + strconv.FormatUint(g.reqID.Add(1), 16)
	w.Header().Set("X-Request-Id", reqID)
	c := g.cur.Load()
	if c == nil {
		g.refuse(w, r, reqID, errNotReady)
		return
	}
	if r.RequestURI == "" || r.RequestURI[0] != '/' {
		g.refuse(w, r, reqID, errBadTarget)
		return
	}
	path := r.URL.EscapedPath()
	if !cleanPath(rawPath(r.RequestURI)) {
		g.refuse(w, r, reqID, errBadPath)
		return
	}
	rt, rest := c.match(path)
	if rt == nil {
		g.refuse(w, r, reqID, errNoRoute)
		return
	}
	if rt.State == "retired" {
		g.finish(w, r, reqID, rt, nil, 0, start, errRetired)
		return
	}
	if rt.CORS != nil && r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		g.preflight(w, r, rt)
		return
	}
	op, known := rt.operation(r.Method, rest)
	if op == nil {
		if known {
			w.Header().Set("Allow", rt.allowedMethods(rest))
			g.finish(w, r, reqID, rt, nil, 0, start, refusal{http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed", "This operation does not take this method; see Allow."})
			return
		}
		g.finish(w, r, reqID, rt, nil, 0, start, errNoOperation)
		return
	}

	// Credentials.
	if hasQueryCredentials(r.URL.RawQuery) {
		g.finish(w, r, reqID, rt, op, 0, start, errCredsInQuery)
		return
	}
	k, f := g.authenticate(c, r, start)
	if f.status != 0 {
		app := int64(0)
		if k != nil {
			app = k.app.ID
		}
		g.finish(w, r, reqID, rt, op, app, start, f)
		return
	}
	a := k.app
	if !a.Active {
		g.finish(w, r, reqID, rt, op, a.ID, start, errSuspended)
		return
	}
	p := a.subs[rt.APIID]
	switch {
	case p == nil:
		g.finish(w, r, reqID, rt, op, a.ID, start, errNotSubscribed)
		return
	case (p.KeyMode == "api_key") != (k.Kind == "api_key"):
		g.finish(w, r, reqID, rt, op, a.ID, start, errWrongKeyKind)
		return
	case p.allowed != nil && !p.allowed[op.ID]:
		g.finish(w, r, reqID, rt, op, a.ID, start, errOpNotInPlan)
		return
	}
	client := g.clientIP(r)
	if len(a.allow) > 0 && !allowed(a.allow, client) {
		g.finish(w, r, reqID, rt, op, a.ID, start, errIPNotAllowed)
		return
	}

	// Limits.
	if g.opt.Limiter != nil && (p.policy != nil || p.opPolicy[op.ID] != nil) {
		var subjects [2]limits.Subject
		n := 0
		if p.policy != nil {
			subjects[n] = limits.Subject{App: a.ID, Policy: p.policy}
			n++
		}
		if opp := p.opPolicy[op.ID]; opp != nil {
			subjects[n] = limits.Subject{App: a.ID, Policy: opp}
			n++
		}
		d, err := g.opt.Limiter.Take(r.Context(), start, subjects[:n]...)
		if err != nil {
			g.opt.Logger.Warn("limiter failed", "request_id", reqID, "err", err)
			g.finish(w, r, reqID, rt, op, a.ID, start, errLimiterDown)
			return
		}
		pol := subjects[0].Policy
		if pv, rv := limits.HeaderValues(pol, d); pv != "" {
			h := w.Header()
			h.Set("RateLimit-Policy", pv)
			if rv != "" {
				h.Set("RateLimit", rv)
			}
		}
		if d.Reason != limits.Allowed {
			f := errRateLimited
			switch d.Reason {
			case limits.QuotaExceeded:
				f = errQuotaExceeded
			case limits.SpikeArrested:
				f = errSpikeArrest
			case limits.Unavailable:
				f = errLimiterDown
			}
			secs := int64((d.RetryAfter + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
			g.finish(w, r, reqID, rt, op, a.ID, start, f)
			return
		}
	}

	// Body size.
	maxBody := g.opt.MaxBodyBytes
	if rt.MaxBodyBytes > 0 {
		maxBody = rt.MaxBodyBytes
	}
	if r.ContentLength > maxBody {
		g.finish(w, r, reqID, rt, op, a.ID, start, errTooLarge)
		return
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if len(r.TransferEncoding) > 0 {
			// A chunked body is read whole and forwarded with a
			// Content-Length: a malformed chunk is refused here, and no
			// framing the upstream might read differently reaches it.
			body, err := io.ReadAll(r.Body)
			if err != nil {
				f := errBadBody
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					f = errTooLarge
				}
				g.finish(w, r, reqID, rt, op, a.ID, start, f)
				return
			}
			r.Body, r.ContentLength, r.TransferEncoding = io.NopCloser(bytes.NewReader(body)), int64(len(body)), nil
		}
	}

	lifecycleHeaders(w.Header(), rt)
	corsHeaders(w.Header(), r, rt)
	var status int
	if rt.mock != nil {
		status = rt.mock.respond(w, r, r.Method, op.Path)
	} else {
		status = g.proxy(w, r, reqID, rt, rest, p, a, client)
	}
	g.done(rt, op, a.ID, status, start)
}

// authenticate finds the credential of the request; on failure it returns
// a refusal (and the credential when it was found but expired).
func (g *Gateway) authenticate(c *compiled, r *http.Request, now time.Time) (*cred, refusal) {
	if key := r.Header.Get("X-Api-Key"); key != "" {
		for _, d := range g.digests(key) {
			if k, ok := c.apiKeys[d]; ok && subtle.ConstantTimeCompare(k.digest[:], d[:]) == 1 {
				if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
					return k, errExpired
				}
				return k, refusal{}
			}
		}
		return nil, errBadCreds
	}
	appID, key := r.Header.Get("X-App-Id"), r.Header.Get("X-App-Key")
	if appID == "" || key == "" {
		return nil, errNoCreds
	}
	if _, err := credentials.ParseKey(key); err != nil {
		return nil, errBadCreds // a typo or a foreign string: no digest needed
	}
	a := c.apps[appID]
	var found *cred
	for _, d := range g.digests(key) {
		if a == nil {
			continue
		}
		// Compare with every key of the application, without an early exit.
		for _, k := range a.keys {
			if subtle.ConstantTimeCompare(k.digest[:], d[:]) == 1 {
				found = k
			}
		}
		if found != nil {
			break
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

// digests returns the key's digest under the current pepper, then the
// previous ones.
func (g *Gateway) digests(key string) [][32]byte {
	if g.opt.Hasher == nil {
		return nil
	}
	return g.opt.Hasher.Digests(key)
}

// refuse answers a request that matched no route.
func (g *Gateway) refuse(w http.ResponseWriter, r *http.Request, reqID string, f refusal) {
	g.metrics.refused(f.kind, f.status)
	g.opt.Logger.Debug("gateway refused", "request_id", reqID, "status", f.status, "reason", f.kind, "method", r.Method)
	f.write(w, r, reqID)
}

// finish answers a refusal on a route and accounts for it.
func (g *Gateway) finish(w http.ResponseWriter, r *http.Request, reqID string, rt *route, op *operation, app int64, start time.Time, f refusal) {
	corsHeaders(w.Header(), r, rt)
	lifecycleHeaders(w.Header(), rt)
	g.refuse(w, r, reqID, f)
	g.done(rt, op, app, f.status, start)
}

func (g *Gateway) done(rt *route, op *operation, app int64, status int, start time.Time) {
	took := g.opt.Now().Sub(start)
	g.metrics.request(status, took)
	if g.opt.Usage != nil {
		id := ""
		if op != nil {
			id = op.ID
		}
		g.opt.Usage(app, rt.VersionID, id, status, took, start)
	}
}

// clientIP is the connection's address, or, behind trusted proxies, the
// right-most X-Forwarded-For address that is not one of them.
func (g *Gateway) clientIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	ip := ap.Addr().Unmap()
	if len(g.opt.TrustedProxies) == 0 || !allowed(g.opt.TrustedProxies, ip) {
		return ip
	}
	xff := r.Header.Values("X-Forwarded-For")
	for i := len(xff) - 1; i >= 0; i-- {
		hops := strings.Split(xff[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[j]))
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

// rawPath is the request target's path, before any query.
func rawPath(uri string) string {
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		return uri[:i]
	}
	return uri
}

// cleanPath accepts only a normalized path: no dot segments (plain or
// percent-encoded, in any case, or double-encoded), no encoded "/" or "\",
// no backslash, no empty segment, no ";" path parameters, no control
// characters or NUL.
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		switch b := p[i]; {
		case b < 0x20 || b == 0x7f || b == '\\' || b == ';':
			return false
		case b == '/':
			if i+1 < len(p) && p[i+1] == '/' {
				return false
			}
			seg := p[i+1:]
			if j := strings.IndexByte(seg, '/'); j >= 0 {
				seg = seg[:j]
			}
			if isDotSegment(seg) {
				return false
			}
		case b == '%':
			if i+2 >= len(p) {
				return false
			}
			hexs := p[i+1 : i+3]
			switch strings.ToLower(hexs) {
			case "2e", "2f", "5c", "00", "25", "3b":
				// ".", "/", "\", NUL, "%" (double encoding), ";"
				return false
			}
		}
	}
	return true
}

func isDotSegment(s string) bool {
	return s == "." || s == ".."
}

// hasQueryCredentials reports whether the query names a credential
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
		switch strings.ToLower(part) {
		case "app_id", "app_key", "api_key", "apikey", "access_token", "key", "x-api-key":
			return true
		}
	}
	return false
}

// lifecycleHeaders announce a deprecated version (RFC 9745) and its
// sunset (RFC 8594).
func lifecycleHeaders(h http.Header, rt *route) {
	if rt.State != "deprecated" && rt.State != "retired" {
		return
	}
	if rt.DeprecatedAt != nil {
		h.Set("Deprecation", "@"+strconv.FormatInt(rt.DeprecatedAt.Unix(), 10))
	} else {
		h.Set("Deprecation", "@"+strconv.FormatInt(time.Unix(0, 0).Unix(), 10))
	}
	if rt.SunsetAt != nil {
		h.Set("Sunset", rt.SunsetAt.UTC().Format(http.TimeFormat))
	}
}

// corsHeaders allow a configured origin to read the response.
func corsHeaders(h http.Header, r *http.Request, rt *route) {
	if rt.CORS == nil {
		return
	}
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || !(rt.anyOrigin || rt.allowOrigin[origin]) {
		return
	}
	if rt.anyOrigin && !rt.CORS.AllowCredentials {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if rt.CORS.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	expose := append([]string{"RateLimit", "RateLimit-Policy", "Retry-After", "X-Request-Id", "Deprecation", "Sunset"}, rt.CORS.ExposeHeaders...)
	h.Set("Access-Control-Expose-Headers", strings.Join(expose, ", "))
}

// preflight answers a CORS preflight without credentials.
func (g *Gateway) preflight(w http.ResponseWriter, r *http.Request, rt *route) {
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || !(rt.anyOrigin || rt.allowOrigin[origin]) {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	corsHeaders(h, r, rt)
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
	allow := append([]string{"X-App-Id", "X-App-Key", "X-Api-Key", "Content-Type"}, rt.CORS.AllowHeaders...)
	h.Set("Access-Control-Allow-Headers", strings.Join(allow, ", "))
	if rt.CORS.MaxAgeSeconds > 0 {
		h.Set("Access-Control-Max-Age", strconv.Itoa(rt.CORS.MaxAgeSeconds))
	}
	w.WriteHeader(http.StatusNoContent)
}

// hopHeaders are the hop-by-hop headers of RFC 9110 §7.6.1 (and the
// obsolete ones proxies still see).
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// inboundDrop are request headers never forwarded: credentials, the
// identity headers the gateway sets, and client-supplied forwarding
// claims.
var inboundDrop = map[string]bool{
	"X-App-Id": true, "X-App-Key": true, "X-Api-Key": true,
	"X-Forwarded-For": true, "X-Forwarded-Host": true, "X-Forwarded-Proto": true, "X-Real-Ip": true, "Forwarded": true,
	"X-Request-Id": true,
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// proxy forwards the request to the route's upstream and streams the
// answer back. It returns the status sent to the client.
func (g *Gateway) proxy(w http.ResponseWriter, r *http.Request, reqID string, rt *route, rest string, p *plan, a *app, client netip.Addr) int {
	escaped := rt.upstream.EscapedPath() + rest
	u := url.URL{Scheme: rt.upstream.Scheme, Host: rt.upstream.Host, RawQuery: r.URL.RawQuery}
	if strings.IndexByte(escaped, '%') >= 0 {
		plain, err := url.PathUnescape(escaped)
		if err != nil {
			errBadPath.write(w, r, reqID)
			return errBadPath.status
		}
		u.Path, u.RawPath = plain, escaped
	} else {
		u.Path = escaped
	}
	if u.Path == "" {
		u.Path = "/"
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	out := (&http.Request{
		Method: r.Method, URL: &u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: make(http.Header, len(r.Header)+8), Body: r.Body, ContentLength: r.ContentLength, Host: u.Host,
	}).WithContext(ctx)
	if r.ContentLength == 0 && (r.Body == nil || r.Body == http.NoBody) {
		out.Body = nil
	}
	connection := r.Header.Values("Connection")
	for k, vv := range r.Header {
		if inboundDrop[k] || strings.HasPrefix(k, "X-Portico-") || isHop(k) || listed(connection, k) {
			continue
		}
		out.Header[k] = vv
	}
	h := out.Header
	h.Set(hAppID, a.AppID)
	h.Set(hApplication, strconv.FormatInt(a.ID, 10))
	h.Set(hPlan, strconv.FormatInt(p.ID, 10))
	h.Set(hSubsidiary, rt.Subsidiary)
	h.Set(hAPI, rt.API)
	h.Set(hVersion, rt.Version)
	h.Set("X-Request-Id", reqID)
	if client.IsValid() {
		h.Set("X-Forwarded-For", client.String())
	}
	h.Set("X-Forwarded-Host", r.Host)
	h.Set("X-Forwarded-Proto", "http")
	if r.TLS != nil {
		h.Set("X-Forwarded-Proto", "https")
	}

	resp, err := g.opt.Transport.RoundTrip(out)
	if err != nil {
		f := errUpstream
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			f = errTooLarge
		case isTimeout(err):
			f = errUpstreamTime
		}
		g.opt.Logger.Warn("upstream failed", "request_id", reqID, "route", rt.BasePath, "err", err)
		f.write(w, r, reqID)
		g.metrics.refused(f.kind, f.status)
		return f.status
	}
	defer resp.Body.Close()
	dst := w.Header()
	rconn := resp.Header.Values("Connection")
	for k, vv := range resp.Header {
		if isHop(k) || listed(rconn, k) {
			continue
		}
		dst[k] = vv
	}
	w.WriteHeader(resp.StatusCode)
	if r.Method == http.MethodHead {
		return resp.StatusCode
	}
	// Stream the body; a silent upstream is cut after UpstreamTimeout.
	idle := time.AfterFunc(g.opt.UpstreamTimeout, cancel)
	defer idle.Stop()
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	flusher, _ := w.(http.Flusher)
	streaming := resp.ContentLength < 0
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			idle.Reset(g.opt.UpstreamTimeout)
			if _, werr := w.Write(buf[:n]); werr != nil {
				break
			}
			if streaming && flusher != nil {
				flusher.Flush()
			}
		}
		if rerr != nil {
			if rerr != io.EOF {
				g.opt.Logger.Warn("upstream body cut", "request_id", reqID, "route", rt.BasePath, "err", rerr)
			}
			break
		}
	}
	return resp.StatusCode
}

func isHop(k string) bool {
	for _, h := range hopHeaders {
		if k == h {
			return true
		}
	}
	return false
}

// listed reports whether the Connection header values name k.
func listed(connection []string, k string) bool {
	for _, v := range connection {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), k) {
				return true
			}
		}
	}
	return false
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, syscall.ETIMEDOUT)
}
