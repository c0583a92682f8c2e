// Package views holds the portal's templ components: the layout, shared
// components, and one file per area of the site. Components take view models
// as parameters and never do I/O.
package views

import (
	"net/url"
	"strings"
)

// PageMeta is what the layout needs on every page. Handlers build it with one
// helper, so page handlers do not repeat navigation boilerplate.
type PageMeta struct {
	Title        string // page title, without the site name
	Description  string // meta description
	GroupName    string // the financial group's name, shown in the header
	Section      string // active navigation entry: "home", "apis"
	Query        string // current catalog search, echoed in the header search box
	AssetVersion string // cache-busting token for /static URLs
	RequestID    string

	// The signed-in user, for the header's user menu. Zero for anonymous
	// visitors.
	SignedIn  bool
	UserName  string // display name; the email when the user has no name
	UserEmail string
	ShowAdmin bool  // the user administers a subsidiary or the platform
	ShowTeams bool  // the user may create and manage consumer teams
	ShowApps  bool  // the user may create applications and get keys
	Unread    int64 // the user's unread notifications (header badge)
	// Path is the current page's path and query, where "Sign in" returns to.
	Path string
}

// SignInURL is the sign-in page, returning to the current page afterwards.
func (m PageMeta) SignInURL() string {
	return SignInURL(m.Path)
}

// SignInURL is the sign-in page with return_to set to a local path. Paths
// that would not be useful to return to (the sign-in page itself, the
// home page) are left out.
func SignInURL(returnTo string) string {
	if returnTo == "" || returnTo == "/" || !strings.HasPrefix(returnTo, "/") || strings.HasPrefix(returnTo, "/login") || strings.HasPrefix(returnTo, "/auth/") {
		return "/login"
	}
	return "/login?return_to=" + url.QueryEscape(returnTo)
}

// Asset returns the URL of a static file with the cache-busting token.
func (m PageMeta) Asset(name string) string {
	if m.AssetVersion == "" {
		return "/static/" + name
	}
	return "/static/" + name + "?v=" + m.AssetVersion
}

// FullTitle is the document title: page title, then the site name.
func (m PageMeta) FullTitle() string {
	site := "Portico"
	if m.GroupName != "" {
		site = m.GroupName + " Developer Portal"
	}
	if m.Title == "" {
		return site
	}
	return m.Title + " · " + site
}
