package gateway

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico/portico/credentials"
	"github.com/portico/portico/gateway/limits"
)

// upstream records what reaches the backend.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	hits []*http.Request
	n    atomic.Int64
}

func newUpstream(t testing.TB, h http.HandlerFunc) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.n.Add(1)
		u.mu.Lock()
		u.hits = append(u.hits, r.Clone(context.Background()))
		u.mu.Unlock()
		if h != nil {
			h(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) last(t *testing.T) *http.Request {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.hits) == 0 {
		t.Fatal("the upstream was not called")
	}
	return u.hits[len(u.hits)-1]
}

// world is a snapshot with one API on a real upstream, its plans, and
// applications with keys.
type world struct {
	hasher        *credentials.Hasher
	snap          *Snapshot
	appID, appKey string
	apiKey        string
	now           time.Time
}

func newWorld(t testing.TB, upstreamURL string) *world {
	t.Helper()
	h, err := credentials.NewHasher([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{hasher: h, now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	w.appID = credentials.NewAppID()
	if w.appKey, err = credentials.NewKey(credentials.AppKey); err != nil {
		t.Fatal(err)
	}
	w.apiKey = "7717cad459fb710bd99adf26d5d63874" // a legacy key, imported
	digest := func(s string) string { d := h.Digest(s); return hex.EncodeToString(d[:]) }
	expired := w.now.Add(-time.Minute)
	w.snap = &Snapshot{
		Revision: 1, GeneratedAt: w.now,
		Routes: []Route{
			{VersionID: 10, APIID: 1, Subsidiary: "bank", API: "accounts", Version: "2.1.0", BasePath: "/bank/accounts/v2", Upstream: upstreamURL + "/backend", State: "published",
				Operations: []Operation{{ID: "listAccounts", Method: "GET", Path: "/accounts"}, {ID: "getAccount", Method: "GET", Path: "/accounts/{id}"}, {ID: "createAccount", Method: "POST", Path: "/accounts"}, {ID: "closeAccount", Method: "POST", Path: "/accounts/{id}/close"}}},
			{VersionID: 11, APIID: 1, Subsidiary: "bank", API: "accounts", Version: "1.0.0", BasePath: "/bank/accounts/v1", Upstream: upstreamURL, State: "retired"},
			{VersionID: 12, APIID: 2, Subsidiary: "bank", API: "cards", Version: "1.0.0", BasePath: "/bank/cards/v1", Upstream: upstreamURL, State: "deprecated",
				DeprecatedAt: &expired, SunsetAt: ptr(w.now.Add(30 * 24 * time.Hour)),
				Operations: []Operation{{ID: "listCards", Method: "GET", Path: "/cards"}}},
			{VersionID: 13, APIID: 3, Subsidiary: "bank", API: "fx", Version: "1.0.0", BasePath: "/bank/fx/v1", Upstream: upstreamURL, State: "published",
				Operations: []Operation{{ID: "rates", Method: "GET", Path: "/rates"}}},
		},
		Plans: []Plan{
			{ID: 1, APIID: 1, Name: "Sandbox", KeyMode: "key_pair", Limits: Limits{RatePerSecond: 5}, OperationLimits: map[string]Limits{"createAccount": {RatePerMinute: 1}}},
			{ID: 2, APIID: 2, Name: "Cards", KeyMode: "key_pair", Operations: []string{"listCards"}},
			{ID: 3, APIID: 1, Name: "Bulk", KeyMode: "api_key"},
		},
		Apps: []App{
			{ID: 100, AppID: w.appID, Name: "Budget", Active: true, Subscriptions: []Subscription{{ID: 1, APIID: 1, PlanID: 1}, {ID: 2, APIID: 2, PlanID: 2}}},
			{ID: 101, AppID: credentials.NewAppID(), Name: "Legacy", Active: true, Subscriptions: []Subscription{{ID: 3, APIID: 1, PlanID: 3}}},
		},
		Credentials: []Credential{
			{ID: 1, App: 100, Kind: "app_key", Digest: digest(w.appKey), Prefix: "ptk_app_x"},
			{ID: 2, App: 101, Kind: "api_key", Digest: digest(w.apiKey), Prefix: "7717ca"},
		},
	}
	return w
}

func ptr[T any](v T) *T { return &v }

func (w *world) gateway(t testing.TB, o Options) *Gateway {
	t.Helper()
	o.Hasher = w.hasher
	if o.Now == nil {
		o.Now = func() time.Time { return w.now }
	}
	g := New(o)
	if err := g.Swap(w.snap); err != nil {
		t.Fatal(err)
	}
	return g
}

// call sends a request through the gateway served on a real listener.
func call(t *testing.T, srv *httptest.Server, method, path string, hdr map[string]string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (w *world) keys() map[string]string {
	return map[string]string{"X-App-Id": w.appID, "X-App-Key": w.appKey}
}

func TestKeyPairReachesUpstreamWithIdentityAndWithoutCredentials(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	srv := httptest.NewServer(w.gateway(t, Options{Limiter: limits.NewMemory()}))
	defer srv.Close()

	hdr := w.keys()
	hdr["X-Portico-App-Id"] = "app_victim"                  // forged identity
	hdr["X-Portico-Plan"] = "999"                           // forged plan
	hdr["X-Forwarded-For"] = "203.0.113.9"                  // forged client address
	hdr["Connection"] = "X-Portico-App-Id, X-Forwarded-For" // hop-by-hop trick
	resp, body := call(t, srv, "GET", "/bank/accounts/v2/accounts/42?expand=balances", hdr, nil)
	if resp.StatusCode != 200 || body != `{"ok":true}` {
		t.Fatalf("valid key pair: %d %s", resp.StatusCode, body)
	}
	got := up.last(t)
	if got.URL.RequestURI() != "/backend/accounts/42?expand=balances" {
		t.Errorf("upstream got %s, want /backend/accounts/42?expand=balances", got.URL.RequestURI())
	}
	want := map[string]string{
		"X-Portico-App-Id": w.appID, "X-Portico-Application": "100", "X-Portico-Plan": "1",
		"X-Portico-Subsidiary": "bank", "X-Portico-Api": "accounts", "X-Portico-Version": "2.1.0",
		"X-Forwarded-For": "127.0.0.1", "X-App-Id": "", "X-App-Key": "",
	}
	for k, v := range want {
		if g := strings.Join(got.Header.Values(k), ","); g != v {
			t.Errorf("upstream header %s = %q, want %q", k, g, v)
		}
	}
	if resp.Header.Get("RateLimit-Policy") == "" || resp.Header.Get("RateLimit") == "" || resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("response lacks RateLimit or X-Request-Id headers: %v", resp.Header)
	}

	// The single API key of the Bulk plan works too, and is stripped.
	resp, _ = call(t, srv, "GET", "/bank/accounts/v2/accounts", map[string]string{"X-Api-Key": w.apiKey}, nil)
	if resp.StatusCode != 200 || up.last(t).Header.Get("X-Api-Key") != "" || up.last(t).Header.Get("X-Portico-Plan") != "3" {
		t.Errorf("API key: %d, upstream X-Api-Key %q plan %q", resp.StatusCode, up.last(t).Header.Get("X-Api-Key"), up.last(t).Header.Get("X-Portico-Plan"))
	}
}

func TestEveryRefusalIsAProblemAndNeverReachesTheUpstream(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	suspended := w.snap.Apps[0]
	_ = suspended
	typo := w.appKey[:len(w.appKey)-1] + "A"
	if typo == w.appKey {
		typo = w.appKey[:len(w.appKey)-1] + "B"
	}
	cases := []struct {
		name, method, path string
		hdr                map[string]string
		body               string
		status             int
		kind               string
	}{
		{"no route", "GET", "/nowhere/v1/x", w.keys(), "", 404, "not-found"},
		{"no operation", "GET", "/bank/accounts/v2/loans", w.keys(), "", 404, "not-found"},
		{"method", "DELETE", "/bank/accounts/v2/accounts", w.keys(), "", 405, "method-not-allowed"},
		{"retired", "GET", "/bank/accounts/v1/accounts", nil, "", 410, "retired"},
		{"no credentials", "GET", "/bank/accounts/v2/accounts", nil, "", 401, "missing-credentials"},
		{"mistyped key", "GET", "/bank/accounts/v2/accounts", map[string]string{"X-App-Id": w.appID, "X-App-Key": typo}, "", 401, "invalid-credentials"},
		{"unknown app", "GET", "/bank/accounts/v2/accounts", map[string]string{"X-App-Id": credentials.NewAppID(), "X-App-Key": w.appKey}, "", 401, "invalid-credentials"},
		{"unknown api key", "GET", "/bank/accounts/v2/accounts", map[string]string{"X-Api-Key": "0000cad459fb710bd99adf26d5d63874"}, "", 401, "invalid-credentials"},
		{"key in query", "GET", "/bank/accounts/v2/accounts?app_key=" + w.appKey, map[string]string{"X-App-Id": w.appID}, "", 400, "credentials-in-url"},
		{"api key in query", "GET", "/bank/accounts/v2/accounts?API_KEY=abc", nil, "", 400, "credentials-in-url"},
		{"not subscribed", "GET", "/bank/fx/v1/rates", w.keys(), "", 403, "not-subscribed"},
		{"wrong credential kind", "GET", "/bank/cards/v1/cards", map[string]string{"X-Api-Key": w.apiKey}, "", 403, "not-subscribed"},
		{"operation not in plan", "GET", "/bank/cards/v1/cards", w.keys(), "", 200, ""},
		{"body too large", "POST", "/bank/accounts/v2/accounts", w.keys(), strings.Repeat("x", 2048), 413, "body-too-large"},
	}
	g := w.gateway(t, Options{Limiter: limits.NewMemory(), MaxBodyBytes: 1024})
	srv := httptest.NewServer(g)
	defer srv.Close()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := up.n.Load()
			var body io.Reader
			if c.body != "" {
				body = strings.NewReader(c.body)
			}
			resp, text := call(t, srv, c.method, c.path, c.hdr, body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, text)
			}
			if c.status < 400 {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			var p problem
			if err := json.Unmarshal([]byte(text), &p); err != nil || p.Status != c.status || p.Type != problemBase+c.kind || p.Title == "" {
				t.Errorf("problem = %+v (%v); want type %s", p, err, c.kind)
			}
			if up.n.Load() != before {
				t.Error("the refused request reached the upstream")
			}
			if strings.Contains(text, w.appKey) || strings.Contains(text, w.apiKey) {
				t.Error("the problem echoes a credential")
			}
		})
	}
}

func TestSuspensionExpiryAllowlistAndOperationsOfThePlan(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	w.snap.Plans[1].Operations = []string{"someOtherOperation"}
	w.snap.Credentials[0].ExpiresAt = ptr(w.now.Add(time.Hour))
	g := w.gateway(t, Options{})
	srv := httptest.NewServer(g)
	defer srv.Close()
	expect := func(path string, status int, kind string) {
		t.Helper()
		resp, body := call(t, srv, "GET", path, w.keys(), nil)
		if resp.StatusCode != status || kind != "" && !strings.Contains(body, kind) {
			t.Errorf("GET %s: %d %s; want %d %s", path, resp.StatusCode, body, status, kind)
		}
	}
	expect("/bank/cards/v1/cards", 403, "operation-not-in-plan")
	expect("/bank/accounts/v2/accounts", 200, "")

	w.now = w.now.Add(time.Hour) // the key expires
	expect("/bank/accounts/v2/accounts", 401, "expired-credentials")
	w.now = w.now.Add(-time.Hour)

	next := *w.snap
	next.Revision = 2
	next.Apps = append([]App(nil), w.snap.Apps...)
	next.Apps[0].IPAllowlist = []string{"192.0.2.0/24"}
	if err := g.Swap(&next); err != nil {
		t.Fatal(err)
	}
	expect("/bank/accounts/v2/accounts", 403, "ip-not-allowed")
	next.Apps[0].IPAllowlist = []string{"127.0.0.0/8"}
	next.Revision = 3
	if err := g.Swap(&next); err != nil {
		t.Fatal(err)
	}
	expect("/bank/accounts/v2/accounts", 200, "")
	next.Apps[0].Active = false
	next.Revision = 4
	if err := g.Swap(&next); err != nil {
		t.Fatal(err)
	}
	expect("/bank/accounts/v2/accounts", 403, "application-suspended")
}

func TestDeprecatedVersionsAnnounceTheirSunset(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	w.snap.Plans[1].Operations = nil
	srv := httptest.NewServer(w.gateway(t, Options{}))
	defer srv.Close()
	resp, _ := call(t, srv, "GET", "/bank/cards/v1/cards", w.keys(), nil)
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	if d := resp.Header.Get("Deprecation"); d != fmt.Sprintf("@%d", w.now.Add(-time.Minute).Unix()) {
		t.Errorf("Deprecation = %q", d)
	}
	if s := resp.Header.Get("Sunset"); s != w.now.Add(30*24*time.Hour).Format(http.TimeFormat) {
		t.Errorf("Sunset = %q", s)
	}
	resp, _ = call(t, srv, "GET", "/bank/accounts/v1/accounts", nil, nil)
	if resp.StatusCode != http.StatusGone {
		t.Errorf("retired version: %d", resp.StatusCode)
	}
}

func TestLimitsPerPlanAndPerOperation(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	srv := httptest.NewServer(w.gateway(t, Options{Limiter: limits.NewMemory()}))
	defer srv.Close()
	// One account creation a minute.
	if resp, _ := call(t, srv, "POST", "/bank/accounts/v2/accounts", w.keys(), strings.NewReader("{}")); resp.StatusCode != 200 {
		t.Fatalf("first creation: %d", resp.StatusCode)
	}
	resp, body := call(t, srv, "POST", "/bank/accounts/v2/accounts", w.keys(), strings.NewReader("{}"))
	retry, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != 429 || retry < 1 || !strings.Contains(body, "rate-limited") {
		t.Fatalf("second creation in the minute: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	// Five calls a second for the plan: the refused creation charged nothing.
	ok := 0
	for range 10 {
		if resp, _ := call(t, srv, "GET", "/bank/accounts/v2/accounts", w.keys(), nil); resp.StatusCode == 200 {
			ok++
		}
	}
	if ok != 4 {
		t.Errorf("%d of 10 calls admitted after 1 in the same second on a plan of 5/s; want 4", ok)
	}
	// Once Retry-After has passed, the operation works again.
	w.now = w.now.Add(time.Duration(retry) * time.Second)
	if resp, body := call(t, srv, "POST", "/bank/accounts/v2/accounts", w.keys(), strings.NewReader("{}")); resp.StatusCode != 200 {
		t.Errorf("creation after Retry-After (%d s): %d %s", retry, resp.StatusCode, body)
	}
}

// raw sends one raw HTTP/1.1 request and returns the status line.
func raw(t *testing.T, addr, request string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "closed: " + err.Error()
	}
	return strings.TrimSpace(line)
}

func TestHostilePathsAndSmugglingNeverReachTheUpstream(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	g := w.gateway(t, Options{})
	srv := &http.Server{Handler: g, ReadHeaderTimeout: 5 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	auth := "X-App-Id: " + w.appID + "\r\nX-App-Key: " + w.appKey + "\r\n"
	for _, path := range []string{
		"/bank/accounts/v2/../v2/accounts", "/bank/accounts/v2/accounts/..", "/bank/accounts/v2/./accounts",
		"/bank/accounts/v2/%2e%2e/v2/accounts", "/bank/accounts/v2/%2E%2E/v2/accounts", "/bank/accounts/v2/accounts%2f42",
		"/bank/accounts/v2/accounts/%2F42", "/bank/accounts/v2/..;x=y/v2/accounts", "/bank/accounts/v2//accounts",
		"//bank/accounts/v2/accounts", "/bank/accounts/v2/accounts%5c42", "/bank/accounts/v2/%252e%252e/accounts",
		"/bank/accounts/v2/accounts;jsessionid=1", "/bank/accounts/v2/accounts/%00", "http://evil.example/bank/accounts/v2/accounts",
		"*",
	} {
		before := up.n.Load()
		status := raw(t, ln.Addr().String(), "GET "+path+" HTTP/1.1\r\nHost: gw\r\n"+auth+"\r\n")
		if !strings.HasPrefix(status, "HTTP/1.1 400") {
			t.Errorf("GET %s: %s, want 400", path, status)
		}
		if up.n.Load() != before {
			t.Errorf("GET %s reached the upstream", path)
		}
	}
	// A backslash is not even a valid request target for net/http; the
	// gateway refuses it too if it gets there.
	if cleanPath(`/bank\accounts`) {
		t.Error(`cleanPath accepts a backslash`)
	}
	// Ambiguous framing: refused, or resolved by net/http per RFC 9112
	// (Transfer-Encoding wins, Content-Length removed) and forwarded
	// de-chunked with the gateway's own Content-Length. Either way the
	// upstream never receives a message it could frame differently.
	for name, req := range map[string]string{
		"CL and TE":            "POST /bank/accounts/v2/accounts HTTP/1.1\r\nHost: gw\r\n" + auth + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"two content lengths":  "POST /bank/accounts/v2/accounts HTTP/1.1\r\nHost: gw\r\n" + auth + "Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
		"TE identity, chunked": "POST /bank/accounts/v2/accounts HTTP/1.1\r\nHost: gw\r\n" + auth + "Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n",
		"bare LF chunk size":   "POST /bank/accounts/v2/accounts HTTP/1.1\r\nHost: gw\r\n" + auth + "Transfer-Encoding: chunked\r\n\r\n4\nabcd\r\n0\r\n\r\n",
		"huge chunk extension": "POST /bank/accounts/v2/accounts HTTP/1.1\r\nHost: gw\r\n" + auth + "Transfer-Encoding: chunked\r\n\r\n4;" + strings.Repeat("x", 70000) + "\r\nabcd\r\n0\r\n\r\n",
	} {
		before := up.n.Load()
		status := raw(t, ln.Addr().String(), req)
		if up.n.Load() == before {
			if !strings.HasPrefix(status, "HTTP/1.1 4") && !strings.HasPrefix(status, "HTTP/1.1 501") && !strings.HasPrefix(status, "closed") {
				t.Errorf("%s: %s; want a refusal", name, status)
			}
			continue
		}
		got := up.last(t)
		if len(got.TransferEncoding) > 0 || got.Header.Get("Transfer-Encoding") != "" {
			t.Errorf("%s: the upstream got Transfer-Encoding %v", name, got.TransferEncoding)
		}
		if name != "CL and TE" || got.ContentLength != 3 {
			t.Errorf("%s: forwarded (%s) with Content-Length %d", name, status, got.ContentLength)
		}
	}
}

func TestHostileUpstreamIsCappedAndTimedOut(t *testing.T) {
	slow := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/backend/accounts/huge":
			w.Header().Set("X-Huge", strings.Repeat("h", 100<<10))
		case "/backend/accounts/slow":
			time.Sleep(500 * time.Millisecond)
		case "/backend/accounts/redirect":
			http.Redirect(w, r, "http://127.0.0.1:1/admin", http.StatusFound)
			return
		case "/backend/accounts/drip":
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			time.Sleep(2 * time.Second)
			return
		}
		_, _ = io.WriteString(w, "{}")
	})
	w := newWorld(t, slow.URL)
	srv := httptest.NewServer(w.gateway(t, Options{UpstreamTimeout: 200 * time.Millisecond}))
	defer srv.Close()
	for path, want := range map[string]int{"/huge": 502, "/slow": 504, "/redirect": 302} {
		resp, body := call(t, srv, "GET", "/bank/accounts/v2/accounts"+path, w.keys(), nil)
		if resp.StatusCode != want {
			t.Errorf("%s: %d %s, want %d", path, resp.StatusCode, body, want)
		}
	}
	start := time.Now()
	resp, _ := call(t, srv, "GET", "/bank/accounts/v2/accounts/drip", w.keys(), nil)
	if took := time.Since(start); resp.StatusCode != 200 || took > 1500*time.Millisecond {
		t.Errorf("a dripping upstream held the client %v (status %d); want it cut after the 200 ms idle timeout", took, resp.StatusCode)
	}

	// A dead upstream is a 502.
	dead := newWorld(t, "http://127.0.0.1:1")
	srv2 := httptest.NewServer(dead.gateway(t, Options{}))
	defer srv2.Close()
	if resp, body := call(t, srv2, "GET", "/bank/accounts/v2/accounts", dead.keys(), nil); resp.StatusCode != 502 || !strings.Contains(body, "upstream-error") {
		t.Errorf("dead upstream: %d %s", resp.StatusCode, body)
	}
}

func TestTrustedProxyDecidesTheClientAddress(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	w.snap.Apps[0].IPAllowlist = []string{"198.51.100.0/24"}
	proxies := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	srv := httptest.NewServer(w.gateway(t, Options{TrustedProxies: proxies}))
	defer srv.Close()
	hdr := w.keys()
	hdr["X-Forwarded-For"] = "198.51.100.7, 127.0.0.5"
	if resp, body := call(t, srv, "GET", "/bank/accounts/v2/accounts", hdr, nil); resp.StatusCode != 200 {
		t.Fatalf("allowed client behind a trusted proxy: %d %s", resp.StatusCode, body)
	}
	if got := up.last(t).Header.Get("X-Forwarded-For"); got != "198.51.100.7" {
		t.Errorf("upstream X-Forwarded-For = %q", got)
	}
	// The right-most untrusted hop counts, not a spoofed left-most one.
	hdr["X-Forwarded-For"] = "198.51.100.7, 203.0.113.50"
	if resp, _ := call(t, srv, "GET", "/bank/accounts/v2/accounts", hdr, nil); resp.StatusCode != 403 {
		t.Errorf("spoofed X-Forwarded-For: %d, want 403", resp.StatusCode)
	}
	// Without trusted proxies, X-Forwarded-For is ignored.
	srv2 := httptest.NewServer(w.gateway(t, Options{}))
	defer srv2.Close()
	hdr["X-Forwarded-For"] = "198.51.100.7"
	if resp, _ := call(t, srv2, "GET", "/bank/accounts/v2/accounts", hdr, nil); resp.StatusCode != 403 {
		t.Errorf("X-Forwarded-For from an untrusted peer: %d, want 403", resp.StatusCode)
	}
}

func TestSwapsUnderLoadFailNothingAndBadSnapshotsAreRefused(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	g := w.gateway(t, Options{})
	srv := httptest.NewServer(g)
	defer srv.Close()
	var failed, total atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("GET", srv.URL+"/bank/accounts/v2/accounts", nil)
				req.Header.Set("X-App-Id", w.appID)
				req.Header.Set("X-App-Key", w.appKey)
				resp, err := http.DefaultClient.Do(req)
				total.Add(1)
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
				}
				if resp != nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	for i := range 20 {
		next := *w.snap
		next.Revision = int64(i + 2)
		if err := g.Swap(&next); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	bad := *w.snap
	bad.Revision = 99
	bad.Routes = append([]Route(nil), w.snap.Routes...)
	bad.Routes[0].Upstream = "ftp://nowhere"
	if err := g.Swap(&bad); err == nil || !strings.Contains(err.Error(), "upstream") {
		t.Errorf("a snapshot with a bad upstream: %v", err)
	}
	close(stop)
	wg.Wait()
	if failed.Load() != 0 || total.Load() < 20 {
		t.Errorf("%d of %d requests failed during 20 swaps", failed.Load(), total.Load())
	}
	if g.Revision() != 21 {
		t.Errorf("revision after the refused snapshot = %d, want 21 (the last good one)", g.Revision())
	}
}

func TestGracefulShutdownFinishesInFlightRequests(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		_, _ = io.WriteString(w, "done")
	})
	w := newWorld(t, up.URL)
	srv := &http.Server{Handler: w.gateway(t, Options{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	result := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/bank/accounts/v2/accounts", nil)
		req.Header.Set("X-App-Id", w.appID)
		req.Header.Set("X-App-Key", w.appKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			result <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		result <- fmt.Sprint(resp.StatusCode, " ", string(b))
	}()
	time.Sleep(100 * time.Millisecond)
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := <-result; got != "200 done" {
		t.Errorf("in-flight request during shutdown: %s", got)
	}
}

func TestMockAnswersFromTheDocument(t *testing.T) {
	w := newWorld(t, "http://unused")
	w.snap.Routes[0].Upstream = ""
	w.snap.Routes[0].Document = json.RawMessage(`{"openapi":"3.0.3","info":{"title":"A","version":"2.1.0"},"paths":{
		"/accounts":{"get":{"operationId":"listAccounts","responses":{"200":{"description":"ok","content":{"application/json":{"example":{"data":[{"id":"A1"}]}}}}}},
			"post":{"operationId":"createAccount","responses":{"201":{"description":"made","content":{"application/json":{"schema":{"type":"object","properties":{"id":{"type":"string","format":"uuid"},"n":{"type":"integer","minimum":3}}}}}}}}}}}`)
	srv := httptest.NewServer(w.gateway(t, Options{}))
	defer srv.Close()
	resp, body := call(t, srv, "GET", "/bank/accounts/v2/accounts", w.keys(), nil)
	if resp.StatusCode != 200 || body != `{"data":[{"id":"A1"}]}` || resp.Header.Get("X-Portico-Mock") != "true" {
		t.Errorf("mock GET: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = call(t, srv, "POST", "/bank/accounts/v2/accounts", w.keys(), strings.NewReader("{}"))
	if resp.StatusCode != 201 || body != `{"id":"00000000-0000-4000-8000-000000000000","n":3}` {
		t.Errorf("mock POST from the schema: %d %s", resp.StatusCode, body)
	}
	if resp, _ := call(t, srv, "GET", "/bank/accounts/v2/accounts", nil, nil); resp.StatusCode != 401 {
		t.Errorf("the mock without a key: %d", resp.StatusCode)
	}
}
