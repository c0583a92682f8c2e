package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

// The benchmark catalog: 1,000 APIs × 5 versions across 3 subsidiaries,
// with names, summaries, descriptions, tags and a dozen operations per
// version written from a banking vocabulary.
const (
	benchAPIs     = 1000
	benchVersions = 5
)

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

// benchCatalog seeds the benchmark catalog once per test binary into a
// SQLite file and returns its path. Set PORTICO_BENCH_DB to a file path to
// keep the seeded file and reuse it in later runs.
func benchCatalog(b *testing.B) string {
	b.Helper()
	if keep := os.Getenv("PORTICO_BENCH_DB"); keep != "" {
		if _, err := os.Stat(keep); err == nil {
			return keep
		}
		if err := seedBench(keep); err != nil {
			os.Remove(keep)
			b.Fatal(err)
		}
		return keep
	}
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "portico-bench-")
		if err != nil {
			benchErr = err
			return
		}
		benchPath = filepath.Join(dir, "portico.db")
		benchErr = seedBench(benchPath)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

var (
	benchDomains = []string{"Accounts", "Payments", "Cards", "Loans", "Mortgages", "FX Rates", "Savings", "Deposits",
		"Claims", "Policies", "Quotes", "Premiums", "Market Data", "Orders", "Portfolios", "Trades", "Customer Onboarding",
		"KYC", "Notifications", "Statements", "Direct Debits", "Standing Orders", "Beneficiaries", "Consents", "Fraud Signals"}
	benchQualifiers = []string{"Retail", "Corporate", "SME", "Instant", "Cross-border", "Mobile", "Partner", "Private Banking",
		"Wealth", "Treasury", "Open Banking", "Group", "Motor", "Home", "Life", "Travel", "Equities", "Bonds", "Funds", "Derivatives",
		"Sandbox", "Realtime", "Batch", "Legacy", "Digital", "Branch", "ATM", "Merchant", "Payroll", "Escrow", "Custody", "Pensions",
		"Leasing", "Factoring", "Trade Finance", "Green", "Student", "Premium", "Business", "Family"}
	benchTags  = []string{"open-banking", "psd2", "payments", "accounts", "cards", "lending", "insurance", "claims", "markets", "trading", "fx", "onboarding", "kyc", "notifications", "reporting", "sandbox", "partner", "internal", "realtime", "batch", "sepa", "swift", "iso20022", "fapi", "oauth2", "webhooks", "pricing", "risk", "compliance", "esg"}
	benchWords = []string{"balance", "transaction", "customer", "consent", "mandate", "transfer", "instant", "settlement", "clearing",
		"statement", "authorisation", "beneficiary", "limit", "exposure", "premium", "policyholder", "underwriting", "quote", "claim",
		"instrument", "price", "order", "execution", "portfolio", "valuation", "currency", "rate", "schedule", "repayment", "interest",
		"identity", "document", "verification", "notification", "webhook", "subscription", "report", "reconciliation", "refund", "chargeback"}
	benchVerbs = []string{"List", "Get", "Create", "Update", "Cancel", "Search", "Approve", "Reject", "Submit", "Download"}
)

func sentence(r *rand.Rand, n int) string {
	words := make([]string, n)
	for i := range words {
		words[i] = benchWords[r.IntN(len(benchWords))]
	}
	s := strings.Join(words, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func seedBench(dsn string) error {
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{DSN: dsn})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		return err
	}
	subs := []string{"bank", "insurance", "securities"}
	for _, sub := range subs {
		if _, err := s.EnsureSubsidiary(ctx, models.Subsidiary{Slug: sub, Name: "Meridian " + strings.ToUpper(sub[:1]) + sub[1:]}); err != nil {
			return err
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	states := []models.State{models.StateRetired, models.StateDeprecated, models.StatePublished, models.StatePublished, models.StatePublished}
	for i := 0; i < benchAPIs; i++ {
		domain := benchDomains[i%len(benchDomains)]
		qualifier := benchQualifiers[(i/len(benchDomains))%len(benchQualifiers)]
		name := qualifier + " " + domain
		resource := strings.ToLower(strings.ReplaceAll(domain, " ", "-"))
		tags := []string{benchTags[r.IntN(len(benchTags))], benchTags[r.IntN(len(benchTags))]}
		if tags[0] == tags[1] {
			tags = tags[:1]
		}
		// Operation tags group a document's operations; an API keeps most of
		// them from version to version.
		docTags := make([]string, 4+r.IntN(4))
		for k := range docTags {
			w := benchWords[r.IntN(len(benchWords))]
			docTags[k] = strings.ToUpper(w[:1]) + w[1:]
		}
		for v := 0; v < benchVersions; v++ {
			if v == 3 {
				docTags = append(docTags, "Batch "+docTags[0])
			}
			state := states[v]
			if v == benchVersions-1 && i%7 == 0 {
				state = models.StateDraft
			}
			var ops []models.OperationSummary
			for k := 0; k < 12; k++ {
				verb := benchVerbs[k%len(benchVerbs)]
				noun := benchWords[r.IntN(len(benchWords))]
				ops = append(ops, models.OperationSummary{
					Method:      []string{"GET", "POST", "PUT", "DELETE"}[k%4],
					Path:        fmt.Sprintf("/v%d/%s/{%sId}/%ss", v+1, resource, noun, noun),
					OperationID: strings.ToLower(verb) + strings.ToUpper(noun[:1]) + noun[1:] + fmt.Sprint(k),
					Summary:     verb + " " + noun + "s of " + strings.ToLower(domain),
					Tags:        []string{docTags[k%len(docTags)]},
				})
			}
			f := fixture{
				api: models.Slugify(name), name: name, summary: name + ": " + sentence(r, 8),
				description: "## " + name + "\n\n" + sentence(r, 40) + "\n\n" + sentence(r, 40),
				tags:        tags, audience: models.Audiences[i%3], featured: i%50 == 0,
				version: fmt.Sprintf("1.%d.0", v), state: state, title: name + " API",
				versionDescription: sentence(r, 30), ops: ops,
			}
			if _, err := s.ImportVersion(ctx, subs[i%3], versionImport(f)); err != nil {
				return fmt.Errorf("seed %s %s: %w", f.api, f.version, err)
			}
		}
	}
	return nil
}

// processCPU returns the CPU time this process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds the CPU time per operation since start as "cpu-ns/op". On
// a machine shared with other work, wall-clock ns/op includes time spent
// waiting for a core; cpu-ns/op is what one request costs.
func reportCPU(b *testing.B, start time.Duration) {
	if n := b.N; n > 0 {
		b.ReportMetric(float64(processCPU()-start)/float64(n), "cpu-ns/op")
	}
}

// BenchmarkSearchCatalog measures catalog requests on a SQLite file holding
// 5,000 API versions (1,000 APIs). Target: ≤ 20 ms per request.
func BenchmarkSearchCatalog(b *testing.B) {
	benchSearch(b, benchCatalog(b))
}

// BenchmarkPostgresSearchCatalog is BenchmarkSearchCatalog on a fresh
// database of the test PostgreSQL server (seeding takes a minute or two).
func BenchmarkPostgresSearchCatalog(b *testing.B) {
	dsn := storetest.PostgresDSN(b)
	if err := seedBench(dsn); err != nil {
		b.Fatal(err)
	}
	benchSearch(b, dsn)
}

func benchSearch(b *testing.B, dsn string) {
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{DSN: dsn})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	cases := []struct {
		name string
		q    models.CatalogQuery
	}{
		{"list page 1", models.CatalogQuery{}},
		{"q=payments", models.CatalogQuery{Q: "payments"}},
		{"q=two terms", models.CatalogQuery{Q: "instant transfer"}},
		{"q+filters", models.CatalogQuery{Q: "balance", Subsidiary: "bank", Tag: "payments", State: models.StatePublished, Audience: models.AudiencePublic}},
		{"filters only", models.CatalogQuery{Subsidiary: "insurance", State: models.StateDeprecated}},
		{"deep page", models.CatalogQuery{Page: 80, PerPage: 12}},
	}
	for _, tc := range cases {
		page, err := s.SearchCatalog(ctx, tc.q)
		if err != nil {
			b.Fatal(err)
		}
		if len(page.Entries) == 0 {
			b.Fatalf("%s: no entries (total %d); the benchmark would measure nothing", tc.name, page.Total)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				if _, err := s.SearchCatalog(ctx, tc.q); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
	b.Run("featured", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.ListFeatured(ctx, 6); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("product page", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.FindAPIProduct(ctx, "bank", "retail-accounts"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
