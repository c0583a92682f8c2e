package models

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Limits on stored text, in characters. They keep one careless or hostile
// document from bloating every catalog page and search index.
const (
	MaxNameLen        = 200
	MaxSummaryLen     = 1000
	MaxDescriptionLen = 200_000
	MaxTagLen         = 64
	MaxTags           = 50
	MaxSlugLen        = 64
)

var (
	slugPattern        = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)
	versionSlugPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	sha256Hex          = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// ValidSlug reports whether s is a URL segment as Slugify makes them: lower
// case ASCII letters and digits separated by single dashes, at most 64
// characters.
func ValidSlug(s string) bool {
	return len(s) <= MaxSlugLen && slugPattern.MatchString(s)
}

// ValidVersionSlug reports whether s is a version URL segment as VersionSlug
// makes them ("1.2.0", "2020-08-27", "v2-beta").
func ValidVersionSlug(s string) bool {
	return len(s) <= MaxSlugLen && versionSlugPattern.MatchString(s) && !strings.HasSuffix(s, ".")
}

// problems collects user-safe validation messages.
type problems []string

func (p *problems) addf(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p problems) err(what string) error {
	if len(p) == 0 {
		return nil
	}
	msg := what + ": " + p[0]
	if len(p) > 1 {
		msg = fmt.Sprintf("%s: %s (and %d more problems)", what, p[0], len(p)-1)
	}
	return &Error{Kind: Invalid, Message: msg, Details: p}
}

func (p *problems) text(field, s string, required bool, max int) {
	switch n := utf8.RuneCountInString(s); {
	case required && strings.TrimSpace(s) == "":
		p.addf("%s is required", field)
	case n > max:
		p.addf("%s is %d characters long; the limit is %d", field, n, max)
	case !utf8.ValidString(s):
		p.addf("%s is not valid UTF-8", field)
	case strings.IndexByte(s, 0) >= 0:
		p.addf("%s contains a NUL character", field)
	}
}

func (p *problems) tags(field string, tags []string) {
	if len(tags) > MaxTags {
		p.addf("%s has %d entries; the limit is %d", field, len(tags), MaxTags)
		return
	}
	for _, t := range tags {
		p.text(field+" entry", t, true, MaxTagLen)
	}
}

// Validate checks a subsidiary before it is stored. It returns an Invalid
// error listing every problem in its Details.
func (s Subsidiary) Validate() error {
	var p problems
	if !ValidSlug(s.Slug) {
		p.addf("slug %q is not a valid slug (lower case letters, digits and dashes, at most %d characters, e.g. %q)", s.Slug, MaxSlugLen, Slugify(s.Slug))
	}
	p.text("name", s.Name, true, MaxNameLen)
	p.text("description", s.Description, false, MaxDescriptionLen)
	return p.err("invalid subsidiary")
}

// Validate checks the portal settings before they are stored. It returns an
// Invalid error listing every problem in its Details.
func (ps PortalSettings) Validate() error {
	var p problems
	p.text("group name", ps.GroupName, false, MaxNameLen)
	p.text("group tagline", ps.GroupTagline, false, MaxSummaryLen)
	p.text("group about text", ps.GroupAbout, false, MaxDescriptionLen)
	return p.err("invalid portal settings")
}

// Validate checks an import before it is stored: slugs, lifecycle state,
// audience, the bundle's file paths, the document and its hash. An empty
// VersionSlug is allowed (the store derives it from Version). It returns an
// Invalid error listing every problem in its Details.
func (imp VersionImport) Validate() error {
	var p problems
	if !ValidSlug(imp.APISlug) {
		p.addf("API slug %q is not a valid slug (lower case letters, digits and dashes, at most %d characters, e.g. %q)", imp.APISlug, MaxSlugLen, Slugify(imp.APISlug))
	}
	p.text("API name", imp.APIName, true, MaxNameLen)
	p.text("API summary", imp.APISummary, false, MaxSummaryLen)
	p.text("API description", imp.APIDescription, false, MaxDescriptionLen)
	if !imp.Audience.Valid() {
		p.addf("audience %q is not one of public, partner, internal", imp.Audience)
	}
	p.tags("API tags", imp.Tags)

	p.text("version", imp.Version, true, MaxSlugLen)
	if imp.VersionSlug != "" && !ValidVersionSlug(imp.VersionSlug) {
		p.addf("version slug %q is not valid (letters, digits, dots, dashes and underscores, at most %d characters)", imp.VersionSlug, MaxSlugLen)
	} else if imp.VersionSlug == "" && strings.TrimSpace(imp.Version) != "" && !ValidVersionSlug(VersionSlug(imp.Version)) {
		p.addf("version %q gives no usable URL segment; use letters, digits and dots", imp.Version)
	}
	if !imp.State.Valid() {
		p.addf("state %q is not one of draft, in_review, published, deprecated, retired", imp.State)
	}
	p.text("OpenAPI version", imp.OpenAPIVersion, false, 32)
	if imp.Format != "json" && imp.Format != "yaml" {
		p.addf("format %q is not json or yaml", imp.Format)
	}
	p.text("title", imp.Title, false, MaxNameLen*5)
	p.text("description", imp.Description, false, MaxDescriptionLen)

	if len(imp.Files) == 0 {
		p.addf("the bundle has no files")
	}
	seen := make(map[string]bool, len(imp.Files))
	for _, f := range imp.Files {
		switch {
		case !validBundlePath(f.Path):
			p.addf("file path %q is not a clean relative path inside the bundle", f.Path)
		case seen[f.Path]:
			p.addf("file path %q appears twice in the bundle", f.Path)
		}
		seen[f.Path] = true
	}
	if !seen[imp.RootPath] {
		p.addf("root document %q is not a file of the bundle", imp.RootPath)
	}
	if len(imp.Document) == 0 {
		p.addf("the downloadable document is empty")
	}
	if !sha256Hex.MatchString(imp.DocumentHash) {
		p.addf("document hash %q is not a lower-case hex SHA-256", imp.DocumentHash)
	}
	for i, op := range imp.Operations {
		if op.Method == "" || op.Path == "" {
			p.addf("operation %d has no method or path", i+1)
		}
	}
	return p.err("invalid import")
}

// validBundlePath reports whether p is slash-separated, relative, clean and
// stays inside the bundle.
func validBundlePath(p string) bool {
	if p == "" || len(p) > 1024 || !utf8.ValidString(p) || strings.ContainsAny(p, "\\\x00") {
		return false
	}
	if strings.HasPrefix(p, "/") || path.Clean(p) != p {
		return false
	}
	return p != ".." && !strings.HasPrefix(p, "../")
}
