package handlers

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi"
)

// seedInternal adds an internal, featured API to the securities
// subsidiary (besides seedCatalog's public and partner APIs).
func (ip *identityPortal) seedInternal(t *testing.T) models.ImportResult {
	t.Helper()
	yes := true
	doc := strings.Replace(string(readTestdata(t, "quotes.yaml")), "title: Motor Insurance Quotes", "title: Trading Desk Internal", 1)
	return ip.seedBytes(t, "securities", "desk.yaml", []byte(doc), openapi.ImportOptions{
		APISlug: "trading-desk", Audience: models.AudienceInternal, Featured: &yes,
	})
}

func TestInternalAPIs_OnlyStaffSeeThem(t *testing.T) {
	ip := newIdentityPortal(t)
	ip.seedCatalog(t)
	res := ip.seedInternal(t)
	ver := res.Version.Slug
	tests := []struct {
		persona string
		sees    bool
	}{
		{anonymous, false},
		{"developer", false},
		{"internal", true},
		{"publisher@bank", true},
		{"subsidiary_admin@insurance", true},
		{"platform_admin", true},
	}
	for _, tc := range tests {
		t.Run(tc.persona, func(t *testing.T) {
			b := ip.browser(t)
			if tc.persona != anonymous {
				b.mustSignIn(ip.users[tc.persona].Email)
			}
			found := func(names []string) bool { return slices.Contains(names, "Trading Desk Internal") }

			// Catalog page, search and the audience filter.
			cat := parseHTML(t, b.get("/apis").Body)
			if got := found(cardNames(cat)); got != tc.sees {
				t.Errorf("catalog lists the internal API: %v, want %v", got, tc.sees)
			}
			if got := found(cardNames(parseHTML(t, b.get("/apis?q=trading").Body))); got != tc.sees {
				t.Errorf("search finds the internal API: %v, want %v", got, tc.sees)
			}
			if got := cat.Find(`select[name="audience"] option[value="internal"]`).Length() == 1; got != tc.sees {
				t.Errorf("audience filter offers internal: %v, want %v", got, tc.sees)
			}
			if got := found(cardNames(parseHTML(t, b.get("/apis?audience=internal").Body))); got != tc.sees {
				t.Errorf("?audience=internal shows the internal API: %v, want %v", got, tc.sees)
			}
			// Subsidiary facet: securities has only the internal API.
			if got := cat.Find(`select[name="subsidiary"] option[value="securities"]`).Length() == 1; got != tc.sees {
				t.Errorf("company facet offers securities: %v, want %v", got, tc.sees)
			}

			// Home: featured APIs and the companies' API counts.
			home := b.get("/")
			wantStatus(t, home, http.StatusOK)
			body := home.Body.String()
			if got := strings.Contains(body, "Trading Desk Internal"); got != tc.sees {
				t.Errorf("home page mentions the internal API: %v, want %v", got, tc.sees)
			}
			wantAPIs := "3 APIs"
			if tc.sees {
				wantAPIs = "4 APIs"
			}
			if !strings.Contains(body, wantAPIs) {
				t.Errorf("home page does not count %s", wantAPIs)
			}

			// Product, reference and document pages: 404 as if it did not exist.
			want := http.StatusNotFound
			if tc.sees {
				want = http.StatusOK
			}
			for _, p := range []string{
				"/apis/securities/trading-desk",
				"/apis/securities/trading-desk/" + ver,
				"/apis/securities/trading-desk/" + ver + "/openapi.json",
				"/apis/securities/trading-desk/" + ver + "/openapi.yaml",
			} {
				if rec := b.get(p); rec.Code != want {
					t.Errorf("GET %s = %d, want %d", p, rec.Code, want)
				}
			}
			latest := b.get("/apis/securities/trading-desk/latest")
			if tc.sees != (latest.Code == http.StatusFound) || !tc.sees && latest.Code != http.StatusNotFound {
				t.Errorf("GET latest = %d", latest.Code)
			}
			if tc.sees {
				if cc := b.get("/apis/securities/trading-desk/" + ver + "/openapi.json").Header().Get("Cache-Control"); !strings.Contains(cc, "private") {
					t.Errorf("internal document Cache-Control = %q, want private", cc)
				}
			}

			// The JSON catalog.
			rec := b.get("/api/v1/apis?per_page=100")
			wantStatus(t, rec, http.StatusOK)
			var out catalogJSON
			if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
				t.Fatal(err)
			}
			var apis []string
			for _, it := range out.Items {
				apis = append(apis, it.API)
			}
			if got := slices.Contains(apis, "trading-desk"); got != tc.sees {
				t.Errorf("JSON catalog lists the internal API: %v, want %v (%v)", got, tc.sees, apis)
			}
			wantTotal := 3
			if tc.sees {
				wantTotal = 4
			}
			if out.Total != wantTotal {
				t.Errorf("JSON catalog total = %d, want %d", out.Total, wantTotal)
			}
		})
	}
}

func TestImportAPI_SessionOrBootstrapToken(t *testing.T) {
	ip := newIdentityPortal(t)
	quotes := readTestdata(t, "quotes.yaml")
	tests := []struct {
		name       string
		persona    string
		sub        string
		token      bool
		header     [2]string // extra header
		wantStatus int
	}{
		{"anonymous is asked to sign in", anonymous, "bank", false, [2]string{}, http.StatusUnauthorized},
		{"developer may not import", "developer", "bank", false, [2]string{}, http.StatusForbidden},
		{"internal staff may not import", "internal", "bank", false, [2]string{}, http.StatusForbidden},
		{"publisher imports into their subsidiary", "publisher@bank", "bank", false, [2]string{}, http.StatusCreated},
		{"publisher may not import into another subsidiary", "publisher@bank", "insurance", false, [2]string{}, http.StatusForbidden},
		{"admin of the insurer imports there", "subsidiary_admin@insurance", "insurance", false, [2]string{}, http.StatusCreated},
		{"admin of the insurer may not import into the bank", "subsidiary_admin@insurance", "bank", false, [2]string{}, http.StatusForbidden},
		{"platform admin imports anywhere", "platform_admin", "securities", false, [2]string{}, http.StatusCreated},
		{"the bootstrap token still works", anonymous, "securities", true, [2]string{}, http.StatusCreated},
		{"a session does not pass a cross-site request", "publisher@bank", "bank", false, [2]string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"a wrong token is not rescued by a session", "platform_admin", "bank", false, [2]string{"Authorization", "Bearer wrong"}, http.StatusUnauthorized},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := ip.browser(t)
			if tc.persona != anonymous {
				b.mustSignIn(ip.users[tc.persona].Email)
			}
			r := importRequest("/api/v1/subsidiaries/"+tc.sub+"/versions?api=quotes-"+strconv.Itoa(i), "application/yaml", quotes)
			if !tc.token {
				r.Header.Del("Authorization")
			}
			if tc.header[0] != "" {
				r.Header.Set(tc.header[0], tc.header[1])
			}
			rec := b.do(r)
			wantStatus(t, rec, tc.wantStatus)
			if tc.wantStatus >= 400 {
				problemOf(t, rec)
				return
			}
			// The import is audited with who made it.
			evs := ip.auditEvents(t, "api.import")
			wantActor := ActorBootstrapToken
			if !tc.token {
				wantActor = ip.users[tc.persona].Email
			}
			if len(evs) == 0 || evs[0].ActorEmail != wantActor || evs[0].Subsidiary != tc.sub ||
				evs[0].RequestID != rec.Header().Get(requestIDHeader) || !strings.Contains(evs[0].Target, "quotes-"+strconv.Itoa(i)) ||
				(tc.token && evs[0].ActorID != nil) || (!tc.token && (evs[0].ActorID == nil || *evs[0].ActorID != ip.users[tc.persona].ID)) {
				t.Errorf("import audit = %+v, want actor %s in %s", evs, wantActor, tc.sub)
			}
		})
	}
}
