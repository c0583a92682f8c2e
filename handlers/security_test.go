package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi"
)

func TestSecurityHeaders_OnEveryKindOfResponse(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)
	paths := []string{
		"/", "/apis", "/apis/bank/accounts-api", "/apis/bank/accounts-api/2.0.0",
		"/apis/bank/accounts-api/2.0.0/openapi.json", "/nope", "/api/v1/nope", "/api/v1/apis",
		"/static/app.css", "/healthz", "/readyz",
	}
	for _, p := range paths {
		rec := tp.get(t, p)
		h := rec.Header()
		if got := h.Get("Content-Security-Policy"); got != contentSecurityPolicy {
			t.Errorf("%s: CSP = %q", p, got)
		}
		for name, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "strict-origin-when-cross-origin",
			"X-Frame-Options":        "DENY",
		} {
			if got := h.Get(name); got != want {
				t.Errorf("%s: %s = %q, want %q", p, name, got, want)
			}
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS sent although the portal is served over http", p)
		}
		if h.Get(requestIDHeader) == "" {
			t.Errorf("%s: no X-Request-Id", p)
		}
	}

	https := newTestPortalOver(t, tp.st, func(o *Options) { o.BaseURL = "https://developer.example.com/" })
	if got := https.get(t, "/apis").Header().Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("https portal: HSTS = %q", got)
	}
}

func TestSecurity_PagesLoadNoInlineScript(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)
	for _, p := range []string{"/", "/apis", "/apis/bank/accounts-api", "/apis/bank/accounts-api/2.0.0", "/nope"} {
		doc := parseHTML(t, tp.get(t, p).Body)
		doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			if src, ok := s.Attr("src"); !ok || !strings.HasPrefix(src, "/static/") || strings.TrimSpace(s.Text()) != "" {
				t.Errorf("%s: script element %q with src %q; the CSP allows only same-origin script files", p, s.Text(), src)
			}
		})
	}
}

func TestCrossOriginPostIsRefused(t *testing.T) {
	tp := newTestPortal(t)
	tests := []struct {
		name   string
		header [2]string
	}{
		{"cross-site fetch metadata", [2]string{"Sec-Fetch-Site", "cross-site"}},
		{"foreign origin", [2]string{"Origin", "https://evil.example"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := importRequest("/api/v1/subsidiaries/bank/versions", "application/yaml", readTestdata(t, "quotes.yaml"))
			r.Header.Set(tc.header[0], tc.header[1])
			rec := tp.do(r)
			wantStatus(t, rec, http.StatusForbidden)
			problemOf(t, rec)
			page, err := tp.st.SearchCatalog(context.Background(), models.CatalogQuery{Page: 1, PerPage: 10})
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != 0 {
				t.Error("the cross-origin import was stored")
			}
		})
	}

	// A form post from another site to a portal page gets the HTML page.
	r := httptest.NewRequest(http.MethodPost, "/apis", strings.NewReader("q=x"))
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := tp.do(r)
	wantStatus(t, rec, http.StatusForbidden)
	if msg := errorMessage(t, rec); !strings.Contains(msg, "Cross-origin") {
		t.Errorf("message = %q", msg)
	}

	// Same-origin requests pass (here: the import itself).
	same := importRequest("/api/v1/subsidiaries/bank/versions", "application/yaml", readTestdata(t, "quotes.yaml"))
	same.Header.Set("Sec-Fetch-Site", "same-origin")
	wantStatus(t, tp.do(same), http.StatusCreated)
}

func TestStoredXSS_RendersInert(t *testing.T) {
	tp := newTestPortal(t)
	res := tp.seed(t, "bank", "xss.yaml", openapi.ImportOptions{APISlug: "evil-api"})
	pages := []string{
		"/", "/apis", "/apis?q=evil", "/apis/bank/evil-api", "/apis/bank/evil-api/" + res.Version.Slug,
	}
	for _, p := range pages {
		rec := tp.get(t, p)
		wantStatus(t, rec, http.StatusOK)
		body := rec.Body.String()
		doc := parseHTML(t, strings.NewReader(body))
		doc.Find("script").Each(func(_ int, s *goquery.Selection) {
			if strings.Contains(s.Text(), "alert") {
				t.Errorf("%s: a script element from the document survived: %q", p, s.Text())
			}
		})
		doc.Find("*").Each(func(_ int, s *goquery.Selection) {
			for _, a := range s.Nodes[0].Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("%s: <%s %s=%q> survived", p, goquery.NodeName(s), a.Key, a.Val)
				}
				if (a.Key == "href" || a.Key == "src") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
					t.Errorf("%s: %s=%q survived", p, a.Key, a.Val)
				}
			}
		})
		if doc.Find("iframe, svg[onload]").Length() != 0 {
			t.Errorf("%s: an iframe or svg from the document survived", p)
		}
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	tp := newTestPortal(t)
	tests := []struct {
		name       string
		method     string
		path       string
		wantStatus int
		wantAllow  string
		wantHTML   bool
	}{
		{"unknown page", http.MethodGet, "/no/such/page", http.StatusNotFound, "", true},
		{"unknown static file", http.MethodGet, "/static/nope.css", http.StatusNotFound, "", true},
		{"static directory is not listed", http.MethodGet, "/static/img/", http.StatusNotFound, "", true},
		{"unknown API endpoint", http.MethodGet, "/api/v1/nope", http.StatusNotFound, "", false},
		{"delete on the catalog", http.MethodDelete, "/apis", http.StatusMethodNotAllowed, "GET, HEAD", true},
		{"post on the JSON catalog", http.MethodPost, "/api/v1/apis", http.StatusMethodNotAllowed, "GET, HEAD", false},
		{"get on the import endpoint", http.MethodGet, "/api/v1/subsidiaries/bank/versions", http.StatusMethodNotAllowed, "POST", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := tp.do(httptest.NewRequest(tc.method, tc.path, nil))
			wantStatus(t, rec, tc.wantStatus)
			if got := rec.Header().Get("Allow"); got != tc.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tc.wantAllow)
			}
			if tc.wantHTML {
				if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("Content-Type = %q", ct)
				}
				if errorMessage(t, rec) == "" {
					t.Error("empty error message")
				}
			} else {
				if p := problemOf(t, rec); p.Instance != tc.path || p.Detail == "" {
					t.Errorf("problem = %+v", p)
				}
			}
		})
	}
}

func TestTrailingSlash_RedirectsOnlyWithinTheSite(t *testing.T) {
	tp := newTestPortal(t)
	tests := []struct {
		path       string
		wantStatus int
		wantTo     string
	}{
		{"/apis/", http.StatusMovedPermanently, "/apis"},
		{"/apis/?q=cards", http.StatusMovedPermanently, "/apis?q=cards"},
		{"/api/v1/apis/", http.StatusMovedPermanently, "/api/v1/apis"},
		{"//evil.example/", http.StatusNotFound, ""},
		{"/%2F%2Fevil.example/", http.StatusNotFound, ""},
		{"/%5Cevil.example/", http.StatusNotFound, ""},
		{"/\\evil.example/", http.StatusNotFound, ""},
		{"/%09/evil.example/", http.StatusNotFound, ""},
		{"/no/such/page/", http.StatusNotFound, ""},
	}
	for _, tc := range tests {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.URL, _ = url.ParseRequestURI(tc.path)
		r.RequestURI = tc.path
		rec := tp.do(r)
		if rec.Code != tc.wantStatus {
			t.Errorf("%s: status %d, want %d", tc.path, rec.Code, tc.wantStatus)
		}
		if got := rec.Header().Get("Location"); got != tc.wantTo {
			t.Errorf("%s: Location = %q, want %q", tc.path, got, tc.wantTo)
		}
	}
}

// failingStore is the real store with chosen methods failing or panicking,
// to check what users see when persistence breaks.
type failingStore struct {
	Store
	err        error
	panicOnAPI bool
}

func (f failingStore) SearchCatalog(context.Context, models.CatalogQuery) (models.CatalogPage, error) {
	return models.CatalogPage{}, f.err
}

func (f failingStore) Ping(context.Context) error { return f.err }

func (f failingStore) FindAPIProduct(ctx context.Context, sub, api string) (models.APIProduct, error) {
	if f.panicOnAPI {
		panic("product lookup exploded: secret-connection-string")
	}
	return f.Store.FindAPIProduct(ctx, sub, api)
}

func TestInternalErrors_DoNotLeak(t *testing.T) {
	base := newTestPortal(t)
	secret := errors.New("database is locked: /var/lib/portico/secret.db (SQLITE_BUSY)")
	logs := &syncBuffer{}
	tp := &testPortal{st: base.st, logs: logs}
	tp.p = newPortal(Options{Logger: newTextLogger(logs)}, failingStore{Store: base.st, err: secret, panicOnAPI: true})

	for _, path := range []string{"/apis", "/api/v1/apis", "/apis/bank/accounts-api", "/readyz"} {
		rec := tp.get(t, path)
		if rec.Code != http.StatusInternalServerError && rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%s: status %d, want 500 (or 503 for readiness)", path, rec.Code)
		}
		body := rec.Body.String()
		for _, leak := range []string{"secret.db", "SQLITE_BUSY", "secret-connection-string", "goroutine", ".go:"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s: response leaks %q", path, leak)
			}
		}
		id := rec.Header().Get(requestIDHeader)
		if !strings.Contains(body, id) {
			t.Errorf("%s: response does not show the request ID %s", path, id)
		}
		if !strings.Contains(logs.String(), id) {
			t.Errorf("%s: the failure is not logged with the request ID", path)
		}
		if strings.HasPrefix(path, "/api/") || path == "/readyz" {
			problemOf(t, rec)
		} else if msg := errorMessage(t, rec); !strings.Contains(msg, "request ID") {
			t.Errorf("%s: message = %q", path, msg)
		}
	}
	if !strings.Contains(logs.String(), "secret.db") || !strings.Contains(logs.String(), "secret-connection-string") {
		t.Error("the causes are not in the log")
	}
}

func TestRequestLog_RecordsRouteNotSecrets(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)
	r := httptest.NewRequest(http.MethodGet, "/apis/bank/accounts-api?token=x", nil)
	r.Header.Set("Authorization", "Bearer "+testAdminToken)
	r.Header.Set("Cookie", "session=supersecret")
	rec := tp.do(r)
	wantStatus(t, rec, http.StatusOK)
	line := ""
	for _, l := range strings.Split(tp.logs.String(), "\n") {
		if strings.Contains(l, rec.Header().Get(requestIDHeader)) {
			line = l
		}
	}
	for _, want := range []string{"route=/apis/{subsidiary}/{api}", "method=GET", "status=200", "bytes=", "duration="} {
		if !strings.Contains(line, want) {
			t.Errorf("log line %q lacks %q", line, want)
		}
	}
	for _, secret := range []string{testAdminToken, "supersecret"} {
		if strings.Contains(tp.logs.String(), secret) {
			t.Errorf("log contains %q", secret)
		}
	}

	hostile := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	hostile.Header.Set(requestIDHeader, "evil\nlevel=ERROR msg=forged")
	if id := tp.do(hostile).Header().Get(requestIDHeader); strings.ContainsAny(id, "\n =") {
		t.Errorf("a hostile request ID was kept: %q", id)
	}
	kept := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	kept.Header.Set(requestIDHeader, "proxy-id-123")
	if id := tp.do(kept).Header().Get(requestIDHeader); id != "proxy-id-123" {
		t.Errorf("a well-formed request ID from a proxy was replaced by %q", id)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	tp := newTestPortal(t)
	live := tp.get(t, "/healthz")
	wantStatus(t, live, http.StatusOK)
	if strings.TrimSpace(live.Body.String()) != "ok" {
		t.Errorf("healthz body = %q", live.Body)
	}
	ready := tp.get(t, "/readyz")
	wantStatus(t, ready, http.StatusOK)
	if !strings.Contains(ready.Body.String(), `"status": "ready"`) {
		t.Errorf("readyz body = %s", ready.Body)
	}

	down := newTestPortalOver(t, tp.st)
	down.p = newPortal(Options{}, failingStore{Store: tp.st, err: errors.New("connection refused")})
	rec := down.get(t, "/readyz")
	wantStatus(t, rec, http.StatusServiceUnavailable)
	if p := problemOf(t, rec); strings.Contains(p.Detail, "refused") || p.Detail == "" {
		t.Errorf("readiness problem detail = %q", p.Detail)
	}
	wantStatus(t, down.get(t, "/healthz"), http.StatusOK)
}

func TestStaticAssets(t *testing.T) {
	tp := newTestPortal(t)
	tests := []struct {
		path, wantType, wantCache string
	}{
		{"/static/app.css?v=abc", "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/static/htmx.min.js?v=abc", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/static/img/logo.svg", "image/svg+xml", "public, max-age=0, must-revalidate"},
	}
	for _, tc := range tests {
		rec := tp.get(t, tc.path)
		wantStatus(t, rec, http.StatusOK)
		if ct := rec.Header().Get("Content-Type"); ct != tc.wantType {
			t.Errorf("%s: Content-Type = %q, want %q", tc.path, ct, tc.wantType)
		}
		if cc := rec.Header().Get("Cache-Control"); cc != tc.wantCache {
			t.Errorf("%s: Cache-Control = %q, want %q", tc.path, cc, tc.wantCache)
		}
		etag := rec.Header().Get("ETag")
		if etag == "" {
			t.Errorf("%s: no ETag", tc.path)
			continue
		}
		wantStatus(t, tp.get(t, tc.path, "If-None-Match", etag), http.StatusNotModified)
	}

	// Pages link the assets with the version token.
	doc := parseHTML(t, tp.get(t, "/").Body)
	href, _ := doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !strings.HasPrefix(href, "/static/app.css?v=") {
		t.Errorf("stylesheet link = %q", href)
	}
	wantStatus(t, tp.get(t, href), http.StatusOK)
}

func TestHead_IsAnsweredLikeGet(t *testing.T) {
	tp := newTestPortal(t)
	for _, p := range []string{"/apis", "/healthz", "/static/app.css"} {
		wantStatus(t, tp.do(httptest.NewRequest(http.MethodHead, p, nil)), http.StatusOK)
	}
}

func TestResponsesAreCompressedForClientsThatAcceptGzip(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)
	for _, path := range []string{"/", "/apis", "/static/app.css?v=abc", "/api/v1/openapi.json"} {
		plain := tp.get(t, path)
		wantStatus(t, plain, http.StatusOK)
		if enc := plain.Header().Get("Content-Encoding"); enc != "" {
			t.Errorf("%s without Accept-Encoding: Content-Encoding = %q", path, enc)
		}
		rec := tp.get(t, path, "Accept-Encoding", "gzip")
		wantStatus(t, rec, http.StatusOK)
		if enc := rec.Header().Get("Content-Encoding"); enc != "gzip" {
			t.Errorf("%s: Content-Encoding = %q, want gzip", path, enc)
			continue
		}
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !bytes.Equal(body, plain.Body.Bytes()) {
			t.Errorf("%s: gzip body differs from the plain body (%d vs %d bytes)", path, len(body), plain.Body.Len())
		}
	}
}
