package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestGatewayRoutesPage: a bank admin sets where the gateway serves a
// version and its backend; bad values come back with the reason and
// change nothing; a version of another subsidiary is out of reach.
func TestGatewayRoutesPage(t *testing.T) {
	ip := newIdentityPortal(t)
	ip.seedCatalog(t)
	ctx := context.Background()
	b := ip.signedIn(t, adminBank)

	rec := b.get("/admin/subsidiaries/bank/gateway")
	wantStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body)
	v2 := doc.Find(`[data-testid="gateway-route"][data-api="accounts-api"][data-version="2.0.0"]`)
	if v2.Length() != 1 {
		t.Fatalf("accounts-api 2.0.0 is not listed:\n%s", doc.Text())
	}
	if p := strings.TrimSpace(v2.Find(`[data-testid="effective-path"]`).Text()); p != "/bank/accounts-api/v2" {
		t.Errorf("effective path = %q, want the default /bank/accounts-api/v2", p)
	}
	if doc.Find(`[data-testid="gateway-route"][data-api="quotes"]`).Length() != 0 {
		t.Error("the bank's page lists the insurer's API")
	}
	id, _ := v2.Attr("data-version-id")

	rec = b.postForm("/admin/subsidiaries/bank/gateway/"+id, url.Values{"base_path": {"/accounts/v2"}, "upstream_url": {"https://accounts.internal.example/api"},
		"validate_requests": {"on"}, "cors_origins": {"https://app.example.com, https://admin.example.com/"}})
	wantStatus(t, rec, http.StatusSeeOther)
	vid, _ := strconv.ParseInt(id, 10, 64)
	g, err := ip.st.VersionGateway(ctx, vid)
	if err != nil || g.BasePath != "/accounts/v2" || g.UpstreamURL != "https://accounts.internal.example/api" || !g.ValidateRequests ||
		strings.Join(g.CORSOrigins, " ") != "https://app.example.com https://admin.example.com" {
		t.Errorf("stored settings = %+v (%v)", g, err)
	}
	rec = b.get(rec.Header().Get("Location"))
	if doc := parseHTML(t, rec.Body); !strings.Contains(doc.Find(`[data-testid="notice"]`).Text(), "within a second") {
		t.Error("no confirmation after saving")
	}

	rec = b.postForm("/admin/subsidiaries/bank/gateway/"+id, url.Values{"base_path": {"/accounts/../admin"}, "upstream_url": {"ftp://files.example"}})
	wantStatus(t, rec, http.StatusUnprocessableEntity)
	doc = parseHTML(t, rec.Body)
	msg := doc.Find(`[data-testid="route-error"]`).Text()
	if !strings.Contains(msg, "base_path") || !strings.Contains(msg, "upstream_url") {
		t.Errorf("refusal does not name both fields: %q", msg)
	}
	if val, _ := doc.Find(`[data-version-id="` + id + `"] [data-testid="field-base_path"]`).Attr("value"); val != "/accounts/../admin" {
		t.Errorf("the refused form lost what was typed: %q", val)
	}
	if g2, _ := ip.st.VersionGateway(ctx, vid); g2.BasePath != g.BasePath || g2.UpstreamURL != g.UpstreamURL {
		t.Errorf("a refused change was stored: %+v", g2)
	}

	// The insurer's version, through the bank's page: not found.
	routes, err := ip.st.ListGatewayRoutes(ctx, "insurance")
	if err != nil || len(routes) == 0 {
		t.Fatal(err)
	}
	rec = b.postForm("/admin/subsidiaries/bank/gateway/"+strconv.FormatInt(routes[0].VersionID, 10), url.Values{"upstream_url": {"https://evil.example"}})
	wantStatus(t, rec, http.StatusNotFound)
	if g3, _ := ip.st.VersionGateway(ctx, routes[0].VersionID); g3.UpstreamURL != "" {
		t.Errorf("the bank admin changed the insurer's upstream: %+v", g3)
	}
}

// TestAPIGatewayRoutes: the same settings through the JSON API, with
// responses that conform to Portico's OpenAPI document.
func TestAPIGatewayRoutes(t *testing.T) {
	ip := newSelfServicePortal(t)
	c := newConformance(t, ip)
	admin := ip.signedInBrowser(t, adminBank)
	insurer := ip.signedInBrowser(t, adminInsure)

	rec := c.check(admin, "GET", "/api/v1/subsidiaries/bank/gateway/routes", nil, http.StatusOK)
	var list struct {
		Items []gatewayRouteJSON `json:"items"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Items) == 0 {
		t.Fatalf("routes: %v %s", err, rec.Body)
	}
	id := strconv.FormatInt(list.Items[0].VersionID, 10)
	target := "/api/v1/subsidiaries/bank/gateway/routes/" + id
	rec = c.check(admin, "PUT", target, map[string]string{"base_path": "/bank/v9", "upstream_url": "http://10.0.0.7:8080"}, http.StatusOK)
	var got gatewayRouteJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.EffectivePath != "/bank/v9" || got.UpstreamURL != "http://10.0.0.7:8080" {
		t.Errorf("after PUT: %+v (%v)", got, err)
	}
	c.check(admin, "PUT", target, map[string]string{"base_path": "no-slash", "upstream_url": ""}, http.StatusUnprocessableEntity)
	c.check(admin, "PUT", target, map[string]any{"base_path": "/x", "upstream_url": "", "state": "published"}, http.StatusUnprocessableEntity)
	c.check(admin, "PUT", target, map[string]string{"base_path": "/x"}, http.StatusUnprocessableEntity)
	c.check(insurer, "PUT", target, map[string]string{"base_path": "/x", "upstream_url": ""}, http.StatusForbidden)
	c.check(admin, "PUT", "/api/v1/subsidiaries/bank/gateway/routes/999999", map[string]string{"base_path": "", "upstream_url": ""}, http.StatusNotFound)
}
