package sso

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// flow is what the flow cookie binds to the browser between Begin and
// Complete. It is sealed with AES-GCM, so the browser can neither read nor
// change it.
type flow struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"` // PKCE code verifier
	ReturnTo string `json:"r"`
	Expires  int64  `json:"e"` // Unix seconds
}

func newAEAD(secret []byte) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, secret, nil, "portico sso flow cookie v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal encrypts f; the cookie name is authenticated data, so a value cannot
// be replayed under another cookie.
func (m *Manager) seal(f flow) (string, error) {
	plain, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, m.aead.NonceSize(), m.aead.NonceSize()+len(plain)+m.aead.Overhead())
	rand.Read(nonce) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(m.aead.Seal(nonce, nonce, plain, []byte(m.cookie))), nil
}

// open decrypts a flow cookie value and checks that it has not expired.
func (m *Manager) open(value string) (flow, error) {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < m.aead.NonceSize() {
		return flow{}, errBadFlow
	}
	plain, err := m.aead.Open(nil, raw[:m.aead.NonceSize()], raw[m.aead.NonceSize():], []byte(m.cookie))
	if err != nil {
		return flow{}, errBadFlow
	}
	var f flow
	if err := json.Unmarshal(plain, &f); err != nil {
		return flow{}, fmt.Errorf("%w: %w", errBadFlow, err)
	}
	if !m.now().Before(time.Unix(f.Expires, 0)) {
		return flow{}, errFlowExpired
	}
	return f, nil
}

// takeFlow reads the flow cookie and deletes it: a flow is used once,
// whatever the outcome.
func (m *Manager) takeFlow(w http.ResponseWriter, r *http.Request) (flow, error) {
	c, err := r.Cookie(m.cookie)
	if err != nil {
		return flow{}, errNoFlow
	}
	http.SetCookie(w, m.flowCookie("", -1))
	w.Header().Set("Cache-Control", "no-store")
	return m.open(c.Value)
}

// flowCookie is the flow cookie with value; maxAge < 0 deletes it.
func (m *Manager) flowCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     m.cookie,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   m.secure,
		SameSite: http.SameSiteLaxMode,
	}
}
