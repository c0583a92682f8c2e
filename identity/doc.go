// Package identity is Portico's identity and access control: password
// hashing for local accounts, safe redirect targets after sign-in, login
// throttling, and the authorization model (casbin, with subsidiaries as
// domains).
//
// It is a package of its own because none of the standard folders fits:
// handlers, the store and cmd all need these rules and must agree on them
// (the store writes role assignments in the encoding the authorizer reads),
// yet they belong to neither. It holds pure logic and no gorm import: the
// store lives in models/store and hands the authorizer a casbin
// persist.Adapter.
package identity
