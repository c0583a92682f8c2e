package openapi

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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

// BenchmarkPrepareImportManyRefs measures a document made of references
// only: 20,000 schemas and 100,000 references between them.
func BenchmarkPrepareImportManyRefs(b *testing.B) {
	var buf strings.Builder
	buf.WriteString("openapi: 3.0.0\ninfo: {title: Refs, version: 1}\npaths: {}\ncomponents:\n  schemas:\n")
	const schemas, refsPer = 20000, 5
	for i := range schemas {
		fmt.Fprintf(&buf, "    S%d:\n      type: object\n      properties:\n", i)
		for j := range refsPer {
			fmt.Fprintf(&buf, "        p%d: {$ref: '#/components/schemas/S%d'}\n", j, (i*7+j*13)%schemas)
		}
	}
	bundle := SingleFile("refs.yaml", []byte(buf.String()))
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := PrepareImport(context.Background(), bundle, ImportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
