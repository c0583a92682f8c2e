//go:build depsonly

// Package deps pins modules the identity work is about to use; removed once
// real code imports them.
package deps

import (
	_ "github.com/alexedwards/scs/v2"
	_ "github.com/casbin/casbin/v2"
	_ "github.com/casbin/gorm-adapter/v3"
	_ "github.com/coreos/go-oidc/v3/oidc"
	_ "github.com/markbates/goth"
	_ "github.com/markbates/goth/gothic"
	_ "github.com/markbates/goth/providers/github"
	_ "github.com/markbates/goth/providers/gitlab"
	_ "github.com/markbates/goth/providers/google"
	_ "github.com/markbates/goth/providers/azureadv2"
	_ "github.com/markbates/goth/providers/openidConnect"
	_ "github.com/zitadel/oidc/v3/example/server/exampleop"
	_ "github.com/zitadel/oidc/v3/example/server/storage"
	_ "golang.org/x/crypto/argon2"
	_ "golang.org/x/oauth2"
)
