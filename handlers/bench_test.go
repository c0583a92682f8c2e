package handlers

import (
	"context"
	"fmt"
	"github.com/portico/portico/internal/testenv"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi"
)

// BenchmarkCatalogPage measures the catalog page (handler, real SQLite
// store) with 5,000 API versions: 1,000 APIs of 5 versions each over three
// subsidiaries. The target is 20 ms per request.
func BenchmarkCatalogPage(b *testing.B) {
	tp := newTestPortal(b)
	seedLargeCatalog(b, tp, 1000, 5)

	for _, bc := range []struct{ name, target string }{
		{"list", "/apis"},
		{"list-page-20", "/apis?page=20"},
		{"search", "/apis?q=ledger+reconciliation"},
		{"search-operation", "/apis?q=" + "statement"},
		{"filtered", "/apis?subsidiary=bank&state=published&tag=ledger"},
		{"htmx-partial", "/apis?q=ledger"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, bc.target, nil)
			if bc.name == "htmx-partial" {
				req.Header.Set("HX-Request", "true")
				req.Header.Set("HX-Target", "catalog-results")
			}
			if rec := tp.do(req); rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
			b.ReportAllocs()
			for b.Loop() {
				w := &countingWriter{header: http.Header{}}
				tp.p.handler.ServeHTTP(w, req)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}

// seedLargeCatalog stores apis × versions API versions. One document goes
// through the real importer; its digest is then varied per API and version
// and stored through the real store, which is what an import does after
// parsing.
func seedLargeCatalog(b *testing.B, tp *testPortal, apis, versions int) {
	b.Helper()
	ctx := context.Background()
	doc := []byte(`openapi: 3.0.3
info:
  title: Ledger API
  version: 1.0.0
  description: Post journal entries, run ledger reconciliation and export statements for the general ledger.
tags: [{name: ledger}, {name: accounting}]
paths:
  /entries:
    get: {summary: List journal entries, tags: [ledger], responses: {'200': {description: ok}}}
    post: {summary: Post a journal entry, tags: [ledger], responses: {'201': {description: ok}}}
  /statements/{id}:
    get: {summary: Export a statement, tags: [accounting], parameters: [{name: id, in: path, required: true, schema: {type: string}}], responses: {'200': {description: ok}}}
`)
	tmpl, err := openapi.PrepareImport(ctx, openapi.SingleFile("ledger.yaml", doc), openapi.ImportOptions{})
	if err != nil {
		b.Fatal(err)
	}
	subs := []string{"bank", "insurance", "securities"}
	words := []string{"treasury", "payments", "cards", "claims", "policies", "brokerage", "custody", "lending", "savings", "fx"}
	states := []models.State{models.StateRetired, models.StateDeprecated, models.StateDeprecated, models.StatePublished, models.StatePublished}
	for i := range apis {
		for v := range versions {
			imp := tmpl
			imp.APISlug = fmt.Sprintf("ledger-%04d", i)
			imp.APIName = fmt.Sprintf("Ledger %s %04d", words[i%len(words)], i)
			imp.APISummary = "General ledger for " + words[(i+3)%len(words)] + "."
			imp.Tags = []string{"ledger", words[i%len(words)]}
			imp.Audience = models.Audiences[i%len(models.Audiences)]
			imp.Version = fmt.Sprintf("%d.0.0", v+1)
			imp.VersionSlug = imp.Version
			imp.State = states[v%len(states)]
			imp.DocumentHash = fmt.Sprintf("%064x", i*versions+v+1)
			if _, err := tp.st.ImportVersion(ctx, subs[i%len(subs)], imp); err != nil {
				b.Fatalf("import %s %s: %v", imp.APISlug, imp.Version, err)
			}
		}
	}
}

// BenchmarkReferencePageStripe measures the API reference page of the
// largest corpus document (Stripe, ~3 MiB) at the handler: "first" empties
// the render-model cache before each request (store read, decode, render);
// "cached" serves from the cache. Targets: 300 ms first, 30 ms cached.
func BenchmarkReferencePageStripe(b *testing.B) {
	path := findSpec(b, filepath.Join("stripe", "spec3-2020-08-27-commit2022-03-23.yaml"))
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	tp := newTestPortal(b)
	res := tp.seedBytes(b, "bank", filepath.Base(path), data, openapi.ImportOptions{APISlug: "stripe"})
	target := "/apis/bank/stripe/" + res.Version.Slug

	req := httptest.NewRequest(http.MethodGet, target, nil)
	serve := func(b *testing.B) int {
		w := &countingWriter{header: http.Header{}}
		tp.p.handler.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
		return w.n
	}

	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			tp.p.refs.reset()
			n = serve(b)
		}
		b.ReportMetric(float64(n)/(1<<20), "MiB/page")
	})
	b.Run("cached", func(b *testing.B) {
		serve(b)
		b.ReportAllocs()
		n := 0
		for b.Loop() {
			n = serve(b)
		}
		b.ReportMetric(float64(n)/(1<<20), "MiB/page")
	})
}

// findSpec locates a document of the shared corpus (see testenv.SpecsDir).
func findSpec(b *testing.B, rel string) string {
	b.Helper()
	return filepath.Join(testenv.SpecsDir(b), rel)
}

// countingWriter is a ResponseWriter that only counts what it is sent, as a
// network connection would cost, so benchmarks do not measure a recorder
// copying large pages.
type countingWriter struct {
	header http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header { return w.header }

func (w *countingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}
