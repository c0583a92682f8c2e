package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

// TestSQLiteConcurrentWritersAndASecondProcess is THREATS D1 scaled to a
// test: goroutines import (read-then-write transactions) and read through
// two stores on one SQLite file, the second standing for `portico import`
// running while `portico serve` holds the file. No operation may fail, and
// in particular none with "database is locked" (SQLITE_BUSY).
func TestSQLiteConcurrentWritersAndASecondProcess(t *testing.T) {
	const (
		writersPerStore = 4
		importsEach     = 8
		readers         = 4
	)
	path := filepath.Join(t.TempDir(), "portico.db")
	serve := storetest.OpenFile(t, path)
	cli := storetest.OpenFile(t, path)
	ctx := context.Background()
	mustSubsidiary(t, serve, "bank", "Bank")

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		errs    []string
		writing atomic.Int32
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, fmt.Sprintf(format, args...))
	}
	for si, s := range []*store.Store{serve, cli} {
		for w := 0; w < writersPerStore; w++ {
			wg.Add(1)
			writing.Add(1)
			go func() {
				defer wg.Done()
				defer writing.Add(-1)
				api := fmt.Sprintf("api-%d-%d", si, w)
				for i := 0; i < importsEach; i++ {
					f := fixture{api: api, version: fmt.Sprintf("1.%d.0", i), summary: "payments and accounts",
						ops: []models.OperationSummary{{Method: "GET", Path: "/things/" + api, Summary: "List things"}}}
					res, err := s.ImportVersion(ctx, "bank", versionImport(f))
					if err != nil {
						fail("store %d import %s %s: %v", si, api, f.version, err)
						continue
					}
					// The same version again (unchanged), and a subsidiary upsert.
					if again, err := s.ImportVersion(ctx, "bank", versionImport(f)); err != nil || !again.Unchanged {
						fail("store %d re-import %s %s: %+v, %v", si, api, f.version, again, err)
					}
					if _, err := s.EnsureSubsidiary(ctx, models.Subsidiary{Slug: "bank", Name: "Bank"}); err != nil {
						fail("store %d ensure subsidiary: %v", si, err)
					}
					if err := s.SaveRenderModel(ctx, res.Version.ID, []byte(`{"n":1}`)); err != nil {
						fail("store %d save render model: %v", si, err)
					}
				}
			}()
		}
	}
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := []*store.Store{serve, cli}[r%2]
			for n := 0; writing.Load() > 0 || n == 0; n++ {
				if _, err := s.SearchCatalog(ctx, models.CatalogQuery{Q: "payments", PerPage: 5}); err != nil {
					fail("reader %d search: %v", r, err)
				}
				if _, err := s.ListSubsidiaries(ctx); err != nil {
					fail("reader %d list subsidiaries: %v", r, err)
				}
				if _, err := s.FindAPIProduct(ctx, "bank", "api-0-0"); err != nil && models.KindOf(err) != models.NotFound {
					fail("reader %d find product: %v", r, err)
				}
			}
		}()
	}
	wg.Wait()
	for _, e := range errs {
		t.Error(e)
		if strings.Contains(e, "locked") || strings.Contains(e, "busy") {
			t.Errorf("SQLITE_BUSY surfaced: %s", e)
		}
	}
	page, err := cli.SearchCatalog(ctx, models.CatalogQuery{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2*writersPerStore {
		t.Errorf("catalog has %d APIs, want %d", page.Total, 2*writersPerStore)
	}
	for _, e := range page.Entries {
		if e.Versions != importsEach || e.Current.Version != fmt.Sprintf("1.%d.0", importsEach-1) {
			t.Errorf("%s: %d versions, current %s; want %d and 1.%d.0", e.API.Slug, e.Versions, e.Current.Version, importsEach, importsEach-1)
		}
	}
}

// TestConcurrentImportsOfOneNewAPI starts several imports of versions of
// the same, not yet existing API at once: all succeed, exactly one creates
// the API, and the catalog counts every version.
func TestConcurrentImportsOfOneNewAPI(t *testing.T) {
	const n = 6
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		var (
			wg      sync.WaitGroup
			created atomic.Int32
			errs    = make(chan error, 2*n)
		)
		for i := 0; i < n; i++ {
			wg.Add(2)
			imp := versionImport(fixture{api: "payments", version: fmt.Sprintf("2.%d.0", i), tags: []string{"payments"},
				ops: []models.OperationSummary{{Method: "POST", Path: "/payments", Tags: []string{"Payments"}}}})
			for k := 0; k < 2; k++ { // each version twice: one stores it, the other finds it unchanged
				go func() {
					defer wg.Done()
					res, err := s.ImportVersion(ctx, "bank", imp)
					if err != nil {
						errs <- fmt.Errorf("import %s: %w", imp.Version, err)
						return
					}
					if res.CreatedAPI {
						created.Add(1)
					}
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if created.Load() != 1 {
			t.Errorf("%d imports created the API, want exactly 1", created.Load())
		}
		page, err := s.SearchCatalog(ctx, models.CatalogQuery{Tag: "payments"})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Entries) != 1 || page.Entries[0].Versions != n || page.Entries[0].Current.Version != fmt.Sprintf("2.%d.0", n-1) {
			t.Errorf("catalog = %+v, want one API with %d versions, current 2.%d.0", page.Entries, n, n-1)
		}
	})
}
