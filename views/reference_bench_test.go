package views

import (
	"context"
	"io"
	"testing"

	"github.com/portico/portico/markdown"
	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi/reference"
	"github.com/portico/portico/openapi/reference/reftest"
)

// decodedStripe returns Stripe's render model as the handler has it after
// decoding the stored bytes.
func decodedStripe(b *testing.B) *models.Reference {
	b.Helper()
	doc := reftest.Load(b, reftest.Stripe, false)
	enc, err := reference.Encode(reference.Build(doc, markdown.New()))
	if err != nil {
		b.Fatal(err)
	}
	ref, err := reference.Decode(enc)
	if err != nil {
		b.Fatal(err)
	}
	return ref
}

// BenchmarkReferencePageStripe renders the reference page of the largest
// corpus document from an already decoded model (the cached case).
func BenchmarkReferencePageStripe(b *testing.B) {
	ref := decodedStripe(b)
	v := ReferenceView{Ref: ref}
	ctx := context.Background()
	var cw countWriter
	if err := ReferencePage(PageMeta{Title: ref.Title}, v).Render(ctx, &cw); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := ReferencePage(PageMeta{Title: ref.Title}, v).Render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cw.n), "html-bytes")
}

type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }
