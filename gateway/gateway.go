package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/textproto"
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
	// Requests that matched no route are counted by Metrics only.
	Usage func(app, version int64, operation string, status int, latency time.Duration, at time.Time)
	// KeyUsed, when set, is told the credential of every admitted request
	// (for the portal's "last used"; never the key itself).
	KeyUsed func(credential int64, at time.Time)
	// Metrics observes outcomes; nil uses the built-in Prometheus text
	// metrics (NewMetrics). Handler serves /metrics when it is an
	// http.Handler.
	Metrics Observer
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
	// Transport reaches every upstream; default: one pooled transport per
	// upstream host that never follows redirects and caps response headers
	// at 64 KiB.
	Transport http.RoundTripper
}

// Observer is told what the gateway does; implementations must be safe for
// concurrent use and cheap (Request runs on every request).
type Observer interface {
	// Request: a request on a route was answered (by the upstream, the
	// mock or a refusal) with status after latency.
	Request(status int, latency time.Duration)
	// Refused: the gateway answered itself; reason is the problem type's
	// last segment ("invalid-credentials", "rate-limited", …).
	Refused(reason string, status int)
	// SnapshotApplied: a snapshot was compiled and is being served.
	SnapshotApplied(s *Snapshot, took time.Duration)
	// SnapshotRefused: an invalid snapshot was refused; the previous one
	// keeps serving.
	SnapshotRefused(revision int64, err error)
}

// Gateway is the data plane: an http.Handler enforcing the snapshot it
// was last given.
type Gateway struct {
	opt        Options
	cur        atomic.Pointer[compiled]
	reqID      atomic.Uint64
	idPref     string
	obs        Observer
	transports sync.Map // "scheme://host" → *http.Transport
	swapMu     sync.Mutex
	docsMu     sync.Mutex
	docs       map[docKey]*loadedDoc // the current snapshot's
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
	if o.Metrics == nil {
		o.Metrics = NewMetrics()
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &Gateway{opt: o, idPref: hex.EncodeToString(b[:]) + "-", obs: o.Metrics}
}

// Swap compiles s and serves it from now on; requests in flight finish on
// the snapshot they started with. An invalid snapshot is refused and the
// running one stays.
func (g *Gateway) Swap(s *Snapshot) error {
	started := time.Now()
	g.swapMu.Lock()
	defer g.swapMu.Unlock()
	docs, err := g.loadDocs(s)
	if err != nil {
		err = fmt.Errorf("invalid snapshot %d: %w", s.Revision, err)
	}
	var c *compiled
	if err == nil {
		c, err = compile(s, g.transportFor, docs)
	}
	if err != nil {
		rev := int64(0)
		if s != nil {
			rev = s.Revision
		}
		g.obs.SnapshotRefused(rev, err)
		return err
	}
	g.cur.Store(c)
	g.obs.SnapshotApplied(s, time.Since(started))
	g.pruneTransports(c)
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
			if m, ok := g.obs.(http.Handler); ok {
				m.ServeHTTP(w, r)
				return
			}
			g.ServeHTTP(w, r)
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

// ServeHTTP runs the pipeline (decide: route, credential, authorization,
// limits), then answers from the upstream or the mock.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.opt.Now()
	sc := &scratch{}
	reqID := sc.requestID(g.idPref, g.reqID.Add(1))
	h := w.Header()
	h["X-Request-Id"] = reqID
	c := g.cur.Load()
	if c == nil {
		g.refuse(w, r, reqID, errNotReady)
		return
	}
	q := view{Method: r.Method, Target: r.RequestURI, Remote: r.RemoteAddr, Header: r.Header}
	var d decision
	g.decide(r.Context(), c, &q, start, &d)
	rt := d.route
	if rt == nil {
		g.refuse(w, r, reqID, d.refusal)
		return
	}
	if d.preflight {
		g.preflight(w, r, reqID, &d)
		return
	}
	if d.limited {
		if _, policy, fields := d.sub.limitsOf(d.op.ID); policy != nil {
			h["Ratelimit-Policy"] = policy
			if f := field(fields, d.limit.Rule); f != "" && d.limit.Rule.Limit > 0 {
				h["Ratelimit"] = sc.rateLimit(f, d.limit)
			}
		}
	}
	if f := d.refusal; f.status != 0 {
		switch f.status {
		case http.StatusMethodNotAllowed:
			h.Set("Allow", d.allow)
		case http.StatusTooManyRequests:
			h.Set("Retry-After", strconv.FormatInt(d.retryAfter, 10))
		}
		g.finish(w, r, reqID, &d, start, f)
		return
	}

	// Body size: the route's cap, checked on Content-Length up front and
	// while the body streams.
	maxBody := g.opt.MaxBodyBytes
	if rt.MaxBodyBytes > 0 {
		maxBody = rt.MaxBodyBytes
	}
	if r.ContentLength > maxBody {
		g.finish(w, r, reqID, &d, start, errTooLarge)
		return
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if len(r.TransferEncoding) > 0 || rt.doc != nil {
			// A chunked body is read whole and forwarded with a
			// Content-Length: a malformed chunk is refused here, and no
			// framing the upstream might read differently reaches it.
			// A body to validate is read whole too, once.
			var err error
			body, err = io.ReadAll(r.Body)
			if err != nil {
				f := errBadBody
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					f = errTooLarge
				}
				g.finish(w, r, reqID, &d, start, f)
				return
			}
			r.Body, r.ContentLength, r.TransferEncoding = readCloser{bytes.NewReader(body)}, int64(len(body)), nil
		}
	}

	if rt.doc != nil {
		if ve := rt.doc.validate(r, d.op, d.rest, body, r.Header.Get("X-App-Key"), r.Header.Get("X-Api-Key"), r.Header.Get("Authorization")); ve != nil {
			f := errInvalidRequest
			if ve.Unsupported {
				f = errUnsupportedType
			}
			corsHeaders(h, r, rt)
			lifecycleHeaders(h, rt)
			g.obs.Refused(f.kind, f.status)
			g.opt.Logger.Debug("gateway refused", "request_id", reqID[0], "status", f.status, "reason", f.kind, "method", r.Method)
			f.writeErrors(w, r, reqID[0], ve.Errors)
			g.done(&d, f.status, start)
			return
		}
	}
	if rt.mock != nil && !rt.mock.has(r.Method, d.op.Path) {
		g.finish(w, r, reqID, &d, start, errNotImplemented)
		return
	}

	lifecycleHeaders(h, rt)
	corsHeaders(h, r, rt)
	var status int
	if rt.mock != nil {
		status = rt.mock.respond(w, r, r.Method, d.op.Path)
	} else {
		status = g.proxy(w, r, reqID, &d, sc)
	}
	g.done(&d, status, start)
}

// refuse answers a request that matched no route.
func (g *Gateway) refuse(w http.ResponseWriter, r *http.Request, reqID []string, f refusal) {
	g.obs.Refused(f.kind, f.status)
	g.opt.Logger.Debug("gateway refused", "request_id", reqID[0], "status", f.status, "reason", f.kind, "method", r.Method)
	f.write(w, r, reqID[0])
}

// finish answers a refusal on a route and accounts for it.
func (g *Gateway) finish(w http.ResponseWriter, r *http.Request, reqID []string, d *decision, start time.Time, f refusal) {
	corsHeaders(w.Header(), r, d.route)
	lifecycleHeaders(w.Header(), d.route)
	g.refuse(w, r, reqID, f)
	g.done(d, f.status, start)
}

// done accounts for a request answered on a route.
func (g *Gateway) done(d *decision, status int, start time.Time) {
	took := g.opt.Now().Sub(start)
	g.obs.Request(status, took)
	if g.opt.KeyUsed != nil && d.cred != nil && d.refusal.status == 0 {
		g.opt.KeyUsed(d.cred.ID, start)
	}
	if g.opt.Usage != nil {
		id := ""
		if d.op != nil {
			id = d.op.ID
		}
		g.opt.Usage(d.app(), d.route.VersionID, id, status, took, start)
	}
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
// A disallowed origin gets a problem without any CORS header.
func (g *Gateway) preflight(w http.ResponseWriter, r *http.Request, reqID []string, d *decision) {
	rt := d.route
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || !(rt.anyOrigin || rt.allowOrigin[origin]) {
		g.refuse(w, r, reqID, errNoPreflight)
		return
	}
	corsHeaders(h, r, rt)
	methods := rt.allowedMethods(d.rest)
	if methods == "" {
		methods = "GET, HEAD, POST, PUT, PATCH, DELETE"
	}
	h.Set("Access-Control-Allow-Methods", methods+", OPTIONS")
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

var (
	bufPool   = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}
	protoHTTP = []string{"http"}
	protoTLS  = []string{"https"}
)

// newTransport is the pooled transport of one upstream host: it never
// follows redirects (a RoundTripper does not) and caps response headers.
func (g *Gateway) newTransport() *http.Transport {
	return &http.Transport{
		DialContext:            (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:           1024,
		MaxIdleConnsPerHost:    1024,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  g.opt.UpstreamTimeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		DisableCompression:     true,
		ForceAttemptHTTP2:      false,
	}
}

// transportFor returns the transport of an upstream's host, kept across
// snapshots so its idle connections are reused.
func (g *Gateway) transportFor(u *url.URL) http.RoundTripper {
	if g.opt.Transport != nil {
		return g.opt.Transport
	}
	key := u.Scheme + "://" + u.Host
	if t, ok := g.transports.Load(key); ok {
		return t.(http.RoundTripper)
	}
	t, _ := g.transports.LoadOrStore(key, g.newTransport())
	return t.(http.RoundTripper)
}

// dropInbound reports whether a client's header must not reach the
// upstream: credentials, identity and forwarding claims, also spelled with
// underscores or in another case (CGI-style upstreams read X_Portico_App_Id
// as X-Portico-App-Id).
func dropInbound(k string) bool {
	if inboundDrop[k] || strings.HasPrefix(k, "X-Portico-") {
		return true
	}
	if strings.IndexByte(k, '_') < 0 && textproto.CanonicalMIMEHeaderKey(k) == k {
		return false
	}
	n := textproto.CanonicalMIMEHeaderKey(strings.ReplaceAll(k, "_", "-"))
	return inboundDrop[n] || strings.HasPrefix(n, "X-Portico-")
}

// pruneTransports forgets the transports of hosts no route uses any more
// and closes their idle connections (requests in flight keep theirs).
func (g *Gateway) pruneTransports(c *compiled) {
	used := map[string]bool{}
	for _, r := range c.routes {
		if r.upstream != nil {
			used[r.upstream.Scheme+"://"+r.upstream.Host] = true
		}
	}
	g.transports.Range(func(k, v any) bool {
		if !used[k.(string)] {
			g.transports.Delete(k)
			if t, ok := v.(*http.Transport); ok {
				t.CloseIdleConnections()
			}
		}
		return true
	})
}

// outbound is the upstream request and its URL in one allocation.
type outbound struct {
	req http.Request
	url url.URL
}

// proxy forwards the request to the route's upstream and streams the
// answer back. It returns the status sent to the client.
func (g *Gateway) proxy(w http.ResponseWriter, r *http.Request, reqID []string, d *decision, sc *scratch) int {
	rt, a, s := d.route, d.cred.app, d.sub
	o := &outbound{}
	// The upstream gets exactly the path that was checked: the escaped
	// rest is written as is (Opaque), never decoded and re-encoded.
	o.url = url.URL{Scheme: rt.upstream.Scheme, Host: rt.upstream.Host, Opaque: rt.upstreamPath + d.rest, RawQuery: d.query}
	if o.url.Opaque == "" {
		o.url.Opaque = "/"
	}
	o.req = http.Request{
		Method: r.Method, URL: &o.url, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: make(http.Header, len(r.Header)+10), Body: r.Body, ContentLength: r.ContentLength, Host: rt.upstream.Host,
	}
	if r.ContentLength == 0 && (r.Body == nil || r.Body == http.NoBody) {
		o.req.Body = nil
	}
	// The client's context: a client that goes away cancels the upstream
	// request (no context of our own: it costs a lock and five allocations).
	out := o.req.WithContext(r.Context())
	// Copy the client's headers minus credentials, identity and forwarding
	// claims and hop-by-hop headers (also those Connection names); the
	// gateway's own are set last.
	connection := r.Header["Connection"]
	h := out.Header
	for k, vv := range r.Header {
		if dropInbound(k) || isHop(k) || (connection != nil && listed(connection, k)) {
			continue
		}
		h[k] = vv
	}
	h[hAppID] = a.appIDHdr
	h[hApplication] = a.rowHdr
	h[hPlan] = s.plan.planHdr
	h[hSubsidiary] = rt.subsidiaryHdr
	h[hAPI] = rt.apiHdr
	h[hVersion] = rt.versionHdr
	h["X-Request-Id"] = reqID
	if d.client.IsValid() {
		h["X-Forwarded-For"] = sc.clientAddr(d.client)
	}
	if r.Host != "" {
		h["X-Forwarded-Host"] = sc.host(r.Host)
	}
	h["X-Forwarded-Proto"] = protoHTTP
	if r.TLS != nil {
		h["X-Forwarded-Proto"] = protoTLS
	}

	resp, err := rt.transport.RoundTrip(out)
	if err != nil {
		f := errUpstream
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			f = errTooLarge
		case isTimeout(err):
			f = errUpstreamTime
		}
		g.opt.Logger.Warn("upstream failed", "request_id", reqID[0], "route", rt.BasePath, "err", err)
		g.refuse(w, r, reqID, f)
		return f.status
	}
	defer resp.Body.Close()
	dst := w.Header()
	rconn := resp.Header["Connection"]
	for k, vv := range resp.Header {
		if isHop(k) || (rconn != nil && listed(rconn, k)) {
			continue
		}
		if mine, ok := dst[k]; ok {
			// The gateway's own headers (RateLimit, X-Request-Id, CORS,
			// Deprecation…) win; Vary lists both.
			if k == "Vary" {
				dst[k] = append(mine[:len(mine):len(mine)], vv...)
			}
			continue
		}
		dst[k] = vv
	}
	w.WriteHeader(resp.StatusCode)
	if r.Method == http.MethodHead {
		return resp.StatusCode
	}
	// Stream the body; a silent upstream is cut after UpstreamTimeout by
	// closing its body, which closes the connection and ends the blocked
	// Read.
	body := resp.Body
	idle := time.AfterFunc(g.opt.UpstreamTimeout, func() { _ = body.Close() })
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
				g.opt.Logger.Warn("upstream body cut", "request_id", reqID[0], "route", rt.BasePath, "err", rerr)
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
