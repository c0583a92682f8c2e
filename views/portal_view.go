package views

import (
	"net/url"
	"strconv"
	"time"

	"github.com/portico/portico/models"
)

// ProductURL is the address of an API product page.
func ProductURL(subsidiary, api string) string {
	return "/apis/" + url.PathEscape(subsidiary) + "/" + url.PathEscape(api)
}

// ReferenceURL is the address of the API reference of one version.
func ReferenceURL(subsidiary, api, version string) string {
	return ProductURL(subsidiary, api) + "/" + url.PathEscape(version)
}

// DocumentURL is the address of a version's OpenAPI document in format
// "json" or "yaml".
func DocumentURL(subsidiary, api, version, format string) string {
	return ReferenceURL(subsidiary, api, version) + "/openapi." + format
}

// CatalogURL is the address of the catalog page showing q. Zero fields are
// left out, and page 1 is implied.
func CatalogURL(q models.CatalogQuery) string {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	if q.Subsidiary != "" {
		v.Set("subsidiary", q.Subsidiary)
	}
	if q.Tag != "" {
		v.Set("tag", q.Tag)
	}
	if q.State != "" {
		v.Set("state", string(q.State))
	}
	if q.Audience != "" {
		v.Set("audience", string(q.Audience))
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if len(v) == 0 {
		return "/apis"
	}
	return "/apis?" + v.Encode()
}

// HomeView is what the home page shows.
type HomeView struct {
	Settings     models.PortalSettings
	AboutHTML    string // sanitized HTML of Settings.GroupAbout
	Subsidiaries []SubsidiaryCard
	Featured     []models.CatalogEntry
}

// SubsidiaryCard is a subsidiary on the home page.
type SubsidiaryCard struct {
	Slug            string
	Name            string
	DescriptionHTML string // sanitized HTML
	APICount        int
}

// CatalogView is what the catalog page shows.
type CatalogView struct {
	Query      models.CatalogQuery // the query as applied (invalid values dropped)
	Result     models.CatalogPage
	Notices    []string // what was ignored or adjusted in the request, in plain words
	Filters    CatalogFilters
	Active     []ActiveFilter // the applied filters, each with a link that removes it
	Pagination Pagination
}

// Filtered reports whether the query narrows the catalog at all.
func (v CatalogView) Filtered() bool {
	q := v.Query
	return q.Q != "" || q.Subsidiary != "" || q.Tag != "" || q.State != "" || q.Audience != ""
}

// CatalogFilters are the options of the catalog's filter controls.
type CatalogFilters struct {
	Subsidiaries []Option
	Tags         []Option
	States       []Option
	Audiences    []Option
}

// Option is one choice of a select control.
type Option struct {
	Value    string
	Label    string
	Count    int // matching entries; -1 when unknown
	Selected bool
}

// Text is the option's visible text: its label with the count when known.
func (o Option) Text() string {
	if o.Count < 0 {
		return o.Label
	}
	return o.Label + " (" + strconv.Itoa(o.Count) + ")"
}

// ActiveFilter is an applied filter shown as a removable chip.
type ActiveFilter struct {
	Name      string // "Subsidiary", "Tag", …
	Value     string // display value
	RemoveURL string
}

// Pagination is a page navigation.
type Pagination struct {
	Page  int
	Pages int
	Prev  string // URL of the previous page, "" on the first
	Next  string // URL of the next page, "" on the last
	Links []PageLink
}

// PageLink is a numbered page link, or a gap ("…") between numbers.
type PageLink struct {
	Number  int
	URL     string
	Current bool
	Gap     bool
}

// NewPagination returns the navigation for page of pages, with links to the
// first and last pages and two pages on either side of the current one.
// urlFor gives the address of a page.
func NewPagination(page, pages int, urlFor func(page int) string) Pagination {
	if pages < 1 {
		pages = 1
	}
	p := Pagination{Page: page, Pages: pages}
	if page > 1 {
		p.Prev = urlFor(min(page-1, pages))
	}
	if page < pages {
		p.Next = urlFor(page + 1)
	}
	last := 0
	for n := 1; n <= pages; n++ {
		if n != 1 && n != pages && (n < page-2 || n > page+2) {
			continue
		}
		if last != 0 && n > last+1 {
			p.Links = append(p.Links, PageLink{Gap: true})
		}
		p.Links = append(p.Links, PageLink{Number: n, URL: urlFor(n), Current: n == page})
		last = n
	}
	return p
}

// ProductView is what an API product page shows.
type ProductView struct {
	Product         models.APIProduct
	Current         models.APIVersion // the version readers are sent to; zero when none is listed
	HasCurrent      bool
	DescriptionHTML string // sanitized HTML of the API's description
}

// FormatDate formats a date the way the portal shows dates: "2 Jan 2026".
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("2 Jan 2006")
}

// ISODate formats a date for a <time datetime> attribute.
func ISODate(t time.Time) string {
	return t.Format("2006-01-02")
}

// plural returns "1 operation" or "3 operations".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// resultCount is the heading over the catalog results.
func resultCount(v CatalogView) string {
	p := v.Result
	total := plural(p.Total, "API", "APIs")
	if p.Total == 0 {
		return "No APIs"
	}
	if p.Pages() > 1 && len(p.Entries) > 0 {
		from := (p.Page-1)*p.PerPage + 1
		to := from + len(p.Entries) - 1
		return "Showing " + strconv.Itoa(from) + "–" + strconv.Itoa(to) + " of " + total
	}
	return total
}

// resultStatus is what screen readers announce after the results change.
func resultStatus(v CatalogView) string {
	if v.Query.Q != "" {
		return plural(v.Result.Total, "API", "APIs") + " found for “" + v.Query.Q + "”."
	}
	return plural(v.Result.Total, "API", "APIs") + " found."
}

func noResultsTitle(v CatalogView) string {
	if v.Query.Q != "" {
		return "No APIs match “" + v.Query.Q + "”"
	}
	return "No APIs match these filters"
}

func firstPage(q models.CatalogQuery) models.CatalogQuery {
	q.Page = 1
	return q
}

func totalAPIs(subs []SubsidiaryCard) int {
	n := 0
	for _, s := range subs {
		n += s.APICount
	}
	return n
}

// deprecationText tells readers of a deprecated version what to expect.
func deprecationText(v models.APIVersion) string {
	when := "in the future"
	if v.SunsetAt != nil {
		when = "on " + FormatDate(*v.SunsetAt)
	}
	return "It still answers calls, but it will be retired " + when + ". Plan your move to a newer version; do not start new integrations on it."
}

// audienceText says in words who an API is for.
func audienceText(a models.Audience) string {
	switch a {
	case models.AudiencePartner:
		return "Partners"
	case models.AudienceInternal:
		return "Internal teams"
	}
	return "Public"
}

// cardTagLimit is how many tags an API card shows.
const cardTagLimit = 6

// firstTags returns the tags an API card shows.
func firstTags(tags []string) []string {
	if len(tags) > cardTagLimit {
		return tags[:cardTagLimit]
	}
	return tags
}
