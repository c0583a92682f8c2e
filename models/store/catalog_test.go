package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func op(method, path, id, summary string, tags ...string) models.OperationSummary {
	return models.OperationSummary{Method: method, Path: path, OperationID: id, Summary: summary, Tags: tags}
}

// seedCatalog stores a small group: three subsidiaries and eight APIs in
// every lifecycle state.
func seedCatalog(t *testing.T, s *store.Store) {
	t.Helper()
	mustSubsidiary(t, s, "bank", "Meridian Bank")
	mustSubsidiary(t, s, "insurance", "Meridian Insurance")
	mustSubsidiary(t, s, "securities", "Meridian Securities")
	accounts := fixture{api: "accounts", name: "Accounts", summary: "Balances and transactions of current accounts",
		tags: []string{"Open-Banking", "accounts"}, featured: true,
		ops: []models.OperationSummary{
			op("GET", "/accounts", "listAccounts", "List accounts", "Accounts"),
			op("GET", "/accounts/{accountId}/balances", "getAccountBalances", "Read balances", "Balances"),
		}}
	for _, v := range []string{"1.0.0", "2.0.0"} {
		accounts.version = v
		mustImport(t, s, "bank", accounts)
	}
	payments := fixture{api: "payments", name: "Payments", summary: "Initiate SEPA and instant payments",
		tags: []string{"open-banking", "payments"}, featured: true,
		ops: []models.OperationSummary{
			op("POST", "/payments", "createPayment", "Initiate a payment", "Payments"),
			op("GET", "/payments/{paymentId}", "getPaymentStatus", "Payment status", "Payments"),
		}}
	payments.version, payments.state = "1.0.0", models.StateDeprecated
	mustImport(t, s, "bank", payments)
	payments.version, payments.state = "2.0.0", models.StatePublished
	mustImport(t, s, "bank", payments)
	mustImport(t, s, "bank", fixture{api: "cards", name: "Cards", summary: "Card controls", tags: []string{"cards"},
		audience: models.AudiencePartner, state: models.StateRetired,
		ops: []models.OperationSummary{op("POST", "/cards/{cardId}/block", "blockCard", "Block a card")}})
	mustImport(t, s, "bank", fixture{api: "loans", name: "Loans", summary: "Loan payments and schedules", tags: []string{"loans"}, state: models.StateDraft})
	mustImport(t, s, "insurance", fixture{api: "quotes", name: "Insurance Quotes", summary: "Quote motor and home insurance", tags: []string{"quotes"}})
	mustImport(t, s, "insurance", fixture{api: "quotes", name: "Insurance Quotes", version: "2.0.0", state: models.StateInReview})
	claims := fixture{api: "claims", name: "Claims", summary: "File and track claims", tags: []string{"claims"},
		description: "Pay-outs for accepted claims are sent as payments.", audience: models.AudiencePartner,
		ops: []models.OperationSummary{op("POST", "/claims", "createClaim", "File a claim")}}
	claims.version = "2020-08-27"
	mustImport(t, s, "insurance", claims)
	claims.version, claims.state = "2021-01-05", models.StateDeprecated
	mustImport(t, s, "insurance", claims)
	mustImport(t, s, "securities", fixture{api: "market-data", name: "Market Data", summary: "Real-time quotes and prices for équities",
		tags: []string{"market-data"}, audience: models.AudienceInternal, version: "3.0.0",
		ops: []models.OperationSummary{op("GET", "/instruments/{isin}/prices", "getPrices", "Latest prices")}})
	mustImport(t, s, "securities", fixture{api: "fx-rates", name: "FX Rates", summary: "Foreign exchange rates", tags: []string{"fx"}, featured: true})
}

// slugs returns "subsidiary/api" of each entry.
func slugs(entries []models.CatalogEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Subsidiary.Slug + "/" + e.API.Slug
	}
	return out
}

func TestSearchCatalog(t *testing.T) {
	all := []string{"bank/accounts", "securities/fx-rates", "bank/payments", "bank/cards", "insurance/claims", "insurance/quotes", "securities/market-data"}
	tests := []struct {
		name      string
		q         models.CatalogQuery
		want      []string // entries in order
		wantTotal int
		wantPage  int
		wantPer   int
	}{
		{"no query lists featured first, then by name", models.CatalogQuery{}, all, 7, 1, 12},
		{"prefix finds payments by name and description, name first", models.CatalogQuery{Q: "pay"}, []string{"bank/payments", "insurance/claims"}, 2, 1, 12},
		{"plural query finds singular words", models.CatalogQuery{Q: "PAYMENTS"}, []string{"bank/payments", "insurance/claims"}, 2, 1, 12},
		{"all terms must match", models.CatalogQuery{Q: "initiate payment"}, []string{"bank/payments"}, 1, 1, 12},
		{"operationId as written", models.CatalogQuery{Q: "createPayment"}, []string{"bank/payments"}, 1, 1, 12},
		{"words of an operationId", models.CatalogQuery{Q: "payment status"}, []string{"bank/payments"}, 1, 1, 12},
		{"path parameter", models.CatalogQuery{Q: "accountId"}, []string{"bank/accounts"}, 1, 1, 12},
		{"operation summary", models.CatalogQuery{Q: "balances"}, []string{"bank/accounts"}, 1, 1, 12},
		{"diacritics are ignored", models.CatalogQuery{Q: "EQUITIES"}, []string{"securities/market-data"}, 1, 1, 12},
		{"diacritics in the query are ignored", models.CatalogQuery{Q: "équités équities"}, nil, 0, 1, 12},
		{"retired versions are searchable", models.CatalogQuery{Q: "block card"}, []string{"bank/cards"}, 1, 1, 12},
		{"drafts are invisible to search", models.CatalogQuery{Q: "loans"}, nil, 0, 1, 12},
		{"versions in review are invisible to search", models.CatalogQuery{Q: "insurance", State: models.StateInReview}, nil, 0, 1, 12},
		{"subsidiary filter", models.CatalogQuery{Subsidiary: "bank"}, []string{"bank/accounts", "bank/payments", "bank/cards"}, 3, 1, 12},
		{"unknown subsidiary matches nothing", models.CatalogQuery{Subsidiary: "nope"}, nil, 0, 1, 12},
		{"API tag filter ignores case", models.CatalogQuery{Tag: "OPEN-banking"}, []string{"bank/accounts", "bank/payments"}, 2, 1, 12},
		{"document tag filter", models.CatalogQuery{Tag: "balances"}, []string{"bank/accounts"}, 1, 1, 12},
		{"state filter: any listed version deprecated", models.CatalogQuery{State: models.StateDeprecated}, []string{"bank/payments", "insurance/claims"}, 2, 1, 12},
		{"state filter: retired", models.CatalogQuery{State: models.StateRetired}, []string{"bank/cards"}, 1, 1, 12},
		{"state filter: draft shows nothing", models.CatalogQuery{State: models.StateDraft}, nil, 0, 1, 12},
		{"audience filter", models.CatalogQuery{Audience: models.AudiencePartner}, []string{"bank/cards", "insurance/claims"}, 2, 1, 12},
		{"audiences limit to what the viewer may see", models.CatalogQuery{Audiences: []models.Audience{models.AudiencePublic, models.AudiencePartner}},
			[]string{"bank/accounts", "securities/fx-rates", "bank/payments", "bank/cards", "insurance/claims", "insurance/quotes"}, 6, 1, 12},
		{"audience within audiences", models.CatalogQuery{Audience: models.AudiencePartner, Audiences: []models.Audience{models.AudiencePublic, models.AudiencePartner}},
			[]string{"bank/cards", "insurance/claims"}, 2, 1, 12},
		{"audience outside audiences matches nothing", models.CatalogQuery{Audience: models.AudienceInternal, Audiences: []models.Audience{models.AudiencePublic, models.AudiencePartner}}, nil, 0, 1, 12},
		{"search does not find APIs outside audiences", models.CatalogQuery{Q: "equities", Audiences: []models.Audience{models.AudiencePublic}}, nil, 0, 1, 12},
		{"query and filters combine", models.CatalogQuery{Q: "payments", Subsidiary: "insurance", Audience: models.AudiencePartner, State: models.StatePublished}, []string{"insurance/claims"}, 1, 1, 12},
		{"second page", models.CatalogQuery{Page: 2, PerPage: 2}, []string{"bank/payments", "bank/cards"}, 7, 2, 2},
		{"last partial page", models.CatalogQuery{Page: 4, PerPage: 2}, []string{"securities/market-data"}, 7, 4, 2},
		{"page past the end is empty with the total", models.CatalogQuery{Page: 5, PerPage: 2}, nil, 7, 5, 2},
		{"huge page number is empty", models.CatalogQuery{Page: 1 << 62, PerPage: 100}, nil, 7, 1 << 62, 100},
		{"page zero is the first page", models.CatalogQuery{Page: 0, PerPage: 3}, all[:3], 7, 1, 3},
		{"per page is capped at 100", models.CatalogQuery{PerPage: 1000}, all, 7, 1, 100},
		{"negative per page is the default", models.CatalogQuery{PerPage: -5}, all, 7, 1, 12},
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		seedCatalog(t, s)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				page, err := s.SearchCatalog(context.Background(), tc.q)
				if err != nil {
					t.Fatal(err)
				}
				if got := slugs(page.Entries); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
					t.Errorf("entries = %q\nwant      %q", got, tc.want)
				}
				if page.Total != tc.wantTotal || page.Page != tc.wantPage || page.PerPage != tc.wantPer {
					t.Errorf("total, page, per page = %d, %d, %d; want %d, %d, %d", page.Total, page.Page, page.PerPage, tc.wantTotal, tc.wantPage, tc.wantPer)
				}
			})
		}
	})
}

func TestSearchCatalogEntriesShowTheCurrentVersion(t *testing.T) {
	tests := []struct {
		api         string
		wantCurrent string
		wantStates  []models.State
		wantCount   int
	}{
		{"accounts", "2.0.0", []models.State{models.StatePublished}, 2},
		{"payments", "2.0.0", []models.State{models.StatePublished, models.StateDeprecated}, 2},
		{"cards", "1.0.0", []models.State{models.StateRetired}, 1},
		{"claims", "2020-08-27", []models.State{models.StatePublished, models.StateDeprecated}, 2}, // published beats a newer deprecated one
		{"quotes", "1.0.0", []models.State{models.StatePublished}, 1},                              // the version in review does not count
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		seedCatalog(t, s)
		page, err := s.SearchCatalog(context.Background(), models.CatalogQuery{})
		if err != nil {
			t.Fatal(err)
		}
		byAPI := map[string]models.CatalogEntry{}
		for _, e := range page.Entries {
			byAPI[e.API.Slug] = e
		}
		for _, tc := range tests {
			e := byAPI[tc.api]
			if e.Current.Version != tc.wantCurrent || !slices.Equal(e.States, tc.wantStates) || e.Versions != tc.wantCount {
				t.Errorf("%s: current %q states %v versions %d; want %q %v %d", tc.api, e.Current.Version, e.States, e.Versions, tc.wantCurrent, tc.wantStates, tc.wantCount)
			}
			if e.Current.APIID != e.API.ID || e.Subsidiary.ID != e.API.SubsidiaryID || e.Subsidiary.Name == "" {
				t.Errorf("%s: entry parts do not belong together: %+v", tc.api, e)
			}
		}
	})
}

func TestSearchCatalogFacets(t *testing.T) {
	tests := []struct {
		name      string
		q         models.CatalogQuery
		wantSubs  string // value:count in name order
		wantTags  string // value:count of product tags, most common first (ties by value)
		wantLabel map[string]string
	}{
		{"whole catalog", models.CatalogQuery{},
			"bank:3 insurance:2 securities:2", "open-banking:2 accounts:1 cards:1 claims:1 fx:1 market-data:1 payments:1 quotes:1",
			map[string]string{"bank": "Meridian Bank", "open-banking": "Open-Banking"}},
		{"subsidiary facet ignores its own filter", models.CatalogQuery{Subsidiary: "insurance"},
			"bank:3 insurance:2 securities:2", "claims:1 quotes:1", nil},
		{"tag facet ignores its own filter", models.CatalogQuery{Tag: "claims"},
			"insurance:1", "open-banking:2 accounts:1 cards:1 claims:1 fx:1 market-data:1 payments:1 quotes:1", nil},
		{"a chosen document tag is counted too", models.CatalogQuery{Tag: "Balances"},
			"bank:1", "open-banking:2 accounts:1 cards:1 claims:1 fx:1 market-data:1 payments:1 quotes:1 balances:1", map[string]string{"balances": "Balances"}},
		{"facets follow the query", models.CatalogQuery{Q: "payments"},
			"bank:1 insurance:1", "claims:1 open-banking:1 payments:1", nil},
		{"no matches, no facets", models.CatalogQuery{Q: "zzzz"}, "", "", nil},
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		seedCatalog(t, s)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				page, err := s.SearchCatalog(context.Background(), tc.q)
				if err != nil {
					t.Fatal(err)
				}
				if got := facetString(page.Subsidiaries, 100); got != tc.wantSubs {
					t.Errorf("subsidiary facet = %q, want %q", got, tc.wantSubs)
				}
				if got := facetString(page.Tags, 100); got != tc.wantTags {
					t.Errorf("tag facet = %q, want %q", got, tc.wantTags)
				}
				for value, label := range tc.wantLabel {
					found := false
					for _, f := range append(page.Subsidiaries, page.Tags...) {
						if f.Value == value {
							found = true
							if f.Label != label {
								t.Errorf("facet %s label = %q, want %q", value, f.Label, label)
							}
						}
					}
					if !found {
						t.Errorf("no facet %s", value)
					}
				}
			})
		}
	})
}

func facetString(facets []models.Facet, n int) string {
	var parts []string
	for i, f := range facets {
		if i == n {
			break
		}
		parts = append(parts, fmt.Sprintf("%s:%d", f.Value, f.Count))
	}
	return strings.Join(parts, " ")
}

// TestSearchCatalogHostileInput sends what attackers and unlucky users type;
// every query answers without an error and the catalog survives.
func TestSearchCatalogHostileInput(t *testing.T) {
	queries := []string{
		`'; DROP TABLE apis; --`,
		`" OR 1=1 --`,
		`"`, `""`, `*`, `"pay`, `pay"*`, `pay*`, `-pay`, `NOT pay`, `pay OR cards`, `pay AND`, `NEAR(pay cards)`,
		`name:pay`, `{name}: pay`, `^pay`, `pay:*`, `pay & ! cards`, `pay <-> cards`, `(pay`, `pay)`, `\`, `%`, `_`,
		"pay\x00cards", "\xff\xfe", "💳 payments", "支付", "платежи", "ﬁnance", strings.Repeat("pay ", 5000), strings.Repeat("x", 100_000),
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		seedCatalog(t, s)
		ctx := context.Background()
		for _, q := range queries {
			for _, field := range []string{"q", "subsidiary", "tag"} {
				cq := models.CatalogQuery{}
				switch field {
				case "q":
					cq.Q = q
				case "subsidiary":
					cq.Subsidiary = q
				case "tag":
					cq.Tag = q
				}
				page, err := s.SearchCatalog(ctx, cq)
				if err != nil {
					t.Errorf("%s=%.40q: %v", field, q, err)
				}
				if field != "q" && page.Total != 0 {
					t.Errorf("%s=%.40q matched %d entries", field, q, page.Total)
				}
			}
		}
		// Search syntax of either database is plain text here.
		for q, want := range map[string]int{`pay"*`: 2, `-pay`: 2, `NOT pay`: 0, `pay | cards`: 0, `pay & cards`: 0, `pay:*`: 2} {
			page, err := s.SearchCatalog(ctx, models.CatalogQuery{Q: q})
			if err != nil || page.Total != want {
				t.Errorf("q=%s: total %d, %v; want %d", q, page.Total, err, want)
			}
		}
		page, err := s.SearchCatalog(ctx, models.CatalogQuery{Q: `"*-`})
		if err != nil || page.Total != 7 {
			t.Errorf(`q with only punctuation: total %d, %v; want the whole catalog`, page.Total, err)
		}
		page, err = s.SearchCatalog(ctx, models.CatalogQuery{})
		if err != nil || page.Total != 7 {
			t.Fatalf("catalog after hostile queries: %d entries, %v", page.Total, err)
		}
	})
}

func TestSearchCatalogBeyondASCII(t *testing.T) {
	tests := []struct {
		q    string
		want []string
	}{
		{"платеж", []string{"bank/platezhi"}},
		{"ПЕРЕВОДЫ", []string{"bank/platezhi"}},
		{"支付", []string{"bank/zhifu"}},
		{"zahlungsverkehr fur", []string{"bank/zahlungen"}},
		{"Zahlungsverkehr FÜR", []string{"bank/zahlungen"}},
		{"façade", []string{"bank/zahlungen"}},
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		mustSubsidiary(t, s, "bank", "Bank")
		mustImport(t, s, "bank", fixture{api: "platezhi", name: "Платежи", summary: "Платежи и переводы"})
		mustImport(t, s, "bank", fixture{api: "zhifu", name: "支付接口", summary: "跨境支付"})
		mustImport(t, s, "bank", fixture{api: "zahlungen", name: "Zahlungen", summary: "Zahlungsverkehr für Firmenkunden", description: "Die Fassade (façade) der Bank"})
		for _, tc := range tests {
			page, err := s.SearchCatalog(context.Background(), models.CatalogQuery{Q: tc.q})
			if err != nil {
				t.Fatal(err)
			}
			if got := slugs(page.Entries); !slices.Equal(got, tc.want) {
				t.Errorf("q=%s: %q, want %q", tc.q, got, tc.want)
			}
		}
	})
}

func TestListFeatured(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		seedCatalog(t, s)
		mustImport(t, s, "bank", fixture{api: "hidden", name: "Hidden", featured: true, state: models.StateDraft})
		mustImport(t, s, "securities", fixture{api: "desk", name: "Desk", featured: true, audience: models.AudienceInternal})
		outside := []models.Audience{models.AudiencePublic, models.AudiencePartner}
		for _, tc := range []struct {
			limit     int
			audiences []models.Audience
			want      []string
		}{
			{0, nil, []string{"bank/accounts", "securities/desk", "securities/fx-rates", "bank/payments"}},
			{2, nil, []string{"bank/accounts", "securities/desk"}},
			{-1, nil, []string{"bank/accounts", "securities/desk", "securities/fx-rates", "bank/payments"}},
			{0, outside, []string{"bank/accounts", "securities/fx-rates", "bank/payments"}},
			{0, []models.Audience{models.AudienceInternal}, []string{"securities/desk"}},
		} {
			got, err := s.ListFeatured(context.Background(), tc.limit, tc.audiences...)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(slugs(got), tc.want) {
				t.Errorf("ListFeatured(%d, %q) = %q, want %q", tc.limit, tc.audiences, slugs(got), tc.want)
			}
			for _, e := range got {
				if e.Current.ID == 0 || e.Subsidiary.ID == 0 {
					t.Errorf("featured entry %s lacks its current version or subsidiary", e.API.Slug)
				}
			}
		}
	})
}

func TestFindAPIProductAndVersion(t *testing.T) {
	tests := []struct {
		name         string
		sub, api, v  string
		wantKind     models.Kind // "" = found
		wantVersions string      // product versions, newest first
	}{
		{"published API with its versions newest first", "bank", "payments", "1.0.0", "", "2.0.0 1.0.0"},
		{"dated versions order by date", "insurance", "claims", "2021-01-05", "", "2021-01-05 2020-08-27"},
		{"retired API is still found", "bank", "cards", "1.0.0", "", "1.0.0"},
		{"draft-only API is not found", "bank", "loans", "1.0.0", models.NotFound, ""},
		{"version in review is not found", "insurance", "quotes", "2.0.0", models.NotFound, ""},
		{"unknown version", "bank", "payments", "9.9.9", models.NotFound, ""},
		{"API of another subsidiary", "insurance", "payments", "2.0.0", models.NotFound, ""},
		{"unknown subsidiary", "nope", "payments", "2.0.0", models.NotFound, ""},
		{"SQL in the slug", "bank' OR '1'='1", "payments", "2.0.0", models.NotFound, ""},
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		seedCatalog(t, s)
		ctx := context.Background()
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				p, v, err := s.FindVersion(ctx, tc.sub, tc.api, tc.v)
				if tc.wantKind != "" {
					wantKind(t, err, tc.wantKind, "")
					if tc.name == "draft-only API is not found" || tc.name == "unknown subsidiary" {
						_, err := s.FindAPIProduct(ctx, tc.sub, tc.api)
						wantKind(t, err, models.NotFound, "")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if v.Slug != tc.v || v.APIID != p.API.ID || p.Subsidiary.Slug != tc.sub || p.API.Slug != tc.api {
					t.Errorf("FindVersion = %s/%s %s (api %d), want %s/%s %s", p.Subsidiary.Slug, p.API.Slug, v.Slug, v.APIID, tc.sub, tc.api, tc.v)
				}
				var versions []string
				for _, pv := range p.Versions {
					versions = append(versions, pv.Version)
				}
				if got := strings.Join(versions, " "); got != tc.wantVersions {
					t.Errorf("versions = %s, want %s", got, tc.wantVersions)
				}
				p2, err := s.FindAPIProduct(ctx, tc.sub, tc.api)
				if err != nil || len(p2.Versions) != len(p.Versions) || p2.API.ID != p.API.ID {
					t.Errorf("FindAPIProduct = %+v, %v; want the product FindVersion returned", p2, err)
				}
			})
		}
	})
}

func TestVersionBlobsOfUnknownVersionsAreNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, err := s.VersionDocument(ctx, 424242)
		wantKind(t, err, models.NotFound, "")
		_, err = s.VersionRenderModel(ctx, 424242)
		wantKind(t, err, models.NotFound, "")
		_, err = s.VersionFiles(ctx, 424242)
		wantKind(t, err, models.NotFound, "")
		wantKind(t, s.SaveRenderModel(ctx, 424242, []byte("{}")), models.NotFound, "")
	})
}
