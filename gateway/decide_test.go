package gateway

import (
	"context"
	"net/http"
	"testing"
)

// The decision runs on a view of the request, without net/http: targets
// Go's server would already refuse are refused by decide too, for an
// engine that lets them through.
func TestDecideRefusesHostileTargetsWithoutNetHTTP(t *testing.T) {
	w := newWorld(t, "http://127.0.0.1:9")
	g := w.gateway(t, Options{})
	c := g.cur.Load()
	hdr := http.Header{}
	hdr.Set("X-App-Id", w.appID)
	hdr.Set("X-App-Key", w.appKey)
	for target, want := range map[string]refusal{
		`/bank/accounts/v2\accounts`:                errBadPath,
		"/bank/accounts/v2/accounts\x00":            errBadPath,
		"/bank/accounts/v2/acc\x7founts":            errBadPath,
		"/bank/accounts/v2/accounts/4 2":            errBadPath,
		"/bank/accounts/v2/accounts#frag":           errBadPath,
		"/bank/accounts/v2/%2e%2E/accounts":         errBadPath,
		"/bank/accounts/v2/%25%32%65/accounts":      errBadPath,
		"http://gw/bank/accounts/v2/accounts":       errBadTarget,
		"":                                          errBadTarget,
		"/bank/accounts/v2x/accounts":               errNoRoute,
		"/bank/accounts":                            errNoRoute,
		"/bank/accounts/v1/anything":                errRetired,
		"/bank/accounts/v2/accounts?x=1&API_Key=k1": errCredsInQuery,
		"/bank/accounts/v2/accounts/7/close/now":    errNoOperation,
	} {
		var d decision
		g.decide(context.Background(), c, &view{Method: "GET", Target: target, Remote: "127.0.0.1:5000", Header: hdr}, w.now, &d)
		if d.refusal != want {
			t.Errorf("%q: refusal %q (%d), want %q (%d)", target, d.refusal.kind, d.refusal.status, want.kind, want.status)
		}
	}
	var d decision
	g.decide(context.Background(), c, &view{Method: "GET", Target: "/bank/accounts/v2/accounts/7?x=1", Remote: "127.0.0.1:5000", Header: hdr}, w.now, &d)
	if d.refusal.status != 0 || d.op.ID != "getAccount" || d.rest != "/accounts/7" || d.query != "x=1" || d.sub.plan.ID != 1 || d.client.String() != "127.0.0.1" {
		t.Errorf("admitted request: %+v", d)
	}
}
