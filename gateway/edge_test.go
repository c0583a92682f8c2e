package gateway

import (
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico/portico/credentials"
	"github.com/portico/portico/gateway/limits"
)

func TestCredentialsInTheQueryOnlyWhereThePlanTakesThem(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	w.snap.Plans[2].QueryCredentials = true // Bulk (API keys) on the accounts API
	srv := httptest.NewServer(w.gateway(t, Options{}))
	defer srv.Close()

	resp, body := call(t, srv, "GET", "/bank/accounts/v2/accounts?page=2&api_key="+w.apiKey+"&sort=asc", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("API key in the query of a plan that takes it: %d %s", resp.StatusCode, body)
	}
	if got := up.last(t).RequestURI; got != "/backend/accounts?page=2&sort=asc" {
		t.Errorf("upstream request target %q, want the query without api_key", got)
	}
	// The key pair's plan on the same API does not take query credentials.
	resp, body = call(t, srv, "GET", "/bank/accounts/v2/accounts?app_id="+w.appID+"&app_key="+w.appKey, nil, nil)
	if resp.StatusCode != 400 || !strings.Contains(body, "credentials-in-url") || strings.Contains(body, w.appKey) {
		t.Errorf("key pair in the query of a plan that does not take it: %d %s", resp.StatusCode, body)
	}
	// No plan of the cards API takes them: refused before any lookup.
	resp, _ = call(t, srv, "GET", "/bank/cards/v1/cards?key=abc", w.keys(), nil)
	if resp.StatusCode != 400 {
		t.Errorf("credential parameter on an API without query credentials: %d", resp.StatusCode)
	}
}

func TestUpstreamGetsExactlyTheCheckedPath(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	srv := httptest.NewServer(w.gateway(t, Options{}))
	defer srv.Close()
	for path, want := range map[string]string{
		"/bank/accounts/v2/accounts/a%20b":         "/backend/accounts/a%20b",
		"/bank/accounts/v2/accounts/%41%42":        "/backend/accounts/%41%42",
		"/bank/accounts/v2/accounts/42?x=%2e%2e&y": "/backend/accounts/42?x=%2e%2e&y",
		"/bank/accounts/v2/accounts/caf%C3%A9":     "/backend/accounts/caf%C3%A9",
	} {
		before := up.n.Load()
		resp, body := call(t, srv, "GET", path, w.keys(), nil)
		if resp.StatusCode != 200 || up.n.Load() == before {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
			continue
		}
		if got := up.last(t).RequestURI; got != want {
			t.Errorf("GET %s: upstream got %q, want %q", path, got, want)
		}
	}
	// Malformed or control-character escapes are refused like dot segments.
	for _, path := range []string{"/bank/accounts/v2/accounts/%zz", "/bank/accounts/v2/accounts/%1f", "/bank/accounts/v2/accounts/%7F", "/bank/accounts/v2/accounts/%2", "/bank/accounts/v2/accounts/%3B"} {
		before := up.n.Load()
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		req.URL.Opaque = path // sent as is
		for k, v := range w.keys() {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 || up.n.Load() != before {
			t.Errorf("GET %s: %d (upstream calls %d → %d), want 400 and no call", path, resp.StatusCode, before, up.n.Load())
		}
	}
}

func TestCORSPreflightAndOrigins(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	w.snap.Routes[0].CORS = &CORS{AllowOrigins: []string{"https://app.example"}, AllowHeaders: []string{"X-Trace"}, MaxAgeSeconds: 600}
	srv := httptest.NewServer(w.gateway(t, Options{}))
	defer srv.Close()

	pre := map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
	resp, _ := call(t, srv, "OPTIONS", "/bank/accounts/v2/accounts", pre, nil)
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "X-Trace") ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") || resp.Header.Get("Vary") != "Origin" {
		t.Errorf("preflight from an allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
	if up.n.Load() != 0 {
		t.Error("the preflight reached the upstream")
	}
	pre["Origin"] = "https://evil.example"
	resp, body := call(t, srv, "OPTIONS", "/bank/accounts/v2/accounts", pre, nil)
	if resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" || !strings.Contains(body, "cors-origin-not-allowed") {
		t.Errorf("preflight from another origin: %d %v %s", resp.StatusCode, resp.Header, body)
	}

	hdr := w.keys()
	hdr["Origin"] = "https://app.example"
	resp, _ = call(t, srv, "GET", "/bank/accounts/v2/accounts", hdr, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || resp.Header.Get("Vary") != "Origin" {
		t.Errorf("call from an allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
	hdr["Origin"] = "https://evil.example"
	resp, _ = call(t, srv, "GET", "/bank/accounts/v2/accounts", hdr, nil)
	if resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("Vary") != "Origin" {
		t.Errorf("call from another origin got CORS headers: %v", resp.Header)
	}
}

func TestKeysOfAPreviousPepperStillWork(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	// Rotate: the snapshot's digests were made with the old pepper.
	rotated, err := credentials.NewHasher([]byte("a brand new pepper of 32 bytes!!"), []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	g := New(Options{Hasher: rotated, Now: func() time.Time { return w.now }})
	if err := g.Swap(w.snap); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	if resp, body := call(t, srv, "GET", "/bank/accounts/v2/accounts", w.keys(), nil); resp.StatusCode != 200 {
		t.Errorf("app key of the previous pepper: %d %s", resp.StatusCode, body)
	}
	if resp, body := call(t, srv, "GET", "/bank/accounts/v2/accounts", map[string]string{"X-Api-Key": w.apiKey}, nil); resp.StatusCode != 200 {
		t.Errorf("API key of the previous pepper: %d %s", resp.StatusCode, body)
	}
	// Implausible API keys fail fast with the same answer as unknown ones.
	for _, k := range []string{"short", strings.Repeat("k", 129), "has a space in it, 20+"} {
		if resp, body := call(t, srv, "GET", "/bank/accounts/v2/accounts", map[string]string{"X-Api-Key": k}, nil); resp.StatusCode != 401 || !strings.Contains(body, "invalid-credentials") {
			t.Errorf("API key %q: %d %s", k, resp.StatusCode, body)
		}
	}
}

// fromAddr is a client whose connections come from a given 127.0.0.x
// address.
func fromAddr(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
}

func TestIPAllowlistOnTheConnectionsAddress(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	w.snap.Apps[0].IPAllowlist = []string{"127.0.0.2/32", "10.0.0.0/8"}
	srv := httptest.NewServer(w.gateway(t, Options{}))
	defer srv.Close()
	for ip, want := range map[string]int{"127.0.0.2": 200, "127.0.0.3": 403, "127.0.0.1": 403} {
		req, _ := http.NewRequest("GET", srv.URL+"/bank/accounts/v2/accounts", nil)
		for k, v := range w.keys() {
			req.Header.Set(k, v)
		}
		req.Header.Set("X-Forwarded-For", "127.0.0.2") // ignored: no trusted proxies
		req.Header.Set("X-Real-IP", "127.0.0.2")
		req.Header.Set("Forwarded", "for=127.0.0.2")
		resp, err := fromAddr(ip).Do(req)
		if err != nil {
			t.Fatalf("from %s: %v", ip, err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("from %s: %d, want %d", ip, resp.StatusCode, want)
		}
	}
}

func TestUsageOncePerRequestAndHealthEndpoints(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	type use struct {
		app, version int64
		op           string
		status       int
	}
	var mu sync.Mutex
	var got []use
	g := New(Options{Hasher: w.hasher, Now: func() time.Time { return w.now },
		Usage: func(app, version int64, op string, status int, _ time.Duration, _ time.Time) {
			mu.Lock()
			got = append(got, use{app, version, op, status})
			mu.Unlock()
		}})
	srv := httptest.NewServer(g.Handler())
	defer srv.Close()

	if resp, body := call(t, srv, "GET", "/healthz", nil, nil); resp.StatusCode != 200 {
		t.Errorf("/healthz before a snapshot: %d %s", resp.StatusCode, body)
	}
	if resp, _ := call(t, srv, "GET", "/readyz", nil, nil); resp.StatusCode != 503 {
		t.Errorf("/readyz before a snapshot: %d", resp.StatusCode)
	}
	if resp, body := call(t, srv, "GET", "/bank/accounts/v2/accounts", w.keys(), nil); resp.StatusCode != 503 || !strings.Contains(body, "not-ready") {
		t.Errorf("a call before a snapshot: %d %s", resp.StatusCode, body)
	}
	if err := g.Swap(w.snap); err != nil {
		t.Fatal(err)
	}
	resp, body := call(t, srv, "GET", "/readyz", nil, nil)
	var ready struct {
		Revision int64 `json:"revision"`
	}
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &ready) != nil || ready.Revision != 1 {
		t.Errorf("/readyz: %d %s", resp.StatusCode, body)
	}

	call(t, srv, "GET", "/bank/accounts/v2/accounts/7", w.keys(), nil)
	call(t, srv, "GET", "/bank/accounts/v2/accounts", nil, nil)
	call(t, srv, "GET", "/bank/accounts/v2/accounts", map[string]string{"X-Api-Key": w.apiKey}, nil)
	mu.Lock()
	want := []use{{100, 10, "getAccount", 200}, {0, 10, "listAccounts", 401}, {101, 10, "listAccounts", 200}}
	if len(got) != len(want) {
		t.Fatalf("usage calls %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("usage %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	mu.Unlock()

	resp, body = call(t, srv, "GET", "/metrics", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `portico_gateway_refusals_total{reason="missing-credentials"} 1`) ||
		!strings.Contains(body, "portico_gateway_snapshot_revision 1") {
		t.Errorf("/metrics: %d\n%s", resp.StatusCode, body)
	}
}

func TestSnapshotsTheGatewayCannotServeAreRefused(t *testing.T) {
	w := newWorld(t, "http://127.0.0.1:9")
	g := w.gateway(t, Options{})
	cases := map[string]func(s *Snapshot){
		"duplicate base path":      func(s *Snapshot) { s.Routes[1].BasePath = s.Routes[0].BasePath },
		"bad base path":            func(s *Snapshot) { s.Routes[0].BasePath = "/bank/../x" },
		"base path inside another": func(s *Snapshot) { s.Routes[3].BasePath = "/bank/accounts" },
		"plan of another API":      func(s *Snapshot) { s.Apps[0].Subscriptions[0].APIID = 3 },
		"bad document to validate": func(s *Snapshot) { s.Routes[0].Validate, s.Routes[0].Document = true, []byte(`{"openapi":`) },
		"upstream with user":       func(s *Snapshot) { s.Routes[0].Upstream = "http://u:p@host/" },
		"unknown plan":             func(s *Snapshot) { s.Apps[0].Subscriptions[0].PlanID = 77 },
		"bad digest":               func(s *Snapshot) { s.Credentials[0].Digest = "zz" },
		"short digest":             func(s *Snapshot) { s.Credentials[0].Digest = hex.EncodeToString([]byte("short")) },
		"unknown app":              func(s *Snapshot) { s.Credentials[0].App = 999 },
		"bad allowlist":            func(s *Snapshot) { s.Apps[0].IPAllowlist = []string{"not a cidr"} },
		"mock without a document": func(s *Snapshot) {
			s.Routes[0].Upstream, s.Routes[0].Document = "", nil
		},
	}
	for name, spoil := range cases {
		s := *w.snap
		s.Revision = 50
		s.Routes = append([]Route(nil), w.snap.Routes...)
		s.Apps = append([]App(nil), w.snap.Apps...)
		s.Apps[0].Subscriptions = append([]Subscription(nil), w.snap.Apps[0].Subscriptions...)
		s.Credentials = append([]Credential(nil), w.snap.Credentials...)
		spoil(&s)
		if err := g.Swap(&s); err == nil {
			t.Errorf("%s: the snapshot was accepted", name)
		} else if strings.Contains(err.Error(), w.appKey) {
			t.Errorf("%s: the error names a key", name)
		}
		if g.Revision() != 1 {
			t.Fatalf("%s: revision %d after a refused snapshot", name, g.Revision())
		}
	}
}

func TestChunkedBodyOverTheCapIsRefused(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	w.snap.Routes[0].MaxBodyBytes = 1024
	srv := httptest.NewServer(w.gateway(t, Options{}))
	defer srv.Close()
	// io.MultiReader hides the length: the client sends it chunked.
	req, _ := http.NewRequest("POST", srv.URL+"/bank/accounts/v2/accounts", io.MultiReader(strings.NewReader(strings.Repeat("x", 1000)), strings.NewReader(strings.Repeat("y", 1000))))
	for k, v := range w.keys() {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(string(body), "body-too-large") || up.n.Load() != 0 {
		t.Errorf("chunked body over the route's cap: %d %s (upstream calls %d)", resp.StatusCode, body, up.n.Load())
	}
}

func TestIdentityForgedWithUnderscoresOrCaseIsDropped(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	srv := httptest.NewServer(w.gateway(t, Options{}))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/bank/accounts/v2/accounts", nil)
	for k, v := range w.keys() {
		req.Header.Set(k, v)
	}
	// Written as is by the client; CGI-style upstreams read them as the
	// dashed names.
	req.Header["X_Portico_App_Id"] = []string{"app_victim"}
	req.Header["x-portico-plan"] = []string{"999"}
	req.Header["X_App_Key"] = []string{w.appKey}
	req.Header["X_Forwarded_For"] = []string{"203.0.113.9"}
	req.Header["X-Custom_Thing"] = []string{"kept"}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := up.last(t).Header
	for k, vv := range got {
		for _, v := range vv {
			if v == "app_victim" || v == "999" || v == w.appKey || v == "203.0.113.9" {
				t.Errorf("forged header %s: %q reached the upstream", k, v)
			}
		}
	}
	if got.Get("X-Portico-App-Id") != w.appID || got.Get("X-Portico-Plan") != "1" || got.Get("X-Custom_thing") != "kept" {
		t.Errorf("upstream headers %v", got)
	}
}

func TestQuotaAndSpikeArrestRefusals(t *testing.T) {
	up := newUpstream(t, nil)
	w := newWorld(t, up.URL)
	w.snap.Plans[0].Limits = Limits{QuotaPerDay: 2}
	w.snap.Plans[0].OperationLimits = nil
	w.snap.Plans[2].Limits = Limits{SpikeArrest: 1}
	srv := httptest.NewServer(w.gateway(t, Options{Limiter: limits.NewMemory()}))
	defer srv.Close()
	for i := range 2 {
		if resp, body := call(t, srv, "GET", "/bank/accounts/v2/accounts", w.keys(), nil); resp.StatusCode != 200 {
			t.Fatalf("call %d within the quota: %d %s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := call(t, srv, "GET", "/bank/accounts/v2/accounts", w.keys(), nil)
	// 10:00 UTC: the daily quota renews in 14 hours.
	if resp.StatusCode != 429 || !strings.Contains(body, "quota-exceeded") || resp.Header.Get("Retry-After") != "50400" ||
		!strings.Contains(resp.Header.Get("RateLimit-Policy"), "q=2") || !strings.Contains(resp.Header.Get("RateLimit"), "r=0") {
		t.Errorf("over the daily quota: %d %s %v", resp.StatusCode, body, resp.Header)
	}
	api := map[string]string{"X-Api-Key": w.apiKey}
	if resp, _ := call(t, srv, "GET", "/bank/accounts/v2/accounts", api, nil); resp.StatusCode != 200 {
		t.Fatalf("first call under spike arrest: %d", resp.StatusCode)
	}
	resp, body = call(t, srv, "GET", "/bank/accounts/v2/accounts", api, nil)
	if resp.StatusCode != 429 || !strings.Contains(body, "spike-arrest") || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("a second call in the same instant under spike arrest 1/s: %d %s Retry-After %q", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
}

func TestUpstreamConnectionsArePooledAcrossSwaps(t *testing.T) {
	var conns atomic.Int64
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "{}") }))
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	up.Start()
	defer up.Close()
	w := newWorld(t, up.URL)
	g := w.gateway(t, Options{})
	srv := httptest.NewServer(g)
	defer srv.Close()
	for i := range 30 {
		if i%10 == 9 {
			next := *w.snap
			next.Revision = int64(i)
			if err := g.Swap(&next); err != nil {
				t.Fatal(err)
			}
		}
		if resp, body := call(t, srv, "GET", "/bank/accounts/v2/accounts", w.keys(), nil); resp.StatusCode != 200 {
			t.Fatalf("call %d: %d %s", i, resp.StatusCode, body)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("30 sequential calls over 3 swaps opened %d upstream connections, want 1", n)
	}
	// An upstream no route uses any more loses its transport.
	next := *w.snap
	next.Revision = 100
	next.Routes = append([]Route(nil), w.snap.Routes...)
	for i := range next.Routes {
		next.Routes[i].Upstream = "http://127.0.0.1:9"
	}
	if err := g.Swap(&next); err != nil {
		t.Fatal(err)
	}
	n := 0
	g.transports.Range(func(k, _ any) bool { n++; return k == "http://127.0.0.1:9" })
	if n != 1 {
		t.Errorf("%d transports after every route moved to one host", n)
	}
}
