package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/portico/portico/credentials"
	"github.com/portico/portico/gateway"
	"github.com/portico/portico/gateway/follow"
	"github.com/portico/portico/gateway/limits"
	gwusage "github.com/portico/portico/gateway/usage"
	"github.com/portico/portico/models/store"
)

// embeddedGateway is the gateway `portico serve` runs on its own listener,
// following the store's configuration in-process.
type embeddedGateway struct {
	gw    *gateway.Gateway
	ln    net.Listener
	srv   *http.Server
	usage *gwusage.Aggregator
	keys  *gwusage.LastUsed
	st    *store.Store
	log   *slog.Logger
	first *gateway.Snapshot // the snapshot loaded at start
}

// newEmbeddedGateway listens on cfg.GatewayAddr and loads the first
// snapshot, so the gateway is ready when serve says it runs.
func newEmbeddedGateway(ctx context.Context, cfg Config, st *store.Store, hasher *credentials.Hasher, log *slog.Logger) (*embeddedGateway, error) {
	proxies, err := cfg.TrustedProxyPrefixes()
	if err != nil {
		return nil, err
	}
	agg := gwusage.NewAggregator(st, "embedded", cfg.UsageFlushEvery)
	agg.Logger = log
	keys := gwusage.NewLastUsed(st, cfg.UsageFlushEvery)
	keys.Logger = log
	gw := gateway.New(gateway.Options{
		Hasher:         hasher,
		Limiter:        limits.NewMemory(),
		Usage:          agg.Record,
		KeyUsed:        keys.Record,
		TrustedProxies: proxies,
		Logger:         log.With("component", "gateway"),
	})
	first, err := follow.Sync(ctx, st, gw.Swap)
	if err != nil {
		return nil, fmt.Errorf("gateway: first snapshot: %w", err)
	}
	ln, err := net.Listen("tcp", cfg.GatewayAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (gateway-addr; \"off\" disables the gateway): %w", cfg.GatewayAddr, err)
	}
	srv := &http.Server{
		Handler:           gw.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return &embeddedGateway{gw: gw, ln: ln, srv: srv, usage: agg, keys: keys, st: st, log: log, first: first}, nil
}

// Addr is the gateway's listening address.
func (e *embeddedGateway) Addr() string { return e.ln.Addr().String() }

// run serves until ctx ends, then drains in-flight requests and flushes
// the usage counts.
func (e *embeddedGateway) run(ctx context.Context, g *errgroup.Group) {
	g.Go(func() error {
		follow.Run(ctx, e.st, e.gw.Swap, e.gw.Revision(), follow.Options{Logger: e.log, Applied: releaseMemory})
		return nil
	})
	usageCtx, stopUsage := context.WithCancel(context.Background())
	usageDone := make(chan struct{})
	g.Go(func() error {
		defer close(usageDone)
		var wg sync.WaitGroup
		wg.Go(func() { e.keys.Run(usageCtx) })
		e.usage.Run(usageCtx)
		wg.Wait()
		return nil
	})
	g.Go(func() error {
		if err := e.srv.Serve(e.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("gateway server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		err := e.srv.Shutdown(sctx)
		// Every request has finished: the last usage counts go to the store.
		stopUsage()
		<-usageDone
		return err
	})
}

// demoPath is the gateway path of GET path on the quickstart API's newest
// live version in snap (published before deprecated); "" when none.
func demoPath(snap *gateway.Snapshot, subsidiary, api, path string) string {
	best, bestRank := "", [2]int64{-1, -1}
	for _, r := range snap.Routes {
		if r.Subsidiary != subsidiary || r.API != api || r.State == "retired" {
			continue
		}
		rank := [2]int64{0, r.VersionID}
		if r.State == "published" {
			rank[0] = 1
		}
		if rank[0] < bestRank[0] || rank[0] == bestRank[0] && rank[1] < bestRank[1] {
			continue
		}
		for _, op := range r.Operations {
			if op.Path == path && op.Method == http.MethodGet {
				best, bestRank = r.BasePath+op.Path, rank
			}
		}
	}
	return best
}

// releaseMemory hands the previous snapshot's memory back to the system
// after a large swap: without it the process keeps the old and new
// snapshots' pages (and the compile's garbage) until the runtime gets to
// it, doubling its resident size. Small snapshots are left to the GC.
func releaseMemory(s *gateway.Snapshot, _ time.Duration) {
	if len(s.Credentials) >= 10_000 {
		debug.FreeOSMemory()
	}
}
