package identity

import (
	"regexp"
	"strings"
	"testing"

	"github.com/portico/portico/models"
)

func mustHash(t *testing.T, password string) string {
	t.Helper()
	h, err := HashPassword(password)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	return h
}

func TestHashPassword_format(t *testing.T) {
	h1 := mustHash(t, "correct horse battery")
	h2 := mustHash(t, "correct horse battery")
	phcRE := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !phcRE.MatchString(h1) {
		t.Errorf("hash %q is not an OWASP-strength argon2id PHC string", h1)
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal: salt not random")
	}
	if strings.Contains(h1, "correct") {
		t.Error("hash contains the password")
	}
}

func TestVerifyPassword(t *testing.T) {
	const pw = "correct horse battery"
	h := mustHash(t, pw)
	// "ﬁ" (U+FB01) is "fi" under NFKC: the same password typed differently.
	hLig := mustHash(t, "proﬁle-password-1")
	tests := []struct {
		name     string
		encoded  string
		password string
		want     bool
	}{
		{"right password matches", h, pw, true},
		{"wrong password does not match", h, "correct horse batterY", false},
		{"empty password does not match", h, "", false},
		{"prefix does not match", h, "correct horse", false},
		{"compatibility-equivalent spelling matches", hLig, "profile-password-1", true},
		{"over-long password never matches", h, pw + strings.Repeat("x", MaxPasswordBytes), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := VerifyPassword(tc.encoded, tc.password)
			if err != nil {
				t.Fatalf("VerifyPassword: %v", err)
			}
			if got != tc.want {
				t.Errorf("VerifyPassword = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestVerifyPassword_malformedHash(t *testing.T) {
	good := mustHash(t, "correct horse battery")
	parts := strings.Split(good, "$") // "", argon2id, v=19, m=...,t=...,p=..., salt, key
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	for _, tc := range []struct{ name, encoded string }{
		{"empty", ""},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", with(1, "argon2i")},
		{"old version", with(2, "v=16")},
		{"missing parameter", with(3, "m=19456,t=2")},
		{"parameters out of order", with(3, "t=2,m=19456,p=1")},
		{"huge memory", with(3, "m=4194304,t=2,p=1")},
		{"huge time", with(3, "m=19456,t=1000,p=1")},
		{"zero threads", with(3, "m=19456,t=2,p=0")},
		{"signed parameter", with(3, "m=+19456,t=2,p=1")},
		{"salt not base64", with(4, "!!!!")},
		{"salt too short", with(4, "YWJj")},
		{"key not base64", with(5, "***")},
		{"key truncated", with(5, parts[5][:10])},
		{"padded base64", with(5, parts[5]+"=")},
		{"extra field", good + "$x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := VerifyPassword(tc.encoded, "correct horse battery")
			if err == nil || ok {
				t.Errorf("VerifyPassword(%q) = %v, %v; want false and an error", tc.encoded, ok, err)
			}
		})
	}
}

func TestVerifyNoAccount_hashIsWellFormed(t *testing.T) {
	h, err := parsePHC(noAccountHash)
	if err != nil {
		t.Fatalf("the no-account hash does not parse, so VerifyNoAccount would return early: %v", err)
	}
	if h.memory != argonMemoryKiB || h.time != argonTime || h.threads != argonThreads || len(h.key) != argonKeyLen {
		t.Errorf("no-account hash parameters %+v differ from the defaults: its timing would differ", h)
	}
	VerifyNoAccount("anything")
}

func TestHashPassword_tooLong(t *testing.T) {
	_, err := HashPassword(strings.Repeat("a", MaxPasswordBytes+1))
	if models.KindOf(err) != models.Invalid {
		t.Errorf("HashPassword(129 bytes) error = %v, want Invalid", err)
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name     string
		password string
		wantMsg  string // "" = accepted
	}{
		{"twelve characters", "abcdefgh1234", ""},
		{"passphrase with spaces", "correct horse battery staple", ""},
		{"twelve accented characters", "éééééééééééa", ""},
		{"exactly 128 bytes", strings.Repeat("ab", 64), ""},
		{"eleven characters", "abcdefgh123", "at least 12 characters"},
		{"empty", "", "at least 12 characters"},
		{"twelve bytes but six characters", "éééééé", "at least 12 characters"},
		{"129 bytes", strings.Repeat("a", 128) + "b", "at most 128 bytes"},
		{"one character repeated", "aaaaaaaaaaaaaaaa", "one character repeated"},
		{"spaces only", strings.Repeat(" ", 20), "one character repeated"},
		{"one accented character repeated", strings.Repeat("é", 14), "one character repeated"},
		{"invalid UTF-8", "abcdefghijkl\xff", "invalid characters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPassword(tc.password)
			if tc.wantMsg == "" {
				if err != nil {
					t.Fatalf("CheckPassword(%q) = %v, want accepted", tc.password, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckPassword(%q) accepted, want %q", tc.password, tc.wantMsg)
			}
			if models.KindOf(err) != models.Invalid {
				t.Errorf("kind = %s, want invalid", models.KindOf(err))
			}
			if msg := models.MessageOf(err); !strings.Contains(msg, tc.wantMsg) {
				t.Errorf("message %q lacks %q", msg, tc.wantMsg)
			}
			if strings.TrimSpace(tc.password) != "" && strings.Contains(models.MessageOf(err), tc.password) {
				t.Error("message echoes the password")
			}
		})
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		p := GeneratePassword()
		if len(p) < 16 {
			t.Fatalf("GeneratePassword() = %q: shorter than 16", p)
		}
		if strings.ContainsAny(p, "0Oo1lI5S2Z8B") {
			t.Fatalf("GeneratePassword() = %q: ambiguous character", p)
		}
		if strings.Trim(p, passwordAlphabet) != "" {
			t.Fatalf("GeneratePassword() = %q: outside the alphabet", p)
		}
		if err := CheckPassword(p); err != nil {
			t.Fatalf("GeneratePassword() = %q fails the policy: %v", p, err)
		}
		if seen[p] {
			t.Fatalf("GeneratePassword() repeated %q", p)
		}
		seen[p] = true
	}
	// A generated password works as a sign-in password.
	p := GeneratePassword()
	if ok, err := VerifyPassword(mustHash(t, p), p); !ok || err != nil {
		t.Errorf("generated password does not verify: %v, %v", ok, err)
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}
