// Package apidoc holds the OpenAPI document of Portico's own JSON API,
// served at /api/v1/openapi.json. It is a package of its own only to keep
// the embedded file next to nothing else.
package apidoc

import _ "embed"

// YAML is Portico's OpenAPI 3.1 document, as written.
//
//go:embed portico-openapi.yaml
var YAML []byte
