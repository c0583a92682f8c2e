package models

// ReferenceModelVersion is bumped whenever the shape or meaning of Reference
// changes, so stored render models built by an older Portico are rebuilt.
const ReferenceModelVersion = 1

// Reference is the render model of an API reference page: everything the
// page shows, computed once per document (at import) from the OpenAPI
// document. Fields named *HTML hold sanitized HTML produced by the markdown
// package; every other string is plain text that views escape.
type Reference struct {
	ModelVersion    int
	Title           string
	Version         string
	OpenAPIVersion  string
	DescriptionHTML string
	Servers         []RefServer
	SecuritySchemes []RefSecurityScheme
	Groups          []RefGroup // operations grouped by tag, in document tag order
	Webhooks        []RefOperation
	Schemas         []RefSchemaDef // named component schemas, each rendered once
}

// OperationCount returns the number of operations in all groups.
func (r *Reference) OperationCount() int {
	n := 0
	for _, g := range r.Groups {
		n += len(g.Operations)
	}
	return n
}

// RefServer is a server URL with its variables already shown in braces.
type RefServer struct {
	URL             string
	DescriptionHTML string
}

// RefSecurityScheme describes one security scheme.
type RefSecurityScheme struct {
	Name            string
	Type            string // apiKey, http, oauth2, openIdConnect, mutualTLS
	Summary         string // for example "API key in header X-API-Key", "HTTP bearer (JWT)"
	DescriptionHTML string
	Flows           []RefOAuthFlow
}

// RefOAuthFlow is one OAuth 2 flow of a security scheme.
type RefOAuthFlow struct {
	Kind             string // authorizationCode, clientCredentials, ...
	AuthorizationURL string
	TokenURL         string
	Scopes           []RefKV
}

// RefKV is a name with a text.
type RefKV struct {
	Key   string
	Value string
}

// RefGroup is a tag with its operations.
type RefGroup struct {
	Tag             string
	Anchor          string // element id, unique in the page
	DescriptionHTML string
	Operations      []RefOperation
}

// RefOperation is one operation.
type RefOperation struct {
	Anchor           string // element id and deep-link fragment, unique in the page
	Method           string // upper case
	Path             string
	OperationID      string
	Summary          string
	DescriptionHTML  string
	Deprecated       bool
	Parameters       []RefParameter
	RequestBody      *RefBody
	Responses        []RefResponse
	Security         []RefSecurityRequirement // alternatives; empty means none declared
	SecurityOptional bool                     // an empty alternative ({}) allows anonymous calls
	Curl             string                   // a ready-to-run curl command
}

// RefSecurityRequirement is one alternative of an operation's security: all
// of its schemes apply together.
type RefSecurityRequirement struct {
	Schemes []RefKV // scheme name → space-separated scopes
}

// RefParameter is a parameter or a response header.
type RefParameter struct {
	Name            string
	In              string // path, query, header, cookie; empty for response headers
	Required        bool
	Deprecated      bool
	DescriptionHTML string
	Schema          *RefSchema
	Example         string
}

// RefBody is a request body.
type RefBody struct {
	Required        bool
	DescriptionHTML string
	Contents        []RefMedia
}

// RefResponse is one response of an operation.
type RefResponse struct {
	Status          string // "200", "4XX", "default"
	DescriptionHTML string
	Headers         []RefParameter
	Contents        []RefMedia
}

// RefMedia is one media type of a body.
type RefMedia struct {
	MediaType string
	Schema    *RefSchema
	Examples  []RefExample
}

// RefExample is an example value, pretty-printed.
type RefExample struct {
	Name      string
	Summary   string
	Value     string
	Generated bool // built from the schema because the document gives none
}

// RefSchema is a node of a schema tree. Trees are finite: a reference that
// loops back to a schema being expanded becomes a node with Cycle set, and
// named schemas deeper than the expansion limit become a node with Ref set
// and no children (the page links to the schema's definition).
type RefSchema struct {
	Ref                  string // name of the component schema this node refers to, if any
	Type                 string // display type: "string", "integer", "array", "object", "string | null", ...
	Format               string
	Title                string
	DescriptionHTML      string
	Nullable             bool
	ReadOnly             bool
	WriteOnly            bool
	Deprecated           bool
	Enum                 []string
	Const                string
	Default              string
	Example              string
	Constraints          []string // human-readable: "≥ 1", "max length 35", "pattern ^[A-Z]{3}$", "unique items"
	Properties           []RefProperty
	Items                *RefSchema
	AdditionalProperties *RefSchema
	Composition          string // "allOf", "oneOf", "anyOf" or "not"
	Variants             []*RefSchema
	Discriminator        *RefDiscriminator
	Cycle                bool // recursion stops here; see the definition of Ref
	Collapsed            bool // not expanded here; see the definition of Ref
}

// RefProperty is a named property of an object schema.
type RefProperty struct {
	Name     string
	Required bool
	Schema   *RefSchema
}

// RefDiscriminator is the discriminator of a oneOf/anyOf.
type RefDiscriminator struct {
	PropertyName string
	Mapping      []RefKV // value → schema name
}

// RefSchemaDef is a named component schema.
type RefSchemaDef struct {
	Name   string
	Anchor string
	Schema *RefSchema
}
