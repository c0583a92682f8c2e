package credentials_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"github.com/portico/portico/credentials"
	"github.com/portico/portico/models"
)

func pepper(c byte) []byte { return bytes.Repeat([]byte{c}, 32) }

func newHasher(t testing.TB, current []byte, previous ...[]byte) *credentials.Hasher {
	t.Helper()
	h, err := credentials.NewHasher(current, previous...)
	if err != nil {
		t.Fatalf("NewHasher: %v", err)
	}
	return h
}

func TestNewHasher_Refusals(t *testing.T) {
	short := []byte("0123456789abcdef0123456789abcde") // 31 bytes
	tests := []struct {
		name     string
		current  []byte
		previous [][]byte
		wantMsg  string
	}{
		{"nil pepper", nil, nil, "The current pepper must be at least 32 bytes, not 0."},
		{"31-byte pepper", short, nil, "The current pepper must be at least 32 bytes, not 31."},
		{"short previous pepper", pepper('a'), [][]byte{pepper('b'), short}, "The previous pepper 2 must be at least 32 bytes, not 31."},
		{"previous equals current", pepper('a'), [][]byte{pepper('a')}, "The previous pepper 1 is the same as the current pepper."},
		{"two previous equal", pepper('a'), [][]byte{pepper('b'), pepper('b')}, "The previous pepper 2 is the same as the previous pepper 1."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := credentials.NewHasher(tc.current, tc.previous...)
			if h != nil {
				t.Error("refused NewHasher returned a Hasher")
			}
			if models.KindOf(err) != models.Invalid {
				t.Fatalf("kind = %q, want invalid (err %v)", models.KindOf(err), err)
			}
			if got := models.MessageOf(err); got != tc.wantMsg {
				t.Errorf("message = %q, want %q", got, tc.wantMsg)
			}
			for _, p := range append([][]byte{tc.current}, tc.previous...) {
				if len(p) > 0 && strings.Contains(err.Error(), string(p)) {
					t.Error("message contains a pepper")
				}
			}
		})
	}
}

func TestHasher_DigestIsHMACSHA256OfTheKey(t *testing.T) {
	p := pepper('p')
	h := newHasher(t, p)
	s := newKey(t, credentials.AppKey)
	m := hmac.New(sha256.New, p)
	m.Write([]byte(s))
	want := m.Sum(nil)
	got := h.Digest(s)
	if !bytes.Equal(got[:], want) {
		t.Errorf("Digest = %x, want %x", got, want)
	}
	if h.DigestHex(s) != hex.EncodeToString(want) {
		t.Errorf("DigestHex = %s, want %x", h.DigestHex(s), want)
	}
	if h.Digest(s) != got {
		t.Error("Digest is not deterministic")
	}
}

func TestHasher_DigestsDifferPerPepperAndKey(t *testing.T) {
	s := newKey(t, credentials.AppKey)
	a, b := newHasher(t, pepper('a')), newHasher(t, pepper('b'))
	if a.Digest(s) == b.Digest(s) {
		t.Error("same digest under different peppers")
	}
	if a.Digest(s) == a.Digest(newKey(t, credentials.AppKey)) {
		t.Error("same digest for different keys")
	}
}

func TestHasher_PepperIsCopied(t *testing.T) {
	p := pepper('a')
	h := newHasher(t, p)
	s := newKey(t, credentials.APIKey)
	before := h.Digest(s)
	p[0] = 'z'
	if h.Digest(s) != before {
		t.Error("changing the caller's pepper slice changed the Hasher")
	}
}

func TestHasher_Rotation(t *testing.T) {
	s := newKey(t, credentials.AppKey)
	old := newHasher(t, pepper('o'))
	older := newHasher(t, pepper('q'))
	rotated := newHasher(t, pepper('n'), pepper('o'), pepper('q'))
	fresh := newHasher(t, pepper('n'))

	ds := rotated.Digests(s)
	if len(ds) != 3 || ds[0] != fresh.Digest(s) || ds[1] != old.Digest(s) || ds[2] != older.Digest(s) {
		t.Fatal("Digests is not current, then previous peppers in order")
	}
	if rotated.Digest(s) != fresh.Digest(s) {
		t.Error("Digest does not use the current pepper")
	}

	tests := []struct {
		name       string
		stored     [32]byte
		wantOK     bool
		wantRehash bool
	}{
		{"digest under current pepper matches", fresh.Digest(s), true, false},
		{"digest under previous pepper matches and asks for rehash", old.Digest(s), true, true},
		{"digest under oldest pepper matches and asks for rehash", older.Digest(s), true, true},
		{"digest under unknown pepper does not match", newHasher(t, pepper('x')).Digest(s), false, false},
		{"digest of another key does not match", fresh.Digest(newKey(t, credentials.AppKey)), false, false},
		{"zero digest does not match", [32]byte{}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, rehash := rotated.Verify(s, tc.stored)
			if ok != tc.wantOK || rehash != tc.wantRehash {
				t.Errorf("Verify = %v, %v; want %v, %v", ok, rehash, tc.wantOK, tc.wantRehash)
			}
		})
	}
}

func TestHasher_Equal(t *testing.T) {
	h := newHasher(t, pepper('a'))
	a := h.Digest(newKey(t, credentials.AppKey))
	b := a
	if !h.Equal(a, b) {
		t.Error("equal digests compare unequal")
	}
	for i := range b {
		c := a
		c[i] ^= 0x01
		if h.Equal(a, c) {
			t.Fatalf("digests differing in byte %d compare equal", i)
		}
	}
}

// TestHasher_EqualIsConstantTime checks the source: Equal must be
// subtle.ConstantTimeCompare, and nothing may compare digests
// in hasher.go with == or bytes.Equal. (A timing measurement would be flaky.)
func TestHasher_EqualIsConstantTime(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "hasher.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var equal *ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "Equal" && fd.Recv != nil {
			equal = fd
		}
	}
	if equal == nil {
		t.Fatal("no (*Hasher).Equal in hasher.go")
	}
	var calls []string
	ast.Inspect(equal.Body, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				calls = append(calls, id.Name+"."+sel.Sel.Name)
			}
		}
		return true
	})
	if len(calls) != 1 || calls[0] != "subtle.ConstantTimeCompare" {
		t.Errorf("Equal calls %v, want only subtle.ConstantTimeCompare", calls)
	}
	// Verify must compare through Equal.
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && id.Name == "bytes" && x.Sel.Name == "Equal" {
				t.Errorf("%s: bytes.Equal in hasher.go", fset.Position(x.Pos()))
			}
		case *ast.BinaryExpr:
			// Comparisons with a literal (i == 0, ConstantTimeCompare(...) == 1)
			// are not digest comparisons.
			_, litX := x.X.(*ast.BasicLit)
			_, litY := x.Y.(*ast.BasicLit)
			if (x.Op == token.EQL || x.Op == token.NEQ) && !litX && !litY {
				t.Errorf("%s: == or != in hasher.go; compare digests with Equal", fset.Position(x.Pos()))
			}
		}
		return true
	})
}

func BenchmarkDigest(b *testing.B) {
	h := newHasher(b, pepper('a'))
	s := newKey(b, credentials.AppKey)
	b.ReportAllocs()
	for b.Loop() {
		_ = h.Digest(s)
	}
}

// BenchmarkParseAndDigest is the gateway's per-request work before lookup.
func BenchmarkParseAndDigest(b *testing.B) {
	h := newHasher(b, pepper('a'))
	s := newKey(b, credentials.AppKey)
	b.ReportAllocs()
	for b.Loop() {
		k, err := credentials.ParseKey(s)
		if err != nil {
			b.Fatal(err)
		}
		_ = h.Digest(k.Secret())
	}
}
