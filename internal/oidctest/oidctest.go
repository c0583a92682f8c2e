// Package oidctest runs a real OpenID Connect provider for tests:
// zitadel/oidc's example provider, in-process, served over HTTP on loopback,
// with a "groups" claim in its ID tokens and userinfo answers. Tests of the
// relying party, the portal's sign-in and the browser end to end share it.
package oidctest

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// ClientSecret is the secret of every client registered with AddClient.
const ClientSecret = "portal-secret"

// Provider is a running OpenID Provider.
type Provider struct {
	Issuer   string // http://127.0.0.1:PORT
	Username string // the example user's login name
	Password string // and password

	mu      sync.Mutex
	clients map[string]*storage.Client
}

// Start starts a provider for the test's lifetime. groups go into every
// token of every user.
func Start(t testing.TB, groups ...string) *Provider {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	p := &Provider{Issuer: issuer, Username: "test-user@127.0.0.1", Password: "verysecure", clients: map[string]*storage.Client{}}
	st := &groupsStorage{Storage: storage.NewStorageWithClients(storage.NewUserStore(issuer), p.clients), groups: groups}
	srv := &http.Server{Handler: exampleop.SetupServer(issuer, st, slog.New(slog.DiscardHandler), false), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return p
}

// AddClient registers a confidential web client (PKCE-capable, secret
// ClientSecret) allowed to redirect to callbacks. Register clients before
// the first sign-in that uses them.
func (p *Provider) AddClient(id string, callbacks ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clients[id] = storage.WebClient(id, ClientSecret, callbacks...)
}

// groupsStorage adds the groups claim to the example storage's answers.
type groupsStorage struct {
	*storage.Storage
	groups []string
}

func (s *groupsStorage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, token op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, ui, token, scopes); err != nil {
		return err
	}
	if len(s.groups) > 0 {
		ui.AppendClaims("groups", s.groups)
	}
	return nil
}

func (s *groupsStorage) SetUserinfoFromScopes(ctx context.Context, ui *oidc.UserInfo, userID, clientID string, scopes []string) error {
	if err := s.Storage.SetUserinfoFromScopes(ctx, ui, userID, clientID, scopes); err != nil {
		return err
	}
	if len(s.groups) > 0 {
		ui.AppendClaims("groups", s.groups)
	}
	return nil
}
