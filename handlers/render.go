package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/a-h/templ"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// SettingsStore is what every portal page needs from persistence: the
// portal-wide texts (the group's name is in the header of every page).
type SettingsStore interface {
	PortalSettings(ctx context.Context) (models.PortalSettings, error)
}

// settingsLoader loads the portal settings at most once per request, and
// only for requests that render a page.
type settingsLoader struct {
	st   SettingsStore
	once sync.Once
	s    models.PortalSettings
	err  error
}

func (l *settingsLoader) get(ctx context.Context) (models.PortalSettings, error) {
	l.once.Do(func() { l.s, l.err = l.st.PortalSettings(ctx) })
	return l.s, l.err
}

// withSettings makes the portal settings available to the request through
// portalSettings, loaded lazily.
func withSettings(st SettingsStore) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			l := &settingsLoader{st: st}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), settingsKey, l)))
		})
	}
}

// portalSettings returns the portal settings of the request's context.
func portalSettings(ctx context.Context) (models.PortalSettings, error) {
	l, ok := ctx.Value(settingsKey).(*settingsLoader)
	if !ok {
		return models.PortalSettings{}, nil
	}
	return l.get(ctx)
}

// newPageMeta builds the layout's PageMeta. It is the one place that fills
// it, so page handlers do not repeat navigation boilerplate. A failure to
// load the settings only costs the group name in the header: the page's own
// data decides whether it renders.
func newPageMeta(r *http.Request, assetVersion, title, section string) views.PageMeta {
	s, _ := portalSettings(r.Context())
	m := views.PageMeta{
		Title:        title,
		GroupName:    s.GroupName,
		Section:      section,
		AssetVersion: assetVersion,
		RequestID:    RequestIDFrom(r.Context()),
		Path:         r.URL.RequestURI(),
	}
	setViewerMeta(&m, ViewerFrom(r.Context()))
	m.Unread = unreadNotifications(r.Context())
	return m
}

// pageRenderer renders portal pages.
type pageRenderer struct {
	errs         *ErrorRenderer
	assetVersion string
	bufs         sync.Pool // *bytes.Buffer; reference pages are large
}

// meta returns the PageMeta of a page of the given section ("home", "apis").
func (p *pageRenderer) meta(r *http.Request, title, section string) views.PageMeta {
	return newPageMeta(r, p.assetVersion, title, section)
}

// render buffers c and writes it with status; a render error becomes the
// error page instead of half a page.
func (p *pageRenderer) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	buf, _ := p.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer p.putBuf(buf)
	if err := c.Render(r.Context(), buf); err != nil {
		p.errs.Render(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-cache")
	}
	// Partial responses differ from full pages at the same URL.
	h.Add("Vary", "HX-Request")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (p *pageRenderer) putBuf(b *bytes.Buffer) {
	if b.Cap() > 32<<20 {
		return // let unusually large buffers go
	}
	b.Reset()
	p.bufs.Put(b)
}

// writeJSON writes v as indented JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		// Our response types always marshal; this is a programming error.
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// isHTMX reports whether r was sent by htmx and wants a partial.
func isHTMX(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}
