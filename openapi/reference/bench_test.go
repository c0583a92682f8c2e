package reference

import (
	"testing"

	"github.com/portico/portico/markdown"
	"github.com/portico/portico/openapi/reference/reftest"
)

// BenchmarkBuildStripe builds the model of the largest corpus document from
// a loaded document (the import-time cost on top of loading).
func BenchmarkBuildStripe(b *testing.B) {
	doc := reftest.Load(b, reftest.Stripe, false)
	md := markdown.New()
	for b.Loop() {
		Build(doc, md)
	}
}

// BenchmarkDecodeStripe decodes the stored model of the largest corpus
// document: the first-render cost before a page render.
func BenchmarkDecodeStripe(b *testing.B) {
	doc := reftest.Load(b, reftest.Stripe, false)
	enc, err := Encode(Build(doc, markdown.New()))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(enc)), "stored-bytes")
}
