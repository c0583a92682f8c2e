package views

import (
	"slices"
	"testing"
)

func TestAuditFields(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []AuditField
	}{
		{"object fields sorted, strings unquoted", `{"role":"publisher","domain":"bank","roles":["a","b"],"n":3}`,
			[]AuditField{{"domain", "bank"}, {"n", "3"}, {"role", "publisher"}, {"roles", `["a","b"]`}}},
		{"not JSON shows as is", `not json`, []AuditField{{"", "not json"}}},
		{"an array shows as is", `[1,2]`, []AuditField{{"", "[1,2]"}}},
		{"an empty object shows as is", `{}`, []AuditField{{"", "{}"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := auditFields(tc.raw); !slices.Equal(got, tc.want) {
				t.Errorf("auditFields(%q) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}
