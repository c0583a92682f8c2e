package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/portico/portico/models"
	"github.com/portico/portico/openapi"
	"github.com/portico/portico/openapi/reference"
	"gopkg.in/yaml.v3"
)

func TestHomePage_ShowsGroupSubsidiariesAndFeaturedAPIs(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)

	rec := tp.get(t, "/")
	wantStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body)

	if got := strings.TrimSpace(byTestID(doc, "group-name").Text()); got != testGroup.GroupName {
		t.Errorf("group name = %q, want %q", got, testGroup.GroupName)
	}
	if got := strings.TrimSpace(byTestID(doc, "group-tagline").Text()); got != testGroup.GroupTagline {
		t.Errorf("tagline = %q, want %q", got, testGroup.GroupTagline)
	}
	if byTestID(doc, "group-about").Find("strong").Text() != "test" {
		t.Errorf("about is not rendered as Markdown: %q", byTestID(doc, "group-about").Text())
	}
	if byTestID(doc, "home-search").Length() != 1 {
		t.Error("home page has no search box")
	}

	counts := map[string]string{}
	byTestID(doc, "subsidiary-card").Each(func(_ int, s *goquery.Selection) {
		href, _ := s.Find("a").Attr("href")
		counts[href] = strings.Join(strings.Fields(s.Find(`[data-testid="subsidiary-api-count"]`).Text()), " ")
	})
	want := map[string]string{
		"/apis?subsidiary=bank":       "2 APIs →",
		"/apis?subsidiary=insurance":  "1 API →",
		"/apis?subsidiary=securities": "0 APIs →",
	}
	for href, text := range want {
		if counts[href] != text {
			t.Errorf("subsidiary card %s shows %q, want %q (all: %v)", href, counts[href], text, counts)
		}
	}

	featured := byTestID(doc, "featured-apis")
	if names := cardNames(featured); !slices.Equal(names, []string{"Accounts API"}) {
		t.Errorf("featured APIs = %v, want [Accounts API]", names)
	}
	if href, _ := featured.Find(`[data-testid="api-card-link"]`).Attr("href"); href != "/apis/bank/accounts-api" {
		t.Errorf("featured card links to %q", href)
	}
	if title := doc.Find("title").Text(); !strings.Contains(title, testGroup.GroupName) {
		t.Errorf("title %q lacks the group name", title)
	}
}

func TestHomePage_EmptyPortalExplainsWhatComesNext(t *testing.T) {
	tp := newTestPortal(t)
	rec := tp.get(t, "/")
	wantStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body)
	if n := byTestID(doc, "api-card").Length(); n != 0 {
		t.Errorf("empty portal shows %d api cards", n)
	}
	if !strings.Contains(byTestID(doc, "empty-state").Text(), "No featured APIs yet") {
		t.Errorf("no empty state for featured APIs: %q", byTestID(doc, "empty-state").Text())
	}
}

func TestCatalog_SearchAndFilters(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)

	tests := []struct {
		name      string
		query     string
		wantCards []string // sorted
		wantCount string
	}{
		{"all listed APIs", "", []string{"Accounts API", "Motor Insurance Quotes", "Payments API"}, "3 APIs"},
		{"search by name", "q=payments", []string{"Payments API"}, "1 API"},
		{"search by operation summary", "q=" + url.QueryEscape("standing orders"), []string{"Accounts API"}, "1 API"},
		{"search by description word", "q=seconds", []string{"Motor Insurance Quotes"}, "1 API"},
		{"filter by subsidiary", "subsidiary=bank", []string{"Accounts API", "Payments API"}, "2 APIs"},
		{"filter by tag", "tag=quotes", []string{"Motor Insurance Quotes"}, "1 API"},
		{"filter by state deprecated", "state=deprecated", []string{"Accounts API"}, "1 API"},
		{"filter by audience partner", "audience=partner", []string{"Payments API"}, "1 API"},
		{"search and filter combined", "q=api&subsidiary=insurance", nil, "No APIs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := tp.get(t, "/apis?"+tc.query)
			wantStatus(t, rec, http.StatusOK)
			doc := parseHTML(t, rec.Body)
			got := cardNames(doc)
			slices.Sort(got)
			if !slices.Equal(got, tc.wantCards) {
				t.Errorf("cards = %v, want %v", got, tc.wantCards)
			}
			if c := strings.TrimSpace(byTestID(doc, "result-count").Text()); c != tc.wantCount {
				t.Errorf("result count = %q, want %q", c, tc.wantCount)
			}
		})
	}
}

func TestCatalog_CardShowsWhatAUserNeeds(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)
	doc := parseHTML(t, tp.get(t, "/apis?q=accounts").Body)
	card := byTestID(doc, "api-card")
	if card.Length() != 1 {
		t.Fatalf("%d cards, want 1", card.Length())
	}
	checks := map[string]string{
		"api-card-subsidiary": "Meridian Bank",
		"api-card-version":    "Version 2.0.0",
		"state-badge":         "Published",
		"audience-badge":      "Public",
	}
	for id, want := range checks {
		if got := strings.Join(strings.Fields(card.Find(`[data-testid="`+id+`"]`).First().Text()), " "); got != want {
			t.Errorf("%s = %q, want %q", id, got, want)
		}
	}
	if href, _ := card.Find(`[data-testid="api-card-link"]`).Attr("href"); href != "/apis/bank/accounts-api" {
		t.Errorf("card link = %q", href)
	}
	var tags []string
	card.Find(`[data-testid="api-card-tags"] a`).Each(func(_ int, s *goquery.Selection) { tags = append(tags, s.Text()) })
	if !slices.Contains(tags, "accounts") {
		t.Errorf("card tags = %v, want accounts among them", tags)
	}
}

func TestCatalog_Pagination(t *testing.T) {
	tp := newTestPortal(t)
	for i := 1; i <= 25; i++ {
		doc := fmt.Sprintf("openapi: 3.0.3\ninfo: {title: Ledger %02d API, version: 1.0.0}\ntags: [{name: ledger}]\npaths:\n  /entries:\n    get:\n      summary: List ledger entries\n      responses: {'200': {description: ok}}\n", i)
		tp.seedBytes(t, "bank", fmt.Sprintf("ledger-%02d.yaml", i), []byte(doc), openapi.ImportOptions{})
	}
	tp.seed(t, "insurance", "quotes.yaml", openapi.ImportOptions{})

	first := parseHTML(t, tp.get(t, "/apis?tag=ledger").Body)
	if n := byTestID(first, "api-card").Length(); n != catalogPerPage {
		t.Fatalf("page 1 has %d cards, want %d", n, catalogPerPage)
	}
	if c := strings.TrimSpace(byTestID(first, "result-count").Text()); c != "Showing 1–20 of 25 APIs" {
		t.Errorf("result count = %q", c)
	}
	next, ok := byTestID(first, "page-next").Attr("href")
	if !ok {
		t.Fatal("page 1 has no next link")
	}
	u, _ := url.Parse(next)
	if u.Query().Get("tag") != "ledger" || u.Query().Get("page") != "2" {
		t.Errorf("next link %q does not keep the filter or point to page 2", next)
	}
	if byTestID(first, "page-link").Length() != 2 {
		t.Errorf("page 1 shows %d page links, want 2", byTestID(first, "page-link").Length())
	}

	second := parseHTML(t, tp.get(t, next).Body)
	if n := byTestID(second, "api-card").Length(); n != 5 {
		t.Errorf("page 2 has %d cards, want 5", n)
	}
	if byTestID(second, "page-next").Length() != 0 {
		t.Error("last page has a next link")
	}
	if prev, _ := byTestID(second, "page-prev").Attr("href"); prev != "/apis?tag=ledger" {
		t.Errorf("previous link = %q, want /apis?tag=ledger", prev)
	}
	seen := map[string]bool{}
	for _, n := range append(cardNames(first), cardNames(second)...) {
		if seen[n] {
			t.Errorf("%s appears on both pages", n)
		}
		seen[n] = true
	}

	past := tp.get(t, "/apis?tag=ledger&page=9")
	wantStatus(t, past, http.StatusOK)
	pd := parseHTML(t, past.Body)
	if !strings.Contains(byTestID(pd, "empty-state").Text(), "past the end") {
		t.Errorf("page past the end shows %q", byTestID(pd, "empty-state").Text())
	}
}

func TestCatalog_EmptyStates(t *testing.T) {
	t.Run("empty catalog explains how to import", func(t *testing.T) {
		tp := newTestPortal(t)
		doc := parseHTML(t, tp.get(t, "/apis").Body)
		es := byTestID(doc, "empty-state").Text()
		if !strings.Contains(es, "No APIs published yet") || !strings.Contains(es, "portico import") {
			t.Errorf("empty catalog state = %q", es)
		}
	})
	t.Run("no match suggests clearing filters", func(t *testing.T) {
		tp := newTestPortal(t)
		tp.seedCatalog(t)
		doc := parseHTML(t, tp.get(t, "/apis?q=zzzzqqq&subsidiary=bank").Body)
		es := byTestID(doc, "empty-state")
		if !strings.Contains(es.Text(), "No APIs match “zzzzqqq”") {
			t.Errorf("no-match state = %q", es.Text())
		}
		var links []string
		es.Find("a").Each(func(_ int, s *goquery.Selection) { h, _ := s.Attr("href"); links = append(links, h) })
		if !slices.Contains(links, "/apis?q=zzzzqqq") || !slices.Contains(links, "/apis") {
			t.Errorf("no-match state links = %v, want the search without filters and all APIs", links)
		}
		if byTestID(doc, "active-filter").Length() != 1 {
			t.Errorf("active filter chips = %d, want 1", byTestID(doc, "active-filter").Length())
		}
	})
}

func TestCatalog_InvalidFilterValuesAreIgnoredWithANotice(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)
	tests := []struct {
		name       string
		query      string
		wantNotice string
		wantCards  int
	}{
		{"unknown state", "state=bogus", "is not a lifecycle state", 3},
		{"draft is not listed", "state=draft", "is not a lifecycle state", 3},
		{"unknown audience", "audience=everyone", "is not an audience", 3},
		{"page not a number", "page=abc", "is not a page number", 3},
		{"negative page", "page=-3", "is not a page number", 3},
		{"subsidiary with markup", "subsidiary=%3Cscript%3E", "is not a company", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := tp.get(t, "/apis?"+tc.query)
			wantStatus(t, rec, http.StatusOK)
			doc := parseHTML(t, rec.Body)
			if n := byTestID(doc, "catalog-notice").Text(); !strings.Contains(n, tc.wantNotice) {
				t.Errorf("notice = %q, want it to contain %q", n, tc.wantNotice)
			}
			if n := byTestID(doc, "api-card").Length(); n != tc.wantCards {
				t.Errorf("%d cards, want %d", n, tc.wantCards)
			}
		})
	}
}

func TestCatalog_HostileQueriesDoNotFail(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)
	queries := []string{
		`"`, `""`, `'`, `*`, `-`, `^`, `:`, `(`, `)`, `NEAR(`, `a OR`, `AND`, `NOT payments`,
		`payments"`, `"unterminated`, `title:payments`, `{accounts}`, `' OR 1=1 --`, `'; DROP TABLE apis; --`,
		`%`, `_`, `\`, `\x00`, "\x00", "bad\xffutf8", `🏦💳`, `中文 検索`, `Überweisung`, `\u202e`,
		`<script>alert(1)</script>`, strings.Repeat("a", 10000), strings.Repeat("a ", 5000), strings.Repeat(`"*`, 3000),
	}
	for _, q := range queries {
		for _, path := range []string{"/apis?q=", "/api/v1/apis?q="} {
			rec := tp.get(t, path+url.QueryEscape(q))
			if rec.Code >= 500 {
				t.Errorf("%s%.40q: status %d", path, q, rec.Code)
			}
			if strings.Contains(rec.Body.String(), "<script>alert(1)") {
				t.Errorf("%s%.40q: the query is echoed unescaped", path, q)
			}
		}
	}
	doc := parseHTML(t, tp.get(t, "/apis?q="+strings.Repeat("a", 10000)).Body)
	if !strings.Contains(byTestID(doc, "catalog-notice").Text(), "shortened") {
		t.Error("a 10,000 character search is not reported as shortened")
	}
}

func TestCatalog_HTMXGetsOnlyTheResults(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)
	rec := tp.get(t, "/apis?q=payments&subsidiary=&tag=&state=&audience=", "HX-Request", "true", "HX-Target", "catalog-results")
	wantStatus(t, rec, http.StatusOK)
	body := rec.Body.String()
	if strings.Contains(body, "<html") || strings.Contains(body, "<header") {
		t.Error("htmx response is a whole page, want the results region only")
	}
	doc := parseHTML(t, strings.NewReader(body))
	if names := cardNames(doc); !slices.Equal(names, []string{"Payments API"}) {
		t.Errorf("partial cards = %v", names)
	}
	if got := rec.Header().Get("HX-Push-Url"); got != "/apis?q=payments" {
		t.Errorf("HX-Push-Url = %q, want the clean URL /apis?q=payments", got)
	}
	if doc.Find(`#catalog-status[hx-swap-oob]`).Length() != 1 {
		t.Error("partial does not update the screen-reader status")
	}
	if !strings.Contains(strings.Join(rec.Header().Values("Vary"), ","), "HX-Request") {
		t.Error("response does not vary on HX-Request")
	}

	full := parseHTML(t, tp.get(t, "/apis?q=payments").Body)
	form := full.Find("form#catalog-form")
	if m, _ := form.Attr("method"); m != "get" {
		t.Errorf("catalog form method = %q, want get (works without JavaScript)", m)
	}
	if tgt, _ := form.Attr("hx-target"); tgt != "#catalog-results" {
		t.Errorf("catalog form hx-target = %q", tgt)
	}
	if trig, _ := full.Find("#catalog-q").Attr("hx-trigger"); !strings.Contains(trig, "delay:") {
		t.Errorf("search box trigger %q is not debounced", trig)
	}
	for _, id := range []string{"filter-subsidiary", "filter-tag", "filter-state", "filter-audience"} {
		sel := byTestID(full, id)
		if sel.Length() != 1 {
			t.Errorf("no %s control", id)
			continue
		}
		selID, _ := sel.Attr("id")
		if full.Find(`label[for="`+selID+`"]`).Length() != 1 {
			t.Errorf("%s has no label", id)
		}
	}
}

func TestProductPage(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)

	rec := tp.get(t, "/apis/bank/accounts-api")
	wantStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body)

	if got := strings.TrimSpace(byTestID(doc, "product-name").Text()); got != "Accounts API" {
		t.Errorf("name = %q", got)
	}
	if got := strings.TrimSpace(byTestID(doc, "product-subsidiary").Text()); got != "Meridian Bank" {
		t.Errorf("subsidiary = %q", got)
	}
	if byTestID(doc, "product-description").Find("strong").Text() != "balances" {
		t.Errorf("description is not rendered as Markdown: %q", byTestID(doc, "product-description").Text())
	}

	type row struct{ version, state, link, json string }
	var rows []row
	byTestID(doc, "version-row").Each(func(_ int, s *goquery.Selection) {
		link, _ := s.Find(`[data-testid="version-link"]`).Attr("href")
		js, _ := s.Find(`[data-testid="download-json"]`).Attr("href")
		rows = append(rows, row{
			version: strings.TrimSpace(s.Find(`[data-testid="version-link"]`).Text()),
			state:   strings.TrimSpace(s.Find(`[data-testid="state-badge"]`).Text()),
			link:    link, json: js,
		})
	})
	want := []row{
		{"2.0.0", "Published", "/apis/bank/accounts-api/2.0.0", "/apis/bank/accounts-api/2.0.0/openapi.json"},
		{"1.0.0", "Deprecated", "/apis/bank/accounts-api/1.0.0", "/apis/bank/accounts-api/1.0.0/openapi.json"},
	}
	if !slices.Equal(rows, want) {
		t.Errorf("version rows = %+v, want %+v", rows, want)
	}

	var servers []string
	byTestID(doc, "server").Each(func(_ int, s *goquery.Selection) { servers = append(servers, s.Text()) })
	if !slices.Equal(servers, []string{"https://api.bank.example/accounts/v2", "https://sandbox.bank.example/accounts/v2"}) {
		t.Errorf("servers = %v, want those of the current version 2.0.0", servers)
	}
	if href, _ := byTestID(doc, "read-reference").Attr("href"); href != "/apis/bank/accounts-api/2.0.0" {
		t.Errorf("read-the-reference link = %q", href)
	}
	if byTestID(doc, "deprecated-notice").Length() != 0 {
		t.Error("a deprecation notice is shown although the current version is published")
	}
}

func TestProductPage_DeprecatedAPIWarnsReaders(t *testing.T) {
	tp := newTestPortal(t)
	tp.seed(t, "bank", "accounts-v1.yaml", openapi.ImportOptions{APISlug: "accounts-api", State: models.StateDeprecated})
	doc := parseHTML(t, tp.get(t, "/apis/bank/accounts-api").Body)
	if !strings.Contains(byTestID(doc, "deprecated-notice").Text(), "will be retired") {
		t.Errorf("deprecated API has no notice; notices: %q", byTestID(doc, "notice").Text())
	}
}

func TestProductPage_UnknownAPIIsNotFound(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)
	for _, path := range []string{"/apis/bank/nope", "/apis/nope/accounts-api", "/apis/bank/accounts-api/9.9.9"} {
		rec := tp.get(t, path)
		wantStatus(t, rec, http.StatusNotFound)
		if msg := errorMessage(t, rec); msg == "" {
			t.Errorf("%s: empty error message", path)
		}
	}
}

func TestReferencePage(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)

	rec := tp.get(t, "/apis/bank/accounts-api/2.0.0")
	wantStatus(t, rec, http.StatusOK)
	doc := parseHTML(t, rec.Body)
	if n := byTestID(doc, "operation").Length(); n != 3 {
		t.Errorf("reference shows %d operations, want 3", n)
	}
	if title := doc.Find("title").Text(); !strings.Contains(title, "Accounts API 2.0.0") {
		t.Errorf("title = %q", title)
	}
}

func TestReferencePage_LatestRedirectsToCurrentVersion(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)
	tests := []struct{ path, want string }{
		{"/apis/bank/accounts-api/latest", "/apis/bank/accounts-api/2.0.0"},
		{"/apis/bank/accounts-api/latest/openapi.yaml", "/apis/bank/accounts-api/2.0.0/openapi.yaml"},
		{"/apis/insurance/quotes/latest/openapi.json", "/apis/insurance/quotes/1.4.0/openapi.json"},
	}
	for _, tc := range tests {
		rec := tp.get(t, tc.path)
		wantStatus(t, rec, http.StatusFound)
		if loc := rec.Header().Get("Location"); loc != tc.want {
			t.Errorf("%s redirects to %q, want %q", tc.path, loc, tc.want)
		}
	}
}

func TestReferencePage_RebuildsAStaleRenderModel(t *testing.T) {
	tp := newTestPortal(t)
	res := tp.seed(t, "bank", "accounts-v2.yaml", openapi.ImportOptions{APISlug: "accounts-api"})
	ctx := context.Background()

	old, err := reference.Encode(&models.Reference{ModelVersion: models.ReferenceModelVersion - 1, Title: "stale"})
	if err != nil {
		t.Fatal(err)
	}
	if err := tp.st.SaveRenderModel(ctx, res.Version.ID, old); err != nil {
		t.Fatal(err)
	}

	rec := tp.get(t, "/apis/bank/accounts-api/2.0.0")
	wantStatus(t, rec, http.StatusOK)
	if n := byTestID(parseHTML(t, rec.Body), "operation").Length(); n != 3 {
		t.Errorf("rebuilt reference shows %d operations, want 3", n)
	}
	b, err := tp.st.VersionRenderModel(ctx, res.Version.ID)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := reference.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if ref.ModelVersion != models.ReferenceModelVersion || ref.Title != "Accounts API" {
		t.Errorf("stored model after rebuild: version %d, title %q", ref.ModelVersion, ref.Title)
	}
}

func TestDownloads(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)

	tests := []struct {
		name, path, wantType, wantFile, wantTitle string
		decode                                    func([]byte, any) error
	}{
		{"yaml document as stored", "/apis/bank/accounts-api/2.0.0/openapi.yaml", "application/yaml", "bank-accounts-api-2.0.0.yaml", "Accounts API", yaml.Unmarshal},
		{"yaml document converted to json", "/apis/bank/accounts-api/2.0.0/openapi.json", "application/json", "bank-accounts-api-2.0.0.json", "Accounts API", json.Unmarshal},
		{"json document as stored", "/apis/bank/payments-api/3.2.0/openapi.json", "application/json", "bank-payments-api-3.2.0.json", "Payments API", json.Unmarshal},
		{"json document converted to yaml", "/apis/bank/payments-api/3.2.0/openapi.yaml", "application/yaml", "bank-payments-api-3.2.0.yaml", "Payments API", yaml.Unmarshal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := tp.get(t, tc.path)
			wantStatus(t, rec, http.StatusOK)
			if ct := rec.Header().Get("Content-Type"); ct != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", ct, tc.wantType)
			}
			if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename=`+tc.wantFile {
				t.Errorf("Content-Disposition = %q, want filename %s", cd, tc.wantFile)
			}
			if rec.Header().Get("Cache-Control") == "" {
				t.Error("no Cache-Control")
			}
			var d struct {
				OpenAPI string `json:"openapi" yaml:"openapi"`
				Info    struct {
					Title string `json:"title" yaml:"title"`
				} `json:"info" yaml:"info"`
				Paths map[string]any `json:"paths" yaml:"paths"`
			}
			if err := tc.decode(rec.Body.Bytes(), &d); err != nil {
				t.Fatalf("document does not parse: %v", err)
			}
			if d.Info.Title != tc.wantTitle || !strings.HasPrefix(d.OpenAPI, "3.") || len(d.Paths) == 0 {
				t.Errorf("document = openapi %q, title %q, %d paths", d.OpenAPI, d.Info.Title, len(d.Paths))
			}

			etag := rec.Header().Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			again := tp.get(t, tc.path, "If-None-Match", etag)
			wantStatus(t, again, http.StatusNotModified)
			if again.Body.Len() != 0 {
				t.Error("304 has a body")
			}
		})
	}

	y := tp.get(t, "/apis/bank/accounts-api/2.0.0/openapi.yaml").Header().Get("ETag")
	j := tp.get(t, "/apis/bank/accounts-api/2.0.0/openapi.json").Header().Get("ETag")
	if y == j {
		t.Errorf("JSON and YAML share the ETag %s", y)
	}
	if stored := readTestdata(t, "accounts-v2.yaml"); tp.get(t, "/apis/bank/accounts-api/2.0.0/openapi.yaml").Body.String() != string(stored) {
		t.Error("the YAML download is not the document as uploaded")
	}
}

func TestCatalog_FilterOptionsShowCounts(t *testing.T) {
	tp := newTestPortal(t)
	tp.seedCatalog(t)
	options := func(doc *goquery.Document, id string) (texts []string, selected string) {
		byTestID(doc, id).Find("option").Each(func(_ int, s *goquery.Selection) {
			texts = append(texts, strings.TrimSpace(s.Text()))
			if _, ok := s.Attr("selected"); ok {
				selected, _ = s.Attr("value")
			}
		})
		return texts, selected
	}

	doc := parseHTML(t, tp.get(t, "/apis").Body)
	subs, _ := options(doc, "filter-subsidiary")
	for _, want := range []string{"All companies", "Meridian Bank (2)", "Meridian Insurance (1)"} {
		if !slices.Contains(subs, want) {
			t.Errorf("company options %q lack %q", subs, want)
		}
	}
	tags, _ := options(doc, "filter-tag")
	for _, want := range []string{"All tags", "accounts (1)", "payments (1)", "quotes (1)"} {
		if !slices.Contains(tags, want) {
			t.Errorf("tag options %q lack %q", tags, want)
		}
	}
	states, _ := options(doc, "filter-state")
	if !slices.Equal(states, []string{"Any state", "Published", "Deprecated", "Retired"}) {
		t.Errorf("state options = %q", states)
	}

	filtered := parseHTML(t, tp.get(t, "/apis?subsidiary=bank&state=deprecated").Body)
	if _, sel := options(filtered, "filter-subsidiary"); sel != "bank" {
		t.Errorf("selected company = %q, want bank", sel)
	}
	if _, sel := options(filtered, "filter-state"); sel != "deprecated" {
		t.Errorf("selected state = %q, want deprecated", sel)
	}
	var chips []string
	byTestID(filtered, "active-filter").Each(func(_ int, s *goquery.Selection) {
		href, _ := s.Attr("href")
		chips = append(chips, strings.Join(strings.Fields(s.Text()), " ")+" → "+href)
	})
	want := []string{
		"Company: Meridian Bank × (remove this filter) → /apis?state=deprecated",
		"State: Deprecated × (remove this filter) → /apis?subsidiary=bank",
	}
	if !slices.Equal(chips, want) {
		t.Errorf("active filters = %q, want %q", chips, want)
	}
}
