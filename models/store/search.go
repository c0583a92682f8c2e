package store

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Full-text search works the same way on both dialects because the store,
// not the database, decides what a word is: searchText turns documents into
// lower-case words without diacritics separated by single spaces, and
// queryTerms turns what a user typed into at most maxTerms such words. The
// database only indexes and matches those words (FTS5 with unicode61 on
// SQLite, to_tsvector('simple') on PostgreSQL). Every term of a query is a
// prefix, lightly stemmed, so "pay" finds "payments" and "payments" finds
// "payment"; all terms must match.

const (
	maxWordLen     = 64        // longer "words" are identifiers, hashes or base64: not indexed
	maxColumnBytes = 256 << 10 // search text per column; keeps tsvectors far below 1 MiB
	maxQueryRunes  = 256
	maxTerms       = 16
)

// wordsOf calls fn for each word of s: a maximal run of letters and digits,
// lower-cased, with diacritics removed. With camel set, a word written in
// camelCase or PascalCase ("createPayment", "HTTPServer") is also reported in
// its parts ("create", "payment") so operationIds are found by their words.
func wordsOf(s string, camel bool, fn func(w string)) {
	s = norm.NFD.String(s)
	var word []rune
	flush := func() {
		if len(word) == 0 {
			return
		}
		emit(word, camel, fn)
		word = word[:0]
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
			// a combining mark left by NFD: drop it, keep the base letter
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			word = append(word, r)
		default:
			flush()
		}
	}
	flush()
}

func emit(word []rune, camel bool, fn func(string)) {
	if len(word) > maxWordLen {
		return
	}
	fn(strings.ToLower(string(word)))
	if !camel {
		return
	}
	// Split before an upper-case letter that follows a lower-case one
	// ("createPayment") or that starts a word after an acronym ("HTTPServer").
	start, parts := 0, 0
	var pieces []string
	for i := 1; i < len(word); i++ {
		prev, cur := word[i-1], word[i]
		next := rune(0)
		if i+1 < len(word) {
			next = word[i+1]
		}
		if unicode.IsUpper(cur) && (unicode.IsLower(prev) || (unicode.IsUpper(prev) && unicode.IsLower(next))) {
			pieces = append(pieces, string(word[start:i]))
			start = i
			parts++
		}
	}
	if parts == 0 {
		return
	}
	pieces = append(pieces, string(word[start:]))
	for _, p := range pieces {
		fn(strings.ToLower(p))
	}
}

// searchText joins the words of parts into one normalized text, skipping
// parts already seen (the same operation in five versions counts once) and
// stopping at maxColumnBytes.
func searchText(parts ...string) string { return joinWords(parts, false) }

// searchWords is searchText keeping each word once. The columns that gather
// many versions and operations use it: how often "get" or "id" occurs in a
// hundred operations says little about relevance, and a set of words keeps
// the index, and ranking over it, small.
func searchWords(parts ...string) string { return joinWords(parts, true) }

func joinWords(parts []string, unique bool) string {
	var b strings.Builder
	seenPart := make(map[string]bool, len(parts))
	seenWord := map[string]bool{}
	full := false
	for _, p := range parts {
		if p == "" || seenPart[p] {
			continue
		}
		seenPart[p] = true
		wordsOf(p, true, func(w string) {
			if full || (unique && seenWord[w]) {
				return
			}
			if b.Len()+len(w)+1 > maxColumnBytes {
				full = true
				return
			}
			if unique {
				seenWord[w] = true
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w)
		})
		if full {
			break
		}
	}
	return b.String()
}

// queryTerms turns a user's query into search terms: normalized words,
// lightly stemmed, without duplicates, at most maxTerms of them from the
// first maxQueryRunes characters. Punctuation, quotes, operators and SQL
// never reach the database as syntax: terms hold only letters and digits.
func queryTerms(q string) []string {
	if utf8.RuneCountInString(q) > maxQueryRunes {
		q = string([]rune(q)[:maxQueryRunes])
	}
	var terms []string
	seen := map[string]bool{}
	wordsOf(q, false, func(w string) {
		w = stem(w)
		if len(terms) < maxTerms && !seen[w] {
			seen[w] = true
			terms = append(terms, w)
		}
	})
	return terms
}

// stem strips common English plural endings so that, used as a prefix, the
// term matches singular and plural forms: "payments" → "payment",
// "policies" → "polic", "addresses" → "address", "apis" → "api". The result
// is always a prefix of w, so stripping too much ("status" → "statu") only
// widens the match; w itself always matches.
func stem(w string) string {
	n := utf8.RuneCountInString(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3]
	case n > 4 && (strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "xes") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes")):
		return w[:len(w)-2]
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		return w[:len(w)-1]
	}
	return w
}

// ftsMatch is the FTS5 MATCH expression for terms: every term a quoted
// prefix, all required ("payment"* "api"*). Quoting keeps FTS5 keywords
// such as OR, NOT or NEAR literal.
func ftsMatch(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"*`
	}
	return strings.Join(parts, " ")
}

// tsQuery is the to_tsquery('simple', …) text for terms: every term a
// prefix, all required (payment:* & api:*). Terms hold only letters and
// digits, so they cannot form tsquery operators.
func tsQuery(terms []string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = t + ":*"
	}
	return strings.Join(parts, " & ")
}
