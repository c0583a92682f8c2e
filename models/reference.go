package models

import "strings"

// ReferenceModelVersion is bumped whenever the shape or meaning of Reference
// changes, so stored render models built by an older Portico are rebuilt.
const ReferenceModelVersion = 3

// Reference is the render model of an API reference page: everything the
// page shows, computed once per document (at import) from the OpenAPI
// document. Fields named *HTML hold sanitized HTML produced by the markdown
// package; every other string is plain text that views escape.
//
// Trees are finite and compact: a named component schema is expanded where
// a body or parameter refers to it directly, and deeper references to named
// schemas become links to their definition in Schemas, which is shown once.
type Reference struct {
	ModelVersion    int                 `json:"mv"`
	Title           string              `json:"title,omitempty"`
	Version         string              `json:"version,omitempty"`
	OpenAPIVersion  string              `json:"oas,omitempty"`
	DescriptionHTML string              `json:"desc,omitempty"`
	Links           []RefLink           `json:"links,omitempty"` // contact, licence, terms of service, external documentation
	Servers         []RefServer         `json:"servers,omitempty"`
	SecuritySchemes []RefSecurityScheme `json:"sec,omitempty"`
	Groups          []RefGroup          `json:"groups,omitempty"` // operations grouped by tag, in document tag order
	Webhooks        []RefOperation      `json:"hooks,omitempty"`
	Schemas         []RefSchemaDef      `json:"schemas,omitempty"` // named schemas, each rendered once
	// TagsDerived is set when the document declares no tags at all and the
	// groups were derived from the first path segment instead.
	TagsDerived bool `json:"tagsDerived,omitempty"`
}

// OperationCount returns the number of operations in all groups. Each
// operation is in exactly one group (its first tag), so this is the number
// of operations of the document, webhooks excluded.
func (r *Reference) OperationCount() int {
	n := 0
	for _, g := range r.Groups {
		n += len(g.Operations)
	}
	return n
}

// SchemaAnchor returns the element id of the definition of the named schema
// in the page. Distinct names give distinct anchors.
func SchemaAnchor(name string) string {
	return "schema/" + AnchorEscape(name)
}

// SecurityAnchor returns the element id of a security scheme in the page.
func SecurityAnchor(name string) string {
	return "security/" + AnchorEscape(name)
}

// AnchorEscape makes s usable in an element id and a URL fragment without
// quoting: ASCII letters, digits, '-', '_' and '.' are kept, every other
// byte is written as "~XX" (hex). The mapping is injective.
func AnchorEscape(s string) string {
	safe := true
	for i := 0; i < len(s); i++ {
		if !anchorSafe(s[i]) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if anchorSafe(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('~')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func anchorSafe(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// RefLink is a labelled link from the document. URL is empty unless it is
// an http, https or mailto URL; views still sanitize it.
type RefLink struct {
	Label string `json:"label"` // "Contact", "Email", "Licence", "Terms of service", "Documentation"
	Text  string `json:"text"`
	URL   string `json:"url,omitempty"`
}

// RefServer is a server URL as written, with its variables in braces.
type RefServer struct {
	URL             string              `json:"url"`
	DescriptionHTML string              `json:"desc,omitempty"`
	Variables       []RefServerVariable `json:"vars,omitempty"`
}

// RefServerVariable is a variable of a server URL.
type RefServerVariable struct {
	Name            string   `json:"name"`
	Default         string   `json:"default,omitempty"`
	Enum            []string `json:"enum,omitempty"`
	DescriptionHTML string   `json:"desc,omitempty"`
}

// RefSecurityScheme describes one security scheme.
type RefSecurityScheme struct {
	Name             string         `json:"name"`
	Anchor           string         `json:"anchor"`
	Type             string         `json:"type,omitempty"`    // apiKey, http, oauth2, openIdConnect, mutualTLS
	Summary          string         `json:"summary,omitempty"` // for example "API key in header X-API-Key", "HTTP Bearer token (JWT)"
	DescriptionHTML  string         `json:"desc,omitempty"`
	OpenIDConnectURL string         `json:"oidc,omitempty"`
	Flows            []RefOAuthFlow `json:"flows,omitempty"`
}

// RefOAuthFlow is one OAuth 2 flow of a security scheme.
type RefOAuthFlow struct {
	Kind             string  `json:"kind"` // authorizationCode, clientCredentials, implicit, password
	AuthorizationURL string  `json:"authURL,omitempty"`
	TokenURL         string  `json:"tokenURL,omitempty"`
	RefreshURL       string  `json:"refreshURL,omitempty"`
	Scopes           []RefKV `json:"scopes,omitempty"` // scope → description
}

// RefKV is a name with a text.
type RefKV struct {
	Key   string `json:"k"`
	Value string `json:"v,omitempty"`
}

// RefGroup is a tag with its operations.
type RefGroup struct {
	Tag             string         `json:"tag"`
	Anchor          string         `json:"anchor"` // element id, unique in the page
	DescriptionHTML string         `json:"desc,omitempty"`
	ExternalDocs    *RefLink       `json:"docs,omitempty"`
	Operations      []RefOperation `json:"ops,omitempty"`
}

// RefOperation is one operation (or one webhook, whose Path is its name).
type RefOperation struct {
	Anchor           string                   `json:"anchor"` // element id and deep-link fragment, unique in the page
	Method           string                   `json:"method"` // upper case
	Path             string                   `json:"path"`
	OperationID      string                   `json:"opid,omitempty"`
	Summary          string                   `json:"summary,omitempty"` // the document's, else the first sentence of the description when short
	DescriptionHTML  string                   `json:"desc,omitempty"`
	Deprecated       bool                     `json:"depr,omitempty"`
	ExternalDocs     *RefLink                 `json:"docs,omitempty"`
	Parameters       []RefParameter           `json:"params,omitempty"`
	RequestBody      *RefBody                 `json:"body,omitempty"`
	Responses        []RefResponse            `json:"resps,omitempty"`
	Security         []RefSecurityRequirement `json:"sec,omitempty"`    // alternatives; empty means none declared
	SecurityOptional bool                     `json:"secOpt,omitempty"` // an empty alternative ({}) allows anonymous calls
	Curl             string                   `json:"curl,omitempty"`   // a ready-to-run curl command; empty for webhooks and callbacks
	Callbacks        []RefCallback            `json:"callbacks,omitempty"`
}

// RefCallback is a named set of requests the API makes to the caller after
// an operation. Each operation's Path is the URL expression
// ("{$request.query.callbackUrl}/data"); callbacks have no anchor.
type RefCallback struct {
	Name       string         `json:"name"`
	Operations []RefOperation `json:"ops"`
}

// Title is the operation's summary, or its path when it has none.
func (o *RefOperation) Title() string {
	if o.Summary != "" {
		return o.Summary
	}
	return o.Path
}

// RefSecurityRequirement is one alternative of an operation's security: all
// of its schemes apply together.
type RefSecurityRequirement struct {
	Schemes []RefKV `json:"schemes"` // scheme name → space-separated scopes
}

// RefParameter is a parameter or a response header.
type RefParameter struct {
	Name            string     `json:"name"`
	In              string     `json:"in,omitempty"` // path, query, header, cookie; empty for response headers
	Required        bool       `json:"req,omitempty"`
	Deprecated      bool       `json:"depr,omitempty"`
	DescriptionHTML string     `json:"desc,omitempty"`
	Schema          *RefSchema `json:"schema,omitempty"`
	Example         string     `json:"ex,omitempty"` // from the document, as JSON (strings unquoted)
}

// RefBody is a request body.
type RefBody struct {
	Required        bool       `json:"req,omitempty"`
	DescriptionHTML string     `json:"desc,omitempty"`
	Contents        []RefMedia `json:"contents,omitempty"`
}

// RefResponse is one response of an operation.
type RefResponse struct {
	Status          string         `json:"status"` // "200", "4XX", "default"
	DescriptionHTML string         `json:"desc,omitempty"`
	Headers         []RefParameter `json:"headers,omitempty"`
	Contents        []RefMedia     `json:"contents,omitempty"`
}

// RefMedia is one media type of a body.
type RefMedia struct {
	MediaType  string       `json:"type"`
	OtherTypes []string     `json:"also,omitempty"` // further media types with the same schema
	Schema     *RefSchema   `json:"schema,omitempty"`
	Examples   []RefExample `json:"examples,omitempty"`
}

// RefExample is an example value, pretty-printed.
type RefExample struct {
	Name            string `json:"name,omitempty"`
	Summary         string `json:"summary,omitempty"`
	DescriptionHTML string `json:"desc,omitempty"`
	Value           string `json:"value,omitempty"`
	ExternalURL     string `json:"url,omitempty"` // externalValue: the example lives at this URL
	Generated       bool   `json:"gen,omitempty"` // built from the schema because the document gives none
}

// RefSchema is a node of a schema tree. Trees are finite: a reference that
// loops back to a schema being expanded becomes a node with Cycle set, and
// named schemas not expanded here become a node with Ref and Collapsed set
// and no children (the page links to the schema's definition).
type RefSchema struct {
	Ref                  string            `json:"ref,omitempty"`  // name of the schema this node refers to, if any (see Reference.Schemas)
	Type                 string            `json:"type,omitempty"` // "string", "integer", "array", "object", "string | integer", "" (any, or a composition); never "null"
	Format               string            `json:"fmt,omitempty"`
	Title                string            `json:"title,omitempty"`
	DescriptionHTML      string            `json:"desc,omitempty"`
	Nullable             bool              `json:"null,omitempty"` // 3.0 nullable, or "null" in a 3.1 type array
	ReadOnly             bool              `json:"ro,omitempty"`
	WriteOnly            bool              `json:"wo,omitempty"`
	Deprecated           bool              `json:"depr,omitempty"`
	Enum                 []string          `json:"enum,omitempty"`  // JSON texts: `"active"`, `3`, `null`
	Const                string            `json:"const,omitempty"` // JSON text
	Default              string            `json:"def,omitempty"`   // JSON text
	Example              string            `json:"ex,omitempty"`    // JSON text, compact
	Constraints          []string          `json:"cons,omitempty"`  // human-readable: "≥ 1", "max length 35", "pattern ^[A-Z]{3}$", "unique items"
	Properties           []RefProperty     `json:"props,omitempty"`
	Items                *RefSchema        `json:"items,omitempty"`
	AdditionalProperties *RefSchema        `json:"addl,omitempty"`
	Extends              []string          `json:"ext,omitempty"`  // named schemas merged in from allOf
	Composition          string            `json:"comp,omitempty"` // "allOf", "oneOf", "anyOf" or "not"
	Variants             []*RefSchema      `json:"vars,omitempty"`
	Discriminator        *RefDiscriminator `json:"disc,omitempty"`
	Cycle                bool              `json:"cycle,omitempty"`     // recursion stops here; see the definition of Ref
	Collapsed            bool              `json:"collapsed,omitempty"` // not expanded here; see the definition of Ref
	Truncated            bool              `json:"trunc,omitempty"`     // nesting too deep to show here
}

// IsLeaf reports whether the node has no children to show.
func (s *RefSchema) IsLeaf() bool {
	return len(s.Properties) == 0 && s.Items == nil && s.AdditionalProperties == nil && len(s.Variants) == 0
}

// RefProperty is a named property of an object schema.
type RefProperty struct {
	Name     string     `json:"name"`
	Required bool       `json:"req,omitempty"`
	Schema   *RefSchema `json:"schema"`
}

// RefDiscriminator is the discriminator of a oneOf/anyOf.
type RefDiscriminator struct {
	PropertyName string  `json:"prop"`
	Mapping      []RefKV `json:"map,omitempty"` // value → schema name
}

// RefSchemaDef is a named schema: a component schema, or a schema in
// another file of the bundle that is referred to by $ref.
type RefSchemaDef struct {
	Name   string     `json:"name"`
	Anchor string     `json:"anchor"`
	Schema *RefSchema `json:"schema"`
}
