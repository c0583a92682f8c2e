package usage

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// memSink is an in-memory Sink with the store's idempotency rule.
type memSink struct {
	mu     sync.Mutex
	seen   map[string]bool
	counts map[Key]int64
	fail   bool
}

func (s *memSink) WriteBatch(_ context.Context, b Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return errors.New("control plane away")
	}
	if s.seen[b.ID] {
		return nil
	}
	s.seen[b.ID] = true
	for _, bk := range b.Buckets {
		s.counts[bk.Key] += bk.Count
	}
	return nil
}

func TestAggregatorLosesNothingAndCountsOnce(t *testing.T) {
	sink := &memSink{seen: map[string]bool{}, counts: map[Key]int64{}}
	a := NewAggregator(sink, "gw", time.Minute)
	at := time.Date(2026, 11, 22, 10, 4, 59, 0, time.UTC)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 1000 {
				status := 200
				if i%10 == 0 {
					status = 429
				}
				a.Record(int64(g%2+1), 9, "getAccounts", status, 3*time.Millisecond, at)
			}
		}()
	}
	wg.Wait()
	sink.fail = true
	if err := a.Flush(context.Background()); err == nil {
		t.Fatal("flush to a failing sink reported no error")
	}
	a.Record(1, 9, "getAccounts", 200, time.Millisecond, at.Add(time.Second)) // next minute
	sink.fail = false
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := at.Truncate(time.Minute)
	want := map[Key]int64{
		{App: 1, Version: 9, Operation: "getAccounts", StatusClass: 2, Minute: m}:                  3600,
		{App: 1, Version: 9, Operation: "getAccounts", StatusClass: 4, Minute: m}:                  400,
		{App: 2, Version: 9, Operation: "getAccounts", StatusClass: 2, Minute: m}:                  3600,
		{App: 2, Version: 9, Operation: "getAccounts", StatusClass: 4, Minute: m}:                  400,
		{App: 1, Version: 9, Operation: "getAccounts", StatusClass: 2, Minute: m.Add(time.Minute)}: 1,
	}
	if len(sink.counts) != len(want) {
		t.Errorf("buckets = %v", sink.counts)
	}
	for k, n := range want {
		if sink.counts[k] != n {
			t.Errorf("%+v: %d, want %d", k, sink.counts[k], n)
		}
	}
}

func TestHistogramSlots(t *testing.T) {
	sink := &memSink{seen: map[string]bool{}, counts: map[Key]int64{}}
	a := NewAggregator(sink, "gw", time.Minute)
	at := time.Now()
	for _, d := range []time.Duration{500 * time.Microsecond, time.Millisecond, 2 * time.Millisecond, 20 * time.Second} {
		a.Record(1, 1, "op", 200, d, at)
	}
	var b *Bucket
	for _, v := range a.shards[uint64(1^1)%uint64(len(a.shards))].buckets {
		b = v
	}
	if b.Histogram[0] != 2 || b.Histogram[1] != 1 || b.Histogram[len(LatencyBounds)] != 1 || b.Count != 4 {
		t.Errorf("histogram = %v count %d", b.Histogram, b.Count)
	}
}
