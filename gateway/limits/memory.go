package limits

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Memory is the in-process Limiter: exact for one gateway process.
// Rates are sliding-window counters (the previous window's count weighted
// by how much of it still overlaps the sliding window, plus the current
// window's), so no boundary lets twice the rate through; quotas count
// calendar days and months in UTC exactly; spike arrest spaces requests.
type Memory struct {
	shards [64]shard
}

type shard struct {
	mu      sync.Mutex
	entries map[entryKey]*entry
	takes   int
}

type entryKey struct {
	app    int64
	policy *Policy
}

// entry is the state of one subject: one counter per rule.
type entry struct {
	counters []counter
	next     time.Time // spike arrest: earliest time of the next request
	seen     time.Time
}

type counter struct {
	start time.Time // start of the current window or period
	cur   int64
	prev  int64 // sliding windows: the previous window's count
}

// NewMemory returns an empty in-memory limiter.
func NewMemory() *Memory {
	m := &Memory{}
	for i := range m.shards {
		m.shards[i].entries = map[entryKey]*entry{}
	}
	return m
}

// window is a rule's length for sliding windows.
func (p Period) window() time.Duration {
	switch p {
	case Second:
		return time.Second
	case Minute:
		return time.Minute
	case Hour:
		return time.Hour
	}
	return 0
}

// calendar reports whether the period is a calendar quota.
func (p Period) calendar() bool { return p == Day || p == Month }

// periodStart is the start of the calendar period holding now, and the
// next one's.
func (p Period) periodStart(now time.Time) (start, next time.Time) {
	now = now.UTC()
	if p == Day {
		start = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 0, 1)
	}
	start = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, 1, 0)
}

// Take implements Limiter.
func (m *Memory) Take(_ context.Context, now time.Time, subjects ...Subject) (Decision, error) {
	if len(subjects) == 0 {
		return Decision{Reason: Allowed, Remaining: -1}, nil
	}
	// Lock the subjects' shards in ascending order (usually one shard: the
	// subjects of a request share its application).
	var idx [4]int
	n := 0
	for _, s := range subjects {
		i := int(uint64(s.App) % uint64(len(m.shards)))
		dup := false
		for _, j := range idx[:n] {
			dup = dup || j == i
		}
		if !dup && n < len(idx) {
			idx[n] = i
			n++
		}
	}
	for a := 1; a < n; a++ {
		for b := a; b > 0 && idx[b] < idx[b-1]; b-- {
			idx[b], idx[b-1] = idx[b-1], idx[b]
		}
	}
	for _, i := range idx[:n] {
		m.shards[i].mu.Lock()
	}
	defer func() {
		for _, i := range idx[:n] {
			m.shards[i].mu.Unlock()
		}
	}()

	// Check every rule of every subject first; charge only if all admit.
	best := Decision{Reason: Allowed, Remaining: math.MaxInt64}
	var entries [4]*entry
	for k, s := range subjects {
		sh := &m.shards[int(uint64(s.App)%uint64(len(m.shards)))]
		e := sh.entries[entryKey{s.App, s.Policy}]
		if e == nil {
			e = &entry{counters: make([]counter, len(s.Policy.Rules))}
			sh.entries[entryKey{s.App, s.Policy}] = e
			sh.takes++
			if sh.takes%4096 == 0 {
				sh.sweep(now)
			}
		}
		e.seen = now
		if k < len(entries) {
			entries[k] = e
		}
		if s.Policy.SpikeArrest > 0 && now.Before(e.next) {
			return Decision{Reason: SpikeArrested, Rule: Rule{Limit: s.Policy.SpikeArrest, Period: Second}, Reset: e.next.Sub(now), RetryAfter: e.next.Sub(now)}, nil
		}
		for r, rule := range s.Policy.Rules {
			c := &e.counters[r]
			used, reset, retry := c.state(rule, now)
			remaining := rule.Limit - used - 1
			if remaining < 0 {
				reason := RateLimited
				if rule.Period.calendar() {
					reason = QuotaExceeded
				}
				return Decision{Reason: reason, Rule: rule, Remaining: 0, Reset: reset, RetryAfter: retry}, nil
			}
			if remaining < best.Remaining || remaining == best.Remaining && reset < best.Reset {
				best.Rule, best.Remaining, best.Reset = rule, remaining, reset
			}
		}
	}
	for k, s := range subjects {
		e := entries[k]
		if k >= len(entries) {
			e = m.shards[int(uint64(s.App)%uint64(len(m.shards)))].entries[entryKey{s.App, s.Policy}]
		}
		for r := range s.Policy.Rules {
			e.counters[r].cur++
		}
		if s.Policy.SpikeArrest > 0 {
			interval := time.Second / time.Duration(s.Policy.SpikeArrest)
			if e.next.Before(now) {
				e.next = now
			}
			e.next = e.next.Add(interval)
		}
	}
	if best.Remaining == math.MaxInt64 {
		best.Remaining = -1 // no counting rule
	}
	return best, nil
}

// state rolls the counter forward to now and returns the requests counted
// in the rule's window, the time until the window resets and, should the
// rule be full, when one more request fits.
func (c *counter) state(rule Rule, now time.Time) (used int64, reset, retry time.Duration) {
	if rule.Period.calendar() {
		start, next := rule.Period.periodStart(now)
		if !c.start.Equal(start) {
			c.start, c.cur, c.prev = start, 0, 0
		}
		return c.cur, next.Sub(now), next.Sub(now)
	}
	w := rule.Period.window()
	start := now.Truncate(w)
	switch {
	case c.start.IsZero() || start.Sub(c.start) >= 2*w:
		c.start, c.cur, c.prev = start, 0, 0
	case !start.Equal(c.start):
		c.start, c.prev, c.cur = start, c.cur, 0
	}
	elapsed := now.Sub(start)
	weight := 1 - float64(elapsed)/float64(w)
	used = c.cur + int64(math.Ceil(float64(c.prev)*weight-1e-9))
	reset = w - elapsed
	// One more fits when the previous window's weight has decayed enough:
	// prev*(1 - t/w) + cur + 1 <= limit.
	retry = reset
	if c.cur+1 <= rule.Limit && c.prev > 0 {
		need := 1 - float64(rule.Limit-c.cur-1)/float64(c.prev)
		if t := time.Duration(need * float64(w)); t > elapsed {
			retry = t - elapsed
		}
	} else if c.cur+1 > rule.Limit {
		// The current window is full by itself: wait for it to become the
		// previous one and decay below the limit.
		need := 1 - float64(rule.Limit-1)/float64(c.cur)
		retry = reset + time.Duration(need*float64(w))
	}
	return used, reset, retry
}

// sweep forgets subjects idle longer than their longest rule (their
// counters would restart from zero anyway).
func (sh *shard) sweep(now time.Time) {
	for k, e := range sh.entries {
		longest := time.Second
		for _, r := range k.policy.Rules {
			switch {
			case r.Period == Month:
				longest = max(longest, 32*24*time.Hour)
			case r.Period == Day:
				longest = max(longest, 25*time.Hour)
			default:
				longest = max(longest, 2*r.Period.window())
			}
		}
		if now.Sub(e.seen) > longest {
			delete(sh.entries, k)
		}
	}
}

// Len is the number of subjects the limiter holds state for.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		m.shards[i].mu.Lock()
		n += len(m.shards[i].entries)
		m.shards[i].mu.Unlock()
	}
	return n
}

// seconds is a period's length in the RateLimit-Policy header: a day is
// 86400; a month is counted as 30 days (2592000), its nominal length.
func (p Period) seconds() int64 {
	switch p {
	case Second:
		return 1
	case Minute:
		return 60
	case Hour:
		return 3600
	case Day:
		return 86400
	case Month:
		return 2592000
	}
	return 0
}

func (p Period) suffix() string {
	return [...]string{"", "second", "minute", "hour", "day", "month"}[p]
}

var policyHeaders sync.Map // *Policy → string

// HeaderValues returns the RateLimit-Policy and RateLimit header values
// (IETF draft-ietf-httpapi-ratelimit-headers, structured fields) for a
// decision under p: every rule of the policy, and the remaining quota of
// the most restrictive one. The policy value is computed once per policy.
func HeaderValues(p *Policy, d Decision) (policy, ratelimit string) {
	if v, ok := policyHeaders.Load(p); ok {
		policy = v.(string)
	} else {
		var b strings.Builder
		for i, r := range p.Rules {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q;q=%d;w=%d", p.Name+"-"+r.Period.suffix(), r.Limit, r.Period.seconds())
		}
		policy = b.String()
		policyHeaders.Store(p, policy)
	}
	if d.Rule.Limit == 0 || len(p.Rules) == 0 {
		return policy, ""
	}
	t := int64(math.Ceil(d.Reset.Seconds()))
	if t < 0 {
		t = 0
	}
	rem := max(d.Remaining, 0)
	ratelimit = `"` + p.Name + "-" + d.Rule.Period.suffix() + `";r=` + strconv.FormatInt(rem, 10) + ";t=" + strconv.FormatInt(t, 10)
	return policy, ratelimit
}
