package identity

import (
	"net/url"
	"strings"
)

// MaxReturnToLen is the longest return_to SafeReturnTo accepts, in bytes.
const MaxReturnToLen = 2048

// SafeReturnTo returns raw if it is a same-origin path to send a user to
// after sign-in ("/apis?q=x#y"), and "/" otherwise (THREATS P2). It never
// fails; anything doubtful becomes "/".
//
// raw must be a path starting with exactly one "/", written in printable
// ASCII (percent-encode everything else, as browsers and
// url.URL.RequestURI do), at most MaxReturnToLen bytes, with well-formed
// percent escapes. Absolute and scheme-relative URLs ("https://evil",
// "//evil", "javascript:…") are refused, and so is any backslash or control
// character, because browsers read "/\evil" as "//evil" and drop tabs and
// newlines ("/\t/evil"). The same checks are applied again after each round
// of percent-decoding, so an escaped payload ("/%2F%2Fevil", "/%09/evil",
// "/%5Cevil") that a later decode would turn into one is refused too.
func SafeReturnTo(raw string) string {
	if !safePath(raw) {
		return "/"
	}
	return raw
}

func safePath(raw string) bool {
	if raw == "" || len(raw) > MaxReturnToLen {
		return false
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c >= 0x7f {
			return false // controls, space, DEL and non-ASCII: only printable ASCII
		}
	}
	s := raw
	// Four rounds catch double- and triple-encoding; a value still changing
	// after that is not a link anyone clicked.
	for range 4 {
		if !safeDecodedPath(s) {
			return false
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return false
		}
		if d == s {
			u, err := url.Parse(raw)
			return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == "" &&
				strings.HasPrefix(u.EscapedPath(), "/") && !strings.HasPrefix(u.EscapedPath(), "//")
		}
		s = d
	}
	return false
}

// safeDecodedPath checks one decoding of a return_to value.
func safeDecodedPath(s string) bool {
	if len(s) == 0 || s[0] != '/' {
		return false
	}
	if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f || c == '\\' {
			return false
		}
	}
	return true
}
