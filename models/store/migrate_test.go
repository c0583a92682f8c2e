package store_test

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func TestMigrateBringsAFreshDatabaseToTheLatestVersion(t *testing.T) {
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			var dsn string
			if dialect == store.DialectPostgres {
				dsn = storetest.PostgresDSN(t)
			} else {
				dsn = filepath.Join(t.TempDir(), "fresh.db")
			}
			s, err := store.Open(ctx, store.Config{DSN: dsn})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.Dialect() != dialect {
				t.Errorf("Dialect() = %q, want %q", s.Dialect(), dialect)
			}
			current, latest, err := s.SchemaVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if current != 0 || latest < 1 {
				t.Fatalf("fresh database: SchemaVersion = %d, %d; want 0 and at least 1", current, latest)
			}
			for i := 0; i < 2; i++ { // the second run has nothing to do
				if err := s.Migrate(ctx); err != nil {
					t.Fatalf("Migrate run %d: %v", i+1, err)
				}
			}
			current, latest2, err := s.SchemaVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if current != latest || latest2 != latest {
				t.Errorf("after Migrate: SchemaVersion = %d, %d; want %d, %d", current, latest2, latest, latest)
			}
			if err := s.CheckModelColumnsForTest(ctx); err != nil {
				t.Errorf("gorm models and migrated schema disagree: %v", err)
			}
			if err := s.Ping(ctx); err != nil {
				t.Errorf("Ping: %v", err)
			}

			// Every migration can be rolled back, and applied again.
			if err := s.MigrateDownForTest(ctx); err != nil {
				t.Fatalf("migrate down: %v", err)
			}
			if current, _, err := s.SchemaVersion(ctx); err != nil || current != 0 {
				t.Fatalf("after rolling back: SchemaVersion = %d, %v; want 0", current, err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("migrate up again: %v", err)
			}
			if err := s.CheckModelColumnsForTest(ctx); err != nil {
				t.Errorf("after down and up: %v", err)
			}
		})
	}
}

// TestRoundTripEveryModel writes every stored type through the store and
// reads it back field by field, so gorm tags and SQL types cannot drift
// apart unnoticed.
func TestRoundTripEveryModel(t *testing.T) {
	clock := time.Date(2026, 11, 22, 9, 30, 15, 123456789, time.FixedZone("CET", 3600))
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenDialect(t, dialect, func() time.Time { return clock })
			want := clock.UTC().Truncate(time.Microsecond)

			sub, err := s.EnsureSubsidiary(ctx, models.Subsidiary{ID: 99, Slug: "bank", Name: "Meridian Bank", Description: "Retail & *corporate* banking — «ünïcode»", CreatedAt: time.Unix(1, 0)})
			if err != nil {
				t.Fatal(err)
			}
			if sub.ID == 99 || sub.ID == 0 || !sub.CreatedAt.Equal(want) {
				t.Errorf("EnsureSubsidiary took ID/CreatedAt from the caller or lost them: %+v", sub)
			}
			got, err := s.FindSubsidiary(ctx, "bank")
			if err != nil {
				t.Fatal(err)
			}
			assertEqual(t, "subsidiary", got, sub)

			settings := models.PortalSettings{GroupName: "Meridian Financial Group", GroupTagline: "Banking, insurance and markets APIs", GroupAbout: "# About\n\nWe are *three* companies."}
			if err := s.SavePortalSettings(ctx, settings); err != nil {
				t.Fatal(err)
			}
			gotSettings, err := s.PortalSettings(ctx)
			if err != nil {
				t.Fatal(err)
			}
			assertEqual(t, "portal settings", gotSettings, settings)

			imp := versionImport(fixture{
				api: "accounts", name: "Accounts", summary: "Balances and transactions", description: "## Accounts\n\nRead **balances**.",
				tags: []string{"Open Banking", "accounts"}, audience: models.AudiencePartner, featured: true,
				version: "2.1.0-rc.1", state: models.StateDeprecated, title: "Accounts API", versionDescription: "Version *notes*",
				ops: []models.OperationSummary{
					{Method: "get", Path: "/accounts", OperationID: "listAccounts", Summary: "List accounts", Tags: []string{"Accounts"}},
					{Method: "GET", Path: "/accounts/{id}/balances", OperationID: "getBalances", Summary: "Balances", Tags: []string{"Balances", "Accounts"}},
				},
			})
			imp.Files = append(imp.Files, models.SpecFile{Path: "schemas/account.yaml", Content: []byte("type: object\n")}, models.SpecFile{Path: "empty.yaml", Content: nil})
			imp.Warnings = []models.SpecWarning{{Code: "example-mismatch", Message: "example does not match", File: "openapi.json", Pointer: "/paths/~1accounts/get", Line: 12}}
			imp.Servers = []string{"https://api.meridian.example/v2", "https://sandbox.meridian.example/v2"}
			res, err := s.ImportVersion(ctx, "bank", imp)
			if err != nil {
				t.Fatal(err)
			}
			wantAPI := models.API{ID: res.API.ID, SubsidiaryID: sub.ID, Slug: "accounts", Name: "Accounts", Summary: imp.APISummary,
				Description: imp.APIDescription, Audience: models.AudiencePartner, Tags: imp.Tags, Featured: true, CreatedAt: want, UpdatedAt: want}
			assertEqual(t, "imported API", res.API, wantAPI)
			wantVersion := models.APIVersion{ID: res.Version.ID, APIID: res.API.ID, Version: "2.1.0-rc.1", Slug: "2.1.0-rc.1",
				State: models.StateDeprecated, OpenAPIVersion: "3.0.3", Format: "json", RootPath: "openapi.json",
				DocumentHash: imp.DocumentHash, Title: "Accounts API", Description: "Version *notes*", Servers: imp.Servers,
				Tags: []string{"Accounts", "Balances"}, OperationCount: 2, Warnings: imp.Warnings, CreatedAt: want, UpdatedAt: want}
			assertEqual(t, "imported version", res.Version, wantVersion)

			deprecated, sunset := want.Add(24*time.Hour), want.Add(90*24*time.Hour)
			if err := s.SetGatewayFieldsForTest(ctx, res.Version.ID, "/bank/accounts/v2", "http://upstream.internal:8080", deprecated, sunset); err != nil {
				t.Fatal(err)
			}
			wantVersion.BasePath, wantVersion.UpstreamURL = "/bank/accounts/v2", "http://upstream.internal:8080"
			wantVersion.DeprecatedAt, wantVersion.SunsetAt = &deprecated, &sunset

			product, v, err := s.FindVersion(ctx, "bank", "accounts", "2.1.0-rc.1")
			if err != nil {
				t.Fatal(err)
			}
			assertEqual(t, "found version", v, wantVersion)
			assertEqual(t, "product API", product.API, wantAPI)
			assertEqual(t, "product subsidiary", product.Subsidiary, sub)

			doc, err := s.VersionDocument(ctx, v.ID)
			if err != nil || !bytes.Equal(doc, imp.Document) {
				t.Errorf("VersionDocument = %q, %v; want %q", doc, err, imp.Document)
			}
			model, err := s.VersionRenderModel(ctx, v.ID)
			if err != nil || !bytes.Equal(model, imp.RenderModel) {
				t.Errorf("VersionRenderModel = %q, %v; want %q", model, err, imp.RenderModel)
			}
			files, err := s.VersionFiles(ctx, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != len(imp.Files) {
				t.Fatalf("VersionFiles returned %d files, want %d", len(files), len(imp.Files))
			}
			for i := range files {
				if files[i].Path != imp.Files[i].Path || !bytes.Equal(files[i].Content, imp.Files[i].Content) {
					t.Errorf("file %d = %s %q, want %s %q", i, files[i].Path, files[i].Content, imp.Files[i].Path, imp.Files[i].Content)
				}
			}
			newModel := []byte(`{"ModelVersion":2,"Title":"Accounts API"}`)
			if err := s.SaveRenderModel(ctx, v.ID, newModel); err != nil {
				t.Fatal(err)
			}
			if model, _ := s.VersionRenderModel(ctx, v.ID); !bytes.Equal(model, newModel) {
				t.Errorf("after SaveRenderModel: %q, want %q", model, newModel)
			}

			page, err := s.SearchCatalog(ctx, models.CatalogQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Entries) != 1 {
				t.Fatalf("catalog has %d entries, want 1", len(page.Entries))
			}
			entry := page.Entries[0]
			wantListed := wantVersion
			wantListed.Warnings = nil // lists leave the warnings out
			assertEqual(t, "catalog entry", entry, models.CatalogEntry{API: wantAPI, Subsidiary: sub, Current: wantListed, States: []models.State{models.StateDeprecated}, Versions: 1})
		})
	}
}

// assertEqual compares after normalizing time zones (PostgreSQL returns
// times in the session's zone, SQLite in the stored offset).
func assertEqual[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	g, w := normalizeTimes(reflect.ValueOf(&got).Elem()), normalizeTimes(reflect.ValueOf(&want).Elem())
	if !reflect.DeepEqual(g.Interface(), w.Interface()) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// normalizeTimes returns a copy of v with every time.Time in UTC.
func normalizeTimes(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	out.Set(v)
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			if tm, ok := v.Interface().(time.Time); ok {
				v.Set(reflect.ValueOf(tm.UTC()))
				return
			}
			for i := 0; i < v.NumField(); i++ {
				if v.Field(i).CanSet() {
					walk(v.Field(i))
				}
			}
		case reflect.Pointer:
			if !v.IsNil() {
				cp := reflect.New(v.Elem().Type())
				cp.Elem().Set(v.Elem())
				walk(cp.Elem())
				v.Set(cp)
			}
		case reflect.Slice:
			if !v.IsNil() {
				cp := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
				reflect.Copy(cp, v)
				for i := 0; i < cp.Len(); i++ {
					walk(cp.Index(i))
				}
				v.Set(cp)
			}
		}
	}
	walk(out)
	return out
}
