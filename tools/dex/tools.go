//go:build tools

// Package tools pins Dex, the OpenID Connect provider that the identity/sso
// end-to-end test signs in against. It is its own module so that Dex's
// dependencies stay out of Portico's go.mod; build.sh builds the binary.
package tools

import _ "github.com/dexidp/dex/cmd/dex"
