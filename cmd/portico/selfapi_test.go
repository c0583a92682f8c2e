package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/portico/portico/handlers/apidoc"
	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store/storetest"
	"github.com/portico/portico/openapi"
)

func TestListPorticoAPI_PublicInTheCatalogAndIdempotent(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))

	first, err := listPorticoAPI(ctx, st, openapi.DefaultLimits(), log)
	if err != nil {
		t.Fatal(err)
	}
	if !first.CreatedAPI || first.Unchanged || first.Version.State != models.StatePublished {
		t.Errorf("first listing = created %v, unchanged %v, state %s", first.CreatedAPI, first.Unchanged, first.Version.State)
	}
	// A restart lists it again: nothing changes.
	again, err := listPorticoAPI(ctx, st, openapi.DefaultLimits(), log)
	if err != nil || !again.Unchanged || again.Version.ID != first.Version.ID {
		t.Errorf("second listing = %+v, %v; want unchanged", again, err)
	}

	// Anonymous visitors find it in the catalog.
	page, err := st.SearchCatalog(ctx, models.CatalogQuery{Q: "subscriptions", Audiences: []models.Audience{models.AudiencePublic, models.AudiencePartner}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range page.Entries {
		found = found || (e.Subsidiary.Slug == platformSlug && e.API.Slug == porticoAPI && e.API.Audience == models.AudiencePublic)
	}
	if !found {
		t.Errorf("catalog search does not list %s/%s: %+v", platformSlug, porticoAPI, page.Entries)
	}
	p, err := st.FindAPIProduct(ctx, platformSlug, porticoAPI)
	if err != nil || p.API.Name != "Portico API" {
		t.Errorf("product = %q, %v", p.API.Name, err)
	}
	if strings.Contains(logs.String(), "changed") {
		t.Errorf("unexpected warning: %s", logs.String())
	}

}

func TestListPorticoAPI_AChangedDocumentUnderTheSameVersionDoesNotStopServe(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	if _, err := st.EnsureSubsidiary(ctx, platformSubsidiary); err != nil {
		t.Fatal(err)
	}
	// What an older binary stored under the same info.version.
	older := strings.Replace(string(apidoc.YAML), "title: Portico API", "title: Portico API (older)", 1)
	imp, err := openapi.PrepareImport(ctx, openapi.SingleFile("portico-openapi.yaml", []byte(older)), openapi.ImportOptions{APISlug: porticoAPI})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportVersion(ctx, platformSlug, imp); err != nil {
		t.Fatal(err)
	}
	if _, err := listPorticoAPI(ctx, st, openapi.DefaultLimits(), log); err != nil {
		t.Fatalf("listPorticoAPI = %v, want the conflict logged, not returned", err)
	}
	if !strings.Contains(logs.String(), "without a new info.version") {
		t.Errorf("logs = %q, want a warning", logs.String())
	}
}

func TestServeDemoListsPorticoAPI(t *testing.T) {
	s := startServe(t, "--demo")
	resp, err := http.Get(s.URL + "/api/v1/apis?subsidiary=" + platformSlug)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Items []struct {
			API      string `json:"api"`
			Audience string `json:"audience"`
			Links    struct {
				Reference string `json:"reference"`
			} `json:"links"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].API != porticoAPI || page.Items[0].Audience != "public" {
		t.Fatalf("platform APIs = %+v, want the public Portico API", page.Items)
	}
	ref, err := http.Get(page.Items[0].Links.Reference) // absolute, made with the public URL
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(ref.Body)
	ref.Body.Close()
	if ref.StatusCode != http.StatusOK || !strings.Contains(string(body), "/api/v1/applications") {
		t.Errorf("reference page = %d, want the operations of the document", ref.StatusCode)
	}
}
