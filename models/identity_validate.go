package models

import (
	"net/mail"
	"strings"
	"unicode/utf8"
)

// MaxEmailLen is the longest email address accepted (RFC 5321's path limit).
const MaxEmailLen = 254

// NormalizeEmail returns the address trimmed and in lower case, or an
// Invalid error unless it is a plain address (local@domain, no display name,
// no comments or quoting).
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	invalid := Errorf(Invalid, "%q is not a valid email address", clipForMessage(email, 80))
	if e == "" {
		return "", Errorf(Invalid, "An email address is required.")
	}
	if len(e) > MaxEmailLen || !utf8.ValidString(e) {
		return "", invalid
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Name != "" || a.Address != e {
		return "", invalid
	}
	at := strings.LastIndexByte(e, '@')
	if at < 1 || at == len(e)-1 || strings.ContainsAny(e, " \t\r\n\"(),:;<>[\\]") {
		return "", invalid
	}
	return e, nil
}

// ValidTeamName reports whether name (already trimmed) may name a team.
func ValidTeamName(name string) bool {
	n := utf8.RuneCountInString(name)
	return n > 0 && n <= MaxNameLen && strings.TrimSpace(name) == name
}

func clipForMessage(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
