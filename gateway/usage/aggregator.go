package usage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// MaxBacklog is how many unsent batches an Aggregator keeps while its sink
// fails; beyond it the oldest batch is dropped (and counted in Dropped).
const MaxBacklog = 1000

// Aggregator counts calls in memory, per Key, and hands them to a Sink in
// batches. A batch that fails is kept and sent again with the same ID, so
// the sink counts it once.
type Aggregator struct {
	sink   Sink
	source string
	every  time.Duration
	prefix string
	seq    atomic.Int64
	Logger *slog.Logger

	shards [16]aggShard

	mu      sync.Mutex // guards backlog
	backlog []Batch

	dropped atomic.Int64
}

type aggShard struct {
	mu      sync.Mutex
	buckets map[Key]*Bucket
}

// NewAggregator returns an aggregator flushing to sink every interval (when
// run with Run); source names the gateway in batches.
func NewAggregator(sink Sink, source string, every time.Duration) *Aggregator {
	var r [6]byte
	_, _ = rand.Read(r[:])
	a := &Aggregator{sink: sink, source: source, every: every, prefix: source + "-" + hex.EncodeToString(r[:]) + "-"}
	for i := range a.shards {
		a.shards[i].buckets = map[Key]*Bucket{}
	}
	return a
}

// Record counts one call.
func (a *Aggregator) Record(app, version int64, operation string, status int, latency time.Duration, at time.Time) {
	k := Key{App: app, Version: version, Operation: operation, StatusClass: status / 100, Minute: at.UTC().Truncate(time.Minute)}
	sh := &a.shards[uint64(app^version)%uint64(len(a.shards))]
	ms := float64(latency) / float64(time.Millisecond)
	slot := len(LatencyBounds)
	for i, b := range LatencyBounds {
		if ms <= b {
			slot = i
			break
		}
	}
	sh.mu.Lock()
	b := sh.buckets[k]
	if b == nil {
		b = &Bucket{Key: k}
		sh.buckets[k] = b
	}
	b.Count++
	b.LatencyMS += ms
	b.Histogram[slot]++
	sh.mu.Unlock()
}

// Dropped is the number of buckets lost because the backlog was full.
func (a *Aggregator) Dropped() int64 { return a.dropped.Load() }

// Flush moves what was counted into a new batch and sends every pending
// batch, oldest first, stopping at the first failure (kept for next time).
func (a *Aggregator) Flush(ctx context.Context) error {
	var buckets []Bucket
	for i := range a.shards {
		sh := &a.shards[i]
		sh.mu.Lock()
		for _, b := range sh.buckets {
			buckets = append(buckets, *b)
		}
		if len(sh.buckets) > 0 {
			sh.buckets = map[Key]*Bucket{}
		}
		sh.mu.Unlock()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(buckets) > 0 {
		a.backlog = append(a.backlog, Batch{ID: a.prefix + strconv.FormatInt(a.seq.Add(1), 10), Source: a.source, Buckets: buckets})
		if over := len(a.backlog) - MaxBacklog; over > 0 {
			for _, b := range a.backlog[:over] {
				a.dropped.Add(int64(len(b.Buckets)))
			}
			a.backlog = append([]Batch(nil), a.backlog[over:]...)
			if a.Logger != nil {
				a.Logger.Warn("usage backlog full: oldest usage counts dropped", "batches", over, "dropped_buckets_total", a.dropped.Load())
			}
		}
	}
	for len(a.backlog) > 0 {
		if err := a.sink.WriteBatch(ctx, a.backlog[0]); err != nil {
			return err
		}
		a.backlog = a.backlog[1:]
	}
	return nil
}

// Run flushes every interval until ctx ends, then once more with a short
// grace period.
func (a *Aggregator) Run(ctx context.Context) {
	t := time.NewTicker(a.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := a.Flush(fctx); err != nil && a.Logger != nil {
				a.Logger.Warn("usage counts not written at shutdown", "err", err)
			}
			cancel()
			return
		case <-t.C:
			if err := a.Flush(ctx); err != nil && a.Logger != nil && ctx.Err() == nil {
				a.Logger.Warn("usage counts not written; kept for the next attempt", "err", err)
			}
		}
	}
}
