// Package reference turns a loaded OpenAPI document into the render model of
// its API reference page (models.Reference): operations grouped by tag,
// parameters, bodies and responses with finite schema trees, examples taken
// from the document or generated from schemas, security and curl samples.
// The model is built once per document, at import, and stored encoded.
package reference

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/portico/portico/markdown"
	"github.com/portico/portico/models"
)

// Build returns the render model of doc. doc must be an OpenAPI 3.x document
// (Swagger 2.0 is converted before). Build never fails: parts it cannot
// describe are shown as they are.
func Build(doc *openapi3.T, md *markdown.Renderer) *models.Reference {
	ref := &models.Reference{ModelVersion: models.ReferenceModelVersion, OpenAPIVersion: doc.OpenAPI}
	if doc.Info != nil {
		ref.Title = doc.Info.Title
		ref.Version = doc.Info.Version
		ref.DescriptionHTML = md.Render(doc.Info.Description)
	}
	return ref
}

// Encode serializes a render model for storage (gzip-compressed JSON).
func Encode(r *models.Reference) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(r); err != nil {
		return nil, fmt.Errorf("encode reference: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("encode reference: %w", err)
	}
	return buf.Bytes(), nil
}

// Decode reverses Encode. A model written by another ModelVersion decodes
// without error; callers compare ModelVersion and rebuild when it differs.
func Decode(b []byte) (*models.Reference, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decode reference: %w", err)
	}
	defer zr.Close()
	var r models.Reference
	if err := json.NewDecoder(io.Reader(zr)).Decode(&r); err != nil {
		return nil, fmt.Errorf("decode reference: %w", err)
	}
	return &r, nil
}
