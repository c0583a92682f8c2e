package credentials

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"hash"
	"strconv"
	"sync"

	"github.com/portico/portico/models"
)

// MinPepperLength is the shortest pepper NewHasher accepts, in bytes.
const MinPepperLength = 32

// Hasher turns secret keys into fixed-length digests for storage and lookup:
// HMAC-SHA-256 keyed with a server-side pepper, so a leaked table of digests
// cannot be checked against guesses without the pepper. It holds the current
// pepper and, during a rotation, previous ones. Make one with NewHasher (the
// zero Hasher has no pepper and panics). A Hasher is safe for concurrent use.
type Hasher struct {
	peppers []*keyedHash // current first
}

// keyedHash pools HMAC states keyed with one pepper: building an HMAC costs
// more than using it, and the gateway digests a key on every request.
type keyedHash struct {
	pool sync.Pool // of *hmacState
}

type hmacState struct {
	mac hash.Hash
	buf [KeyLength]byte // lets Write take a key without a heap copy
}

func newKeyedHash(pepper []byte) *keyedHash {
	key := append([]byte(nil), pepper...)
	k := &keyedHash{}
	k.pool.New = func() any { return &hmacState{mac: hmac.New(sha256.New, key)} }
	return k
}

func (k *keyedHash) digest(secret string) [32]byte {
	st := k.pool.Get().(*hmacState)
	defer k.pool.Put(st)
	st.mac.Reset()
	if len(secret) <= len(st.buf) {
		n := copy(st.buf[:], secret)
		st.mac.Write(st.buf[:n])
		clear(st.buf[:n])
	} else {
		st.mac.Write([]byte(secret))
	}
	var d [32]byte
	st.mac.Sum(d[:0])
	return d
}

// NewHasher returns a Hasher that digests with current and also accepts
// digests made with any of previous (oldest last), so keys hashed before a
// pepper rotation still verify until they are re-hashed. Every pepper must be
// at least MinPepperLength bytes and all must differ; otherwise it returns an
// Invalid *models.Error (which never contains a pepper). The peppers are
// copied.
func NewHasher(current []byte, previous ...[]byte) (*Hasher, error) {
	all := append([][]byte{current}, previous...)
	h := &Hasher{peppers: make([]*keyedHash, 0, len(all))}
	for i, p := range all {
		if len(p) < MinPepperLength {
			return nil, models.Errorf(models.Invalid, "The %s must be at least %d bytes, not %d.", pepperName(i), MinPepperLength, len(p))
		}
		for j, q := range all[:i] {
			if hmac.Equal(p, q) {
				return nil, models.Errorf(models.Invalid, "The %s is the same as the %s.", pepperName(i), pepperName(j))
			}
		}
		h.peppers = append(h.peppers, newKeyedHash(p))
	}
	return h, nil
}

func pepperName(i int) string {
	if i == 0 {
		return "current pepper"
	}
	return "previous pepper " + strconv.Itoa(i)
}

// Digest returns HMAC-SHA-256(current pepper, secret). Pass the whole key
// (Key.Secret), as issued; the store indexes and compares this value.
func (h *Hasher) Digest(secret string) [32]byte {
	return h.peppers[0].digest(secret)
}

// DigestHex returns Digest as 64 lower-case hex digits, for columns and
// configuration snapshots that hold text.
func (h *Hasher) DigestHex(secret string) string {
	d := h.Digest(secret)
	return hex.EncodeToString(d[:])
}

// Digests returns the secret's digest under every pepper, current first. A
// lookup by digest tries them in order; a match on a later one means the
// stored digest should be replaced by Digest(secret).
func (h *Hasher) Digests(secret string) [][32]byte {
	out := make([][32]byte, len(h.peppers))
	for i, p := range h.peppers {
		out[i] = p.digest(secret)
	}
	return out
}

// Verify reports whether secret matches the stored digest under any pepper,
// comparing every candidate in constant time, and whether the match was under
// a previous pepper (so the caller should store Digest(secret) instead).
func (h *Hasher) Verify(secret string, stored [32]byte) (ok, rehash bool) {
	for i, d := range h.Digests(secret) {
		// No early exit: the time taken does not depend on which pepper matched.
		if h.Equal(d, stored) && !ok {
			ok, rehash = true, i > 0
		}
	}
	return ok, rehash
}

// Equal reports whether two digests are equal, in time that does not depend
// on their contents.
func (h *Hasher) Equal(a, b [32]byte) bool {
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}
