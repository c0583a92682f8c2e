package identity

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestSafeReturnTo(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string
	}{
		{"root", "/", "/"},
		{"catalog with query and fragment", "/apis?x=1#y", "/apis?x=1#y"},
		{"API reference", "/apis/bank/accounts/1.2.0", "/apis/bank/accounts/1.2.0"},
		{"escaped query", "/apis?q=caf%C3%A9%20au%20lait&page=2", "/apis?q=caf%C3%A9%20au%20lait&page=2"},
		{"slashes later in the path", "/apis/a//b", "/apis/a//b"},
		{"URL in the query", "/apis?next=https://evil.example", "/apis?next=https://evil.example"},
		{"colon in the path", "/javascript:alert(1)", "/javascript:alert(1)"},
		{"escaped slashes later in the path", "/a%2F%2Fb", "/a%2F%2Fb"},

		{"empty", "", "/"},
		{"scheme-relative", "//evil.example", "/"},
		{"scheme-relative with path", "//evil.example/apis", "/"},
		{"triple slash", "///evil.example", "/"},
		{"backslash host", `/\evil.example`, "/"},
		{"backslash anywhere", `/apis\..\evil`, "/"},
		{"escaped tab then slash", "/%09/evil.example", "/"},
		{"literal tab then slash", "/\t/evil", "/"},
		{"literal newline then slash", "/\n/evil", "/"},
		{"literal CR", "/apis\r\nSet-Cookie: x=1", "/"},
		{"NUL", "/apis\x00", "/"},
		{"DEL", "/apis\x7f", "/"},
		{"absolute https", "https://evil.example", "/"},
		{"absolute http to ourselves is still absolute", "http://localhost/apis", "/"},
		{"javascript scheme", "javascript:alert(document.cookie)", "/"},
		{"data scheme", "data:text/html,<script>alert(1)</script>", "/"},
		{"fully escaped scheme-relative", "%2F%2Fevil.example", "/"},
		{"escaped second slash", "/%2Fevil.example", "/"},
		{"escaped backslash", "/%5Cevil.example", "/"},
		{"double-escaped second slash", "/%252Fevil.example", "/"},
		{"triple-escaped second slash", "/%25252Fevil.example", "/"},
		{"double-escaped tab", "/%2509/evil", "/"},
		{"escaped NUL", "/apis%00", "/"},
		{"relative path", "apis", "/"},
		{"dot-relative", "./apis", "/"},
		{"leading space", " /apis", "/"},
		{"space inside", "/apis?q=a b", "/"},
		{"user info trick", "/@evil.example", "/@evil.example"},
		{"non-ASCII", "/apis/café", "/"},
		{"unicode slash lookalike", "/\u2215evil.example", "/"},
		{"bad escape", "/apis?q=100%", "/"},
		{"bad escape hex", "/apis%zz", "/"},
		{"over 2 KiB", "/" + strings.Repeat("a", MaxReturnToLen), "/"},
		{"exactly 2 KiB", "/" + strings.Repeat("a", MaxReturnToLen-1), "/" + strings.Repeat("a", MaxReturnToLen-1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SafeReturnTo(tc.raw); got != tc.want {
				t.Errorf("SafeReturnTo(%q) = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}

// TestSafeReturnTo_browserResolution resolves each accepted target the way a
// browser resolves a Location header against the portal's origin: it must
// stay on that origin.
func TestSafeReturnTo_browserResolution(t *testing.T) {
	base, _ := url.Parse("https://portal.example/login")
	for _, raw := range []string{"/apis?x=1#y", "/@evil.example", "/a%2F%2Fb", "/apis/a//b", "/javascript:x"} {
		got := SafeReturnTo(raw)
		rec := httptest.NewRecorder()
		http.Redirect(rec, httptest.NewRequest(http.MethodGet, "https://portal.example/login", nil), got, http.StatusSeeOther)
		loc, err := base.Parse(rec.Header().Get("Location"))
		if err != nil {
			t.Fatalf("Location %q: %v", rec.Header().Get("Location"), err)
		}
		if loc.Host != "portal.example" || loc.Scheme != "https" {
			t.Errorf("SafeReturnTo(%q) = %q redirects to %s", raw, got, loc)
		}
	}
}

func FuzzSafeReturnTo(f *testing.F) {
	for _, s := range []string{
		"/", "/apis?x=1#y", "//evil", `/\evil`, "/%09/evil", "/\t/evil", "https://evil", "javascript:alert(1)",
		"%2F%2Fevil", "/%2F/evil", "/%252F%252Fevil", "/%5C%5Cevil", "/apis?q=%2F%2F", "/\u3000/evil", "/%E3%80%80/evil",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got := SafeReturnTo(raw)
		if got != "/" && got != raw {
			t.Fatalf("SafeReturnTo(%q) = %q: neither the input nor /", raw, got)
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, `/\`) {
			t.Fatalf("SafeReturnTo(%q) = %q: not a single-slash path", raw, got)
		}
		if strings.ContainsAny(got, "\\\t\r\n\x00") {
			t.Fatalf("SafeReturnTo(%q) = %q: holds a backslash or control", raw, got)
		}
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
			t.Fatalf("SafeReturnTo(%q) = %q parses as %#v, %v", raw, got, u, err)
		}
		// Decoding the result once more (a careless consumer) must still
		// give a same-origin path.
		if d, err := url.PathUnescape(got); err == nil {
			if strings.HasPrefix(d, "//") || strings.HasPrefix(d, `/\`) || strings.ContainsAny(d, "\\\t\r\n") {
				t.Fatalf("SafeReturnTo(%q) = %q decodes to %q", raw, got, d)
			}
		}
	})
}
