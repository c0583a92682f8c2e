package reference

import (
	"testing"
)

// curlDoc has one operation per way of sending a request.
const curlDoc = `
openapi: 3.0.3
info: {title: Curl, version: "1"}
servers:
  - url: https://{env}.example.com/api
    variables:
      env: {default: sandbox}
paths:
  /accounts/{id}:
    get:
      operationId: getAccount
      security: [{key: []}]
      parameters:
        - {name: id, in: path, required: true, example: "acc 1/2", schema: {type: string}}
        - {name: from, in: query, required: true, schema: {type: string, format: date}}
        - {name: page, in: query, schema: {type: integer}}
        - {name: "expand[]", in: query, required: true, schema: {type: string, enum: [owner]}}
        - {name: session, in: cookie, required: true, schema: {type: string, example: abc}}
        - {name: X-Trace, in: header, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
  /forms:
    post:
      operationId: postForm
      security: [{basic: []}]
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [amount, metadata]
              properties:
                amount: {type: integer, minimum: 100}
                metadata: {type: object, required: [order], properties: {order: {type: string, example: "A&B"}}}
                description: {type: string}
      responses: {"200": {description: ok}}
  /files:
    post:
      operationId: upload
      servers: [{url: /upload}]
      security: [{oauth: [files]}]
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file, purpose]
              properties:
                file: {type: string, format: binary}
                purpose: {type: string, enum: [dispute]}
      responses: {"200": {description: ok}}
  /notes:
    put:
      operationId: putNote
      security: [{cookieKey: []}, {queryKey: []}]
      requestBody:
        content:
          text/plain:
            example: "it's done"
      responses: {"200": {description: ok}}
  /json:
    post:
      operationId: postJSON
      security: [{bearer: []}, {}]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, example: "O'Brien"}
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-API-Key}
    queryKey: {type: apiKey, in: query, name: api_key}
    cookieKey: {type: apiKey, in: cookie, name: sid}
    basic: {type: http, scheme: basic}
    bearer: {type: http, scheme: bearer}
    oauth:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: https://auth.example.com/token, scopes: {files: Upload}}}
`

func TestCurl(t *testing.T) {
	ref := buildYAML(t, curlDoc)
	tests := []struct {
		name   string
		anchor string
		want   string
	}{
		{
			"path, query, cookie and header parameters with the API key header",
			"operation/getAccount",
			`curl -X GET 'https://sandbox.example.com/api/accounts/acc%201%2F2?from=2024-01-15&expand%5B%5D=owner' \
  -H 'X-API-Key: <api-key>' \
  -H 'X-Trace: X_TRACE' \
  -b 'session=abc'`,
		},
		{
			"form body with required fields, nested as Stripe reads them",
			"operation/postForm",
			`curl -X POST 'https://sandbox.example.com/api/forms' \
  -u '<username>:<password>' \
  -H 'Content-Type: application/x-www-form-urlencoded' \
  -d 'amount=100' \
  -d 'metadata%5Border%5D=A%26B'`,
		},
		{
			"multipart upload to a relative operation server with an OAuth token",
			"operation/upload",
			`curl -X POST 'https://api.example.com/upload/files' \
  -H 'Authorization: Bearer <access-token>' \
  -H 'Content-Type: multipart/form-data' \
  -F 'file=@file' \
  -F 'purpose=dispute'`,
		},
		{
			"text body quoted for the shell, API key in a cookie",
			"operation/putNote",
			`curl -X PUT 'https://sandbox.example.com/api/notes' \
  -H 'Content-Type: text/plain' \
  -b 'sid=<api-key>' \
  --data-binary 'it'\''s done'`,
		},
		{
			"JSON body from the schema, quoted for the shell",
			"operation/postJSON",
			`curl -X POST 'https://sandbox.example.com/api/json' \
  -H 'Authorization: Bearer <token>' \
  -H 'Content-Type: application/json' \
  -d '{
  "name": "O'\''Brien"
}'`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := findOp(t, ref, tc.anchor).Curl; got != tc.want {
				t.Errorf("curl =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
