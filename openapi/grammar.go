package openapi

import (
	"net/url"
	"path"
	"regexp"
	"strings"
)

// ctx says what a value is in the OpenAPI grammar, which is what decides how
// a $ref found there is read: as a reusable component (schemas, parameters,
// ...), as a path item, or as a generic JSON reference. Values in data
// positions (examples, defaults, enums, extensions) are never looked into: a
// "$ref" key there is data.
type ctx uint8

const (
	cData  ctx = iota // literal data
	cOther            // structure where OpenAPI defines no $ref: a $ref is inlined
	cDoc
	cComponents
	cPaths // path → path item (also webhooks, callbacks' entries, components.pathItems)
	cPathItem
	cOperation
	cParams // list of parameters
	cParamMap
	cParam
	cRequestBodyMap
	cRequestBody
	cResponses // status or name → response
	cResponse
	cHeaderMap
	cHeader
	cContent // media type → media type object
	cMedia
	cEncodingMap
	cEncoding
	cSchema
	cSchemaMap
	cSchemaList
	cExampleMap
	cExample
	cLinkMap
	cLink
	cCallbackMap
	cCallback
	cSecSchemeMap
	cSecScheme
	cDiscriminator
	cMapping // discriminator value → schema name or reference (a string, not a $ref object)
)

var httpMethods = map[string]bool{
	"get": true, "put": true, "post": true, "delete": true,
	"options": true, "head": true, "patch": true, "trace": true,
}

// child returns the context of the value under key in an object of context c.
func child(c ctx, key string, v2 bool) ctx {
	ext := strings.HasPrefix(key, "x-")
	switch c {
	case cData:
		return cData
	case cDoc:
		switch {
		case ext:
			return cData
		case key == "paths":
			return cPaths
		case key == "webhooks" && !v2:
			return cPaths
		case key == "components" && !v2:
			return cComponents
		case key == "definitions" && v2:
			return cSchemaMap
		case key == "parameters" && v2:
			return cParamMap
		case key == "responses" && v2:
			return cResponses
		}
		return cOther
	case cComponents:
		switch key {
		case "schemas":
			return cSchemaMap
		case "parameters":
			return cParamMap
		case "responses":
			return cResponses
		case "requestBodies":
			return cRequestBodyMap
		case "headers":
			return cHeaderMap
		case "examples":
			return cExampleMap
		case "links":
			return cLinkMap
		case "callbacks":
			return cCallbackMap
		case "securitySchemes":
			return cSecSchemeMap
		case "pathItems":
			return cPaths
		}
		if ext {
			return cData
		}
		return cOther
	case cPaths, cCallback:
		if ext {
			return cData
		}
		return cPathItem
	case cPathItem:
		switch {
		case ext:
			return cData
		case httpMethods[key]:
			return cOperation
		case key == "parameters":
			return cParams
		}
		return cOther
	case cOperation:
		switch {
		case ext:
			return cData
		case key == "parameters":
			return cParams
		case key == "requestBody" && !v2:
			return cRequestBody
		case key == "responses":
			return cResponses
		case key == "callbacks" && !v2:
			return cCallbackMap
		}
		return cOther
	case cParams:
		return cParam
	case cParamMap:
		return cParam
	case cParam, cHeader:
		switch {
		case ext, key == "example", key == "default", key == "enum":
			return cData
		case key == "schema", key == "items":
			return cSchema
		case key == "content" && !v2:
			return cContent
		case key == "examples" && !v2:
			return cExampleMap
		}
		return cOther
	case cRequestBodyMap:
		return cRequestBody
	case cRequestBody:
		switch {
		case ext:
			return cData
		case key == "content":
			return cContent
		}
		return cOther
	case cResponses:
		if ext {
			return cData
		}
		return cResponse
	case cResponse:
		switch {
		case ext, key == "examples":
			return cData
		case key == "headers":
			return cHeaderMap
		case key == "content" && !v2:
			return cContent
		case key == "links" && !v2:
			return cLinkMap
		case key == "schema" && v2:
			return cSchema
		}
		return cOther
	case cHeaderMap:
		return cHeader
	case cContent:
		return cMedia
	case cMedia:
		switch {
		case ext, key == "example":
			return cData
		case key == "schema", key == "itemSchema":
			return cSchema
		case key == "examples":
			return cExampleMap
		case key == "encoding":
			return cEncodingMap
		}
		return cOther
	case cEncodingMap:
		return cEncoding
	case cEncoding:
		switch {
		case ext:
			return cData
		case key == "headers":
			return cHeaderMap
		}
		return cOther
	case cSchema:
		switch key {
		case "properties", "patternProperties", "dependentSchemas", "$defs", "definitions":
			return cSchemaMap
		case "items", "additionalProperties", "additionalItems", "not", "if", "then", "else",
			"contains", "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema":
			return cSchema
		case "allOf", "anyOf", "oneOf", "prefixItems":
			return cSchemaList
		case "discriminator":
			return cDiscriminator
		case "xml", "externalDocs":
			return cOther
		}
		return cData // example, default, enum, const, extensions, unknown annotations
	case cSchemaMap:
		return cSchema
	case cExampleMap:
		return cExample
	case cExample:
		if key == "value" || ext {
			return cData
		}
		return cOther
	case cLinkMap:
		return cLink
	case cLink:
		return cData // runtime expressions and literal values
	case cCallbackMap:
		return cCallback
	case cSecSchemeMap:
		return cSecScheme
	case cDiscriminator:
		if key == "mapping" {
			return cMapping
		}
		if ext {
			return cData
		}
		return cOther
	case cMapping:
		return cData
	case cSecScheme, cOther:
		if ext {
			return cData
		}
		return cOther
	}
	return cOther
}

// elem returns the context of the items of a list in context c.
func elem(c ctx) ctx {
	switch c {
	case cParams:
		return cParam
	case cSchemaList, cSchema:
		return cSchema
	case cData:
		return cData
	}
	return cOther
}

// wantKind is the node kind a context requires (a schema may also be a
// boolean); kNull means "any". Null is not an object: kin-openapi cannot
// handle a null path item, operation or schema.
func wantKind(c ctx) kind {
	switch c {
	case cData, cOther:
		return kNull
	case cParams, cSchemaList:
		return kArray
	}
	return kObject
}

// bucket returns where a referenced value of context c lives as a reusable
// component ("components/schemas", or "definitions" in 2.0), or "" when
// such a $ref is inlined instead.
func bucket(c ctx, v2 bool) string {
	if v2 {
		switch c {
		case cSchema:
			return "definitions"
		case cParam:
			return "parameters"
		case cResponse:
			return "responses"
		}
		return ""
	}
	switch c {
	case cSchema:
		return "components/schemas"
	case cParam:
		return "components/parameters"
	case cResponse:
		return "components/responses"
	case cRequestBody:
		return "components/requestBodies"
	case cHeader:
		return "components/headers"
	case cExample:
		return "components/examples"
	case cLink:
		return "components/links"
	case cCallback:
		return "components/callbacks"
	case cSecScheme:
		return "components/securitySchemes"
	}
	return ""
}

// bucketContexts lists, per bucket, the context of its entries.
func bucketContexts(v2 bool) map[string]ctx {
	if v2 {
		return map[string]ctx{"definitions": cSchema, "parameters": cParam, "responses": cResponse}
	}
	return map[string]ctx{
		"components/schemas": cSchema, "components/parameters": cParam, "components/responses": cResponse,
		"components/requestBodies": cRequestBody, "components/headers": cHeader, "components/examples": cExample,
		"components/links": cLink, "components/callbacks": cCallback, "components/securitySchemes": cSecScheme,
	}
}

var uriScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// resolveRef resolves the $ref value ref, written in the bundle file from,
// to a bundle path and a JSON pointer. It never touches any file: a reference
// to a URL, an absolute path, or a path leaving the bundle is refused by its
// text alone, with a message for the user.
func resolveRef(from, ref string) (file, pointer, problem string) {
	if strings.TrimSpace(ref) == "" {
		return "", "", "$ref is empty"
	}
	filePart, frag, _ := strings.Cut(ref, "#")
	if frag != "" {
		f, err := url.PathUnescape(frag)
		if err != nil {
			return "", "", "its fragment is not valid URL encoding"
		}
		if !strings.HasPrefix(f, "/") {
			return "", "", "only JSON pointer fragments (#/...) are supported"
		}
		frag = f
	}
	if filePart == "" {
		return from, frag, ""
	}
	if uriScheme.MatchString(filePart) || strings.HasPrefix(filePart, "//") {
		return "", "", "references to URLs are not followed; only files inside the uploaded bundle can be referenced"
	}
	p, err := url.PathUnescape(filePart)
	if err != nil {
		return "", "", "its path is not valid URL encoding"
	}
	p = strings.ReplaceAll(p, `\`, "/")
	if strings.HasPrefix(p, "/") {
		return "", "", "absolute paths are not allowed; only files inside the uploaded bundle can be referenced"
	}
	if strings.ContainsRune(p, 0) {
		return "", "", "its path is not valid"
	}
	joined := path.Join(path.Dir(from), p)
	if joined == ".." || strings.HasPrefix(joined, "../") {
		return "", "", "it points outside the uploaded bundle"
	}
	return joined, frag, ""
}

// cleanBundlePath normalises a path within a bundle ("./spec/a.yaml" →
// "spec/a.yaml") and reports whether it stays inside the bundle.
func cleanBundlePath(p string) (string, bool) {
	p = strings.ReplaceAll(p, `\`, "/")
	if p == "" || strings.HasPrefix(p, "/") || uriScheme.MatchString(p) || strings.ContainsRune(p, 0) {
		return "", false
	}
	c := path.Clean(p)
	if c == "." || c == ".." || strings.HasPrefix(c, "../") {
		return "", false
	}
	return c, true
}
