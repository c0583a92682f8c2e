package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"
)

// HealthStore is what the operations endpoints need from persistence.
type HealthStore interface {
	Ping(ctx context.Context) error
	SchemaVersion(ctx context.Context) (current, latest int64, err error)
}

// HealthHandler serves the liveness and readiness probes.
type HealthHandler struct {
	st   HealthStore
	errs *ErrorRenderer
}

// NewHealthHandler returns the operations endpoints over st.
func NewHealthHandler(st HealthStore, errs *ErrorRenderer) *HealthHandler {
	return &HealthHandler{st: st, errs: errs}
}

// Routes registers /healthz and /readyz.
func (h *HealthHandler) Routes(r chi.Router) {
	r.Get("/healthz", h.live)
	r.Get("/readyz", h.ready)
}

// live answers as long as the process serves HTTP.
func (h *HealthHandler) live(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// ready answers 200 when the database answers and its schema is current,
// else 503 with a problem saying which.
func (h *HealthHandler) ready(w http.ResponseWriter, r *http.Request) {
	if err := h.st.Ping(r.Context()); err != nil {
		h.notReady(w, r, "The database does not answer.", err)
		return
	}
	current, latest, err := h.st.SchemaVersion(r.Context())
	if err != nil {
		h.notReady(w, r, "The database schema version cannot be read.", err)
		return
	}
	if current != latest {
		h.notReady(w, r, fmt.Sprintf("The database schema is at version %d; this Portico needs version %d. Run \"portico migrate\".", current, latest), nil)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "schema_version": current})
}

func (h *HealthHandler) notReady(w http.ResponseWriter, r *http.Request, detail string, cause error) {
	attrs := []slog.Attr{slog.String("request_id", RequestIDFrom(r.Context())), slog.String("reason", detail)}
	if cause != nil {
		attrs = append(attrs, slog.String("error", cause.Error()))
	}
	h.errs.log.LogAttrs(r.Context(), slog.LevelWarn, "not ready", attrs...)
	writeProblem(w, r, http.StatusServiceUnavailable, detail, nil)
}
