package handlers

import (
	"container/list"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"

	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi"
	"github.com/portico/portico/openapi/reference"
	"golang.org/x/sync/singleflight"
)

// ReferenceModelStore is what the reference cache needs from persistence:
// the stored render model, and what it takes to rebuild a stale one.
type ReferenceModelStore interface {
	VersionRenderModel(ctx context.Context, versionID int64) ([]byte, error)
	VersionFiles(ctx context.Context, versionID int64) ([]models.SpecFile, error)
	SaveRenderModel(ctx context.Context, versionID int64, model []byte) error
}

// referenceCache keeps decoded reference models in memory, keyed by
// document hash (a document's model never changes), least recently used
// first out. Concurrent first requests for one document decode it once.
type referenceCache struct {
	st    ReferenceModelStore
	lim   openapi.Limits
	log   *slog.Logger
	max   int
	group singleflight.Group

	mu    sync.Mutex
	order *list.List               // of *cacheEntry, most recently used first
	items map[string]*list.Element // key → element of order
}

type cacheEntry struct {
	key string
	ref *models.Reference
}

func newReferenceCache(st ReferenceModelStore, lim openapi.Limits, size int, log *slog.Logger) *referenceCache {
	if size <= 0 {
		size = 64
	}
	return &referenceCache{st: st, lim: lim, log: log, max: size, order: list.New(), items: map[string]*list.Element{}}
}

// get returns the reference model of v, from memory, else from the store,
// else rebuilt from the version's files when the stored model is missing or
// was written by another model version (the rebuilt model is saved).
func (c *referenceCache) get(ctx context.Context, v models.APIVersion) (*models.Reference, error) {
	key := v.DocumentHash
	if key == "" {
		key = "version:" + strconv.FormatInt(v.ID, 10)
	}
	if ref, ok := c.lookup(key); ok {
		return ref, nil
	}
	// The shared load must not fail because the first requester went away.
	val, err, _ := c.group.Do(key, func() (any, error) {
		if ref, ok := c.lookup(key); ok {
			return ref, nil
		}
		ref, err := c.load(context.WithoutCancel(ctx), v)
		if err != nil {
			return nil, err
		}
		c.add(key, ref)
		return ref, nil
	})
	if err != nil {
		return nil, err
	}
	return val.(*models.Reference), nil
}

func (c *referenceCache) load(ctx context.Context, v models.APIVersion) (*models.Reference, error) {
	b, err := c.st.VersionRenderModel(ctx, v.ID)
	if err != nil && models.KindOf(err) != models.NotFound {
		return nil, fmt.Errorf("load render model of version %d: %w", v.ID, err)
	}
	if len(b) > 0 {
		ref, err := reference.Decode(b)
		if err == nil && ref.ModelVersion == models.ReferenceModelVersion {
			return ref, nil
		}
	}
	files, err := c.st.VersionFiles(ctx, v.ID)
	if err != nil {
		return nil, fmt.Errorf("load files of version %d: %w", v.ID, err)
	}
	b, err = openapi.BuildRenderModel(ctx, openapi.Bundle{Root: v.RootPath, Files: files}, c.lim)
	if err != nil {
		return nil, fmt.Errorf("rebuild render model of version %d: %w", v.ID, err)
	}
	if err := c.st.SaveRenderModel(ctx, v.ID, b); err != nil {
		// The page can still be shown; the next cold start rebuilds again.
		c.log.LogAttrs(ctx, slog.LevelWarn, "save rebuilt render model",
			slog.Int64("version_id", v.ID), slog.String("error", err.Error()))
	}
	ref, err := reference.Decode(b)
	if err != nil {
		return nil, fmt.Errorf("decode rebuilt render model of version %d: %w", v.ID, err)
	}
	return ref, nil
}

func (c *referenceCache) lookup(key string) (*models.Reference, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).ref, true
}

func (c *referenceCache) add(key string, ref *models.Reference) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		el.Value.(*cacheEntry).ref = ref
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&cacheEntry{key: key, ref: ref})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).key)
	}
}

// reset empties the cache (benchmarks measure cold renders with it).
func (c *referenceCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	clear(c.items)
}
