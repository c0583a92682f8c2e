package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	settingsKey
	logInfoKey
)

// logInfo is what inner middleware tells the request log about a request.
type logInfo struct {
	userID int64 // the signed-in user, 0 for anonymous
}

// setLogUser tells the request log which user made the request.
func setLogUser(ctx context.Context, userID int64) {
	if li, ok := ctx.Value(logInfoKey).(*logInfo); ok {
		li.userID = userID
	}
}

// requestIDHeader carries the request ID in requests (from a trusted proxy)
// and in every response.
const requestIDHeader = "X-Request-Id"

// requestID gives every request an ID, echoed in the X-Request-Id response
// header, written to the request log and shown on error pages so a user can
// quote it. A well-formed incoming X-Request-Id (from a proxy in front of
// Portico) is kept; anything else is replaced.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(requestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(requestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// RequestIDFrom returns the ID of the request ctx belongs to, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}

// validRequestID accepts short IDs of letters, digits, '-', '_' and '.', so
// an incoming header cannot inject anything into logs or pages.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// requestLog writes one log line per request: request ID, method, route
// pattern (not the raw path, which may hold IDs), status, bytes, duration
// and the signed-in user's ID (0 for anonymous). It never logs headers, so
// credentials and cookies stay out of the log.
func requestLog(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			li := &logInfo{}
			next.ServeHTTP(ww, r.WithContext(context.WithValue(r.Context(), logInfoKey, li)))
			route := ""
			if rctx := chi.RouteContext(r.Context()); rctx != nil {
				route = rctx.RoutePattern()
			}
			if route == "" {
				route = "(unmatched)"
			}
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("request_id", RequestIDFrom(r.Context())),
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Int("bytes", ww.BytesWritten()),
				slog.Duration("duration", time.Since(start)),
				slog.Int64("user_id", li.userID),
			)
		})
	}
}

// recoverer turns a panic in a handler into a 500 response (page or
// problem, without the stack) and logs the panic with its stack.
func recoverer(errs *ErrorRenderer) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
					panic(v)
				}
				errs.log.LogAttrs(r.Context(), slog.LevelError, "panic",
					slog.String("request_id", RequestIDFrom(r.Context())),
					slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())),
				)
				// The response may be half written; if so there is nothing
				// better to do than to stop here.
				if ww, ok := w.(middleware.WrapResponseWriter); ok && ww.Status() != 0 {
					return
				}
				errs.Render(w, r, errors.New("panic"))
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// contentSecurityPolicy allows only same-origin resources and no inline
// script, and forbids framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// securityHeaders sets the security headers of every response, errors and
// static files included. hsts is true when the portal is served over https.
func securityHeaders(hsts bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", contentSecurityPolicy)
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
			if hsts {
				h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
			}
			next.ServeHTTP(w, r)
		})
	}
}

// crossOrigin rejects state-changing requests that a browser sends from
// another origin (CSRF) with a 403 page or problem.
func crossOrigin(errs *ErrorRenderer) func(http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		errs.renderStatus(w, r, http.StatusForbidden,
			"Cross-origin request refused: this action must be sent from the portal itself.", nil)
	}))
	return cop.Handler
}
