// Package openapi loads, validates and digests OpenAPI documents (2.0, 3.0
// and 3.1, JSON or YAML, single files or multi-file bundles) for the catalog.
//
// Everything here works on bytes that are already in memory: external $refs
// resolve only to files of the uploaded bundle, never to URLs or to files
// outside it, and every read is bounded by Limits.
package openapi

import (
	"context"

	"github.com/portico/portico/models"
)

// Limits bound what an upload may cost.
type Limits struct {
	MaxBytes int64 // total bytes of all files in a bundle; default 10 MiB
	MaxFiles int   // files in a bundle; default 500
	MaxDepth int   // nesting depth of any document; default 200
}

// DefaultLimits returns the limits used when none are configured.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 10 << 20, MaxFiles: 500, MaxDepth: 200}
}

// Bundle is an uploaded document: the root file and the files its external
// $refs may reach.
type Bundle struct {
	Root  string            // slash path of the root document within Files
	Files []models.SpecFile // as uploaded
}

// ImportOptions override what the document's info.x-portico says.
type ImportOptions struct {
	APISlug  string          // "" = from info.x-portico.api, else models.Slugify(info.title)
	State    models.State    // "" = from info.x-portico.state, else models.StatePublished
	Audience models.Audience // "" = from info.x-portico.audience, else models.AudiencePublic
	Featured *bool           // nil = from info.x-portico.featured
	Limits   Limits          // zero value = DefaultLimits()
}

// SingleFile returns the bundle of one uploaded document.
func SingleFile(name string, data []byte) Bundle {
	return Bundle{Root: name, Files: []models.SpecFile{{Path: name, Content: data}}}
}

// ReadFile reads the document at path; external refs may reach only files
// under bundleDir ("" = path's directory).
func ReadFile(path, bundleDir string, lim Limits) (Bundle, error) {
	return Bundle{}, models.Errorf(models.Internal, "not implemented yet")
}

// ReadDir reads a directory bundle.
func ReadDir(dir, root string, lim Limits) (Bundle, error) {
	return Bundle{}, models.Errorf(models.Internal, "not implemented yet")
}

// ReadZip reads a zip bundle from memory.
func ReadZip(data []byte, root string, lim Limits) (Bundle, error) {
	return Bundle{}, models.Errorf(models.Internal, "not implemented yet")
}

// PrepareImport loads, validates and digests a bundle into everything the
// store needs.
func PrepareImport(ctx context.Context, b Bundle, opts ImportOptions) (models.VersionImport, error) {
	return models.VersionImport{}, models.Errorf(models.Internal, "not implemented yet")
}

// BuildRenderModel rebuilds the encoded render model of a stored bundle.
func BuildRenderModel(ctx context.Context, b Bundle, lim Limits) ([]byte, error) {
	return nil, models.Errorf(models.Internal, "not implemented yet")
}

// ConvertDocument re-serializes a single document as "json" or "yaml".
func ConvertDocument(doc []byte, format string) ([]byte, error) {
	return nil, models.Errorf(models.Internal, "not implemented yet")
}
