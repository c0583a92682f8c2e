// Package follow keeps a gateway's snapshot in step with the control plane:
// it watches a cheap configuration revision and, when it moves, compiles
// (or fetches) a new snapshot and applies it. The embedded gateway follows
// the store in-process; standalone gateways (the fleet issue) follow the
// control plane over HTTP through the same Source interface.
package follow

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/portico/portico/gateway"
)

// Source is where snapshots come from.
type Source interface {
	// GatewayRevision is the current configuration revision; it is called
	// often and must be cheap.
	GatewayRevision(ctx context.Context) (int64, error)
	// CompileSnapshot returns the configuration at (at least) the revision
	// last reported.
	CompileSnapshot(ctx context.Context) (*gateway.Snapshot, error)
}

// Applier takes a new snapshot in; an error keeps the previous one.
type Applier func(*gateway.Snapshot) error

// Options tune Run.
type Options struct {
	// Every is how often the revision is polled (default 250 ms).
	Every time.Duration
	// Logger receives applied snapshots at debug level and failures as
	// warnings.
	Logger *slog.Logger
	// Applied, when set, is called after each successful apply.
	Applied func(s *gateway.Snapshot, took time.Duration)
}

// Sync compiles and applies one snapshot now, whatever the revision.
func Sync(ctx context.Context, src Source, apply Applier) (*gateway.Snapshot, error) {
	snap, err := src.CompileSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	if err := apply(snap); err != nil {
		return nil, err
	}
	return snap, nil
}

// Run polls src until ctx ends, applying a new snapshot each time the
// revision moves past the one applied. Failures (a database hiccup, a
// snapshot the gateway refuses) are logged and retried with jittered
// backoff; the gateway keeps serving what it has.
func Run(ctx context.Context, src Source, apply Applier, applied int64, o Options) {
	every := o.Every
	if every <= 0 {
		every = 250 * time.Millisecond
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	wait := every
	failures := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		rev, err := src.GatewayRevision(ctx)
		if err == nil && rev == applied {
			wait, failures = every, 0
			continue
		}
		var snap *gateway.Snapshot
		started := time.Now()
		if err == nil {
			snap, err = Sync(ctx, src, apply)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			wait = backoff(every, failures)
			log.Warn("gateway configuration not updated; still serving the previous snapshot", "revision", applied, "err", err, "retry_in", wait.Round(time.Millisecond))
			continue
		}
		wait, failures = every, 0
		applied = snap.Revision
		took := time.Since(started)
		log.Debug("gateway snapshot applied", "revision", snap.Revision, "routes", len(snap.Routes), "credentials", len(snap.Credentials), "took", took.Round(time.Microsecond))
		if o.Applied != nil {
			o.Applied(snap, took)
		}
	}
}

// backoff doubles the wait per consecutive failure up to 30 s, with ±25 %
// jitter so many gateways do not retry in step.
func backoff(base time.Duration, failures int) time.Duration {
	d := base
	for i := 0; i < failures && d < 30*time.Second; i++ {
		d *= 2
	}
	d = min(d, 30*time.Second)
	return d - d/4 + time.Duration(rand.Int64N(int64(d/2)+1))
}
