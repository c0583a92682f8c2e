package store

import (
	"slices"
	"strings"
	"testing"
)

func TestSearchText(t *testing.T) {
	tests := []struct {
		name  string
		parts []string
		want  string
	}{
		{"words are lower-cased and punctuation dropped", []string{"Initiate SEPA-payments, now!"}, "initiate sepa payments now"},
		{"camelCase operationIds keep the word and add its parts", []string{"createPayment"}, "createpayment create payment"},
		{"acronyms split before the next word", []string{"getHTTPServerStatus"}, "gethttpserverstatus get http server status"},
		{"paths become their segments", []string{"/accounts/{accountId}/balances"}, "accounts accountid account id balances"},
		{"diacritics are removed", []string{"Équités Zürich"}, "equites zurich"},
		{"non-Latin scripts are kept", []string{"платежи 支付"}, "платежи 支付"},
		{"repeated parts count once", []string{"List accounts", "List accounts", "Read"}, "list accounts read"},
		{"overlong tokens are not indexed", []string{"key " + strings.Repeat("A", 65) + " end"}, "key end"},
		{"digits are words", []string{"v2 2020-08-27"}, "v2 2020 08 27"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := searchText(tc.parts...); got != tc.want {
				t.Errorf("searchText(%q) = %q, want %q", tc.parts, got, tc.want)
			}
		})
	}
}

func TestSearchWordsKeepsEachWordOnce(t *testing.T) {
	got := searchWords("List accounts", "Get account", "listAccounts", "Get balances of an account")
	if want := "list accounts get account listaccounts balances of an"; got != want {
		t.Errorf("searchWords = %q, want %q", got, want)
	}
}

func TestSearchTextIsBounded(t *testing.T) {
	parts := make([]string, 0, 50_000)
	for i := range 50_000 {
		parts = append(parts, "operation summary number "+strings.Repeat("x", i%50))
	}
	if got := searchText(parts...); len(got) > maxColumnBytes {
		t.Errorf("searchText of a huge document is %d bytes, want at most %d", len(got), maxColumnBytes)
	}
}

func TestQueryTerms(t *testing.T) {
	tests := []struct {
		q       string
		want    []string
		wantFTS string
		wantTSQ string
	}{
		{"pay", []string{"pay"}, `"pay"*`, "pay:*"},
		{"Payments API", []string{"payment", "api"}, `"payment"* "api"*`, "payment:* & api:*"},
		{"policies addresses boxes statuses status", []string{"polic", "address", "box", "statuse", "statu"}, `"polic"* "address"* "box"* "statuse"* "statu"*`, "polic:* & address:* & box:* & statuse:* & statu:*"},
		{`'; DROP TABLE apis; --`, []string{"drop", "table", "api"}, `"drop"* "table"* "api"*`, "drop:* & table:* & api:*"},
		{`"pay" OR NOT -cards*`, []string{"pay", "or", "not", "card"}, `"pay"* "or"* "not"* "card"*`, "pay:* & or:* & not:* & card:*"},
		{`"*-:&|!()<>`, nil, "", ""},
		{"Café café CAFE", []string{"cafe"}, `"cafe"*`, "cafe:*"},
		{"pay\x00cards\xff", []string{"pay", "card"}, `"pay"* "card"*`, "pay:* & card:*"},
	}
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			got := queryTerms(tc.q)
			if !slices.Equal(got, tc.want) {
				t.Errorf("queryTerms(%q) = %q, want %q", tc.q, got, tc.want)
			}
			if f := ftsMatch(got); f != tc.wantFTS {
				t.Errorf("ftsMatch = %s, want %s", f, tc.wantFTS)
			}
			if q := tsQuery(got); q != tc.wantTSQ {
				t.Errorf("tsQuery = %s, want %s", q, tc.wantTSQ)
			}
		})
	}
}

func TestQueryTermsAreBounded(t *testing.T) {
	var words []string
	for i := range 1000 {
		words = append(words, "w"+strings.Repeat("x", i%7)+string(rune('a'+i%26)))
	}
	got := queryTerms(strings.Join(words, " "))
	if len(got) > maxTerms {
		t.Errorf("%d terms, want at most %d", len(got), maxTerms)
	}
	if got := queryTerms(strings.Repeat("é", 10_000)); len(got) != 0 {
		t.Errorf("a 10,000-letter word gave terms %q, want none (longer than a word)", got)
	}
}
