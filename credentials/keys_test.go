package credentials_test

import (
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"hash/crc32"
	"log/slog"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/portico/portico/credentials"
	"github.com/portico/portico/models"
)

const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

var (
	keyRE   = regexp.MustCompile(`^` + credentials.KeyPattern + `$`)
	appIDRE = regexp.MustCompile(`^` + credentials.AppIDPattern + `$`)
)

func newKey(t testing.TB, kind credentials.KeyKind) string {
	t.Helper()
	s, err := credentials.NewKey(kind)
	if err != nil {
		t.Fatalf("NewKey(%q): %v", kind, err)
	}
	return s
}

// checksumOK recomputes the checksum independently of the package: CRC-32
// (IEEE) of the first 51 characters, read back from base62 with math/big.
func checksumOK(s string) bool {
	n, ok := new(big.Int).SetString(s[len(s)-6:], 62)
	if !ok || !n.IsUint64() {
		return false
	}
	return n.Uint64() == uint64(crc32.ChecksumIEEE([]byte(s[:len(s)-6])))
}

func TestNewKey_Format(t *testing.T) {
	tests := []struct {
		name       string
		kind       credentials.KeyKind
		wantPrefix string
	}{
		{"app key starts ptk_app_", credentials.AppKey, "ptk_app_"},
		{"API key starts ptk_api_", credentials.APIKey, "ptk_api_"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newKey(t, tc.kind)
			if !strings.HasPrefix(s, tc.wantPrefix) {
				t.Errorf("key prefix = %q, want %q", s[:8], tc.wantPrefix)
			}
			if len(s) != 57 {
				t.Errorf("len = %d, want 57", len(s))
			}
			if !keyRE.MatchString(s) {
				t.Error("key does not match KeyPattern")
			}
			if !checksumOK(s) {
				t.Error("checksum is not CRC-32 of the rest in base62")
			}
			// The body is 32 bytes in base62: it decodes below 2^256.
			body, ok := new(big.Int).SetString(s[8:51], 62)
			if !ok || body.BitLen() > 256 {
				t.Errorf("body does not decode to at most 256 bits (ok=%v)", ok)
			}
			k, err := credentials.ParseKey(s)
			if err != nil {
				t.Fatalf("ParseKey(NewKey()) = %v", err)
			}
			if k.Kind() != tc.kind {
				t.Errorf("Kind = %q, want %q", k.Kind(), tc.kind)
			}
			if k.Secret() != s {
				t.Error("Secret does not round-trip")
			}
			if k.Prefix() != s[:12] || len(k.Prefix()) != credentials.PrefixLength {
				t.Errorf("Prefix = %q, want first 12 characters", k.Prefix())
			}
		})
	}
}

// TestImports holds the package's rule: the standard library and models only.
func TestImports(t *testing.T) {
	for _, name := range []string{"keys.go", "hasher.go"} {
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			if strings.Contains(first, ".") && path != "github.com/portico/portico/models" {
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}

func TestLengthConstants(t *testing.T) {
	if credentials.KeyLength != 57 || credentials.AppIDLength != 36 || credentials.PrefixLength != 12 {
		t.Errorf("KeyLength, AppIDLength, PrefixLength = %d, %d, %d; want 57, 36, 12",
			credentials.KeyLength, credentials.AppIDLength, credentials.PrefixLength)
	}
}

func TestNewKey_UnknownKindIsInvalid(t *testing.T) {
	for _, kind := range []credentials.KeyKind{"", "live", "APP", "app "} {
		s, err := credentials.NewKey(kind)
		if s != "" || models.KindOf(err) != models.Invalid {
			t.Errorf("NewKey(%q) = %q, %v; want \"\", Invalid", kind, s, err)
		}
	}
}

func TestNewAppID_Format(t *testing.T) {
	id := credentials.NewAppID()
	if len(id) != 36 {
		t.Errorf("len = %d, want 36", len(id))
	}
	if !appIDRE.MatchString(id) {
		t.Errorf("app_id %q does not match AppIDPattern", id)
	}
	if err := credentials.CheckAppID(id); err != nil {
		t.Errorf("CheckAppID(NewAppID()) = %v", err)
	}
}

func TestCheckAppID_Refusals(t *testing.T) {
	good := credentials.NewAppID()
	tests := []struct {
		name    string
		in      string
		wantMsg string
	}{
		{"empty", "", `The app_id must start with "app_".`},
		{"key instead of id", newKey(t, credentials.AppKey), `The app_id must start with "app_".`},
		{"upper-case prefix", "APP_" + good[4:], `The app_id must start with "app_".`},
		{"too short", good[:35], "The app_id must be 36 characters long, not 35."},
		{"too long", good + "0", "The app_id must be 36 characters long, not 37."},
		{"upper-case hex", good[:4] + "A" + good[5:], "The app_id has a character that is not a lower-case hex digit at position 5."},
		{"non-hex letter", good[:35] + "g", "The app_id has a character that is not a lower-case hex digit at position 36."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := credentials.CheckAppID(tc.in)
			if models.KindOf(err) != models.Invalid {
				t.Fatalf("kind = %q, want invalid (err %v)", models.KindOf(err), err)
			}
			if got := models.MessageOf(err); got != tc.wantMsg {
				t.Errorf("message = %q, want %q", got, tc.wantMsg)
			}
		})
	}
}

func TestParseKey_Refusals(t *testing.T) {
	good := newKey(t, credentials.AppKey)
	api := newKey(t, credentials.APIKey)
	const (
		msgPrefix   = "The key does not start with ptk_app_ or ptk_api_."
		msgChecksum = "The key's checksum does not match: it was mistyped or cut short."
	)
	flip := func(s string, i int) string { // a different valid character at i
		c := alphabet[(strings.IndexByte(alphabet, s[i])+1)%len(alphabet)]
		return s[:i] + string(c) + s[i+1:]
	}
	tests := []struct {
		name    string
		in      string
		wantMsg string
	}{
		{"empty", "", msgPrefix},
		{"prefix only", "ptk_app_", "The key must be 57 characters long, not 8."},
		{"Stripe-style pk_live_", "pk_live_" + good[8:], msgPrefix},
		{"unknown kind marker", "ptk_xyz_" + good[8:], msgPrefix},
		{"upper-case prefix", "PTK_APP_" + good[8:], msgPrefix},
		{"leading space", " " + good, msgPrefix},
		{"app_id given as key", credentials.NewAppID(), msgPrefix},
		{"one character short", good[:56], "The key must be 57 characters long, not 56."},
		{"one character long", good + "a", "The key must be 57 characters long, not 58."},
		{"trailing newline", good + "\n", "The key must be 57 characters long, not 58."},
		{"key twice", good + good, "The key must be 57 characters long, not 114."},
		{"hyphen in body", good[:20] + "-" + good[21:], "The key has a character that is not a letter or digit at position 21."},
		{"underscore in checksum", good[:56] + "_", "The key has a character that is not a letter or digit at position 57."},
		{"space in body", good[:8] + " " + good[9:], "The key has a character that is not a letter or digit at position 9."},
		{"non-ASCII byte", good[:30] + "\xff" + good[31:], "The key has a character that is not a letter or digit at position 31."},
		{"NUL byte", good[:40] + "\x00" + good[41:], "The key has a character that is not a letter or digit at position 41."},
		{"typo in body", flip(good, 30), msgChecksum},
		{"typo in checksum", flip(good, 56), msgChecksum},
		{"kind relabelled app to api", "ptk_api_" + good[8:], msgChecksum},
		{"kind relabelled api to app", "ptk_app_" + api[8:], msgChecksum},
		{"body of one key, checksum of another", good[:51] + api[51:], msgChecksum},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := credentials.ParseKey(tc.in)
			if k != (credentials.Key{}) {
				t.Error("refused parse returned a non-zero Key")
			}
			if models.KindOf(err) != models.Invalid {
				t.Fatalf("kind = %q, want invalid (err %v)", models.KindOf(err), err)
			}
			if got := models.MessageOf(err); got != tc.wantMsg {
				t.Errorf("message = %q, want %q", got, tc.wantMsg)
			}
			assertNoSecret(t, err.Error(), tc.in)
		})
	}
}

// assertNoSecret fails if msg contains the secret or any 8-character piece
// of it beyond the fixed "ptk_app_"/"ptk_api_" prefix.
func assertNoSecret(t testing.TB, msg, secret string) {
	t.Helper()
	if secret != "" && strings.Contains(msg, secret) {
		t.Fatalf("message %q contains the input", msg)
	}
	for i := 8; i+8 <= len(secret); i++ {
		if strings.Contains(msg, secret[i:i+8]) {
			t.Fatalf("message %q contains part of the input (%d..%d)", msg, i, i+8)
		}
	}
}

func TestParseKey_ChecksumCatchesSubstitutionsAndTranspositions(t *testing.T) {
	for n := 0; n < 40; n++ {
		s := newKey(t, []credentials.KeyKind{credentials.AppKey, credentials.APIKey}[n%2])
		// Every single-character substitution by another base62 character,
		// at every position after the "ptk_" marker, including the checksum.
		for i := 4; i < len(s); i++ {
			for j := 0; j < len(alphabet); j++ {
				c := alphabet[j]
				if c == s[i] {
					continue
				}
				typo := s[:i] + string(c) + s[i+1:]
				if _, err := credentials.ParseKey(typo); err == nil {
					t.Fatalf("substitution at %d accepted", i)
				}
			}
		}
		// Every adjacent transposition that changes the string.
		for i := 0; i+1 < len(s); i++ {
			if s[i] == s[i+1] {
				continue
			}
			typo := s[:i] + string(s[i+1]) + string(s[i]) + s[i+2:]
			if _, err := credentials.ParseKey(typo); err == nil {
				t.Fatalf("transposition at %d,%d accepted", i, i+1)
			}
		}
	}
}

func TestNewKey_Unique(t *testing.T) {
	const n = 20000
	keys := make(map[string]bool, n)
	prefixes := make(map[string]bool, n)
	ids := make(map[string]bool, n)
	for i := 0; i < n; i++ {
		s := newKey(t, credentials.AppKey)
		if keys[s] {
			t.Fatalf("duplicate key after %d", i)
		}
		keys[s] = true
		prefixes[s[:12]] = true
		id := credentials.NewAppID()
		if ids[id] {
			t.Fatalf("duplicate app_id after %d", i)
		}
		ids[id] = true
	}
	// 4 base62 characters give 62^4 ≈ 14.8M prefixes: 20k keys should
	// collide only a few times. Many collisions would mean a biased body.
	if len(prefixes) < n-100 {
		t.Errorf("only %d distinct prefixes among %d keys", len(prefixes), n)
	}
}

func TestNewKey_BodyCharactersAreSpread(t *testing.T) {
	// Every base62 digit appears in bodies (skipping the first, most significant
	// digit, whose range is the whole alphabet too but less uniform).
	seen := map[byte]int{}
	for i := 0; i < 2000; i++ {
		s := newKey(t, credentials.APIKey)
		for j := 9; j < 51; j++ {
			seen[s[j]]++
		}
	}
	if len(seen) != 62 {
		t.Fatalf("bodies use %d distinct characters, want 62", len(seen))
	}
	for c, n := range seen {
		// Expect 2000*42/62 ≈ 1355 each.
		if n < 1000 || n > 1700 {
			t.Errorf("character %q appears %d times, want about 1355", c, n)
		}
	}
}

func TestKeyPattern_FindsKeysInText(t *testing.T) {
	a, b := newKey(t, credentials.AppKey), newKey(t, credentials.APIKey)
	text := fmt.Sprintf("export PORTICO_KEY=%s\ncurl -H 'X-API-Key: %s' https://x\nptk_app_short", a, b)
	got := regexp.MustCompile(credentials.KeyPattern).FindAllString(text, -1)
	if len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("found %d keys, want the 2 in the text", len(got))
	}
}

func TestKey_PrintingShowsOnlyPrefix(t *testing.T) {
	s := newKey(t, credentials.AppKey)
	k, err := credentials.ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("auth", "key", k)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("auth", "key", k)
	outputs := []string{
		fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k),
		fmt.Sprintf("%v", []credentials.Key{k}), fmt.Sprintf("%+v", struct{ K credentials.Key }{k}),
		logged.String(),
	}
	for _, out := range outputs {
		assertNoSecret(t, out, s)
		if !strings.Contains(out, k.Prefix()) {
			t.Errorf("output %q lacks the prefix", out)
		}
	}
	if k.String() != s[:12]+"…" {
		t.Errorf("String = %q, want prefix + …", k.String())
	}
	if (credentials.Key{}).Prefix() != "" {
		t.Error("zero Key has a prefix")
	}
}

func FuzzParseKey(f *testing.F) {
	for _, kind := range []credentials.KeyKind{credentials.AppKey, credentials.APIKey} {
		s, _ := credentials.NewKey(kind)
		f.Add(s)
		f.Add(s[:56])
		f.Add(s[:30] + "-" + s[31:])
	}
	f.Add("")
	f.Add("ptk_app_")
	f.Add("pk_live_0000000000000000000000000000000000000000000000000")
	f.Add(strings.Repeat("\xff", 57))
	f.Fuzz(func(t *testing.T, s string) {
		k, err := credentials.ParseKey(s)
		if err != nil {
			if models.KindOf(err) != models.Invalid {
				t.Fatalf("kind = %q, want invalid", models.KindOf(err))
			}
			if len(s) >= 12 && strings.Contains(err.Error(), s) {
				t.Fatalf("message %q echoes the input", err.Error())
			}
			return
		}
		if !keyRE.MatchString(s) {
			t.Fatal("accepted a string that does not match KeyPattern")
		}
		if !checksumOK(s) {
			t.Fatal("accepted a string whose checksum is wrong")
		}
		if k.Secret() != s || k.Prefix() != s[:12] {
			t.Fatal("accepted key does not round-trip")
		}
	})
}

func BenchmarkNewKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := credentials.NewKey(credentials.AppKey); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseKey(b *testing.B) {
	s := newKey(b, credentials.AppKey)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := credentials.ParseKey(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNewAppID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = credentials.NewAppID()
	}
}
