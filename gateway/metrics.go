package gateway

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// durationBounds are the request duration histogram's bucket bounds, in
// seconds.
var durationBounds = [...]float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Metrics are the gateway's Prometheus metrics, in the text exposition
// format (no client library: a handful of atomic counters).
type Metrics struct {
	byClass  [6]atomic.Int64 // requests by status class (index 1..5)
	buckets  [len(durationBounds) + 1]atomic.Int64
	sumMicro atomic.Int64

	mu      sync.Mutex
	refusal map[string]*atomic.Int64 // by reason

	revision        atomic.Int64
	generatedAt     atomic.Int64 // unix seconds
	applyMicros     atomic.Int64
	swaps           atomic.Int64
	snapshotRefused atomic.Int64
	credentials     atomic.Int64
	routes          atomic.Int64
}

// NewMetrics returns empty metrics; it is the gateway's Observer unless
// Options.Metrics names another.
func NewMetrics() *Metrics { return &Metrics{refusal: map[string]*atomic.Int64{}} }

// Request counts an answered request.
func (m *Metrics) Request(status int, d time.Duration) {
	if c := status / 100; c >= 1 && c <= 5 {
		m.byClass[c].Add(1)
	}
	s := d.Seconds()
	i := len(durationBounds)
	for j, b := range durationBounds {
		if s <= b {
			i = j
			break
		}
	}
	m.buckets[i].Add(1)
	m.sumMicro.Add(d.Microseconds())
}

// Refused counts a refusal by reason.
func (m *Metrics) Refused(reason string, _ int) {
	m.mu.Lock()
	c := m.refusal[reason]
	if c == nil {
		c = &atomic.Int64{}
		m.refusal[reason] = c
	}
	m.mu.Unlock()
	c.Add(1)
}

// SnapshotRefused counts a refused snapshot.
func (m *Metrics) SnapshotRefused(int64, error) { m.snapshotRefused.Add(1) }

// SnapshotApplied records the snapshot being served.
func (m *Metrics) SnapshotApplied(s *Snapshot, took time.Duration) {
	m.revision.Store(s.Revision)
	m.generatedAt.Store(s.GeneratedAt.Unix())
	m.applyMicros.Store(took.Microseconds())
	m.swaps.Add(1)
	m.credentials.Store(int64(len(s.Credentials)))
	m.routes.Store(int64(len(s.Routes)))
}

// ServeHTTP writes the metrics.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# HELP portico_gateway_requests_total Requests answered, by status class.\n# TYPE portico_gateway_requests_total counter\n")
	for c := 1; c <= 5; c++ {
		p("portico_gateway_requests_total{class=\"%dxx\"} %d\n", c, m.byClass[c].Load())
	}
	p("# HELP portico_gateway_request_duration_seconds Time from request to answer (headers and body).\n# TYPE portico_gateway_request_duration_seconds histogram\n")
	var cum int64
	for i, b := range durationBounds {
		cum += m.buckets[i].Load()
		p("portico_gateway_request_duration_seconds_bucket{le=\"%s\"} %d\n", strconv.FormatFloat(b, 'g', -1, 64), cum)
	}
	cum += m.buckets[len(durationBounds)].Load()
	p("portico_gateway_request_duration_seconds_bucket{le=\"+Inf\"} %d\n", cum)
	p("portico_gateway_request_duration_seconds_sum %g\n", float64(m.sumMicro.Load())/1e6)
	p("portico_gateway_request_duration_seconds_count %d\n", cum)
	p("# HELP portico_gateway_refusals_total Requests the gateway answered itself, by reason.\n# TYPE portico_gateway_refusals_total counter\n")
	m.mu.Lock()
	reasons := make([]string, 0, len(m.refusal))
	for r := range m.refusal {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		p("portico_gateway_refusals_total{reason=%q} %d\n", r, m.refusal[r].Load())
	}
	m.mu.Unlock()
	p("# HELP portico_gateway_snapshot_revision Configuration revision being served.\n# TYPE portico_gateway_snapshot_revision gauge\nportico_gateway_snapshot_revision %d\n", m.revision.Load())
	age := 0.0
	if g := m.generatedAt.Load(); g > 0 {
		age = time.Since(time.Unix(g, 0)).Seconds()
	}
	p("# HELP portico_gateway_snapshot_age_seconds Age of the snapshot being served.\n# TYPE portico_gateway_snapshot_age_seconds gauge\nportico_gateway_snapshot_age_seconds %g\n", age)
	p("# HELP portico_gateway_snapshot_apply_seconds Time the last snapshot took to compile and swap in.\n# TYPE portico_gateway_snapshot_apply_seconds gauge\nportico_gateway_snapshot_apply_seconds %g\n", float64(m.applyMicros.Load())/1e6)
	p("# HELP portico_gateway_snapshot_swaps_total Snapshots swapped in.\n# TYPE portico_gateway_snapshot_swaps_total counter\nportico_gateway_snapshot_swaps_total %d\n", m.swaps.Load())
	p("# HELP portico_gateway_snapshot_refused_total Snapshots refused as invalid (the previous one kept serving).\n# TYPE portico_gateway_snapshot_refused_total counter\nportico_gateway_snapshot_refused_total %d\n", m.snapshotRefused.Load())
	p("# HELP portico_gateway_credentials Credentials in the snapshot.\n# TYPE portico_gateway_credentials gauge\nportico_gateway_credentials %d\n", m.credentials.Load())
	p("# HELP portico_gateway_routes Routes in the snapshot.\n# TYPE portico_gateway_routes gauge\nportico_gateway_routes %d\n", m.routes.Load())
}
