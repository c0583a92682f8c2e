package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func TestMain(m *testing.M) {
	code := storetest.Run(m)
	if benchPath != "" {
		os.RemoveAll(filepath.Dir(benchPath))
	}
	os.Exit(code)
}

// fixture describes one version to import; zero fields get defaults.
type fixture struct {
	api, name, summary, description string
	tags                            []string
	audience                        models.Audience
	featured                        bool
	version                         string
	state                           models.State
	title, versionDescription       string
	ops                             []models.OperationSummary
	document                        string // changes the hash
}

// versionImport builds the import a fixture stands for, as the openapi
// package would.
func versionImport(f fixture) models.VersionImport {
	if f.name == "" {
		f.name = strings.ToUpper(f.api[:1]) + f.api[1:] + " API"
	}
	if f.audience == "" {
		f.audience = models.AudiencePublic
	}
	if f.version == "" {
		f.version = "1.0.0"
	}
	if f.state == "" {
		f.state = models.StatePublished
	}
	if f.title == "" {
		f.title = f.name
	}
	doc := f.document
	if doc == "" {
		doc = fmt.Sprintf(`{"openapi":"3.0.3","info":{"title":%q,"version":%q},"paths":{}}`, f.title, f.version)
	}
	sum := sha256.Sum256([]byte(doc))
	return models.VersionImport{
		APISlug:        f.api,
		APIName:        f.name,
		APISummary:     f.summary,
		APIDescription: f.description,
		Audience:       f.audience,
		Tags:           f.tags,
		Featured:       f.featured,
		Version:        f.version,
		State:          f.state,
		OpenAPIVersion: "3.0.3",
		Format:         "json",
		RootPath:       "openapi.json",
		Files:          []models.SpecFile{{Path: "openapi.json", Content: []byte(doc)}},
		Document:       []byte(doc),
		DocumentHash:   hex.EncodeToString(sum[:]),
		Title:          f.title,
		Description:    f.versionDescription,
		Servers:        []string{"https://api.example.com/" + f.api},
		Operations:     f.ops,
		RenderModel:    []byte(`{"ModelVersion":1}`),
	}
}

// mustSubsidiary creates a subsidiary or fails the test.
func mustSubsidiary(t testing.TB, s *store.Store, slug, name string) models.Subsidiary {
	t.Helper()
	sub, err := s.EnsureSubsidiary(context.Background(), models.Subsidiary{Slug: slug, Name: name})
	if err != nil {
		t.Fatalf("EnsureSubsidiary(%s): %v", slug, err)
	}
	return sub
}

// mustImport imports a fixture or fails the test.
func mustImport(t testing.TB, s *store.Store, subsidiary string, f fixture) models.ImportResult {
	t.Helper()
	res, err := s.ImportVersion(context.Background(), subsidiary, versionImport(f))
	if err != nil {
		t.Fatalf("ImportVersion(%s/%s %s): %v", subsidiary, f.api, f.version, err)
	}
	return res
}

// wantKind fails the test unless err has the kind (and, when msg is not
// empty, exactly that user-facing message).
func wantKind(t testing.TB, err error, kind models.Kind, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("error = nil, want %s", kind)
	}
	if got := models.KindOf(err); got != kind {
		t.Fatalf("error kind = %s (%v), want %s", got, err, kind)
	}
	if msg != "" && models.MessageOf(err) != msg {
		t.Errorf("message = %q\nwant      %q", models.MessageOf(err), msg)
	}
}
