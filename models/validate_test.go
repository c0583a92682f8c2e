package models

import (
	"strings"
	"testing"
)

func validImport() VersionImport {
	return VersionImport{
		APISlug: "accounts", APIName: "Accounts", Audience: AudiencePublic, Tags: []string{"open-banking"},
		Version: "2.0.0", State: StatePublished, OpenAPIVersion: "3.1.0", Format: "yaml", RootPath: "openapi.yaml",
		Files:        []SpecFile{{Path: "openapi.yaml", Content: []byte("openapi: 3.1.0")}, {Path: "schemas/a.yaml"}},
		Document:     []byte("openapi: 3.1.0"),
		DocumentHash: strings.Repeat("ab", 32),
		Operations:   []OperationSummary{{Method: "GET", Path: "/accounts"}},
	}
}

func TestVersionImportValidate(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*VersionImport)
		wantMsg string // "" = valid; else the start of the message
		wantN   int    // number of problems
	}{
		{"complete import is valid", func(*VersionImport) {}, "", 0},
		{"empty version slug is derived later", func(i *VersionImport) { i.VersionSlug = "" }, "", 0},
		{"dated version slug", func(i *VersionImport) { i.Version, i.VersionSlug = "2020-08-27", "2020-08-27" }, "", 0},
		{"slug with capitals", func(i *VersionImport) { i.APISlug = "Accounts" }, `invalid import: API slug "Accounts" is not a valid slug`, 1},
		{"slug with a path", func(i *VersionImport) { i.APISlug = "../admin" }, `invalid import: API slug "../admin"`, 1},
		{"blank name", func(i *VersionImport) { i.APIName = "  " }, "invalid import: API name is required", 1},
		{"NUL in the name", func(i *VersionImport) { i.APIName = "Acc\x00ounts" }, "invalid import: API name contains a NUL character", 1},
		{"invalid UTF-8 in the summary", func(i *VersionImport) { i.APISummary = "\xff" }, "invalid import: API summary is not valid UTF-8", 1},
		{"unknown audience", func(i *VersionImport) { i.Audience = "" }, `invalid import: audience "" is not one of`, 1},
		{"unknown state", func(i *VersionImport) { i.State = "live" }, `invalid import: state "live"`, 1},
		{"too many tags", func(i *VersionImport) { i.Tags = make([]string, 51) }, "invalid import: API tags has 51 entries", 1},
		{"empty tag", func(i *VersionImport) { i.Tags = []string{""} }, "invalid import: API tags entry is required", 1},
		{"version slug with a slash", func(i *VersionImport) { i.VersionSlug = "1/2" }, `invalid import: version slug "1/2"`, 1},
		{"version without a usable slug", func(i *VersionImport) { i.Version, i.VersionSlug = "***", "" }, `invalid import: version "***" gives no usable URL segment`, 1},
		{"unknown format", func(i *VersionImport) { i.Format = "xml" }, `invalid import: format "xml"`, 1},
		{"no files", func(i *VersionImport) { i.Files = nil }, "invalid import: the bundle has no files (and 1 more problems)", 2},
		{"absolute file path", func(i *VersionImport) { i.Files[1].Path = "/etc/passwd" }, `invalid import: file path "/etc/passwd"`, 1},
		{"file path escaping the bundle", func(i *VersionImport) { i.Files[1].Path = "../secret" }, `invalid import: file path "../secret"`, 1},
		{"unclean file path", func(i *VersionImport) { i.Files[1].Path = "a/./b.yaml" }, `invalid import: file path "a/./b.yaml"`, 1},
		{"backslash file path", func(i *VersionImport) { i.Files[1].Path = `a\b.yaml` }, `invalid import: file path "a\\b.yaml"`, 1},
		{"duplicate file path", func(i *VersionImport) { i.Files[1].Path = "openapi.yaml" }, `invalid import: file path "openapi.yaml" appears twice`, 1},
		{"root outside the files", func(i *VersionImport) { i.RootPath = "main.yaml" }, `invalid import: root document "main.yaml"`, 1},
		{"empty document", func(i *VersionImport) { i.Document = nil }, "invalid import: the downloadable document is empty", 1},
		{"upper-case hash", func(i *VersionImport) { i.DocumentHash = strings.Repeat("AB", 32) }, "invalid import: document hash", 1},
		{"operation without a path", func(i *VersionImport) { i.Operations[0].Path = "" }, "invalid import: operation 1 has no method or path", 1},
		{"every problem is listed", func(i *VersionImport) { i.APISlug, i.APIName, i.State = "", "", "" }, "invalid import: API slug", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			imp := validImport()
			tc.edit(&imp)
			err := imp.Validate()
			if tc.wantMsg == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if KindOf(err) != Invalid {
				t.Fatalf("Validate() = %v, want an Invalid error", err)
			}
			if !strings.HasPrefix(MessageOf(err), tc.wantMsg) {
				t.Errorf("message = %q, want it to start with %q", MessageOf(err), tc.wantMsg)
			}
			if n := len(DetailsOf(err)); n != tc.wantN {
				t.Errorf("%d details %q, want %d", n, DetailsOf(err), tc.wantN)
			}
		})
	}
}

func TestSubsidiaryAndSettingsValidate(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		wantMsg string
	}{
		{"valid subsidiary", Subsidiary{Slug: "bank", Name: "Meridian Bank"}.Validate(), ""},
		{"subsidiary slug with a dash", Subsidiary{Slug: "retail-bank", Name: "Retail"}.Validate(), ""},
		{"subsidiary slug with double dash", Subsidiary{Slug: "retail--bank", Name: "Retail"}.Validate(), `invalid subsidiary: slug "retail--bank" is not a valid slug (lower case letters, digits and dashes, at most 64 characters, e.g. "retail-bank")`},
		{"subsidiary slug too long", Subsidiary{Slug: strings.Repeat("a", 65), Name: "A"}.Validate(), `invalid subsidiary: slug "` + strings.Repeat("a", 65) + `" is not a valid slug`},
		{"subsidiary without a name", Subsidiary{Slug: "bank"}.Validate(), "invalid subsidiary: name is required"},
		{"empty settings are valid", PortalSettings{}.Validate(), ""},
		{"overlong tagline", PortalSettings{GroupTagline: strings.Repeat("é", 1001)}.Validate(), "invalid portal settings: group tagline is 1001 characters long; the limit is 1000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.wantMsg == "" {
				if tc.err != nil {
					t.Fatalf("Validate() = %v, want nil", tc.err)
				}
				return
			}
			if KindOf(tc.err) != Invalid || !strings.HasPrefix(MessageOf(tc.err), tc.wantMsg) {
				t.Errorf("Validate() = %v (%s), want Invalid starting %q", tc.err, KindOf(tc.err), tc.wantMsg)
			}
		})
	}
}
