package openapi

import (
	"context"
	"fmt"
	"testing"
)

// FuzzPrepareImport feeds arbitrary bytes to the importer: it may refuse
// them, but it must not panic or hang.
func FuzzPrepareImport(f *testing.F) {
	for _, seed := range []string{
		fmt.Sprintf(petstore, ""),
		tinyDoc,
		"swagger: '2.0'\ninfo: {title: T, version: 1}\npaths:\n  /a/{id}:\n    parameters: [{name: id, in: path, required: true, type: string}]\n    post:\n      parameters: [{name: b, in: body, schema: {$ref: '#/definitions/B'}}]\n      responses: {200: {description: ok, schema: {type: array, items: {$ref: '#/definitions/B'}}}}\ndefinitions:\n  B: {type: object, properties: {b: {$ref: '#/definitions/B'}}}\n",
		`{"openapi":"3.1.0","info":{"title":"t","version":"1"},"webhooks":{"w":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":["string","null"]}}}}}}}}`,
		"openapi: 3.0.0\ninfo: {title: t, version: 1}\npaths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: query, schema: {type: string, pattern: '^(?!x)', example: 'y'}}\n      responses: {default: {description: d}}\n",
		"openapi: 3.0.0\ninfo: {title: t, version: 1}\npaths: {}\nx-a: &a [1, 2]\nx-b: [*a, *a]\n",
		"openapi: 3.0.0\ninfo: {title: t, version: 1}\npaths: {}\ncomponents:\n  schemas:\n    A: {allOf: [{$ref: '#/components/schemas/A'}], discriminator: {propertyName: k}}\n",
		// Found by fuzzing: kin-openapi reads "pAths" as paths and panics on a null path item.
		"swagger: '2.0'#0000000000000000000000000000\npAths:\n 00000000:",
		"swagger: '2.0'\npaths:\n /a:\n",
	} {
		f.Add([]byte(seed))
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = PrepareImport(ctx, SingleFile("fuzz.yaml", data), ImportOptions{Limits: Limits{MaxBytes: 1 << 20}})
		_, _ = ConvertDocument(data, "yaml")
	})
}
