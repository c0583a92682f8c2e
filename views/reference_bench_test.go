package views

import (
	"context"
	"io"
	"testing"

	"github.com/portico/portico/markdown"
	"github.com/portico/portico/openapi/reference"
	"github.com/portico/portico/openapi/reference/reftest"
)

// storedStripe returns the stored (encoded) render model of the largest
// corpus document, as the store hands it to the handler.
func storedStripe(b *testing.B) []byte {
	b.Helper()
	doc := reftest.Load(b, reftest.Stripe, false)
	enc, err := reference.Encode(reference.Build(doc, markdown.New()))
	if err != nil {
		b.Fatal(err)
	}
	return enc
}

// BenchmarkReferencePageStripe renders the reference page of the largest
// corpus document from an already decoded model: the cached case, whose
// target is 30 ms. It reports the page size.
func BenchmarkReferencePageStripe(b *testing.B) {
	ref, err := reference.Decode(storedStripe(b))
	if err != nil {
		b.Fatal(err)
	}
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

// BenchmarkReferencePageStripeFirst decodes the stored model and renders
// the page: the first render after start-up, whose target is 300 ms.
func BenchmarkReferencePageStripeFirst(b *testing.B) {
	stored := storedStripe(b)
	ctx := context.Background()
	for b.Loop() {
		ref, err := reference.Decode(stored)
		if err != nil {
			b.Fatal(err)
		}
		if err := ReferencePage(PageMeta{Title: ref.Title}, ReferenceView{Ref: ref}).Render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

type countWriter struct{ n int }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += len(p)
	return len(p), nil
}
