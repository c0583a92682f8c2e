package reference

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/portico/portico/markdown"
	"github.com/portico/portico/openapi/reference/reftest"
)

func TestExamplesFromTheDocument(t *testing.T) {
	ref := Build(reftest.Load(t, "oai-examples/v3.0/api-with-examples.yaml", false), markdown.New())
	list := findOp(t, ref, "operation/listVersionsv2")
	ex := list.Responses[0].Contents[0].Examples
	if len(ex) != 1 || ex[0].Name != "foo" || ex[0].Generated || !strings.Contains(ex[0].Value, `"status": "CURRENT"`) {
		t.Errorf("examples = %+v, want the document's named example", ex)
	}

	ref = buildYAML(t, featuresDoc)
	pay := findOp(t, ref, "operation/createPayment").RequestBody.Contents[0].Examples
	if len(pay) != 1 || pay[0].Name != "card" || pay[0].Summary != "A card payment" || pay[0].Generated ||
		pay[0].Value != "{\n  \"cardNumber\": \"4242 4242 4242 4242\",\n  \"method\": \"card\",\n  \"note\": \"it's mine\"\n}" {
		t.Errorf("request examples = %+v", pay)
	}
}

func TestExampleKinds(t *testing.T) {
	ref := buildYAML(t, `
openapi: 3.0.0
info: {title: T, version: "1"}
paths:
  /a:
    post:
      operationId: a
      requestBody:
        content:
          application/json:
            example: {given: true}
      responses:
        "200":
          description: ok
          content:
            text/plain:
              schema: {type: string, example: "plain words"}
            application/xml:
              schema: {type: object, properties: {x: {type: string}}}
        "201":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {x: {type: string}}}
              examples:
                remote: {summary: Elsewhere, externalValue: "https://example.com/ex.json"}
`)
	a := findOp(t, ref, "operation/a")
	if ex := a.RequestBody.Contents[0].Examples; len(ex) != 1 || ex[0].Value != "{\n  \"given\": true\n}" || ex[0].Generated {
		t.Errorf("media example = %+v", ex)
	}
	byType := map[string]int{}
	for i, c := range a.Responses[0].Contents {
		byType[c.MediaType] = i
	}
	if ex := a.Responses[0].Contents[byType["text/plain"]].Examples; len(ex) != 1 || ex[0].Value != "plain words" {
		t.Errorf("schema example for text/plain = %+v, want the string as it is", ex)
	}
	if ex := a.Responses[0].Contents[byType["application/xml"]].Examples; len(ex) != 0 {
		t.Errorf("XML got a generated example %+v; only JSON-like bodies get one", ex)
	}
	if ex := a.Responses[1].Contents[0].Examples; len(ex) != 1 || ex[0].ExternalURL != "https://example.com/ex.json" || ex[0].Value != "" {
		t.Errorf("external example = %+v", ex)
	}
}

// exampleSchemas are the schemas TestGeneratedExamples generates from.
const exampleSchemas = `
openapi: 3.1.0
info: {title: T, version: "1"}
paths: {}
components:
  schemas:
    DateTime: {type: string, format: date-time}
    Email: {type: string, format: email}
    Enum: {type: string, enum: [active, closed]}
    Const: {const: fixed}
    Default: {type: integer, default: 7}
    Example: {type: string, example: hello}
    Examples31: {type: string, examples: [first, second]}
    Min: {type: integer, minimum: 5}
    ExclusiveMin: {type: integer, exclusiveMinimum: 5}
    Multiple: {type: number, minimum: 0.3, multipleOf: 0.25}
    Pattern: {type: string, pattern: "^[A-Z]{3}$"}
    PatternGoCannotRead: {type: string, pattern: "^(?!\\s)(.*)(\\S)$"}
    MinLength: {type: string, minLength: 10}
    MaxLength: {type: string, maxLength: 3}
    Pair: {type: array, minItems: 2, items: {type: boolean}}
    Map: {type: object, additionalProperties: {type: integer}}
    NullableString: {type: [string, "null"]}
    Secretive:
      type: object
      properties:
        id: {type: string, readOnly: true}
        password: {type: string, writeOnly: true}
        name: {type: string}
    Extended:
      allOf:
        - {type: object, properties: {a: {type: integer}}}
        - {type: object, properties: {b: {type: boolean}}}
    Either:
      oneOf:
        - {type: "null"}
        - {type: object, properties: {c: {type: string, format: uuid}}}
    Node:
      type: object
      properties:
        name: {type: string}
        children: {type: array, items: {$ref: "#/components/schemas/Node"}}
`

func TestGeneratedExamples(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(exampleSchemas))
	if err != nil {
		t.Fatal(err)
	}
	b := newBuilder(doc, markdown.New())
	tests := []struct {
		schema string
		dir    direction
		want   string
	}{
		{"DateTime", dirResponse, `"2024-01-15T09:30:00Z"`},
		{"Email", dirResponse, `"user@example.com"`},
		{"Enum", dirResponse, `"active"`},
		{"Const", dirResponse, `"fixed"`},
		{"Default", dirResponse, `7`},
		{"Example", dirResponse, `"hello"`},
		{"Examples31", dirResponse, `"first"`},
		{"Min", dirResponse, `5`},
		{"ExclusiveMin", dirResponse, `6`},
		{"Multiple", dirResponse, `0.5`},
		{"Pattern", dirResponse, `"AAA"`},
		{"PatternGoCannotRead", dirResponse, `"string"`},
		{"MinLength", dirResponse, `"stringxxxx"`},
		{"MaxLength", dirResponse, `"str"`},
		{"Pair", dirResponse, "[\n  true,\n  true\n]"},
		{"Map", dirResponse, "{\n  \"key\": 0\n}"},
		{"NullableString", dirResponse, `"string"`},
		{"Secretive", dirRequest, "{\n  \"name\": \"string\",\n  \"password\": \"string\"\n}"},
		{"Secretive", dirResponse, "{\n  \"id\": \"string\",\n  \"name\": \"string\"\n}"},
		{"Extended", dirResponse, "{\n  \"a\": 0,\n  \"b\": true\n}"},
		{"Either", dirResponse, "{\n  \"c\": \"3fa85f64-5717-4562-b3fc-2c963f66afa6\"\n}"},
		{"Node", dirResponse, "{\n  \"children\": [],\n  \"name\": \"string\"\n}"},
	}
	for _, tc := range tests {
		t.Run(tc.schema, func(t *testing.T) {
			got := b.generatedText(doc.Components.Schemas[tc.schema], tc.dir, false)
			if got != tc.want {
				t.Errorf("generated %s = %s, want %s", tc.schema, got, tc.want)
			}
		})
	}
}

func TestFormExamples(t *testing.T) {
	ref := buildYAML(t, curlDoc)
	ex := findOp(t, ref, "operation/postForm").RequestBody.Contents[0].Examples
	want := "amount=100&\nmetadata[order]=A%26B&\ndescription=string"
	if len(ex) != 1 || !ex[0].Generated || ex[0].Value != want {
		t.Errorf("form example = %+v, want %q", ex, want)
	}
}

func TestPatternExample(t *testing.T) {
	tests := []struct {
		pattern string
		want    string
		ok      bool
	}{
		{"^[A-Z]{3}$", "AAA", true},
		{`^\d{4}-\d{2}$`, "0000-00", true},
		{"^(GB|DE)[0-9]{2}$", "GB00", true},
		{"^[a-z]+@bank\\.com$", "a@bank.com", true},
		{`^(?!\s)(.*)(\S)$`, "", false},
	}
	for _, tc := range tests {
		got, ok := patternExample(tc.pattern)
		if got != tc.want || ok != tc.ok {
			t.Errorf("patternExample(%q) = %q, %v; want %q, %v", tc.pattern, got, ok, tc.want, tc.ok)
		}
	}
}
