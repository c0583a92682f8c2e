// Package gateway is Portico's data plane: it enforces subscriptions at the
// edge from a compiled configuration Snapshot.
//
// A request goes through decide (decide.go), which reads a small view of
// the request free of net/http types, so another HTTP engine can run the
// same decision and the same security tests: origin-form target and a
// clean path (no dot segments, encoded separators, backslashes, empty
// segments, path parameters or control characters), the route by the
// longest base path on whole segments (410 for a retired version), a CORS
// preflight, the operation (404, or 405 with Allow), credentials (X-App-Id
// and X-App-Key, or X-Api-Key; in the query only where the plan allows),
// the application (active, subscribed, the operation in its plan, the
// client address in its allowlist) and one Limiter.Take for the plan's and
// the operation's policies. ServeHTTP then enforces the body size,
// validates against the OpenAPI document when the route asks for it, and
// answers from the mock or proxies to the upstream with the credentials
// removed and the identity headers (X-Portico-*) set by the gateway.
//
// Every refusal is an RFC 9457 problem (problem.go) that never reaches the
// upstream. Swap compiles a snapshot into maps and prepared header values
// (compile.go) and swaps it in atomically; requests in flight finish on
// the snapshot they started with.
package gateway
