package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// statusOf maps each error kind to its one HTTP status.
var statusOf = map[models.Kind]int{
	models.NotFound:        http.StatusNotFound,
	models.Conflict:        http.StatusConflict,
	models.Invalid:         http.StatusUnprocessableEntity,
	models.Forbidden:       http.StatusForbidden,
	models.Unauthenticated: http.StatusUnauthorized,
	models.TooLarge:        http.StatusRequestEntityTooLarge,
	models.Unavailable:     http.StatusServiceUnavailable,
	models.Internal:        http.StatusInternalServerError,
}

// pageTitles are the headings of HTML error pages.
var pageTitles = map[int]string{
	http.StatusNotFound:              "Page not found",
	http.StatusMethodNotAllowed:      "Method not allowed",
	http.StatusConflict:              "Conflict",
	http.StatusUnprocessableEntity:   "Invalid request",
	http.StatusForbidden:             "Access denied",
	http.StatusUnauthorized:          "Sign-in required",
	http.StatusRequestEntityTooLarge: "Too large",
	http.StatusInternalServerError:   "Something went wrong",
	http.StatusServiceUnavailable:    "Temporarily unavailable",
}

// ErrorRenderer turns errors into responses: an HTML error page for portal
// routes, an RFC 9457 problem (application/problem+json) for /api/ routes.
// It is the one place that logs request errors, and only Internal ones. It
// never writes an error's own text into a response, only the user-safe
// message of a *models.Error.
type ErrorRenderer struct {
	log          *slog.Logger
	assetVersion string
}

// statusError is a refusal of the HTTP layer itself whose status no error
// kind covers, such as 415 Unsupported Media Type. Its message is user-safe.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

// Render writes the response for err, with the status of its kind.
func (e *ErrorRenderer) Render(w http.ResponseWriter, r *http.Request, err error) {
	var se *statusError
	if errors.As(err, &se) {
		e.renderStatus(w, r, se.status, se.msg, nil)
		return
	}
	kind := models.KindOf(err)
	status, ok := statusOf[kind]
	if !ok {
		kind, status = models.Internal, http.StatusInternalServerError
	}
	msg := models.MessageOf(err)
	details := models.DetailsOf(err)
	if kind == models.Internal {
		e.log.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", RequestIDFrom(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("error", err.Error()),
		)
		msg = "Something went wrong on our side. Please try again in a moment; if it keeps happening, contact the portal team and quote the request ID."
		details = nil
	}
	e.renderStatus(w, r, status, msg, details)
}

// renderStatus writes an error response with a status and a user-safe
// message and details.
func (e *ErrorRenderer) renderStatus(w http.ResponseWriter, r *http.Request, status int, msg string, details []string) {
	if isAPIPath(r.URL.Path) {
		writeProblem(w, r, status, msg, details)
		return
	}
	title := pageTitles[status]
	if title == "" {
		title = http.StatusText(status)
	}
	meta := newPageMeta(r, e.assetVersion, title, "")
	var buf bytes.Buffer
	if err := views.ErrorDetailsPage(meta, status, title, msg, details).Render(r.Context(), &buf); err != nil {
		e.log.LogAttrs(r.Context(), slog.LevelError, "render error page",
			slog.String("request_id", RequestIDFrom(r.Context())),
			slog.String("error", err.Error()))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(title + "\n"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// notFound answers requests for unknown routes.
func (e *ErrorRenderer) notFound(w http.ResponseWriter, r *http.Request) {
	msg := "There is no page at this address. It may have moved, or the link may be mistyped."
	if isAPIPath(r.URL.Path) {
		msg = "There is no API endpoint at this path. /api/v1/openapi.json lists the endpoints."
	}
	e.renderStatus(w, r, http.StatusNotFound, msg, nil)
}

// methodNotAllowed answers requests whose path exists with another method,
// listing the allowed methods in the Allow header.
func (e *ErrorRenderer) methodNotAllowed(w http.ResponseWriter, r *http.Request, routes chi.Routes) {
	var allowed []string
	path := r.URL.Path
	if r.URL.RawPath != "" {
		path = r.URL.RawPath
	}
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if routes.Match(chi.NewRouteContext(), m, path) || (m == http.MethodHead && routes.Match(chi.NewRouteContext(), http.MethodGet, path)) {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
	}
	e.renderStatus(w, r, http.StatusMethodNotAllowed,
		"This address does not accept "+r.Method+" requests.", nil)
}

func isAPIPath(p string) bool {
	return p == "/api" || strings.HasPrefix(p, "/api/")
}

// problem is an RFC 9457 problem detail.
type problem struct {
	Type      string   `json:"type"`
	Title     string   `json:"title"`
	Status    int      `json:"status"`
	Detail    string   `json:"detail,omitempty"`
	Instance  string   `json:"instance,omitempty"`
	RequestID string   `json:"request_id,omitempty"`
	Errors    []string `json:"errors,omitempty"`
}

// writeProblem writes an application/problem+json response.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, detail string, details []string) {
	p := problem{
		Type:      "about:blank",
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    detail,
		Instance:  r.URL.Path,
		RequestID: RequestIDFrom(r.Context()),
		Errors:    details,
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(p)
}
