// Package markdown turns Markdown written by API publishers (API
// descriptions, OpenAPI description fields) into HTML that is safe to embed in
// portal pages. It is its own package because both the openapi package (which
// pre-renders reference pages) and views need it, and neither may import the
// other.
package markdown

import (
	"bytes"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Renderer renders Markdown to sanitized HTML. It is safe for concurrent use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// New returns a Renderer with GitHub-flavoured Markdown (tables,
// strikethrough, autolinks). Raw HTML in the source is dropped by goldmark and
// the output is sanitized again with a user-generated-content policy, so
// scripts, event handlers, javascript: URLs and iframes never survive.
func New() *Renderer {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return &Renderer{
		md:     goldmark.New(goldmark.WithExtensions(extension.GFM)),
		policy: p,
	}
}

// Render returns the sanitized HTML for src. Empty or blank input gives "".
func (r *Renderer) Render(src string) string {
	if strings.TrimSpace(src) == "" {
		return ""
	}
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(src), &buf); err != nil {
		// goldmark only fails on writer errors; fall back to escaped text.
		return r.policy.Sanitize("<p>" + htmlEscape(src) + "</p>")
	}
	return r.policy.Sanitize(buf.String())
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
