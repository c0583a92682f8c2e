package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
	"github.com/portico/portico/openapi"
)

const testAdminToken = "test-admin-token-0123456789"

// testPortal is the real handler over a real store on a temp SQLite file.
type testPortal struct {
	st   *store.Store
	p    *portal
	logs *syncBuffer
}

// syncBuffer is a log sink that handlers may write from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testGroup are the portal settings of the tests.
var testGroup = models.PortalSettings{
	GroupName:    "Meridian Test Group",
	GroupTagline: "Banking, insurance and markets APIs.",
	GroupAbout:   "We are a **test** group.",
}

// newTestPortal opens a migrated store with three subsidiaries and the
// portal settings, and builds the handler over it. Options may adjust the
// handler's options.
func newTestPortal(t testing.TB, adjust ...func(*Options)) *testPortal {
	t.Helper()
	return newTestPortalOver(t, newTestStore(t), adjust...)
}

// newTestStore opens a migrated store with three subsidiaries and the
// portal settings.
func newTestStore(t testing.TB) *store.Store {
	t.Helper()
	st := storetest.Open(t)
	ctx := context.Background()
	for _, s := range []models.Subsidiary{
		{Slug: "bank", Name: "Meridian Bank", Description: "Current accounts, cards and **payments**."},
		{Slug: "insurance", Name: "Meridian Insurance", Description: "Motor and home insurance."},
		{Slug: "securities", Name: "Meridian Securities", Description: "Brokerage and market data."},
	} {
		if _, err := st.EnsureSubsidiary(ctx, s); err != nil {
			t.Fatalf("ensure subsidiary %s: %v", s.Slug, err)
		}
	}
	if err := st.SavePortalSettings(ctx, testGroup); err != nil {
		t.Fatalf("save portal settings: %v", err)
	}
	return st
}

func newTestPortalOver(t testing.TB, st *store.Store, adjust ...func(*Options)) *testPortal {
	t.Helper()
	logs := &syncBuffer{}
	opts := Options{
		Logger:     newTextLogger(logs),
		AdminToken: testAdminToken,
	}
	for _, f := range adjust {
		f(&opts)
	}
	return &testPortal{st: st, p: newPortal(opts, st), logs: logs}
}

// seed imports a testdata document through the real import path.
func (tp *testPortal) seed(t testing.TB, sub, file string, opts openapi.ImportOptions) models.ImportResult {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return tp.seedBytes(t, sub, file, data, opts)
}

func (tp *testPortal) seedBytes(t testing.TB, sub, name string, data []byte, opts openapi.ImportOptions) models.ImportResult {
	t.Helper()
	imp, err := openapi.PrepareImport(context.Background(), openapi.SingleFile(name, data), opts)
	if err != nil {
		t.Fatalf("prepare import of %s: %v (%v)", name, err, models.DetailsOf(err))
	}
	res, err := tp.st.ImportVersion(context.Background(), sub, imp)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return res
}

// seedCatalog imports a small but varied catalog:
//
//	bank/accounts-api       1.0.0 deprecated, 2.0.0 published; public; featured
//	bank/payments-api       3.2.0 published; partner
//	insurance/quotes        1.4.0 published; public
func (tp *testPortal) seedCatalog(t testing.TB) {
	t.Helper()
	yes := true
	tp.seed(t, "bank", "accounts-v1.yaml", openapi.ImportOptions{APISlug: "accounts-api", State: models.StateDeprecated})
	tp.seed(t, "bank", "accounts-v2.yaml", openapi.ImportOptions{APISlug: "accounts-api", State: models.StatePublished, Featured: &yes})
	tp.seed(t, "bank", "payments.json", openapi.ImportOptions{APISlug: "payments-api", Audience: models.AudiencePartner})
	tp.seed(t, "insurance", "quotes.yaml", openapi.ImportOptions{APISlug: "quotes"})
}

// do sends r to the handler and returns the recorded response.
func (tp *testPortal) do(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	tp.p.handler.ServeHTTP(rec, r)
	return rec
}

// get sends a GET request with optional header pairs ("Name", "value", …).
func (tp *testPortal) get(t testing.TB, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return tp.do(r)
}

// importRequest builds an authorized import request.
func importRequest(target, contentType string, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	r.Header.Set("Authorization", "Bearer "+testAdminToken)
	return r
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parseHTML parses a response body.
func parseHTML(t testing.TB, body io.Reader) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(body)
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

// finder is a document or a selection.
type finder interface {
	Find(selector string) *goquery.Selection
}

// byTestID selects the elements with a data-testid.
func byTestID(doc finder, id string) *goquery.Selection {
	return doc.Find(`[data-testid="` + id + `"]`)
}

// cardNames returns the API names of the api-card elements, in order.
func cardNames(doc finder) []string {
	var names []string
	byTestID(doc, "api-card").Each(func(_ int, s *goquery.Selection) {
		names = append(names, strings.TrimSpace(s.Find(`[data-testid="api-card-link"]`).Text()))
	})
	return names
}

// wantStatus fails the test when rec's status is not want.
func wantStatus(t testing.TB, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		body := rec.Body.String()
		if len(body) > 2000 {
			body = body[:2000] + "…"
		}
		t.Fatalf("status = %d, want %d; body:\n%s", rec.Code, want, body)
	}
}

// problemOf decodes a problem+json response.
func problemOf(t testing.TB, rec *httptest.ResponseRecorder) problem {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body: %s", ct, rec.Body)
	}
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("decode problem: %v; body: %s", err, rec.Body)
	}
	if p.Status != rec.Code {
		t.Errorf("problem status = %d, response status = %d", p.Status, rec.Code)
	}
	if p.RequestID == "" || p.RequestID != rec.Header().Get(requestIDHeader) {
		t.Errorf("problem request_id = %q, X-Request-Id = %q", p.RequestID, rec.Header().Get(requestIDHeader))
	}
	return p
}

// errorMessage returns the text of an HTML error page's message.
func errorMessage(t testing.TB, rec *httptest.ResponseRecorder) string {
	t.Helper()
	doc := parseHTML(t, bytes.NewReader(rec.Body.Bytes()))
	sel := byTestID(doc, "error-message")
	if sel.Length() != 1 {
		t.Fatalf("error page has %d error-message elements; body:\n%s", sel.Length(), rec.Body)
	}
	return strings.TrimSpace(sel.Text())
}

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
