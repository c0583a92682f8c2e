package models

import (
	"regexp"
	"strings"
)

// semverLike matches versions with at least two dotted numeric components,
// an optional leading "v", an optional pre-release and optional build
// metadata: "1.2", "v2.10.0", "1.0.0-rc.1+build.5". Dates such as
// "2020-08-27" do not match and are ordered naturally instead.
var semverLike = regexp.MustCompile(`^[vV]?(\d+(?:\.\d+)+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$`)

// CompareVersions orders two info.version strings: it returns -1 when a is
// older than b, +1 when a is newer and 0 when they are the same string.
//
// Versions that look like semantic versions are compared as such ("1.10.0" is
// newer than "1.9.0", "1.0.0-beta" is older than "1.0.0"). Anything else is
// compared in natural order: runs of digits by their numeric value, other
// text case-insensitively, so dates ("2020-08-27" < "2021-01-05") and names
// like "v2" < "v10" order as people expect. Ties between different spellings
// of the same version ("1.0" and "1.0.0") are broken by natural order, so the
// result is a total order.
func CompareVersions(a, b string) int {
	if a == b {
		return 0
	}
	ma, mb := semverLike.FindStringSubmatch(a), semverLike.FindStringSubmatch(b)
	if ma != nil && mb != nil {
		if c := compareDotted(ma[1], mb[1]); c != 0 {
			return c
		}
		if c := comparePrerelease(ma[2], mb[2]); c != 0 {
			return c
		}
	}
	if c := compareNatural(a, b, true); c != 0 {
		return c
	}
	if c := compareNatural(a, b, false); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// compareDotted compares "1.2.3" with "1.10": missing components count as 0.
func compareDotted(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		x, y := "0", "0"
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if c := compareDigits(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// comparePrerelease follows semver §11: no pre-release ranks above any
// pre-release; identifiers compare numerically when both are numeric,
// numeric ones rank below alphanumeric ones, and a longer list wins a tie.
func comparePrerelease(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, y := pa[i], pb[i]
		nx, ny := allDigits(x), allDigits(y)
		var c int
		switch {
		case nx && ny:
			c = compareDigits(x, y)
		case nx:
			c = -1
		case ny:
			c = 1
		default:
			c = compareNatural(x, y, true)
			if c == 0 {
				c = strings.Compare(x, y)
			}
		}
		if c != 0 {
			return c
		}
	}
	return sign(len(pa) - len(pb))
}

// compareNatural compares digit runs by numeric value and everything else
// rune by rune, optionally ignoring case.
func compareNatural(a, b string, foldCase bool) int {
	for a != "" && b != "" {
		da, db := isDigit(a[0]), isDigit(b[0])
		switch {
		case da && db:
			ra, rb := digitRun(a), digitRun(b)
			if c := compareDigits(ra, rb); c != 0 {
				return c
			}
			a, b = a[len(ra):], b[len(rb):]
		case da:
			return -1 // digits sort before letters and punctuation
		case db:
			return 1
		default:
			ta, tb := textRun(a), textRun(b)
			x, y := ta, tb
			if foldCase {
				x, y = strings.ToLower(ta), strings.ToLower(tb)
			}
			if c := strings.Compare(x, y); c != 0 {
				// A shorter run that is a prefix of the other ends where
				// digits (or the end) begin: "rc" vs "rcb".
				return c
			}
			a, b = a[len(ta):], b[len(tb):]
		}
	}
	return sign(len(a) - len(b))
}

// compareDigits compares two strings of ASCII digits by numeric value without
// converting them, so arbitrarily long runs cannot overflow; equal values
// with different leading zeros compare equal.
func compareDigits(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return sign(len(a) - len(b))
	}
	return strings.Compare(a, b)
}

func digitRun(s string) string {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i]
}

func textRun(s string) string {
	i := 0
	for i < len(s) && !isDigit(s[i]) {
		i++
	}
	return s[:i]
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
