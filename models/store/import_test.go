package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

// tableCounts returns the number of rows of the tables an import writes.
func tableCounts(t *testing.T, s *store.Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range []string{"apis", "api_versions", "api_version_documents", "api_version_files", "api_operations", "catalog_entries", "catalog_tags", "catalog_search"} {
		n, err := s.CountForTest(context.Background(), table)
		if err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func TestImportVersionOutcomes(t *testing.T) {
	base := fixture{api: "accounts", version: "2.0.0", ops: []models.OperationSummary{{Method: "GET", Path: "/accounts", Summary: "List accounts"}}}
	changed := base
	changed.document = `{"openapi":"3.0.3","info":{"title":"Accounts","version":"2.0.0"},"paths":{"/new":{}}}`
	tests := []struct {
		name          string
		subsidiary    string
		imp           func() models.VersionImport
		wantKind      models.Kind // "" = success
		wantMsg       string
		wantUnchanged bool
	}{
		{"same document again is unchanged", "bank", func() models.VersionImport { return versionImport(base) }, "", "", true},
		{"different document under an existing version is refused", "bank", func() models.VersionImport { return versionImport(changed) }, models.Conflict,
			"bank/accounts version 2.0.0 already exists with a different document; versions are immutable — change info.version to publish a new one", false},
		{"unknown subsidiary is not found", "nope", func() models.VersionImport { return versionImport(fixture{api: "cards"}) }, models.NotFound,
			`subsidiary "nope" does not exist`, false},
		{"invalid API slug", "bank", func() models.VersionImport { return versionImport(fixture{api: "Cards API"}) }, models.Invalid, "", false},
		{"unknown state", "bank", func() models.VersionImport {
			imp := versionImport(fixture{api: "cards"})
			imp.State = "live"
			return imp
		}, models.Invalid, "", false},
		{"unknown audience", "bank", func() models.VersionImport {
			imp := versionImport(fixture{api: "cards"})
			imp.Audience = "everyone"
			return imp
		}, models.Invalid, "", false},
		{"file escaping the bundle", "bank", func() models.VersionImport {
			imp := versionImport(fixture{api: "cards"})
			imp.Files = append(imp.Files, models.SpecFile{Path: "../../etc/passwd", Content: []byte("x")})
			return imp
		}, models.Invalid, "", false},
		{"root document missing from the bundle", "bank", func() models.VersionImport {
			imp := versionImport(fixture{api: "cards"})
			imp.RootPath = "other.yaml"
			return imp
		}, models.Invalid, "", false},
		{"hash that is not a SHA-256", "bank", func() models.VersionImport {
			imp := versionImport(fixture{api: "cards"})
			imp.DocumentHash = "abc' OR 1=1 --"
			return imp
		}, models.Invalid, "", false},
		{"empty version", "bank", func() models.VersionImport {
			imp := versionImport(fixture{api: "cards"})
			imp.Version, imp.VersionSlug = " ", ""
			return imp
		}, models.Invalid, "", false},
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		first := mustImport(t, s, "bank", base)
		if !first.CreatedAPI || first.Unchanged || first.Subsidiary != "bank" || first.Version.Slug != "2.0.0" {
			t.Fatalf("first import = %+v, want a created API and version", first)
		}
		before := tableCounts(t, s)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res, err := s.ImportVersion(ctx, tc.subsidiary, tc.imp())
				if tc.wantKind != "" {
					wantKind(t, err, tc.wantKind, tc.wantMsg)
				} else if err != nil {
					t.Fatal(err)
				}
				if res.Unchanged != tc.wantUnchanged {
					t.Errorf("Unchanged = %v, want %v", res.Unchanged, tc.wantUnchanged)
				}
				if tc.wantUnchanged && (res.Version.ID != first.Version.ID || res.API.ID != first.API.ID || res.CreatedAPI) {
					t.Errorf("unchanged import returned %+v, want the stored version %d", res, first.Version.ID)
				}
				if after := tableCounts(t, s); !equalCounts(after, before) {
					t.Errorf("rows changed: before %v, after %v", before, after)
				}
			})
		}
	})
}

func equalCounts(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestImportVersionRefreshesTheAPIFromItsNewestListedVersion imports
// versions out of order; the API shows the texts of its newest listed one.
func TestImportVersionRefreshesTheAPIFromItsNewestListedVersion(t *testing.T) {
	steps := []struct {
		name        string
		version     string
		state       models.State
		wantName    string // the API's name after the import
		wantFeature bool
		wantCurrent string // the catalog's current version after the import
	}{
		{"first version creates the API", "1.0.0", models.StatePublished, "Accounts 1.0.0", false, "1.0.0"},
		{"newer version refreshes it", "2.0.0", models.StatePublished, "Accounts 2.0.0", true, "2.0.0"},
		{"older version does not", "1.10.0", models.StatePublished, "Accounts 2.0.0", true, "2.0.0"},
		{"newer draft does not", "3.0.0", models.StateDraft, "Accounts 2.0.0", true, "2.0.0"},
		{"newer deprecated version refreshes texts but published stays current", "2.1.0", models.StateDeprecated, "Accounts 2.1.0", false, "2.0.0"},
		{"newer in-review does not", "4.0.0", models.StateInReview, "Accounts 2.1.0", false, "2.0.0"},
		{"newest published becomes current", "2.2.0", models.StatePublished, "Accounts 2.2.0", true, "2.2.0"},
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		for _, st := range steps {
			featured := st.version == "2.0.0" || st.version == "2.2.0" || st.version == "3.0.0" || st.version == "4.0.0"
			mustImport(t, s, "bank", fixture{api: "accounts", name: "Accounts " + st.version, summary: "Summary " + st.version,
				tags: []string{"v" + st.version}, version: st.version, state: st.state, featured: featured})
			p, err := s.FindAPIProduct(ctx, "bank", "accounts")
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if p.API.Name != st.wantName || p.API.Featured != st.wantFeature || p.API.Summary != "Summary "+strings.TrimPrefix(st.wantName, "Accounts ") {
				t.Errorf("%s: API = %q featured=%v summary=%q; want %q featured=%v", st.name, p.API.Name, p.API.Featured, p.API.Summary, st.wantName, st.wantFeature)
			}
			page, err := s.SearchCatalog(ctx, models.CatalogQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Entries) != 1 || page.Entries[0].Current.Version != st.wantCurrent {
				t.Errorf("%s: catalog = %+v, want current version %s", st.name, page.Entries, st.wantCurrent)
			}
		}
		p, err := s.FindAPIProduct(ctx, "bank", "accounts")
		if err != nil {
			t.Fatal(err)
		}
		var versions []string
		for _, v := range p.Versions {
			versions = append(versions, v.Version)
		}
		if got := strings.Join(versions, " "); got != "2.2.0 2.1.0 2.0.0 1.10.0 1.0.0" {
			t.Errorf("product versions = %s, want listed versions newest first", got)
		}
	})
}

// TestImportVersionIsAllOrNothing makes the database itself refuse the last
// row of an import and checks that nothing of it remains.
func TestImportVersionIsAllOrNothing(t *testing.T) {
	triggers := map[string][]string{
		store.DialectSQLite: {`CREATE TRIGGER boom BEFORE INSERT ON api_operations WHEN NEW.path = '/boom'
			BEGIN SELECT RAISE(ABORT, 'boom'); END`},
		store.DialectPostgres: {
			`CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.path = '/boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$`,
			`CREATE TRIGGER boom BEFORE INSERT ON api_operations FOR EACH ROW EXECUTE FUNCTION boom()`,
		},
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, sql := range triggers[s.Dialect()] {
			if err := s.ExecForTest(ctx, sql); err != nil {
				t.Fatal(err)
			}
		}
		mustSubsidiary(t, s, "bank", "Bank")
		mustImport(t, s, "bank", fixture{api: "accounts", name: "Accounts", ops: []models.OperationSummary{{Method: "GET", Path: "/accounts"}}})
		before := tableCounts(t, s)

		boom := []models.OperationSummary{{Method: "GET", Path: "/fine"}, {Method: "POST", Path: "/boom"}}
		for _, f := range []fixture{
			{api: "payments", name: "Payments", ops: boom},                           // a new API
			{api: "accounts", name: "Accounts Renamed", version: "2.0.0", ops: boom}, // a newer version of an existing one
		} {
			_, err := s.ImportVersion(ctx, "bank", versionImport(f))
			if err == nil || models.KindOf(err) != models.Internal || models.MessageOf(err) != "Something went wrong." {
				t.Fatalf("import %s with a failing insert: err = %v, want an Internal error", f.api, err)
			}
			if after := tableCounts(t, s); !equalCounts(after, before) {
				t.Errorf("failed import of %s left rows: before %v, after %v", f.api, before, after)
			}
		}
		p, err := s.FindAPIProduct(ctx, "bank", "accounts")
		if err != nil || p.API.Name != "Accounts" || len(p.Versions) != 1 {
			t.Errorf("after failed imports: %+v, %v; want the original API with one version", p, err)
		}
		if _, err := s.FindAPIProduct(ctx, "bank", "payments"); models.KindOf(err) != models.NotFound {
			t.Errorf("FindAPIProduct(payments) after its failed import: %v, want NotFound", err)
		}
	})
}

// TestImportVersionTimestampsComeFromTheClock pins the store's clock.
func TestImportVersionTimestampsComeFromTheClock(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
			s := storetest.OpenDialect(t, dialect, func() time.Time { return now })
			mustSubsidiary(t, s, "bank", "Bank")
			first := mustImport(t, s, "bank", fixture{api: "accounts"})
			now = now.Add(time.Hour)
			second := mustImport(t, s, "bank", fixture{api: "accounts", version: "2.0.0"})
			if !first.API.CreatedAt.Equal(now.Add(-time.Hour)) || !second.API.CreatedAt.Equal(first.API.CreatedAt) {
				t.Errorf("API created at %v then %v, want %v both times", first.API.CreatedAt, second.API.CreatedAt, now.Add(-time.Hour))
			}
			if !second.API.UpdatedAt.Equal(now) || !second.Version.CreatedAt.Equal(now) {
				t.Errorf("refresh at %v: API updated %v, version created %v", now, second.API.UpdatedAt, second.Version.CreatedAt)
			}
		})
	}
}
