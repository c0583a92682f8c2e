package handlers

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// requireAdminToken guards the admin JSON API with the bootstrap admin
// token (Authorization: Bearer <token>). Tokens are compared as SHA-256
// digests in constant time, so neither their content nor their length leaks
// through timing. An empty configured token disables the admin API. The
// identity issue replaces this guard.
func requireAdminToken(token string, errs *ErrorRenderer) func(http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if token == "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="portico"`)
				errs.renderStatus(w, r, http.StatusUnauthorized,
					"The admin API is disabled. Start Portico with an admin token (--admin-token, or PORTICO_ADMIN_TOKEN / PORTICO_ADMIN_TOKEN_FILE) to enable it.", nil)
				return
			}
			got, ok := bearerToken(r)
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="portico"`)
				errs.renderStatus(w, r, http.StatusUnauthorized,
					"This endpoint needs the admin token: send it as \"Authorization: Bearer <token>\".", nil)
				return
			}
			sum := sha256.Sum256([]byte(got))
			if subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="portico", error="invalid_token"`)
				errs.renderStatus(w, r, http.StatusUnauthorized, "The admin token is not valid.", nil)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}
