// Package credentials generates, parses and hashes application credentials:
// the public app_id and the secret keys (app_key of a key pair, or a single
// API key) that the portal issues and the gateway verifies. It does no I/O and
// imports only the standard library and models.
//
// # Formats
//
// An app_id is "app_" followed by 16 random bytes in lower-case hex (36
// characters). It is public: it names the application in pages, logs and the
// gateway's lookup, and never changes.
//
// A secret key is
//
//	ptk_<kind>_<body><checksum>
//
// where <kind> is "app" (an app_key of a key pair) or "api" (a single API
// key), <body> is 32 bytes from crypto/rand in base62, zero-padded to 43
// characters, and <checksum> is the CRC-32 (IEEE) of everything before it, in
// base62 zero-padded to 6 characters. A key is 57 characters of ASCII letters,
// digits and underscores. The prefix is "ptk_" and not "pk_" because "pk_live_"
// and "pk_test_" are Stripe's publishable (public) keys, and scanners and people
// treat "pk_" as not secret. The environment is not encoded: a key is valid at
// every gateway. KeyPattern finds keys in text for leak scanning; the checksum
// lets a scanner, and ParseKey, reject near misses and typos without a lookup.
//
// The base62 alphabet is 0-9, a-z, A-Z (the digit order of math/big).
//
// # Storage
//
// Keys are stored only as Hasher digests: HMAC-SHA-256 under a server-side
// pepper, compared in constant time.
package credentials

import (
	"crypto/rand"
	"encoding/hex"
	"hash/crc32"
	"log/slog"

	"github.com/portico/portico/models"
)

// KeyKind says what a secret key is for. It is encoded in the key's prefix.
type KeyKind string

// The key kinds.
const (
	// AppKey is an app_key: one of the secrets of an app_id/app_key pair.
	AppKey KeyKind = "app"
	// APIKey is a single API key, for plans that want one credential.
	APIKey KeyKind = "api"
)

// Sizes of the formats, in characters (bytes: every character is ASCII).
const (
	AppIDLength    = len(appIDPrefix) + 2*appIDBytes // 36
	KeyLength      = keyPrefixLen + bodyLength + checksumLength
	PrefixLength   = 12 // length of Key.Prefix
	keyPrefixLen   = len("ptk_app_")
	bodyLength     = 43 // ceil(256 / log2(62))
	checksumLength = 6  // 62^6 > 2^32
	keyBytes       = 32
	appIDBytes     = 16
	appIDPrefix    = "app_"
)

// KeyPattern is a regular expression (RE2 and PCRE) that matches a secret key
// of any kind, for secret scanners and log filters. It does not check the
// checksum: pass each match to ParseKey, which does. Anchor or wrap it in
// word boundaries as the scanner needs.
const KeyPattern = `ptk_(?:app|api)_[0-9A-Za-z]{49}`

// AppIDPattern is a regular expression that matches an app_id.
const AppIDPattern = `app_[0-9a-f]{32}`

const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// NewAppID returns a new random app_id ("app_" + 32 lower-case hex digits).
// It cannot fail: crypto/rand.Read never returns an error since Go 1.24.
func NewAppID() string {
	var b [appIDBytes]byte
	_, _ = rand.Read(b[:])
	return appIDPrefix + hex.EncodeToString(b[:])
}

// CheckAppID returns an Invalid *models.Error if s is not an app_id in the
// format NewAppID makes, and nil otherwise. app_ids are public, so the
// message may say what is wrong but still does not echo s.
func CheckAppID(s string) error {
	if len(s) < len(appIDPrefix) || s[:len(appIDPrefix)] != appIDPrefix {
		return models.Errorf(models.Invalid, "The app_id must start with %q.", appIDPrefix)
	}
	if len(s) != AppIDLength {
		return models.Errorf(models.Invalid, "The app_id must be %d characters long, not %d.", AppIDLength, len(s))
	}
	for i := len(appIDPrefix); i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return models.Errorf(models.Invalid, "The app_id has a character that is not a lower-case hex digit at position %d.", i+1)
		}
	}
	return nil
}

// Key is a parsed secret key. Its String, GoString and LogValue methods show
// only Prefix, so printing or logging a Key does not leak the secret; call
// Secret to get the key itself (to hash it, or to show it once on creation).
type Key struct {
	kind   KeyKind
	secret string
}

// NewKey returns a new secret key of the given kind. It returns an Invalid
// *models.Error if kind is not AppKey or APIKey. The caller shows the secret
// once and stores only its Hasher digest and Key.Prefix.
func NewKey(kind KeyKind) (secret string, err error) {
	if kind != AppKey && kind != APIKey {
		return "", models.Errorf(models.Invalid, "Unknown key kind %q: use %q or %q.", kind, AppKey, APIKey)
	}
	var raw [keyBytes]byte
	_, _ = rand.Read(raw[:]) // never fails since Go 1.24
	var b [KeyLength]byte
	n := copy(b[:], "ptk_")
	n += copy(b[n:], kind)
	b[n] = '_'
	encodeBody(b[keyPrefixLen:keyPrefixLen+bodyLength], raw)
	encodeChecksum(b[keyPrefixLen+bodyLength:], checksum(string(b[:keyPrefixLen+bodyLength])))
	return string(b[:]), nil
}

// ParseKey checks that s is a well-formed secret key and returns it. It
// returns an Invalid *models.Error whose message says which check failed
// (prefix, length, characters, checksum) and never contains s or any part of
// it beyond the fixed prefix. It does no lookup and takes no lock, so it is
// cheap enough to run on every request before any digest or store access.
// Callers trim surrounding whitespace first if their input may carry it.
func ParseKey(s string) (Key, error) {
	var kind KeyKind
	switch {
	case len(s) >= keyPrefixLen && s[:keyPrefixLen] == "ptk_app_":
		kind = AppKey
	case len(s) >= keyPrefixLen && s[:keyPrefixLen] == "ptk_api_":
		kind = APIKey
	default:
		return Key{}, models.Errorf(models.Invalid, "The key does not start with ptk_app_ or ptk_api_.")
	}
	if len(s) != KeyLength {
		return Key{}, models.Errorf(models.Invalid, "The key must be %d characters long, not %d.", KeyLength, len(s))
	}
	for i := keyPrefixLen; i < len(s); i++ {
		if decode[s[i]] < 0 {
			return Key{}, models.Errorf(models.Invalid, "The key has a character that is not a letter or digit at position %d.", i+1)
		}
	}
	var want [checksumLength]byte
	encodeChecksum(want[:], checksum(s[:keyPrefixLen+bodyLength]))
	if string(want[:]) != s[keyPrefixLen+bodyLength:] {
		return Key{}, models.Errorf(models.Invalid, "The key's checksum does not match: it was mistyped or cut short.")
	}
	return Key{kind: kind, secret: s}, nil
}

// Kind returns the key's kind.
func (k Key) Kind() KeyKind { return k.kind }

// Secret returns the whole key. Hash it; never log or store it.
func (k Key) Secret() string { return k.secret }

// Prefix returns the first 12 characters of the key (for example
// "ptk_app_3fA9"): the kind and 4 body characters, about 24 of its 256 random
// bits. It is not secret; pages and logs use it to name a key, and the store
// keeps it next to the digest. It is empty for the zero Key.
func (k Key) Prefix() string {
	if len(k.secret) < PrefixLength {
		return ""
	}
	return k.secret[:PrefixLength]
}

// String returns Prefix followed by "…", never the secret.
func (k Key) String() string { return k.Prefix() + "…" }

// GoString returns the same as String, so %#v does not print the secret.
func (k Key) GoString() string { return k.String() }

// LogValue makes slog log the key as its Prefix only.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

// decode maps an ASCII byte to its base62 digit value, or -1.
var decode = func() (d [256]int8) {
	for i := range d {
		d[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		d[alphabet[i]] = int8(i)
	}
	return d
}()

// encodeBody writes raw, read as a big-endian number, into dst in base62,
// most significant digit first, zero-padded to len(dst).
func encodeBody(dst []byte, raw [keyBytes]byte) {
	for i := len(dst) - 1; i >= 0; i-- {
		// Long division of raw by 62; the remainder is the next digit.
		var rem uint32
		for j := range raw {
			cur := rem<<8 | uint32(raw[j])
			raw[j] = byte(cur / 62)
			rem = cur % 62
		}
		dst[i] = alphabet[rem]
	}
}

// checksum returns the CRC-32 (IEEE) of s, as crc32.ChecksumIEEE would,
// without converting s to a []byte (which allocates on every ParseKey).
func checksum(s string) uint32 {
	crc := ^uint32(0)
	for i := 0; i < len(s); i++ {
		crc = crc32.IEEETable[byte(crc)^s[i]] ^ crc>>8
	}
	return ^crc
}

// encodeChecksum writes sum into dst in base62, zero-padded to len(dst).
func encodeChecksum(dst []byte, sum uint32) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = alphabet[sum%62]
		sum /= 62
	}
}
