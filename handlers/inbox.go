package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// NotificationStore is what the inbox needs from persistence. Every read
// and change is scoped to the user: someone else's notification is
// NotFound.
type NotificationStore interface {
	ListNotifications(ctx context.Context, userID int64, limit int) ([]models.Notification, error)
	UnreadNotifications(ctx context.Context, userID int64) (int64, error)
	MarkNotificationsRead(ctx context.Context, userID int64, ids []int64) error
}

// inboxLimit is how many notifications the inbox shows.
const inboxLimit = 100

// InboxHandler serves the in-portal inbox.
type InboxHandler struct {
	st    NotificationStore
	pages *pageRenderer
	guard routeGuard
}

// NewInboxHandler returns the inbox's handler.
func NewInboxHandler(st NotificationStore, pages *pageRenderer, guard routeGuard) *InboxHandler {
	return &InboxHandler{st: st, pages: pages, guard: guard}
}

// Routes registers the inbox, for every signed-in user.
func (h *InboxHandler) Routes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(h.guard.RequireSignIn)
		r.Get("/inbox", h.list)
		r.Post("/inbox/read", h.markRead)
	})
}

// list shows the viewer's newest notifications.
func (h *InboxHandler) list(w http.ResponseWriter, r *http.Request) {
	v := ViewerFrom(r.Context())
	ns, err := h.st.ListNotifications(r.Context(), v.User.ID, inboxLimit)
	if err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	meta := h.pages.meta(r, "Inbox", "inbox")
	view := views.NewInboxView(ns, meta.Unread)
	if r.URL.Query().Get("done") == "read" {
		view.Notice = "Marked as read."
	}
	h.pages.render(w, r, http.StatusOK, views.InboxPage(meta, view))
}

// markRead marks one notification (form field id) or all of them read.
// Another user's notification is NotFound.
func (h *InboxHandler) markRead(w http.ResponseWriter, r *http.Request) {
	v := ViewerFrom(r.Context())
	var ids []int64
	if raw := strings.TrimSpace(r.PostFormValue("id")); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id < 1 {
			h.pages.errs.Render(w, r, models.Errorf(models.NotFound, "Notification not found"))
			return
		}
		ids = []int64{id}
	}
	if err := h.st.MarkNotificationsRead(r.Context(), v.User.ID, ids); err != nil {
		h.pages.errs.Render(w, r, err)
		return
	}
	http.Redirect(w, r, withDone("/inbox", "read"), http.StatusSeeOther)
}

// unreadCounter counts the viewer's unread notifications at most once per
// request, and only for requests that render a page for a signed-in user:
// one indexed COUNT per page view.
type unreadCounter struct {
	st   NotificationStore
	once sync.Once
	n    int64
}

type unreadKey struct{}

// withUnreadCount makes the viewer's unread count available to the page
// header through unreadNotifications. It must run after the session
// middleware.
func withUnreadCount(st NotificationStore) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), unreadKey{}, &unreadCounter{st: st})))
		})
	}
}

// unreadNotifications returns the signed-in viewer's unread count, or 0
// (anonymous visitors, a failed count: the header then shows no badge
// rather than an error page).
func unreadNotifications(ctx context.Context) int64 {
	c, ok := ctx.Value(unreadKey{}).(*unreadCounter)
	v := ViewerFrom(ctx)
	if !ok || v == nil {
		return 0
	}
	c.once.Do(func() {
		if n, err := c.st.UnreadNotifications(ctx, v.User.ID); err == nil {
			c.n = n
		}
	})
	return c.n
}
