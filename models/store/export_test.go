package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm/schema"

	"github.com/portico/portico/models"
)

// This file gives the external tests (package store_test) a few hooks into
// the database. It is compiled only into the tests of this package.

// ExecForTest runs a statement on the write pool, for tests that need the
// database itself to misbehave (a trigger that fails an insert).
func (s *Store) ExecForTest(ctx context.Context, sql string) error {
	return s.write(ctx).Exec(sql).Error
}

// MigrateDownForTest rolls every migration back, to check the Down halves.
func (s *Store) MigrateDownForTest(ctx context.Context) error {
	_, err := s.goose.DownTo(ctx, 0)
	return err
}

// CountForTest returns the number of rows of a table.
func (s *Store) CountForTest(ctx context.Context, table string) (int64, error) {
	var n int64
	err := s.read(ctx).Table(table).Count(&n).Error
	return n, err
}

// SetGatewayFieldsForTest sets the version fields no import sets yet (the
// gateway issue will own them), so the round trip covers every column.
func (s *Store) SetGatewayFieldsForTest(ctx context.Context, versionID int64, basePath, upstream string, deprecated, sunset time.Time) error {
	return s.write(ctx).Model(&models.APIVersion{ID: versionID}).
		Select("base_path", "upstream_url", "deprecated_at", "sunset_at").
		Updates(&models.APIVersion{BasePath: basePath, UpstreamURL: upstream, DeprecatedAt: &deprecated, SunsetAt: &sunset}).Error
}

// CheckModelColumnsForTest selects every column gorm maps for each stored
// type from its table, so a field without a column (or a renamed column)
// fails here rather than in production.
func (s *Store) CheckModelColumnsForTest(ctx context.Context) error {
	values := []any{&models.Subsidiary{}, &models.API{}, &models.APIVersion{}, &documentRow{}, &fileRow{},
		&operationRow{}, &entryRow{}, &tagRow{}, &searchRow{}, &settingsRow{}}
	cache := &sync.Map{}
	for _, v := range values {
		sch, err := schema.Parse(v, cache, s.db.NamingStrategy)
		if err != nil {
			return err
		}
		cols := make([]string, 0, len(sch.DBNames))
		cols = append(cols, sch.DBNames...)
		q := fmt.Sprintf("SELECT %s FROM %s WHERE 1 = 0", strings.Join(cols, ", "), sch.Table)
		if err := s.read(ctx).Exec(q).Error; err != nil {
			return fmt.Errorf("%T (table %s): %w", v, sch.Table, err)
		}
	}
	return nil
}
