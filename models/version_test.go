package models

import (
	"slices"
	"testing"
)

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want int
	}{
		{"equal strings are equal", "1.2.3", "1.2.3", 0},
		{"numeric minor beats lexical order", "1.10.0", "1.9.0", 1},
		{"major dominates", "2.0.0", "1.99.99", 1},
		{"leading v is ignored", "v2.1.0", "2.0.0", 1},
		{"two components compare with three", "1.2", "1.10.0", -1},
		{"release is newer than its release candidate", "1.0.0", "1.0.0-rc.1", 1},
		{"numeric pre-release identifiers compare numerically", "1.0.0-rc.10", "1.0.0-rc.9", 1},
		{"alpha is older than beta", "1.0.0-alpha", "1.0.0-beta", -1},
		{"numeric identifier ranks below alphanumeric", "1.0.0-alpha.1", "1.0.0-alpha.beta", -1},
		{"longer pre-release wins a tie", "1.0.0-alpha.1", "1.0.0-alpha", 1},
		{"same version spelled differently is ordered but not equal", "1.0", "1.0.0", -1},
		{"build metadata breaks ties naturally", "1.0.0+build.10", "1.0.0+build.2", 1},
		{"dates order chronologically", "2020-08-27", "2021-01-05", -1},
		{"dates within a year", "2022-11-15", "2022-08-01", 1},
		{"natural order for v-numbers", "v2", "v10", -1},
		{"natural order ignores case", "Beta", "alpha", 1},
		{"case breaks ties", "RC", "rc", -1},
		{"empty is oldest", "", "1.0", -1},
		{"long digit runs do not overflow", "1.99999999999999999999999", "1.100000000000000000000000", -1},
		{"leading zeros compare by value", "2020.01", "2020.1", -1},
		{"plain integers", "10", "9", 1},
		{"semver against date falls back to natural", "1.0.0", "2020-08-27", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CompareVersions(tc.a, tc.b); got != tc.want {
				t.Errorf("CompareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
			if got := CompareVersions(tc.b, tc.a); got != -tc.want {
				t.Errorf("CompareVersions(%q, %q) = %d, want %d (antisymmetry)", tc.b, tc.a, got, -tc.want)
			}
		})
	}
}

func TestCompareVersionsSortsSemverPrecedence(t *testing.T) {
	// The precedence example of semver.org §11, shuffled.
	want := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "1.10.0", "2.0.0"}
	got := []string{"1.10.0", "1.0.0-beta.11", "2.0.0", "1.0.0", "1.0.0-alpha.beta", "1.0.1", "1.0.0-rc.1", "1.0.0-alpha", "1.1.0", "1.0.0-beta", "1.0.0-alpha.1", "1.0.0-beta.2"}
	slices.SortFunc(got, CompareVersions)
	if !slices.Equal(got, want) {
		t.Errorf("sorted = %q\nwant     %q", got, want)
	}
}
