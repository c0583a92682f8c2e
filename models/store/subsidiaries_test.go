package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/portico/portico/models"
	"github.com/portico/portico/models/store"
	"github.com/portico/portico/models/store/storetest"
)

func TestEnsureSubsidiary(t *testing.T) {
	tests := []struct {
		name     string
		in       models.Subsidiary
		wantKind models.Kind // "" = success
		wantName string
		wantDesc string
	}{
		{"new subsidiary is created", models.Subsidiary{Slug: "insurance", Name: "Meridian Insurance", Description: "Cover"}, "", "Meridian Insurance", "Cover"},
		{"existing slug updates name and description", models.Subsidiary{Slug: "bank", Name: "Meridian Bank plc", Description: "New text"}, "", "Meridian Bank plc", "New text"},
		{"name is trimmed", models.Subsidiary{Slug: "securities", Name: "  Meridian Securities  "}, "", "Meridian Securities", ""},
		{"upper-case slug is invalid", models.Subsidiary{Slug: "Bank", Name: "Bank"}, models.Invalid, "", ""},
		{"slug with a slash is invalid", models.Subsidiary{Slug: "bank/../x", Name: "Bank"}, models.Invalid, "", ""},
		{"empty slug is invalid", models.Subsidiary{Slug: "", Name: "Bank"}, models.Invalid, "", ""},
		{"blank name is invalid", models.Subsidiary{Slug: "bank", Name: "   "}, models.Invalid, "", ""},
		{"overlong name is invalid", models.Subsidiary{Slug: "bank", Name: strings.Repeat("x", 201)}, models.Invalid, "", ""},
		{"SQL in the name is stored as text", models.Subsidiary{Slug: "odd", Name: "x'); DROP TABLE subsidiaries; --"}, "", "x'); DROP TABLE subsidiaries; --", ""},
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		original := mustSubsidiary(t, s, "bank", "Meridian Bank")
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.EnsureSubsidiary(ctx, tc.in)
				if tc.wantKind != "" {
					wantKind(t, err, tc.wantKind, "")
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if got.Slug != tc.in.Slug || got.Name != tc.wantName || got.Description != tc.wantDesc || got.ID == 0 {
					t.Errorf("EnsureSubsidiary = %+v, want slug %q name %q description %q", got, tc.in.Slug, tc.wantName, tc.wantDesc)
				}
				if tc.in.Slug == "bank" && (got.ID != original.ID || !got.CreatedAt.Equal(original.CreatedAt)) {
					t.Errorf("updating bank changed its identity: %+v, was %+v", got, original)
				}
				found, err := s.FindSubsidiary(ctx, tc.in.Slug)
				if err != nil || found.Name != tc.wantName {
					t.Errorf("FindSubsidiary after EnsureSubsidiary = %+v, %v", found, err)
				}
			})
		}
		subs, err := s.ListSubsidiaries(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, sub := range subs {
			names = append(names, sub.Subsidiary.Name)
		}
		if got := strings.Join(names, ", "); got != "Meridian Bank plc, Meridian Insurance, Meridian Securities, x'); DROP TABLE subsidiaries; --" {
			t.Errorf("ListSubsidiaries names = %s", got)
		}
	})
}

func TestFindSubsidiaryUnknownIsNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		_, err := s.FindSubsidiary(context.Background(), "nope")
		wantKind(t, err, models.NotFound, `subsidiary "nope" does not exist`)
	})
}

func TestListSubsidiariesCountsOnlyAPIsInTheCatalog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustSubsidiary(t, s, "bank", "Bank")
		mustSubsidiary(t, s, "insurance", "Insurance")
		mustSubsidiary(t, s, "securities", "Securities")
		mustImport(t, s, "bank", fixture{api: "accounts"})
		mustImport(t, s, "bank", fixture{api: "accounts", version: "2.0.0"})
		mustImport(t, s, "bank", fixture{api: "payments", state: models.StateRetired})
		mustImport(t, s, "bank", fixture{api: "cards", state: models.StateDraft})
		mustImport(t, s, "insurance", fixture{api: "claims", state: models.StateInReview})
		mustImport(t, s, "securities", fixture{api: "desk", audience: models.AudienceInternal})
		mustImport(t, s, "securities", fixture{api: "partners", audience: models.AudiencePartner})
		for _, tc := range []struct {
			name      string
			audiences []models.Audience
			want      map[string]int
		}{
			{"every audience", nil, map[string]int{"bank": 2, "insurance": 0, "securities": 2}},
			{"outside audiences", []models.Audience{models.AudiencePublic, models.AudiencePartner}, map[string]int{"bank": 2, "insurance": 0, "securities": 1}},
			{"internal only", []models.Audience{models.AudienceInternal}, map[string]int{"bank": 0, "insurance": 0, "securities": 1}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				subs, err := s.ListSubsidiaries(ctx, tc.audiences...)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]int{}
				for _, sub := range subs {
					got[sub.Subsidiary.Slug] = sub.APICount
				}
				for slug, n := range tc.want {
					if got[slug] != n {
						t.Errorf("%s lists %d APIs, want %d", slug, got[slug], n)
					}
				}
				if len(got) != len(tc.want) {
					t.Errorf("ListSubsidiaries = %v, want %v", got, tc.want)
				}
			})
		}
	})
}

func TestPortalSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		got, err := s.PortalSettings(ctx)
		if err != nil || got != (models.PortalSettings{}) {
			t.Fatalf("PortalSettings before any save = %+v, %v; want the zero value", got, err)
		}
		for _, want := range []models.PortalSettings{
			{GroupName: "Meridian", GroupTagline: "One", GroupAbout: "About"},
			{GroupName: "Meridian Financial Group", GroupTagline: "", GroupAbout: "Changed"},
		} {
			if err := s.SavePortalSettings(ctx, want); err != nil {
				t.Fatal(err)
			}
			if got, err := s.PortalSettings(ctx); err != nil || got != want {
				t.Errorf("PortalSettings = %+v, %v; want %+v", got, err, want)
			}
		}
		err = s.SavePortalSettings(ctx, models.PortalSettings{GroupName: strings.Repeat("n", 300)})
		wantKind(t, err, models.Invalid, "")
	})
}
