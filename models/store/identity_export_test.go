package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	gormadapter "github.com/casbin/gorm-adapter/v3"
	"gorm.io/gorm/schema"

	"github.com/portico/portico/models"
)

// This file gives the external identity tests hooks into the database. It
// is compiled only into the tests of this package.

// QueryStringsForTest runs a query on the read pool and returns its first
// column as text, for tests that look at rows no method returns (stored
// token hashes, casbin rules).
func (s *Store) QueryStringsForTest(ctx context.Context, sql string, args ...any) ([]string, error) {
	var out []string
	rows, err := s.read(ctx).Raw(sql, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case []byte:
			out = append(out, string(x))
		case nil:
			out = append(out, "")
		default:
			out = append(out, fmt.Sprint(x))
		}
	}
	return out, rows.Err()
}

// CheckIdentityColumnsForTest selects every column gorm maps for each
// stored identity type from its table.
func (s *Store) CheckIdentityColumnsForTest(ctx context.Context) error {
	values := []any{&models.User{}, &externalIdentityRow{}, &roleRow{}, &casbinRuleRow{}, &policyVersionRow{},
		&models.Team{}, &teamMemberRow{}, &models.Invitation{}, &sessionRow{}, &loginFailureRow{}, &models.AuditEvent{},
		&gormadapter.CasbinRule{}}
	cache := &sync.Map{}
	for _, v := range values {
		sch, err := schema.Parse(v, cache, s.db.NamingStrategy)
		if err != nil {
			return err
		}
		cols := make([]string, len(sch.DBNames))
		for i, c := range sch.DBNames {
			cols[i] = `"` + c + `"`
		}
		q := fmt.Sprintf("SELECT %s FROM %s WHERE 1 = 0", strings.Join(cols, ", "), sch.Table)
		if err := s.read(ctx).Exec(q).Error; err != nil {
			return fmt.Errorf("%T (table %s): %w", v, sch.Table, err)
		}
	}
	return nil
}

// CreateCasbinTableForTest lets gorm-adapter create casbin_rule itself (its
// AutoMigrate), on a database that was not migrated, to compare with ours.
func (s *Store) CreateCasbinTableForTest(ctx context.Context) error {
	_, err := gormadapter.NewAdapterByDB(s.write(ctx))
	return err
}

// CasbinSchemaForTest describes casbin_rule's columns and indexes as the
// database reports them, one line each, sorted.
func (s *Store) CasbinSchemaForTest(ctx context.Context) ([]string, error) {
	m := s.read(ctx).Migrator()
	cols, err := m.ColumnTypes("casbin_rule")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range cols {
		n, _ := c.Nullable()
		pk, _ := c.PrimaryKey()
		ai, _ := c.AutoIncrement()
		l, _ := c.Length()
		out = append(out, fmt.Sprintf("column %s %s length=%d null=%v pk=%v autoincrement=%v", c.Name(), strings.ToLower(c.DatabaseTypeName()), l, n, pk, ai))
	}
	idx, err := m.GetIndexes("casbin_rule")
	if err != nil {
		return nil, err
	}
	for _, i := range idx {
		u, _ := i.Unique()
		pk, _ := i.PrimaryKey()
		if pk {
			continue // named differently by each dialect; the column says it
		}
		out = append(out, fmt.Sprintf("index %s %v unique=%v", i.Name(), i.Columns(), u))
	}
	sort.Strings(out)
	return out, nil
}
