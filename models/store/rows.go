package store

import (
	"time"

	"github.com/portico/portico/models"
)

// The rows below are persistence shapes that have no domain type of their
// own. Domain types (models.Subsidiary, models.API, models.APIVersion) are
// stored directly.

// documentRow holds the large values of a version: the downloadable document
// and the cached render model.
type documentRow struct {
	APIVersionID int64 `gorm:"primaryKey;autoIncrement:false"`
	Document     []byte
	RenderModel  []byte
}

func (documentRow) TableName() string { return "api_version_documents" }

// fileRow is one file of a version's bundle as uploaded.
type fileRow struct {
	ID           int64 `gorm:"primaryKey"`
	APIVersionID int64
	Position     int
	Path         string
	Content      []byte
}

func (fileRow) TableName() string { return "api_version_files" }

// operationRow is the searchable digest of one operation of a version.
type operationRow struct {
	ID           int64 `gorm:"primaryKey"`
	APIVersionID int64
	Position     int
	Method       string
	Path         string
	OperationID  string
	Summary      string
	Tags         []string `gorm:"serializer:json"`
}

func (operationRow) TableName() string { return "api_operations" }

// entryRow is the catalog's view of an API with at least one listed version.
type entryRow struct {
	APIID            int64 `gorm:"primaryKey;autoIncrement:false"`
	CurrentVersionID int64
	VersionCount     int
	States           []models.State `gorm:"serializer:json"`
}

func (entryRow) TableName() string { return "catalog_entries" }

// tagRow is a tag of a catalog entry; Tag is lower case, Label as written.
// APITag marks the API's own (product) tags, which the tag facet counts;
// the others come from the operations of its listed versions.
type tagRow struct {
	APIID  int64  `gorm:"primaryKey;autoIncrement:false"`
	Tag    string `gorm:"primaryKey"`
	Label  string
	APITag bool
}

func (tagRow) TableName() string { return "catalog_tags" }

// searchRow is the normalized search text of a catalog entry (see
// searchText); the database indexes it (FTS5 on SQLite, a tsvector on
// PostgreSQL).
type searchRow struct {
	APIID       int64 `gorm:"primaryKey;autoIncrement:false"`
	Name        string
	Summary     string
	Tags        string
	Description string
	Versions    string
	Operations  string
}

func (searchRow) TableName() string { return "catalog_search" }

// settingsRow is the single row of portal settings.
type settingsRow struct {
	ID           int64 `gorm:"primaryKey;autoIncrement:false"`
	GroupName    string
	GroupTagline string
	GroupAbout   string
	UpdatedAt    time.Time
}

func (settingsRow) TableName() string { return "portal_settings" }
