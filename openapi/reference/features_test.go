package reference

// featuresDoc exercises what the reference must show, in one document.
const featuresDoc = `
openapi: 3.0.3
info:
  title: Features
  version: "1.0"
  description: Hello **world**
servers:
  - url: https://{region}.api.example.com/v1
    description: Production
    variables:
      region:
        default: eu
        enum: [eu, us]
        description: Data region
tags:
  - name: accounts
    description: Everything about *accounts*
  - name: unused
paths:
  /accounts/{accountId}:
    parameters:
      - name: accountId
        in: path
        required: true
        description: The account
        schema:
          type: string
          pattern: "^[A-Z]{2}[0-9]{4}$"
    get:
      tags: [accounts]
      operationId: getAccount
      summary: Get an account
      security:
        - bearer: []
        - {}
      parameters:
        - name: X-Request-ID
          in: header
          required: true
          schema: {type: string, format: uuid}
        - name: expand
          in: query
          schema: {type: array, items: {type: string}}
        - name: limit
          in: query
          required: true
          example: 25
          schema: {type: integer, minimum: 1, maximum: 100}
      responses:
        "200":
          description: The account
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Account"}
            application/json; charset=utf-8:
              schema: {$ref: "#/components/schemas/Account"}
        "404":
          description: Not found
          content:
            application/problem+json:
              schema: {$ref: "#/components/schemas/Problem"}
  /payments:
    post:
      tags: [payments]
      operationId: createPayment
      summary: Create a payment
      deprecated: true
      security:
        - oauth: [payments:write]
          apiKey: []
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Payment"}
            examples:
              card:
                summary: A card payment
                value: {method: card, cardNumber: "4242 4242 4242 4242", note: "it's mine"}
      responses:
        "201":
          description: Created
          headers:
            Location:
              description: Where the payment is
              schema: {type: string, format: uri}
  /health:
    get:
      operationId: health
      responses:
        "204":
          description: Healthy
components:
  securitySchemes:
    bearer:
      type: http
      scheme: bearer
      bearerFormat: JWT
    apiKey:
      type: apiKey
      in: header
      name: X-API-Key
    oauth:
      type: oauth2
      description: Sign in with the **bank**
      flows:
        authorizationCode:
          authorizationUrl: https://auth.example.com/authorize
          tokenUrl: https://auth.example.com/token
          scopes:
            payments:write: Make payments
            accounts:read: Read accounts
  schemas:
    Account:
      type: object
      required: [id, balance]
      properties:
        id: {type: string, readOnly: true}
        balance: {$ref: "#/components/schemas/Money"}
        currency: {$ref: "#/components/schemas/Currency"}
        status: {type: string, enum: [open, closed], default: open}
        nickname: {type: string, nullable: true, minLength: 1, maxLength: 35}
        password: {type: string, writeOnly: true}
        legacyCode: {type: string, deprecated: true}
        labels: {type: array, items: {type: string}, minItems: 1, maxItems: 10, uniqueItems: true}
        metadata: {type: object, additionalProperties: {type: string}}
        owner: {$ref: "#/components/schemas/Customer"}
        parent: {$ref: "#/components/schemas/Account"}
        rate: {type: number, minimum: 0, exclusiveMinimum: true, maximum: 100, multipleOf: 0.01}
    Money:
      type: object
      required: [amount, currency]
      properties:
        amount: {type: string, pattern: "^[0-9]+\\.[0-9]{2}$"}
        currency: {$ref: "#/components/schemas/Currency"}
    Currency:
      type: string
      description: ISO 4217 code
      pattern: "^[A-Z]{3}$"
    Person:
      type: object
      required: [name]
      properties:
        name: {type: string}
        email: {type: string, format: email}
    Customer:
      allOf:
        - $ref: "#/components/schemas/Person"
        - type: object
          required: [customerId]
          properties:
            customerId: {type: string, format: uuid}
    Payment:
      oneOf:
        - $ref: "#/components/schemas/CardPayment"
        - $ref: "#/components/schemas/BankPayment"
      discriminator:
        propertyName: method
        mapping:
          card: "#/components/schemas/CardPayment"
          bank: "#/components/schemas/BankPayment"
    CardPayment:
      type: object
      required: [method, cardNumber]
      properties:
        method: {type: string, enum: [card]}
        cardNumber: {type: string}
    BankPayment:
      type: object
      required: [method, iban]
      properties:
        method: {type: string, enum: [bank]}
        iban: {type: string, format: iban}
    Problem:
      type: object
      properties:
        title: {type: string}
        status: {type: integer}
`

// doc31 exercises OpenAPI 3.1: type arrays, const, numeric exclusive
// bounds, examples arrays and webhooks.
const doc31 = `
openapi: 3.1.0
info:
  title: Three one
  version: "2"
paths:
  /things:
    get:
      operationId: listThings
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
webhooks:
  thingCreated:
    post:
      operationId: thingCreated
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Thing"}
      responses:
        "200":
          description: Received
components:
  schemas:
    Thing:
      type: object
      required: [kind]
      properties:
        kind: {const: thing}
        name: {type: [string, "null"], maxLength: 10}
        size: {type: [integer, string]}
        score: {type: number, exclusiveMinimum: 0, exclusiveMaximum: 10}
        color: {type: string, examples: [teal, navy]}
`
