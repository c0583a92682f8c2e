package views

import (
	"strconv"
	"strings"
	"time"

	"github.com/portico/portico/models"
)

// InboxView is the inbox page: the viewer's newest notifications.
type InboxView struct {
	Items  []InboxItem
	Unread int64
	Notice string // confirmation after marking read
}

// InboxItem is one notification as the inbox shows it.
type InboxItem struct {
	ID     int64
	Kind   models.NotificationKind
	Title  string
	Body   string
	Link   string // local path, "" for none
	At     time.Time
	Unread bool
}

// NewInboxView builds the inbox of notifications, newest first.
func NewInboxView(ns []models.Notification, unread int64) InboxView {
	v := InboxView{Unread: unread, Items: make([]InboxItem, 0, len(ns))}
	for _, n := range ns {
		link := n.Link
		// Only local paths become links: never another site.
		if !strings.HasPrefix(link, "/") || strings.HasPrefix(link, "//") || strings.HasPrefix(link, "/\\") {
			link = ""
		}
		v.Items = append(v.Items, InboxItem{ID: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body, Link: link, At: n.CreatedAt, Unread: n.Unread()})
	}
	return v
}

// When is the item's time for display.
func (i InboxItem) When() string { return i.At.UTC().Format("2 Jan 2006 15:04 UTC") }

// IDString is the item's ID as a form value.
func (i InboxItem) IDString() string { return strconv.FormatInt(i.ID, 10) }

// UnreadLabel is the accessible name of an unread count: "3 unread".
func UnreadLabel(n int64) string {
	return strconv.FormatInt(n, 10) + " unread"
}

// UnreadBadge is the count shown in the header: up to 99, then "99+".
func UnreadBadge(n int64) string {
	if n > 99 {
		return "99+"
	}
	return strconv.FormatInt(n, 10)
}
