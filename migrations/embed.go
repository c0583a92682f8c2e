// Package migrations holds the versioned SQL migrations of Portico's
// database, one folder per dialect, applied by goose (see models/store).
// Files are append-only: a migration is never edited after it is merged;
// a change is a new file with the next number in both folders.
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// FS returns the migrations of a dialect, "sqlite" or "postgres", as a
// file system whose root holds the NNNNN_name.sql files.
func FS(dialect string) (fs.FS, error) {
	switch dialect {
	case "sqlite", "postgres":
		return fs.Sub(files, dialect)
	}
	return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
}
