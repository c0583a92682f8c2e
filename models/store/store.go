// Package store persists Portico's models with gorm, on an embedded SQLite
// file (the zero-configuration default) or on PostgreSQL. It owns every
// transaction and translates driver errors into models error kinds; no
// *gorm.DB ever leaves the package.
package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/portico/portico/migrations"
	"github.com/portico/portico/models"
)

// Dialect names returned by Store.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// Config says which database to open.
type Config struct {
	DSN string           // "postgres://..." / "postgresql://..." → PostgreSQL; anything else is a SQLite file path
	Now func() time.Time // nil = time.Now
}

// IsPostgresDSN reports whether dsn names a PostgreSQL server rather than a
// SQLite file.
func IsPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Store is the persistence of the catalog. It is safe for concurrent use.
//
// On SQLite it holds two connection pools on the same file: db for reads
// (several connections, read-only) and wdb for writes (one connection whose
// transactions start with BEGIN IMMEDIATE). Writers of this process queue
// for that connection instead of racing for the file lock, and writers of
// other processes (`portico import` while `portico serve` runs) wait on the
// lock through busy_timeout; see THREATS D1. On PostgreSQL both are the same
// pool.
type Store struct {
	db      *gorm.DB
	wdb     *gorm.DB
	dialect string
	now     func() time.Time
	goose   *goose.Provider
}

// Open opens the database named by cfg.DSN, creating the SQLite file if it
// does not exist. It does not migrate; call Migrate or check SchemaVersion.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s := &Store{now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
	gcfg := func() *gorm.Config {
		return &gorm.Config{
			Logger:                 logger.Discard, // stores return errors; they do not log
			NowFunc:                s.now,
			SkipDefaultTransaction: true, // the store starts the transactions it needs
		}
	}
	var err error
	if IsPostgresDSN(cfg.DSN) {
		s.dialect = DialectPostgres
		if s.db, err = gorm.Open(postgres.Open(cfg.DSN), gcfg()); err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		s.wdb = s.db
		sqlDB, err := s.db.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(16)
		sqlDB.SetMaxIdleConns(4)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		s.dialect = DialectSQLite
		if strings.TrimSpace(cfg.DSN) == "" {
			return nil, errors.New("open sqlite: no database file given")
		}
		// The writer opens first: it creates the file and switches it to WAL,
		// which the read-only connections cannot do.
		if s.wdb, err = gorm.Open(sqlite.Open(sqliteDSN(cfg.DSN, true)), gcfg()); err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", cfg.DSN, err)
		}
		w, err := s.wdb.DB()
		if err != nil {
			return nil, err
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		if cfg.DSN == ":memory:" {
			s.db = s.wdb // every connection would be a separate in-memory database
		} else {
			if s.db, err = gorm.Open(sqlite.Open(sqliteDSN(cfg.DSN, false)), gcfg()); err != nil {
				w.Close()
				return nil, fmt.Errorf("open sqlite %s: %w", cfg.DSN, err)
			}
			r, err := s.db.DB()
			if err != nil {
				w.Close()
				return nil, err
			}
			n := max(4, runtime.NumCPU())
			r.SetMaxOpenConns(n)
			r.SetMaxIdleConns(n)
		}
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.goose, err = newMigrator(s); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// sqliteDSN turns a file path (or a "file:" URI) into a glebarez DSN. Every
// connection gets foreign keys and a 5 s busy timeout; the writer also sets
// WAL and BEGIN IMMEDIATE, and readers are query_only so a write through the
// wrong pool fails loudly instead of racing the writer.
//
// The driver ignores _txlock when _time_format is set, so this DSN must not
// set _time_format.
func sqliteDSN(path string, write bool) string {
	params := []string{"_pragma=busy_timeout(5000)", "_pragma=foreign_keys(1)"}
	if write {
		params = append(params, "_pragma=journal_mode(WAL)", "_txlock=immediate")
	} else {
		params = append(params, "_pragma=query_only(1)")
	}
	if path == ":memory:" {
		return "file::memory:?" + strings.Join(params, "&")
	}
	if strings.HasPrefix(path, "file:") {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		return path + sep + strings.Join(params, "&")
	}
	// SQLite decodes %XX in file: URIs; escape what would end the path.
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + esc + "?" + strings.Join(params, "&")
}

// Close closes the database pools.
func (s *Store) Close() error {
	var errs []error
	for _, g := range []*gorm.DB{s.db, s.wdb} {
		if g == nil {
			continue
		}
		if d, err := g.DB(); err == nil {
			if err := d.Close(); err != nil && !strings.Contains(err.Error(), "closed") {
				errs = append(errs, err)
			}
		}
		if s.db == s.wdb {
			break
		}
	}
	return errors.Join(errs...)
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error {
	for _, g := range []*gorm.DB{s.db, s.wdb} {
		d, err := g.DB()
		if err != nil {
			return err
		}
		if err := d.PingContext(ctx); err != nil {
			return fmt.Errorf("ping %s: %w", s.dialect, err)
		}
	}
	return nil
}

func newMigrator(s *Store) (*goose.Provider, error) {
	fsys, err := migrations.FS(s.dialect)
	if err != nil {
		return nil, err
	}
	sqlDB, err := s.wdb.DB()
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if s.dialect == DialectPostgres {
		dialect = goose.DialectPostgres
		// Several Portico instances may start at once against one server;
		// an advisory lock lets exactly one of them migrate.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, sqlDB, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration, on the connection pool the store
// writes with. It is safe to call when the schema is up to date.
func (s *Store) Migrate(ctx context.Context) error {
	if _, err := s.goose.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", s.dialect, err)
	}
	return nil
}

// SchemaVersion returns the version the database is at and the newest
// version this build knows. current < latest means Migrate is needed;
// current > latest means the database was migrated by a newer Portico.
func (s *Store) SchemaVersion(ctx context.Context) (current, latest int64, err error) {
	current, latest, err = s.goose.GetVersions(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	return current, latest, nil
}

// read returns the pool for queries.
func (s *Store) read(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// write returns the pool for writes and write transactions.
func (s *Store) write(ctx context.Context) *gorm.DB { return s.wdb.WithContext(ctx) }

// listedStates is models.ListedStates as query arguments.
func listedStates() []string {
	out := make([]string, len(models.ListedStates))
	for i, st := range models.ListedStates {
		out[i] = string(st)
	}
	return out
}
