// Package usage counts the calls the gateway serves, per application × API
// version × operation × status class × minute, with latency histograms, and
// hands them in batches to a Sink: the control plane's store for the
// embedded gateway, the control plane's API for standalone ones.
package usage

import (
	"context"
	"time"
)

// LatencyBounds are the upper bounds of the latency histogram buckets, in
// milliseconds; a last, implicit bucket holds everything slower.
var LatencyBounds = [...]float64{1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000}

// Key identifies a usage bucket.
type Key struct {
	App         int64     `json:"app"`     // application row ID (0: no application identified)
	Version     int64     `json:"version"` // API version ID
	Operation   string    `json:"operation"`
	StatusClass int       `json:"status_class"` // 2 for 2xx, 4 for 4xx, ...
	Minute      time.Time `json:"minute"`       // UTC, truncated to the minute
}

// Bucket is the usage of one Key.
type Bucket struct {
	Key
	Count     int64   `json:"count"`
	LatencyMS float64 `json:"latency_ms_sum"`
	// Histogram[i] counts calls of at most LatencyBounds[i] ms (and more
	// than the bound before); the last element counts the slower ones.
	Histogram [len(LatencyBounds) + 1]int64 `json:"histogram"`
}

// Batch is a set of buckets sent together. ID is an idempotency key: a sink
// that has stored a batch ignores it when it comes again.
type Batch struct {
	ID      string   `json:"id"`
	Source  string   `json:"source"` // which gateway
	Buckets []Bucket `json:"buckets"`
}

// Sink stores batches. WriteBatch is idempotent on Batch.ID.
type Sink interface {
	WriteBatch(ctx context.Context, b Batch) error
}
