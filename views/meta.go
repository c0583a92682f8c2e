// Package views holds the portal's templ components: the layout, shared
// components, and one file per area of the site. Components take view models
// as parameters and never do I/O.
package views

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
