// Package gateway is Portico's data plane: it will enforce subscriptions at
// the edge (route matching, credential checks, limits, request validation,
// proxying, usage accounting) from a compiled configuration snapshot. It is
// built by the gateway issue; the foundation only reserves its place.
package gateway
