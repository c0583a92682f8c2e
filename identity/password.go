package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"github.com/portico/portico/models"
)

// Password policy limits.
const (
	// MinPasswordChars is the shortest password CheckPassword accepts, in
	// characters.
	MinPasswordChars = 12
	// MaxPasswordBytes is the longest password accepted, in bytes. The cap
	// keeps a sign-in form from feeding megabytes to the hash function.
	MaxPasswordBytes = 128
)

// The argon2id parameters of new hashes: OWASP's first recommended set
// (m=19 MiB, t=2, p=1), a 16-byte salt and a 32-byte key.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// Bounds on the parameters VerifyPassword accepts from a stored hash, so a
// tampered row cannot make one sign-in allocate gigabytes or spin for
// minutes.
const (
	maxArgonMemoryKiB = 256 * 1024
	maxArgonTime      = 16
	maxArgonThreads   = 16
)

var phcB64 = base64.RawStdEncoding.Strict()

// HashPassword returns the argon2id hash of password as a PHC string
// ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>"), with a fresh random salt.
// The password is NFKC-normalized first (NIST SP 800-63B), so the same text
// typed on different keyboards verifies. It returns an Invalid error for a
// password longer than MaxPasswordBytes; it does not apply the rest of the
// policy (call CheckPassword for that).
func HashPassword(password string) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", models.Errorf(models.Invalid, "Password must be at most %d bytes long.", MaxPasswordBytes)
	}
	salt := make([]byte, argonSaltLen)
	rand.Read(salt) // never returns an error (Go ≥ 1.24 crashes the program instead)
	key := argon2.IDKey([]byte(norm.NFKC.String(password)), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, phcB64.EncodeToString(salt), phcB64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches encoded, a PHC string made
// by HashPassword (other argon2id parameters within sane bounds are accepted,
// so the defaults can be raised later). The comparison is constant-time. A
// mismatch is (false, nil); a malformed or out-of-bounds hash is an error
// (an internal one: it means the stored data is wrong, not the user). A
// password longer than MaxPasswordBytes never matches.
func VerifyPassword(encoded, password string) (bool, error) {
	h, err := parsePHC(encoded)
	if err != nil {
		return false, fmt.Errorf("verify password: %w", err)
	}
	if len(password) > MaxPasswordBytes {
		return false, nil
	}
	key := argon2.IDKey([]byte(norm.NFKC.String(password)), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

// VerifyNoAccount does the work of one VerifyPassword against a fixed hash
// and discards the result. Handlers call it when the email of a sign-in
// attempt has no local account, so the response takes as long as for a
// wrong password and does not reveal which emails exist.
func VerifyNoAccount(password string) {
	_, _ = VerifyPassword(noAccountHash, password)
}

// noAccountHash is a well-formed hash with the default parameters whose
// password nobody knows (the key is not the hash of any chosen text).
const noAccountHash = "$argon2id$v=19$m=19456,t=2,p=1$bm8tYWNjb3VudC1zYWx0$wK5l1Cz0t4JYfTfF6Qm1d3S1eZtH2c8o3tB9yJb8m0E"

type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parsePHC parses "$argon2id$v=19$m=M,t=T,p=P$salt$hash" strictly.
func parsePHC(s string) (phc, error) {
	var h phc
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return h, errors.New("malformed hash: not a PHC string")
	}
	if parts[1] != "argon2id" {
		return h, fmt.Errorf("malformed hash: algorithm %q, want argon2id", parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return h, fmt.Errorf("malformed hash: version %q, want v=%d", parts[2], argon2.Version)
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return h, errors.New("malformed hash: want parameters m, t, p")
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(params[i], name+"=")
		if !ok {
			return h, fmt.Errorf("malformed hash: parameter %d is not %s", i+1, name)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || v != strconv.FormatUint(n, 10) {
			return h, fmt.Errorf("malformed hash: parameter %s=%q", name, v)
		}
		vals[i] = n
	}
	m, t, p := vals[0], vals[1], vals[2]
	if p < 1 || p > maxArgonThreads || t < 1 || t > maxArgonTime || m < 8*p || m > maxArgonMemoryKiB {
		return h, fmt.Errorf("malformed hash: parameters m=%d,t=%d,p=%d out of bounds", m, t, p)
	}
	salt, err := phcB64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return h, errors.New("malformed hash: bad salt")
	}
	key, err := phcB64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return h, errors.New("malformed hash: bad key")
	}
	return phc{memory: uint32(m), time: uint32(t), threads: uint8(p), salt: salt, key: key}, nil
}

// CheckPassword applies the local-account password policy: valid UTF-8, at
// least MinPasswordChars characters (after NFKC normalization), at most
// MaxPasswordBytes bytes, and not one character repeated. It returns nil or
// an Invalid *models.Error whose message can be shown next to the field.
func CheckPassword(password string) error {
	if len(password) > MaxPasswordBytes {
		return models.Errorf(models.Invalid, "Password must be at most %d bytes long (fewer characters if it uses accented or non-Latin letters).", MaxPasswordBytes)
	}
	if !utf8.ValidString(password) {
		return models.Errorf(models.Invalid, "Password contains invalid characters.")
	}
	p := norm.NFKC.String(password)
	if utf8.RuneCountInString(p) < MinPasswordChars {
		return models.Errorf(models.Invalid, "Password must be at least %d characters long.", MinPasswordChars)
	}
	first, _ := utf8.DecodeRuneInString(p)
	if strings.Trim(p, string(first)) == "" {
		return models.Errorf(models.Invalid, "Password must not be one character repeated.")
	}
	return nil
}

// passwordAlphabet has no characters that are easily confused when read
// aloud or copied from a screen: no 0/O/o, 1/l/I, 5/S, 2/Z, 8/B.
const passwordAlphabet = "34679abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY"

// GeneratedPasswordLen is the length of GeneratePassword's passwords: 20
// characters of a 50-symbol alphabet, about 112 bits of entropy.
const GeneratedPasswordLen = 20

// GeneratePassword returns a random password of GeneratedPasswordLen
// characters from an unambiguous alphabet, for demo accounts and for
// `portico user create` without a password. It passes CheckPassword.
func GeneratePassword() string {
	size := big.NewInt(int64(len(passwordAlphabet)))
	for {
		b := make([]byte, GeneratedPasswordLen)
		for i := range b {
			n, err := rand.Int(rand.Reader, size)
			if err != nil {
				panic("identity: crypto/rand failed: " + err.Error()) // cannot happen since Go 1.24
			}
			b[i] = passwordAlphabet[n.Int64()]
		}
		if p := string(b); CheckPassword(p) == nil {
			return p
		}
	}
}
