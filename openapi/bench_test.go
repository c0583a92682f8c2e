package openapi

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkPrepareImportStripe measures the import of the largest corpus
// document (Stripe's 3 MiB spec3.yaml), render model included. Budget: 3 s.
func BenchmarkPrepareImportStripe(b *testing.B) {
	dir := specsDir(b)
	data, err := os.ReadFile(filepath.Join(dir, "stripe/spec3-2020-08-27-commit2022-03-23.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	bundle := SingleFile("spec3.yaml", data)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := PrepareImport(ctx, bundle, ImportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
