package limits

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

func take(t *testing.T, m *Memory, now time.Time, subjects ...Subject) Decision {
	t.Helper()
	d, err := m.Take(context.Background(), now, subjects...)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestConcurrentBurstAdmitsExactlyTheLimit(t *testing.T) {
	m := NewMemory()
	p := &Policy{Name: "plan-1", Rules: []Rule{{Limit: 50, Period: Minute}}}
	now := time.Date(2026, 11, 22, 10, 0, 30, 0, time.UTC)
	var wg sync.WaitGroup
	start := make(chan struct{})
	var mu sync.Mutex
	admitted := 0
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			d, _ := m.Take(context.Background(), now, Subject{App: 7, Policy: p})
			if d.Reason == Allowed {
				mu.Lock()
				admitted++
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	if admitted != 50 {
		t.Errorf("200 simultaneous requests on a limit of 50: %d admitted", admitted)
	}
}

func TestSlidingWindowHasNoBoundaryBurst(t *testing.T) {
	m := NewMemory()
	p := &Policy{Name: "plan-1", Rules: []Rule{{Limit: 10, Period: Second}}}
	s := Subject{App: 1, Policy: p}
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 900_000_000, time.UTC) // late in a second
	for i := range 10 {
		if d := take(t, m, t0, s); d.Reason != Allowed || d.Remaining != int64(9-i) {
			t.Fatalf("request %d: %+v", i+1, d)
		}
	}
	d := take(t, m, t0, s)
	if d.Reason != RateLimited || d.RetryAfter <= 0 {
		t.Fatalf("11th request in the same second: %+v", d)
	}
	// Just after the boundary the previous second still weighs 90 %: a
	// fixed window would admit 10 more here.
	admitted := 0
	for range 10 {
		if take(t, m, t0.Add(200*time.Millisecond), s).Reason == Allowed {
			admitted++
		}
	}
	if admitted > 2 {
		t.Errorf("%d admitted 0.1 s into the next second after a full one; a sliding window admits at most 1-2", admitted)
	}
	// Two whole windows later everything is forgotten.
	if d := take(t, m, t0.Add(3*time.Second), s); d.Reason != Allowed || d.Remaining != 9 {
		t.Errorf("after two idle windows: %+v", d)
	}
}

func TestQuotasFollowTheUTCCalendar(t *testing.T) {
	m := NewMemory()
	p := &Policy{Name: "plan-2", Rules: []Rule{{Limit: 3, Period: Day}, {Limit: 5, Period: Month}}}
	s := Subject{App: 2, Policy: p}
	jan31 := time.Date(2026, 1, 31, 23, 59, 0, 0, time.UTC)
	for range 3 {
		if d := take(t, m, jan31, s); d.Reason != Allowed {
			t.Fatal(d)
		}
	}
	d := take(t, m, jan31, s)
	if d.Reason != QuotaExceeded || d.RetryAfter != time.Minute || d.Rule.Period != Day {
		t.Fatalf("4th call of the day: %+v; want quota exceeded until midnight UTC", d)
	}
	feb1 := jan31.Add(2 * time.Minute)
	for i := range 3 {
		d := take(t, m, feb1, s)
		if d.Reason != Allowed {
			t.Fatalf("call %d on Feb 1: %+v (a new day and a new month)", i+1, d)
		}
	}
	// Month quota: 5 in February; 3 used.
	feb2 := feb1.Add(24 * time.Hour)
	take(t, m, feb2, s)
	take(t, m, feb2, s)
	if d := take(t, m, feb2, s); d.Reason != QuotaExceeded || d.Rule.Period != Month {
		t.Errorf("6th call of February: %+v; want the monthly quota", d)
	}
	dec31 := time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)
	for range 3 {
		take(t, m, dec31, s)
	}
	if d := take(t, m, dec31.Add(2*time.Hour), s); d.Reason != Allowed {
		t.Errorf("first call of the new year: %+v", d)
	}
}

func TestAllOrNothingAcrossSubjects(t *testing.T) {
	m := NewMemory()
	plan := &Policy{Name: "plan-3", Rules: []Rule{{Limit: 100, Period: Minute}}}
	op := &Policy{Name: "plan-3-transfer", Rules: []Rule{{Limit: 1, Period: Minute}}}
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	take(t, m, now, Subject{3, plan}, Subject{3, op})
	if d := take(t, m, now, Subject{3, plan}, Subject{3, op}); d.Reason != RateLimited {
		t.Fatalf("second call of an operation limited to 1: %+v", d)
	}
	d := take(t, m, now, Subject{3, plan})
	if d.Remaining != 98 {
		t.Errorf("plan remaining after 1 admitted and 1 refused call = %d; want 98 (the refused call charges nothing)", d.Remaining)
	}
}

func TestSpikeArrestSpacesRequests(t *testing.T) {
	m := NewMemory()
	p := &Policy{Name: "plan-4", SpikeArrest: 10}
	s := Subject{App: 4, Policy: p}
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	if d := take(t, m, now, s); d.Reason != Allowed {
		t.Fatal(d)
	}
	d := take(t, m, now.Add(50*time.Millisecond), s)
	if d.Reason != SpikeArrested || d.RetryAfter != 50*time.Millisecond {
		t.Errorf("a call 50 ms after the last one on 10/s spike arrest: %+v", d)
	}
	if d := take(t, m, now.Add(100*time.Millisecond), s); d.Reason != Allowed {
		t.Errorf("a call 100 ms later: %+v", d)
	}
}

func TestHeaderValues(t *testing.T) {
	m := NewMemory()
	p := &Policy{Name: "plan-12", Rules: []Rule{{Limit: 10, Period: Second}, {Limit: 10000, Period: Day}}}
	now := time.Date(2026, 11, 22, 10, 0, 0, 250_000_000, time.UTC)
	var last int64 = 1 << 62
	for range 10 {
		d := take(t, m, now, Subject{12, p})
		policy, rl := HeaderValues(p, d)
		if policy != `"plan-12-second";q=10;w=1, "plan-12-day";q=10000;w=86400` {
			t.Fatalf("RateLimit-Policy = %s", policy)
		}
		if !strings.HasPrefix(rl, `"plan-12-second";r=`) || !strings.HasSuffix(rl, ";t=1") {
			t.Fatalf("RateLimit = %s", rl)
		}
		if d.Remaining >= last {
			t.Errorf("remaining did not decrease: %d then %d", last, d.Remaining)
		}
		last = d.Remaining
	}
	if last != 0 {
		t.Errorf("after the 10th call of 10 per second, remaining = %d", last)
	}
}

func BenchmarkMemoryTake(b *testing.B) {
	m := NewMemory()
	p := &Policy{Name: "plan-1", Rules: []Rule{{Limit: 1 << 40, Period: Second}, {Limit: 1 << 40, Period: Day}}}
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int64(0)
		for pb.Next() {
			i++
			m.Take(context.Background(), now, Subject{App: i % 1000, Policy: p})
		}
	})
}
