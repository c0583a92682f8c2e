package handlers

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/portico/portico/openapi"
)

// countingStore is the real store, counting render-model reads.
type countingStore struct {
	ReferenceModelStore
	reads atomic.Int32
}

func (c *countingStore) VersionRenderModel(ctx context.Context, versionID int64) ([]byte, error) {
	c.reads.Add(1)
	return c.ReferenceModelStore.VersionRenderModel(ctx, versionID)
}

func TestReferenceCache_ConcurrentFirstRequestsLoadOnce(t *testing.T) {
	tp := newTestPortal(t)
	res := tp.seed(t, "bank", "accounts-v2.yaml", openapi.ImportOptions{})
	st := &countingStore{ReferenceModelStore: tp.st}
	c := newReferenceCache(st, openapi.DefaultLimits(), 4, slog.New(slog.DiscardHandler))

	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ref, err := c.get(context.Background(), res.Version)
			if err != nil || ref.OperationCount() != 3 {
				t.Errorf("get: %v, %d operations", err, ref.OperationCount())
			}
		}()
	}
	wg.Wait()
	if n := st.reads.Load(); n != 1 {
		t.Errorf("16 concurrent first requests read the model %d times, want 1", n)
	}
	if _, err := c.get(context.Background(), res.Version); err != nil || st.reads.Load() != 1 {
		t.Errorf("a cached model was read again (%d reads, %v)", st.reads.Load(), err)
	}
}

func TestReferenceCache_EvictsLeastRecentlyUsed(t *testing.T) {
	tp := newTestPortal(t)
	a := tp.seed(t, "bank", "accounts-v1.yaml", openapi.ImportOptions{}).Version
	b := tp.seed(t, "bank", "accounts-v2.yaml", openapi.ImportOptions{}).Version
	c := tp.seed(t, "bank", "payments.json", openapi.ImportOptions{}).Version
	st := &countingStore{ReferenceModelStore: tp.st}
	cache := newReferenceCache(st, openapi.DefaultLimits(), 2, slog.New(slog.DiscardHandler))
	ctx := context.Background()

	for _, v := range []struct {
		name      string
		get       int64
		wantReads int32
	}{
		{"a loads", a.ID, 1}, {"b loads", b.ID, 2}, {"a is cached", a.ID, 2},
		{"c loads and evicts b", c.ID, 3}, {"a is still cached", a.ID, 3}, {"b loads again", b.ID, 4},
	} {
		target := a
		switch v.get {
		case b.ID:
			target = b
		case c.ID:
			target = c
		}
		if _, err := cache.get(ctx, target); err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		if n := st.reads.Load(); n != v.wantReads {
			t.Errorf("%s: %d reads, want %d", v.name, n, v.wantReads)
		}
	}
}
