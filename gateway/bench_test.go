package gateway

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
	"time"

	"github.com/portico/portico/gateway/limits"
)

// The end-to-end benchmarks share one shape: a loopback upstream answering
// a small JSON body, a client with pooled connections, requests in
// parallel. Direct and StdlibReverseProxy are the baselines: the cost of
// the gateway is its figure minus Direct's, to compare with the bare
// reverse proxy's.

func benchClient(b *testing.B, target string, keyHeaders func(i int, h http.Header)) {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			req, _ := http.NewRequest("GET", target, nil)
			if keyHeaders != nil {
				keyHeaders(i, req.Header)
			}
			resp, err := tr.RoundTrip(req)
			if err != nil || resp.StatusCode != 200 {
				b.Fatalf("%v %v", err, resp)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

func benchUpstream(b *testing.B) *upstream {
	return newUpstream(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":42,"name":"current account","currency":"EUR"}`)
	})
}

// BenchmarkGatewayKeyAuth: API keys (1,000 of them, legacy 32-hex keys
// looked up by digest), a plan with a rate limit, through ServeHTTP on a
// real listener to a real upstream.
func BenchmarkGatewayKeyAuth(b *testing.B) {
	up := benchUpstream(b)
	w := newWorld(b, up.URL)
	var keys []string
	for i := range 1000 {
		k := fmt.Sprintf("%032x", i+1)
		keys = append(keys, k)
		d := w.hasher.Digest(k)
		w.snap.Credentials = append(w.snap.Credentials, Credential{ID: int64(10 + i), App: 101, Kind: "api_key", Digest: hex.EncodeToString(d[:]), Prefix: k[:6]})
	}
	w.snap.Plans[2].Limits = Limits{RatePerSecond: 1 << 40}
	srv := httptest.NewServer(w.gateway(b, Options{Limiter: limits.NewMemory(), Now: time.Now}))
	defer srv.Close()
	benchClient(b, srv.URL+"/bank/accounts/v2/accounts/42", func(i int, h http.Header) { h["X-Api-Key"] = []string{keys[i%len(keys)]} })
}

// BenchmarkGatewayKeyPair: X-App-Id + X-App-Key, plan and operation limits.
func BenchmarkGatewayKeyPair(b *testing.B) {
	up := benchUpstream(b)
	w := newWorld(b, up.URL)
	w.snap.Plans[0].Limits = Limits{RatePerSecond: 1 << 40}
	w.snap.Plans[0].OperationLimits = map[string]Limits{"getAccount": {RatePerSecond: 1 << 40}}
	srv := httptest.NewServer(w.gateway(b, Options{Limiter: limits.NewMemory(), Now: time.Now}))
	defer srv.Close()
	benchClient(b, srv.URL+"/bank/accounts/v2/accounts/42", func(_ int, h http.Header) {
		h["X-App-Id"], h["X-App-Key"] = []string{w.appID}, []string{w.appKey}
	})
}

// BenchmarkStdlibReverseProxy is the baseline: httputil.ReverseProxy with
// no checks at all.
func BenchmarkStdlibReverseProxy(b *testing.B) {
	up := benchUpstream(b)
	u, _ := url.Parse(up.URL)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 1024}
	srv := httptest.NewServer(rp)
	defer srv.Close()
	benchClient(b, srv.URL+"/backend/accounts/42", func(_ int, h http.Header) { h["X-Api-Key"] = []string{"00000000000000000000000000000001"} })
}

// BenchmarkDirect: the client straight to the upstream.
func BenchmarkDirect(b *testing.B) {
	up := benchUpstream(b)
	benchClient(b, up.URL+"/backend/accounts/42", nil)
}

// BenchmarkDecision measures the gateway's own work per request (route,
// key digest and lookup, authorization, limits, headers, the mock's
// answer) without sockets.
func BenchmarkDecision(b *testing.B) {
	up := newUpstream(b, nil)
	w := newWorld(b, up.URL)
	w.snap.Routes[0].Upstream = ""
	w.snap.Routes[0].Document = json.RawMessage(`{"openapi":"3.0.3","info":{"title":"A","version":"1"},"paths":{"/accounts/{id}":{"get":{"responses":{"200":{"description":"ok"}}}}}}`)
	w.snap.Plans[2].Limits = Limits{RatePerSecond: 1 << 40}
	g := w.gateway(b, Options{Limiter: limits.NewMemory(), Now: time.Now})
	req := httptest.NewRequest("GET", "/bank/accounts/v2/accounts/42", nil)
	req.Header.Set("X-Api-Key", w.apiKey)
	rec := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(rec.h)
		g.ServeHTTP(rec, req)
	}
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}
