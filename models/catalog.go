package models

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Subsidiary is a tenant of the group: a company (bank, insurer, broker) that
// publishes APIs.
type Subsidiary struct {
	ID          int64  `gorm:"primaryKey"`
	Slug        string // URL segment, unique, for example "bank"
	Name        string // display name, for example "Northwind Bank"
	Description string // Markdown
	CreatedAt   time.Time
}

// Audience says who may see and subscribe to an API.
type Audience string

// The audiences.
const (
	AudiencePublic   Audience = "public"   // any developer, including anonymous visitors
	AudiencePartner  Audience = "partner"  // invited consumer teams
	AudienceInternal Audience = "internal" // group staff only
)

// Audiences lists the valid audiences in display order.
var Audiences = []Audience{AudiencePublic, AudiencePartner, AudienceInternal}

// Valid reports whether a is one of the known audiences.
func (a Audience) Valid() bool {
	for _, x := range Audiences {
		if a == x {
			return true
		}
	}
	return false
}

// State is the lifecycle state of an API version:
// draft → in_review → published → deprecated → retired (rejected returns to draft).
type State string

// The lifecycle states.
const (
	StateDraft      State = "draft"
	StateInReview   State = "in_review"
	StatePublished  State = "published"
	StateDeprecated State = "deprecated"
	StateRetired    State = "retired"
)

// States lists the lifecycle states in order.
var States = []State{StateDraft, StateInReview, StatePublished, StateDeprecated, StateRetired}

// ListedStates are the states in which a version appears in the public catalog.
var ListedStates = []State{StatePublished, StateDeprecated, StateRetired}

// Valid reports whether s is one of the known states.
func (s State) Valid() bool {
	for _, x := range States {
		if s == x {
			return true
		}
	}
	return false
}

// Listed reports whether a version in state s is visible in the catalog.
func (s State) Listed() bool {
	for _, x := range ListedStates {
		if s == x {
			return true
		}
	}
	return false
}

// Label is the human name of a state.
func (s State) Label() string {
	switch s {
	case StateInReview:
		return "In review"
	case "":
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// API is an API product of a subsidiary. It groups the versions of one API.
type API struct {
	ID           int64 `gorm:"primaryKey"`
	SubsidiaryID int64
	Slug         string // URL segment, unique within the subsidiary
	Name         string
	Summary      string // one line, plain text
	Description  string // Markdown
	Audience     Audience
	Tags         []string `gorm:"serializer:json"`
	Featured     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// APIVersion is one version of an API with its OpenAPI document.
type APIVersion struct {
	ID             int64 `gorm:"primaryKey"`
	APIID          int64
	Version        string // info.version as written in the document, for example "2.1.0"
	Slug           string // URL segment derived from Version, unique within the API
	State          State
	OpenAPIVersion string // "2.0", "3.0.3", "3.1.0", ...
	Format         string // "json" or "yaml": the format of the root document as uploaded
	RootPath       string // path of the root document within the bundle
	DocumentHash   string // hex SHA-256 over the bundle (see SpecBundleHash)
	Title          string
	Description    string   // Markdown, from info.description
	Servers        []string `gorm:"serializer:json"`
	Tags           []string `gorm:"serializer:json"`
	OperationCount int
	Warnings       []SpecWarning `gorm:"serializer:json"`
	BasePath       string        // gateway base path, set by the gateway issue
	UpstreamURL    string
	DeprecatedAt   *time.Time
	SunsetAt       *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// SpecWarning is a problem found in a document that does not stop its import,
// for example an example that contradicts its schema. Where says where: a
// file, a JSON pointer and, when known, a line.
type SpecWarning struct {
	Code    string `json:"code"` // stable identifier, for example "example-mismatch"
	Message string `json:"message"`
	File    string `json:"file,omitempty"`
	Pointer string `json:"pointer,omitempty"` // JSON pointer, for example "/paths/~1pets/get"
	Line    int    `json:"line,omitempty"`
}

// Where formats the location of the warning as "file:line (pointer)".
func (w SpecWarning) Where() string {
	var b strings.Builder
	b.WriteString(w.File)
	if w.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(w.Line))
	}
	if w.Pointer != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString("#" + w.Pointer)
	}
	return b.String()
}

// SpecFile is one file of an uploaded document bundle, stored as uploaded.
type SpecFile struct {
	Path    string // slash-separated, relative to the bundle root, no ".." segments
	Content []byte
}

// VersionImport is everything needed to store a new API version. It is built
// by the openapi package from an uploaded bundle and stored in one transaction.
type VersionImport struct {
	// API product fields; used when the API does not exist yet, and to
	// refresh its name, summary, description and tags otherwise.
	APISlug        string
	APIName        string
	APISummary     string
	APIDescription string
	Audience       Audience
	Tags           []string
	Featured       bool

	Version        string
	VersionSlug    string
	State          State
	OpenAPIVersion string
	Format         string
	RootPath       string
	Files          []SpecFile // the bundle as uploaded
	Document       []byte     // single-file form served for download: the root as uploaded, or the bundle with its external refs internalized
	DocumentHash   string
	Title          string
	Description    string
	Servers        []string
	Operations     []OperationSummary // indexed for search
	Warnings       []SpecWarning
	RenderModel    []byte // encoded Reference (see openapi.EncodeReference)
}

// OperationSummary is the searchable digest of one operation.
type OperationSummary struct {
	Method      string
	Path        string
	OperationID string
	Summary     string
	Tags        []string
}

// ImportResult reports what an import did.
type ImportResult struct {
	Subsidiary string
	API        API
	Version    APIVersion
	CreatedAPI bool
	Unchanged  bool // the same document was already stored for this version
}

var slugUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// Slugify turns a display name into a URL segment: lower case ASCII letters,
// digits and single dashes, at most 64 characters.
func Slugify(s string) string {
	s = slugUnsafe.ReplaceAllString(strings.ToLower(s), "-")
	s = strings.Trim(s, "-")
	if len(s) > 64 {
		s = strings.TrimRight(s[:64], "-")
	}
	return s
}

var versionUnsafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// VersionSlug turns info.version into a URL segment ("1.2.0", "2020-08-27").
func VersionSlug(v string) string {
	s := strings.Trim(versionUnsafe.ReplaceAllString(strings.TrimSpace(v), "-"), "-.")
	if len(s) > 64 {
		s = s[:64]
	}
	return s
}

// CatalogQuery selects entries of the catalog. Zero fields do not filter.
type CatalogQuery struct {
	Q          string // full-text search over names, descriptions, tags, operation summaries
	Subsidiary string // subsidiary slug
	Tag        string
	State      State
	Audience   Audience
	// Audiences, when not empty, limits the entries to APIs of these
	// audiences: what the viewer may see. Audience still narrows within it.
	Audiences []Audience
	Page      int // 1-based
	PerPage   int
}

// CatalogEntry is one API product in the catalog with its current version:
// the newest published version, else the newest deprecated, else the newest
// retired one.
type CatalogEntry struct {
	API        API
	Subsidiary Subsidiary
	Current    APIVersion
	States     []State // distinct states of the listed versions
	Versions   int     // number of listed versions
}

// Facet is a filter value with the number of matching entries.
type Facet struct {
	Value string
	Label string
	Count int
}

// CatalogPage is one page of catalog results.
type CatalogPage struct {
	Entries      []CatalogEntry
	Total        int
	Page         int
	PerPage      int
	Subsidiaries []Facet
	Tags         []Facet
}

// Pages returns the number of pages.
func (p CatalogPage) Pages() int {
	if p.PerPage <= 0 {
		return 1
	}
	n := (p.Total + p.PerPage - 1) / p.PerPage
	if n < 1 {
		n = 1
	}
	return n
}

// APIProduct is an API with its subsidiary and its listed versions, newest
// first, as shown on the API product page.
type APIProduct struct {
	API        API
	Subsidiary Subsidiary
	Versions   []APIVersion
}

// SubsidiarySummary is a subsidiary with the number of APIs it lists.
type SubsidiarySummary struct {
	Subsidiary Subsidiary
	APICount   int
}

// PortalSettings are the portal-wide texts shown on the home page.
type PortalSettings struct {
	GroupName    string // for example "Meridian Financial Group"
	GroupTagline string // one sentence under the name
	GroupAbout   string // Markdown
}
