// Package demo holds Portico's demo data: the fictional Meridian Financial
// Group, its subsidiaries and the OpenAPI documents of their APIs, loaded by
// `portico serve --demo`.
//
// It is a package of its own because it is content, not code of any layer:
// the documents are embedded in the binary, and loading them goes through the
// same import path as a publisher's upload (a Preparer from package openapi
// and the store's ImportVersion, wired in cmd). It imports only models.
package demo

import (
	"context"
	"embed"
	"fmt"
	"path"

	"github.com/portico/portico/models"
)

//go:embed specs
var specs embed.FS

// Preparer turns a document into a VersionImport. cmd satisfies it with a
// small adapter around openapi.PrepareImport; name is the document's file
// name (for example "accounts-2.1.0.yaml"), which tells its format.
type Preparer func(ctx context.Context, name string, data []byte) (models.VersionImport, error)

// Store is what loading the demo needs from persistence. *store.Store
// satisfies it.
type Store interface {
	EnsureSubsidiary(ctx context.Context, sub models.Subsidiary) (models.Subsidiary, error)
	SavePortalSettings(ctx context.Context, p models.PortalSettings) error
	ImportVersion(ctx context.Context, subsidiary string, imp models.VersionImport) (models.ImportResult, error)
}

// Summary reports what Load did.
type Summary struct {
	Subsidiaries int // subsidiaries ensured
	Versions     int // API versions imported, new or unchanged
	Created      int // API versions that were new or changed (not Unchanged)
}

// File is one embedded demo document.
type File struct {
	Subsidiary string // slug of the subsidiary that publishes it
	Name       string // file name, for example "accounts-2.1.0.yaml"
	Data       []byte // the document as written
}

// manifest lists the documents in load order. Within an API, versions that
// are not in the catalog (draft, in review) come first and the current
// published version comes last, so the API product's name, summary and
// description end up taken from the version the catalog shows.
var manifest = []struct{ subsidiary, name string }{
	{"bank", "accounts-1.4.0.yaml"},
	{"bank", "accounts-2.1.0.yaml"},
	{"bank", "payments-1.0.0.json"},
	{"bank", "payments-2.0.0.yaml"},
	{"bank", "cards-1.3.0.json"},
	{"bank", "cards-1.2.0.json"},
	{"bank", "fx-rates-1.0.0.yaml"},
	{"bank", "customer-onboarding-1.0.0.json"},
	{"insurance", "quotes-1.0.0.yaml"},
	{"insurance", "claims-1.1.0.yaml"},
	{"securities", "market-data-3.1.0-beta.yaml"},
	{"securities", "market-data-3.0.0.yaml"},
	{"securities", "trading-1.0.0.json"},
}

// Files returns the embedded demo documents in load order.
func Files() []File {
	files := make([]File, 0, len(manifest))
	for _, m := range manifest {
		data, err := specs.ReadFile(path.Join("specs", m.subsidiary, m.name))
		if err != nil {
			// The manifest and the embedded tree are both compiled in;
			// TestManifestMatchesEmbeddedFiles keeps them in step.
			panic(fmt.Sprintf("demo: %s/%s is in the manifest but not embedded", m.subsidiary, m.name))
		}
		files = append(files, File{Subsidiary: m.subsidiary, Name: m.name, Data: data})
	}
	return files
}

// Settings returns the portal-wide texts of the demo group.
func Settings() models.PortalSettings {
	return models.PortalSettings{
		GroupName:    "Meridian Financial Group",
		GroupTagline: "Banking, insurance and investments, open to build on.",
		GroupAbout: `Meridian Financial Group is a bank holding company serving 4.2 million personal and
business customers through three regulated subsidiaries: **Meridian Bank**, **Meridian
Insurance** and **Meridian Securities**.

This portal is the single front door to the group's APIs:

- **Open Banking** APIs (account information and payment initiation) for authorised
  third-party providers, as regulation requires — and better documented than it requires.
- **Product** APIs for partners: insurance quotes for brokers and comparison sites,
  market data and trading for wealth platforms.
- **Internal** APIs that group teams reuse instead of rebuilding, such as customer
  onboarding and KYC.

Every API is described with OpenAPI, tried in a sandbox with test data, and called through
the Meridian API gateway with your application's ` + "`X-App-Id` and `X-App-Key`" + `.`,
	}
}

// Subsidiaries returns the demo subsidiaries: bank, insurance and securities.
func Subsidiaries() []models.Subsidiary {
	return []models.Subsidiary{
		{
			Slug: "bank",
			Name: "Meridian Bank",
			Description: `Meridian Bank is the group's UK retail and business bank: current and savings
accounts, cards, payments and foreign exchange for 3.6 million customers.

Its APIs cover **Open Banking** account information and payment initiation (for
authorised TPPs), card controls, FX rates, and the group's customer onboarding and KYC
service, which Meridian Bank's Financial Crime team runs for every subsidiary.`,
		},
		{
			Slug: "insurance",
			Name: "Meridian Insurance",
			Description: `Meridian Insurance underwrites motor and home insurance for 540,000 policyholders.

Brokers and price-comparison partners use its APIs to **quote and bind** policies in
seconds; customers' apps use them to **report a claim** (first notification of loss)
with photos and documents, and to follow it to settlement.`,
		},
		{
			Slug: "securities",
			Name: "Meridian Securities",
			Description: `Meridian Securities is the group's execution-only broker and market-data
provider on the London Stock Exchange and major European venues.

Wealth platforms and fintechs use its APIs for **real-time and historical market data**
and to **place and manage orders** for their clients' portfolios.`,
		},
	}
}

// Load creates the group settings, the subsidiaries and every demo API
// version, in that order. It is idempotent, so it runs at every
// `serve --demo` start: documents already stored unchanged are no-ops. It
// stops at the first error, wrapped with the document's name; what was
// stored before it stays stored.
func Load(ctx context.Context, st Store, prepare Preparer) (Summary, error) {
	var sum Summary
	if err := st.SavePortalSettings(ctx, Settings()); err != nil {
		return sum, fmt.Errorf("load demo: save portal settings: %w", err)
	}
	for _, sub := range Subsidiaries() {
		if _, err := st.EnsureSubsidiary(ctx, sub); err != nil {
			return sum, fmt.Errorf("load demo: subsidiary %s: %w", sub.Slug, err)
		}
		sum.Subsidiaries++
	}
	for _, f := range Files() {
		imp, err := prepare(ctx, f.Name, f.Data)
		if err != nil {
			return sum, fmt.Errorf("load demo: prepare %s/%s: %w", f.Subsidiary, f.Name, err)
		}
		res, err := st.ImportVersion(ctx, f.Subsidiary, imp)
		if err != nil {
			return sum, fmt.Errorf("load demo: import %s/%s: %w", f.Subsidiary, f.Name, err)
		}
		sum.Versions++
		if !res.Unchanged {
			sum.Created++
		}
	}
	return sum, nil
}
