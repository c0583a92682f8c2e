package handlers

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi"
)

func decodeImport(t *testing.T, rec *httptest.ResponseRecorder) importResponse {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q; body: %s", ct, rec.Body)
	}
	var out importResponse
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("decode import response: %v; body: %s", err, rec.Body)
	}
	return out
}

func TestImportAPI_CreatesAVersion(t *testing.T) {
	tp := newTestPortal(t)
	rec := tp.do(importRequest("/api/v1/subsidiaries/bank/versions?api=accounts-api&state=published&audience=partner", "application/yaml", readTestdata(t, "accounts-v1.yaml")))
	wantStatus(t, rec, http.StatusCreated)
	got := decodeImport(t, rec)

	want := importResponse{
		Subsidiary:     "bank",
		API:            "accounts-api",
		Version:        "1.0.0",
		VersionSlug:    "1.0.0",
		State:          models.StatePublished,
		OpenAPIVersion: "3.0.3",
		DocumentSHA256: got.DocumentSHA256,
		CreatedAPI:     true,
		Unchanged:      false,
		Operations:     2,
		Warnings:       got.Warnings,
		Links: versionLinksJSON{
			Product:     "/apis/bank/accounts-api",
			Reference:   "/apis/bank/accounts-api/1.0.0",
			OpenAPIJSON: "/apis/bank/accounts-api/1.0.0/openapi.json",
			OpenAPIYAML: "/apis/bank/accounts-api/1.0.0/openapi.yaml",
		},
	}
	if len(got.DocumentSHA256) != 64 {
		t.Errorf("document_sha256 = %q, want 64 hex digits", got.DocumentSHA256)
	}
	if got.Warnings == nil {
		t.Error("warnings is null, want a list")
	}
	if !equalJSON(got, want) {
		t.Errorf("import response = %+v\nwant %+v", got, want)
	}
	if loc := rec.Header().Get("Location"); loc != "/apis/bank/accounts-api/1.0.0" {
		t.Errorf("Location = %q", loc)
	}

	// The imported version is what the portal now shows.
	p, err := tp.st.FindAPIProduct(context.Background(), "bank", "accounts-api")
	if err != nil {
		t.Fatal(err)
	}
	if p.API.Audience != models.AudiencePartner || len(p.Versions) != 1 || p.Versions[0].State != models.StatePublished {
		t.Errorf("stored product: audience %q, versions %+v", p.API.Audience, p.Versions)
	}
	wantStatus(t, tp.get(t, got.Links.Reference), http.StatusOK)
}

func TestImportAPI_SameDocumentAgainIsUnchanged(t *testing.T) {
	tp := newTestPortal(t)
	body := readTestdata(t, "payments.json")
	wantStatus(t, tp.do(importRequest("/api/v1/subsidiaries/bank/versions", "application/json", body)), http.StatusCreated)

	rec := tp.do(importRequest("/api/v1/subsidiaries/bank/versions", "application/json", body))
	wantStatus(t, rec, http.StatusOK)
	got := decodeImport(t, rec)
	if !got.Unchanged || got.CreatedAPI {
		t.Errorf("second import: unchanged=%v created_api=%v, want true, false", got.Unchanged, got.CreatedAPI)
	}
}

func TestImportAPI_Refusals(t *testing.T) {
	tests := []struct {
		name        string
		target      string
		contentType string
		body        []byte
		auth        string // Authorization header; "-" for none
		adminToken  string // configured token
		maxBytes    int64
		wantStatus  int
		wantDetail  string // part of the problem's detail
		wantErrors  bool   // the problem lists located details
		wantWWWAuth bool
	}{
		{
			name: "no token", target: "/api/v1/subsidiaries/bank/versions", contentType: "application/yaml",
			body: readTestdata(t, "quotes.yaml"), auth: "-", adminToken: testAdminToken,
			wantStatus: http.StatusUnauthorized, wantDetail: "Authorization: Bearer", wantWWWAuth: true,
		},
		{
			name: "wrong token", target: "/api/v1/subsidiaries/bank/versions", contentType: "application/yaml",
			body: readTestdata(t, "quotes.yaml"), auth: "Bearer not-the-token", adminToken: testAdminToken,
			wantStatus: http.StatusUnauthorized, wantDetail: "not valid", wantWWWAuth: true,
		},
		{
			name: "basic auth instead of bearer", target: "/api/v1/subsidiaries/bank/versions", contentType: "application/yaml",
			body: readTestdata(t, "quotes.yaml"), auth: "Basic " + testAdminToken, adminToken: testAdminToken,
			wantStatus: http.StatusUnauthorized, wantDetail: "Authorization: Bearer", wantWWWAuth: true,
		},
		{
			name: "admin API disabled", target: "/api/v1/subsidiaries/bank/versions", contentType: "application/yaml",
			body: readTestdata(t, "quotes.yaml"), auth: "Bearer " + testAdminToken, adminToken: "",
			wantStatus: http.StatusUnauthorized, wantDetail: "PORTICO_ADMIN_TOKEN", wantWWWAuth: true,
		},
		{
			name: "too large", target: "/api/v1/subsidiaries/bank/versions", contentType: "application/yaml",
			body: readTestdata(t, "accounts-v1.yaml"), auth: "Bearer " + testAdminToken, adminToken: testAdminToken, maxBytes: 512,
			wantStatus: http.StatusRequestEntityTooLarge, wantDetail: "larger than the limit of 512 bytes",
		},
		{
			name: "invalid document", target: "/api/v1/subsidiaries/bank/versions", contentType: "application/yaml",
			body: readTestdata(t, "invalid.yaml"), auth: "Bearer " + testAdminToken, adminToken: testAdminToken,
			wantStatus: http.StatusUnprocessableEntity, wantErrors: true,
		},
		{
			name: "not a document at all", target: "/api/v1/subsidiaries/bank/versions", contentType: "application/json",
			body: []byte(`{"hello": "world"`), auth: "Bearer " + testAdminToken, adminToken: testAdminToken,
			wantStatus: http.StatusUnprocessableEntity,
		},
		{
			name: "empty body", target: "/api/v1/subsidiaries/bank/versions", contentType: "application/yaml",
			body: nil, auth: "Bearer " + testAdminToken, adminToken: testAdminToken,
			wantStatus: http.StatusUnprocessableEntity, wantDetail: "body is empty",
		},
		{
			name: "unknown subsidiary", target: "/api/v1/subsidiaries/nope/versions", contentType: "application/yaml",
			body: readTestdata(t, "quotes.yaml"), auth: "Bearer " + testAdminToken, adminToken: testAdminToken,
			wantStatus: http.StatusNotFound,
		},
		{
			name: "conflicting version", target: "/api/v1/subsidiaries/bank/versions?api=accounts-api", contentType: "application/yaml",
			body: readTestdata(t, "accounts-v1-changed.yaml"), auth: "Bearer " + testAdminToken, adminToken: testAdminToken,
			wantStatus: http.StatusConflict,
		},
		{
			name: "bad query parameters", target: "/api/v1/subsidiaries/bank/versions?state=live&audience=all&api=Not%20A%20Slug", contentType: "application/yaml",
			body: readTestdata(t, "quotes.yaml"), auth: "Bearer " + testAdminToken, adminToken: testAdminToken,
			wantStatus: http.StatusUnprocessableEntity, wantDetail: "query parameters", wantErrors: true,
		},
		{
			name: "unsupported content type", target: "/api/v1/subsidiaries/bank/versions", contentType: "text/plain",
			body: readTestdata(t, "quotes.yaml"), auth: "Bearer " + testAdminToken, adminToken: testAdminToken,
			wantStatus: http.StatusUnsupportedMediaType, wantDetail: "application/yaml",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tp := newTestPortal(t, func(o *Options) {
				o.AdminToken = tc.adminToken
				if tc.maxBytes > 0 {
					o.Limits = openapi.DefaultLimits()
					o.Limits.MaxBytes = tc.maxBytes
				}
			})
			tp.seed(t, "bank", "accounts-v1.yaml", openapi.ImportOptions{APISlug: "accounts-api"})

			r := httptest.NewRequest(http.MethodPost, tc.target, bytes.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.contentType)
			if tc.auth != "-" {
				r.Header.Set("Authorization", tc.auth)
			}
			rec := tp.do(r)
			wantStatus(t, rec, tc.wantStatus)
			p := problemOf(t, rec)
			if !strings.Contains(p.Detail, tc.wantDetail) {
				t.Errorf("detail = %q, want it to contain %q", p.Detail, tc.wantDetail)
			}
			if tc.wantErrors && len(p.Errors) == 0 {
				t.Error("problem lists no details")
			}
			if got := rec.Header().Get("WWW-Authenticate") != ""; got != tc.wantWWWAuth {
				t.Errorf("WWW-Authenticate present = %v, want %v", got, tc.wantWWWAuth)
			}
			if strings.Contains(rec.Body.String(), testAdminToken) {
				t.Error("the admin token is echoed in the response")
			}
			if strings.Contains(tp.logs.String(), testAdminToken) {
				t.Error("the admin token is in the log")
			}
			// Nothing was stored besides the seed.
			page, err := tp.st.SearchCatalog(context.Background(), models.CatalogQuery{PerPage: 10, Page: 1})
			if err != nil {
				t.Fatal(err)
			}
			if page.Total != 1 || page.Entries[0].Versions != 1 {
				t.Errorf("catalog after refusal: %d entries", page.Total)
			}
		})
	}
}

func TestImportAPI_InvalidDocumentSaysWhere(t *testing.T) {
	tp := newTestPortal(t)
	rec := tp.do(importRequest("/api/v1/subsidiaries/bank/versions", "application/yaml", readTestdata(t, "invalid.yaml")))
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	p := problemOf(t, rec)
	joined := strings.Join(p.Errors, "\n")
	if !strings.Contains(joined, "Missing") {
		t.Errorf("details do not name the missing schema: %q", joined)
	}
	if !strings.Contains(joined, "openapi.yaml") && !strings.Contains(joined, "#/") && !strings.Contains(joined, "line") {
		t.Errorf("details do not say where: %q", joined)
	}
}

func TestImportAPI_MultipartAndZipBundles(t *testing.T) {
	root := []byte("openapi: 3.0.3\ninfo: {title: Cards API, version: 1.0.0}\npaths:\n  /cards:\n    get:\n      summary: List cards\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: 'schemas.yaml#/Card'}\n")
	schemas := []byte("Card:\n  type: object\n  properties:\n    pan: {type: string}\n")

	t.Run("multipart with one file", func(t *testing.T) {
		tp := newTestPortal(t)
		body, ct := multipartBody(t, map[string]string{}, [][2]any{{"quotes.yaml", readTestdata(t, "quotes.yaml")}})
		rec := tp.do(importRequest("/api/v1/subsidiaries/insurance/versions", ct, body))
		wantStatus(t, rec, http.StatusCreated)
		if got := decodeImport(t, rec); got.API != "motor-insurance-quotes" || got.Operations != 1 {
			t.Errorf("imported %s with %d operations", got.API, got.Operations)
		}
	})
	t.Run("multipart with several files and a root", func(t *testing.T) {
		tp := newTestPortal(t)
		body, ct := multipartBody(t, map[string]string{"root": "cards.yaml"}, [][2]any{{"cards.yaml", root}, {"schemas.yaml", schemas}})
		rec := tp.do(importRequest("/api/v1/subsidiaries/bank/versions", ct, body))
		wantStatus(t, rec, http.StatusCreated)
		if got := decodeImport(t, rec); got.API != "cards-api" {
			t.Errorf("imported %q", got.API)
		}
	})
	t.Run("multipart with several files and no root", func(t *testing.T) {
		tp := newTestPortal(t)
		body, ct := multipartBody(t, nil, [][2]any{{"cards.yaml", root}, {"schemas.yaml", schemas}})
		rec := tp.do(importRequest("/api/v1/subsidiaries/bank/versions", ct, body))
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		if p := problemOf(t, rec); !strings.Contains(p.Detail, "root") {
			t.Errorf("detail = %q", p.Detail)
		}
	})
	t.Run("zip bundle", func(t *testing.T) {
		tp := newTestPortal(t)
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, data := range map[string][]byte{"cards.yaml": root, "schemas.yaml": schemas} {
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = w.Write(data)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		rec := tp.do(importRequest("/api/v1/subsidiaries/bank/versions?root=cards.yaml", "application/zip", buf.Bytes()))
		wantStatus(t, rec, http.StatusCreated)
		if got := decodeImport(t, rec); got.API != "cards-api" || got.Operations != 1 {
			t.Errorf("imported %s with %d operations", got.API, got.Operations)
		}
	})
}

// multipartBody builds a multipart/form-data body with fields and "file"
// parts ({name, content}).
func multipartBody(t *testing.T, fields map[string]string, files [][2]any) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="file"; filename="`+f[0].(string)+`"`)
		h.Set("Content-Type", "application/octet-stream")
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(f[1].([]byte))
	}
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func TestAPICatalog_JSON(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)

	rec := tp.get(t, "/api/v1/apis?subsidiary=bank&per_page=1")
	wantStatus(t, rec, http.StatusOK)
	var got catalogJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Total != 2 || got.Page != 1 || got.PerPage != 1 || got.Pages != 2 || len(got.Items) != 1 {
		t.Fatalf("page = total %d, page %d, per_page %d, pages %d, %d items", got.Total, got.Page, got.PerPage, got.Pages, len(got.Items))
	}
	it := got.Items[0]
	if it.Subsidiary.Slug != "bank" || it.Links.Product != "/apis/bank/"+it.API {
		t.Errorf("item = %+v", it)
	}

	all := tp.get(t, "/api/v1/apis?q=accounts")
	var acc catalogJSON
	_ = json.Unmarshal(all.Body.Bytes(), &acc)
	if len(acc.Items) != 1 {
		t.Fatalf("search found %d items", len(acc.Items))
	}
	a := acc.Items[0]
	if a.Name != "Accounts API" || a.CurrentVersion.Version != "2.0.0" || a.CurrentVersion.State != models.StatePublished ||
		a.Versions != 2 || !slices.Contains(a.States, models.StateDeprecated) || !a.Featured || a.CurrentVersion.Operations != 3 {
		t.Errorf("accounts item = %+v", a)
	}

	bad := tp.get(t, "/api/v1/apis?state=bogus&per_page=1000")
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	if p := problemOf(t, bad); len(p.Errors) != 2 {
		t.Errorf("problem errors = %q, want one per bad parameter", p.Errors)
	}
}

func TestAPIDoc_IsAValidOpenAPIDocument(t *testing.T) {
	tp := newTestPortal(t)
	rec := tp.get(t, "/api/v1/openapi.json")
	wantStatus(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("validate: %v", err)
	}
	for _, path := range []string{"/api/v1/apis", "/api/v1/subsidiaries/{subsidiary}/versions", "/api/v1/openapi.json",
		"/api/v1/apis/{subsidiary}/{api}/plans", "/api/v1/applications", "/api/v1/applications/{appID}",
		"/api/v1/applications/{appID}/keys", "/api/v1/applications/{appID}/keys/{keyID}", "/api/v1/applications/{appID}/keys/{keyID}/rotate",
		"/api/v1/applications/{appID}/subscriptions", "/api/v1/applications/{appID}/subscriptions/{subID}",
		"/api/v1/subsidiaries/{subsidiary}/plans", "/api/v1/subsidiaries/{subsidiary}/plans/{planID}",
		"/api/v1/subsidiaries/{subsidiary}/approvals", "/api/v1/subsidiaries/{subsidiary}/subscriptions/{subID}/decision",
		"/api/v1/subsidiaries/{subsidiary}/subscriptions/{subID}/suspend", "/api/v1/subsidiaries/{subsidiary}/subscriptions/{subID}/resume"} {
		if doc.Paths.Find(path) == nil {
			t.Errorf("document lacks %s", path)
		}
	}
}

// equalJSON compares two values by their JSON form.
func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
