package views

import (
	"context"
	"io"
	"strings"

	"github.com/portico/portico/models"
)

// ReferenceView is what the API reference page shows: the product, the
// version being read and its render model. Product and Version may be zero
// (a preview of a document that is not stored yet); the page then shows
// what the document says about itself.
type ReferenceView struct {
	Product models.APIProduct
	Version models.APIVersion
	Ref     *models.Reference
}

// productURL is the API product page, or "" when the product is unknown.
func (v ReferenceView) productURL() string {
	if v.Product.Subsidiary.Slug == "" || v.Product.API.Slug == "" {
		return ""
	}
	return "/apis/" + v.Product.Subsidiary.Slug + "/" + v.Product.API.Slug
}

// versionURL is the reference page of version ver of the product.
func (v ReferenceView) versionURL(ver models.APIVersion) string {
	return v.productURL() + "/" + ver.Slug
}

// documentURL is the download URL of the document in format ext ("json" or
// "yaml"), or "" when the version is unknown.
func (v ReferenceView) documentURL(ext string) string {
	if v.productURL() == "" || v.Version.Slug == "" {
		return ""
	}
	return v.versionURL(v.Version) + "/openapi." + ext
}

// title is the name shown in the page heading.
func (v ReferenceView) title() string {
	if v.Product.API.Name != "" {
		return v.Product.API.Name
	}
	if v.Ref != nil && v.Ref.Title != "" {
		return v.Ref.Title
	}
	return "API reference"
}

// versionLabel is the version shown in the heading.
func (v ReferenceView) versionLabel() string {
	if v.Version.Version != "" {
		return v.Version.Version
	}
	if v.Ref != nil {
		return v.Ref.Version
	}
	return ""
}

// successor is the newest published version other than this one, if any:
// where readers of a deprecated or retired version should go.
func (v ReferenceView) successor() (models.APIVersion, bool) {
	for _, x := range v.Product.Versions {
		if x.State == models.StatePublished && x.ID != v.Version.ID && x.Slug != v.Version.Slug {
			return x, true
		}
	}
	return models.APIVersion{}, false
}

func (v ReferenceView) hasSuccessor() bool {
	_, ok := v.successor()
	return ok
}

func (v ReferenceView) successorVersion() models.APIVersion {
	s, _ := v.successor()
	return s
}

// otherVersions are the listed versions of the product other than this one.
func (v ReferenceView) otherVersions() []models.APIVersion {
	var out []models.APIVersion
	for _, x := range v.Product.Versions {
		if x.Slug != v.Version.Slug {
			out = append(out, x)
		}
	}
	return out
}

// navOpen says whether the sidebar's tag groups start expanded: they do
// unless the document is so large that the list would be a wall.
func (v ReferenceView) navOpen() bool {
	return v.Ref.OperationCount() <= 60
}

func sunsetDate(v models.APIVersion) string {
	if v.SunsetAt == nil {
		return ""
	}
	return v.SunsetAt.Format("2 January 2006")
}

// methodBadgeClass is the colour of an HTTP method badge. Every class is
// written in full so Tailwind finds it.
func methodBadgeClass(method string) string {
	switch method {
	case "GET":
		return "ref-method bg-emerald-100 text-emerald-800"
	case "POST":
		return "ref-method bg-sky-100 text-sky-800"
	case "PUT":
		return "ref-method bg-amber-100 text-amber-900"
	case "PATCH":
		return "ref-method bg-violet-100 text-violet-800"
	case "DELETE":
		return "ref-method bg-red-100 text-red-800"
	}
	return "ref-method bg-slate-200 text-slate-800"
}

// methodTextClass colours a method in the sidebar.
func methodTextClass(method string) string {
	switch method {
	case "GET":
		return "ref-nav-method text-emerald-700"
	case "POST":
		return "ref-nav-method text-sky-700"
	case "PUT":
		return "ref-nav-method text-amber-800"
	case "PATCH":
		return "ref-nav-method text-violet-700"
	case "DELETE":
		return "ref-nav-method text-red-700"
	}
	return "ref-nav-method text-slate-700"
}

// statusClass colours a response status by class.
func statusClass(status string) string {
	switch {
	case strings.HasPrefix(status, "2"):
		return "ref-status bg-emerald-100 text-emerald-800"
	case strings.HasPrefix(status, "3"):
		return "ref-status bg-sky-100 text-sky-800"
	case strings.HasPrefix(status, "4"):
		return "ref-status bg-amber-100 text-amber-900"
	case strings.HasPrefix(status, "5"):
		return "ref-status bg-red-100 text-red-800"
	}
	return "ref-status bg-slate-200 text-slate-800"
}

var statusTexts = map[string]string{
	"200": "OK", "201": "Created", "202": "Accepted", "203": "Non-Authoritative Information", "204": "No Content",
	"206": "Partial Content", "207": "Multi-Status", "301": "Moved Permanently", "302": "Found", "303": "See Other",
	"304": "Not Modified", "307": "Temporary Redirect", "308": "Permanent Redirect", "400": "Bad Request",
	"401": "Unauthorized", "402": "Payment Required", "403": "Forbidden", "404": "Not Found",
	"405": "Method Not Allowed", "406": "Not Acceptable", "408": "Request Timeout", "409": "Conflict",
	"410": "Gone", "412": "Precondition Failed", "413": "Content Too Large", "415": "Unsupported Media Type",
	"422": "Unprocessable Content", "428": "Precondition Required", "429": "Too Many Requests",
	"500": "Internal Server Error", "501": "Not Implemented", "502": "Bad Gateway", "503": "Service Unavailable",
	"504": "Gateway Timeout", "1XX": "Informational", "2XX": "Success", "3XX": "Redirection",
	"4XX": "Client error", "5XX": "Server error", "default": "Any other status",
}

func statusText(status string) string {
	if t, ok := statusTexts[status]; ok {
		return t
	}
	return statusTexts[strings.ToUpper(status)]
}

// paramSection is the parameters of an operation in one location.
type paramSection struct {
	Title  string
	Params []models.RefParameter
}

// paramSections splits parameters by location, in the order the model
// keeps them (path, query, header, cookie).
func paramSections(ps []models.RefParameter) []paramSection {
	var out []paramSection
	for _, p := range ps {
		title := locationTitle(p.In)
		if len(out) == 0 || out[len(out)-1].Title != title {
			out = append(out, paramSection{Title: title})
		}
		out[len(out)-1].Params = append(out[len(out)-1].Params, p)
	}
	return out
}

func locationTitle(in string) string {
	switch in {
	case "path":
		return "Path parameters"
	case "query":
		return "Query parameters"
	case "header":
		return "Header parameters"
	case "cookie":
		return "Cookie parameters"
	}
	return "Parameters"
}

// typeLabel is the type of a schema node as a reader says it: "string",
// "array of Pet", "one of 3 types".
func typeLabel(s *models.RefSchema) string {
	if s == nil {
		return "any"
	}
	switch {
	case s.Items != nil && (s.Type == "array" || s.Type == ""):
		return "array of " + itemLabel(s.Items)
	case isMap(s):
		return "map of " + itemLabel(s.AdditionalProperties)
	case s.Type != "":
		return s.Type
	case s.Composition == "oneOf":
		return "one of"
	case s.Composition == "anyOf":
		return "any of"
	case s.Composition == "allOf":
		return "all of"
	case s.Composition == "not":
		return "not"
	case len(s.Properties) > 0:
		return "object"
	}
	return "any"
}

// hasFacts says whether schemaFacts shows anything for s.
func hasFacts(s *models.RefSchema) bool {
	return len(s.Enum) > 0 || s.Const != "" || s.Default != "" || s.Example != "" || len(s.Constraints) > 0
}

// isMap reports whether s is an object used as a dictionary: no named
// properties, values of one schema.
func isMap(s *models.RefSchema) bool {
	return s.AdditionalProperties != nil && len(s.Properties) == 0 && (s.Type == "object" || s.Type == "")
}

func itemLabel(s *models.RefSchema) string {
	if s.Ref != "" && (s.Collapsed || s.Cycle) {
		return s.Ref
	}
	l := typeLabel(s)
	if s.Ref != "" && !strings.HasPrefix(l, "array") {
		return s.Ref
	}
	return l
}

// hasChildren says whether a property's schema has nested parts to show.
func hasChildren(s *models.RefSchema) bool {
	if s == nil || s.Collapsed || s.Cycle {
		return false
	}
	if len(s.Properties) > 0 || len(s.Variants) > 0 || s.AdditionalProperties != nil && !s.AdditionalProperties.IsLeaf() {
		return true
	}
	if s.Items != nil {
		return hasChildren(s.Items) || !s.Items.IsLeaf()
	}
	return false
}

// childSummary is the label of a folded part of a tree.
func childSummary(s *models.RefSchema) string {
	switch {
	case len(s.Properties) > 0:
		return "Show " + propCount(len(s.Properties))
	case s.Items != nil && len(s.Items.Properties) > 0:
		return "Show " + propCount(len(s.Items.Properties)) + " of each item"
	case len(s.Variants) > 0:
		return "Show " + itoa(len(s.Variants)) + " variants"
	}
	return "Show details"
}

func compositionTitle(c string) string {
	switch c {
	case "oneOf":
		return "One of"
	case "anyOf":
		return "Any of"
	case "allOf":
		return "All of"
	case "not":
		return "Not"
	}
	return c
}

func variantLabel(i int, s *models.RefSchema) string {
	switch {
	case s.Ref != "":
		return s.Ref
	case s.Title != "":
		return s.Title
	}
	return "Option " + itoa(i+1) + " · " + typeLabel(s)
}

// defRoot is the tree of a definition without the link to itself.
func defRoot(d models.RefSchemaDef) *models.RefSchema {
	if d.Schema == nil || d.Schema.Collapsed || d.Schema.Cycle || d.Schema.Ref != d.Name {
		return d.Schema
	}
	c := *d.Schema
	c.Ref = ""
	return &c
}

func schemaHref(name string) string { return "#" + models.SchemaAnchor(name) }

func securityHref(name string) string { return "#" + models.SecurityAnchor(name) }

func propCount(n int) string {
	if n == 1 {
		return "1 property"
	}
	return itoa(n) + " properties"
}

func flowTitle(kind string) string {
	switch kind {
	case "authorizationCode":
		return "Authorization code"
	case "clientCredentials":
		return "Client credentials"
	case "implicit":
		return "Implicit"
	case "password":
		return "Password"
	}
	return kind
}

func mediaTypes(m models.RefMedia) string {
	if len(m.OtherTypes) == 0 {
		return m.MediaType
	}
	return m.MediaType + ", " + strings.Join(m.OtherTypes, ", ")
}

// textEscaper escapes text for the content of an element, where only &, <
// and > matter. Quotes stay as they are, which keeps JSON examples short.
var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// text is a string written, escaped, as the content of an element (never
// of an attribute). A large reference writes tens of thousands of short
// texts; writing them this way skips the fmt.Sprint and html.EscapeString
// allocations of templ's { expression }, which halves the render time.
type text string

// Render writes the escaped text.
func (t text) Render(_ context.Context, w io.Writer) error {
	_, err := textEscaper.WriteString(w, string(t))
	return err
}
