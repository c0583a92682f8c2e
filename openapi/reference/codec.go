package reference

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"

	"github.com/portico/portico/models"
)

// Encode serializes a render model for storage (gzip-compressed JSON).
func Encode(r *models.Reference) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false) // HTML in descriptions stays readable and small
	if err := enc.Encode(r); err != nil {
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
	if err := json.NewDecoder(zr).Decode(&r); err != nil {
		return nil, fmt.Errorf("decode reference: %w", err)
	}
	return &r, nil
}
