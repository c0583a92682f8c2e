package gateway

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/portico/portico/gateway/limits"
)

func TestRateLimitHeaderMatchesTheLimitsPackage(t *testing.T) {
	p := &limits.Policy{Name: "plan-12", Rules: []limits.Rule{{Limit: 10, Period: limits.Second}, {Limit: 1000, Period: limits.Day}}}
	for _, rule := range p.Rules {
		f := rateLimitField(p, rule)
		for _, reset := range []time.Duration{0, 1, 999 * time.Millisecond, time.Second, 1500 * time.Millisecond, time.Hour, -time.Second} {
			for _, rem := range []int64{-1, 0, 7, 999} {
				d := limits.Decision{Rule: rule, Remaining: rem, Reset: reset}
				_, want := limits.HeaderValues(p, d)
				var sc scratch
				if got := sc.rateLimit(f, d)[0]; got != want {
					t.Errorf("rule %v reset %v remaining %d: %q, want %q", rule, reset, rem, got, want)
				}
			}
		}
	}
}

func TestScratchStringsStayIntactWhenBufferOverflows(t *testing.T) {
	var sc scratch
	id := sc.requestID(strings.Repeat("p", 100), 0xabc)[0]
	xff := sc.clientAddr(netip.MustParseAddr("2001:db8::1234:5678"))[0]
	rl := sc.rateLimit(`"`+strings.Repeat("n", 80)+`";r=`, limits.Decision{Remaining: 5, Reset: time.Second})[0]
	if id != strings.Repeat("p", 100)+"abc" || xff != "2001:db8::1234:5678" || rl != `"`+strings.Repeat("n", 80)+`";r=5;t=1` {
		t.Errorf("id %q xff %q rl %q", id, xff, rl)
	}
}
