// Package storetest opens real stores for tests: a SQLite file in the test's
// temporary directory, or a fresh database on a real PostgreSQL server, both
// with every migration applied.
//
// A package whose tests use PostgreSQL should stop the server when its test
// binary ends by calling Main from TestMain:
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
//
// Without it the server still dies with the test binary (it is started with
// a parent-death signal), but its temporary directory is left behind.
//
// The PostgreSQL server is started once per test binary from the Debian
// binaries (/usr/lib/postgresql/*/bin, else PATH), in a temporary directory,
// on a free loopback port, as the "postgres" OS user when the tests run as
// root. Set PORTICO_TEST_POSTGRES_DSN to use an existing server instead (the
// role must be allowed to create databases). When neither is available the
// PostgreSQL tests are skipped, except with CI=true, where they fail.
package storetest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/portico/portico/models/store"
)

// Open returns a store on a new SQLite file in t.TempDir() with every
// migration applied. The store is closed when the test ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	return OpenFile(t, filepath.Join(t.TempDir(), "portico.db"))
}

// OpenFile opens (creating it if needed) and migrates the SQLite file at
// path. Opening the same path twice gives two stores on one file, like
// `portico import` running beside `portico serve`. The store is closed when
// the test ends.
func OpenFile(t testing.TB, path string) *store.Store {
	t.Helper()
	return open(t, store.Config{DSN: path})
}

// OpenPostgres returns a store on a fresh, migrated database of the test
// PostgreSQL server. The store is closed and the database dropped when the
// test ends. It skips the test (fails it with CI=true) when no server can be
// had.
func OpenPostgres(t testing.TB) *store.Store {
	t.Helper()
	return open(t, store.Config{DSN: PostgresDSN(t)})
}

// OpenDialect returns a migrated store of the dialect ("sqlite" or
// "postgres") whose clock is now (nil = time.Now).
func OpenDialect(t testing.TB, dialect string, now func() time.Time) *store.Store {
	t.Helper()
	switch dialect {
	case store.DialectSQLite:
		return open(t, store.Config{DSN: filepath.Join(t.TempDir(), "portico.db"), Now: now})
	case store.DialectPostgres:
		return open(t, store.Config{DSN: PostgresDSN(t), Now: now})
	}
	t.Fatalf("storetest: unknown dialect %q", dialect)
	return nil
}

// Dialects are the dialects Each runs on.
var Dialects = []string{store.DialectSQLite, store.DialectPostgres}

// Each runs fn as a subtest on a fresh SQLite store and on a fresh
// PostgreSQL store, named "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) {
			fn(t, OpenDialect(t, d, nil))
		})
	}
}

func open(t testing.TB, cfg store.Config) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("storetest: open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("storetest: close store: %v", err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate: %v", err)
	}
	return s
}
