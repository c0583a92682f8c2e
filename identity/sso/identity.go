package sso

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/markbates/goth/providers/github"
	"golang.org/x/oauth2"
)

// oidcClaims are the ID token and userinfo claims Portico reads.
type oidcClaims struct {
	Subject           string   `json:"sub"`
	Email             string   `json:"email"`
	EmailVerified     flexBool `json:"email_verified"`
	Name              string   `json:"name"`
	PreferredUsername string   `json:"preferred_username"`
	AuthorizedParty   string   `json:"azp"`
}

// flexBool reads a JSON boolean, or the strings "true" and "false" that
// some providers send.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`, "null":
		*b = false
	default:
		return fmt.Errorf("email_verified: %s is not a boolean", data)
	}
	return nil
}

// oidcIdentity verifies the ID token of tok (go-oidc: signature against the
// provider's JWKS, issuer, audience, expiry; here: nonce, azp, at_hash) and
// reads the identity from it, completed from the userinfo endpoint when the
// token lacks the email or the groups.
func (m *Manager) oidcIdentity(ctx context.Context, p *provider, tok *oauth2.Token, nonce string) (Result, error) {
	name := p.cfg.Name
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Result{}, refuse(name, msgVerify, errNoIDToken)
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return Result{}, refuse(name, msgVerify, fmt.Errorf("%w: %w", errIDToken, err))
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return Result{}, refuse(name, msgVerify, errNonce)
	}
	var c oidcClaims
	all := map[string]any{}
	if err := idt.Claims(&c); err != nil {
		return Result{}, refuse(name, msgVerify, fmt.Errorf("%w: %w", errIDToken, err))
	}
	if err := idt.Claims(&all); err != nil {
		return Result{}, refuse(name, msgVerify, fmt.Errorf("%w: %w", errIDToken, err))
	}
	// OIDC Core 3.1.3.7: with several audiences, the token must have been issued to us.
	if len(idt.Audience) > 1 && c.AuthorizedParty != p.cfg.ClientID {
		return Result{}, refuse(name, msgVerify, fmt.Errorf("%w: azp %q is not the client", errIDToken, c.AuthorizedParty))
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return Result{}, refuse(name, msgVerify, fmt.Errorf("%w: %w", errIDToken, err))
		}
	}

	res := Result{
		Subject:       idt.Subject,
		Email:         c.Email,
		EmailVerified: bool(c.EmailVerified),
		Name:          displayName(c),
	}
	groups, haveGroups := groupsClaim(all, p.cfg.GroupsClaim)
	needGroups := p.cfg.GroupsClaim != "" && !haveGroups
	if (res.Email == "" || needGroups) && p.userInfo {
		ui, err := p.oidc.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return Result{}, refuse(name, msgProvider, fmt.Errorf("%w: %w", errUserInfo, err))
		}
		// OIDC Core 5.3.2: userinfo about someone else must not be used.
		if ui.Subject != idt.Subject {
			return Result{}, refuse(name, msgVerify, fmt.Errorf("%w: subject differs from the ID token's", errUserInfo))
		}
		var uc oidcClaims
		uall := map[string]any{}
		if err := ui.Claims(&uc); err != nil {
			return Result{}, refuse(name, msgProvider, fmt.Errorf("%w: %w", errUserInfo, err))
		}
		if err := ui.Claims(&uall); err != nil {
			return Result{}, refuse(name, msgProvider, fmt.Errorf("%w: %w", errUserInfo, err))
		}
		if res.Email == "" {
			res.Email, res.EmailVerified = uc.Email, bool(uc.EmailVerified)
		}
		if res.Name == "" {
			res.Name = displayName(uc)
		}
		if needGroups {
			groups, _ = groupsClaim(uall, p.cfg.GroupsClaim)
		}
	}
	res.Groups = groups
	return res, nil
}

func displayName(c oidcClaims) string {
	if c.Name != "" {
		return c.Name
	}
	return c.PreferredUsername
}

// groupsClaim reads the groups claim: a list of strings, or one string.
func groupsClaim(claims map[string]any, claim string) ([]string, bool) {
	if claim == "" {
		return nil, false
	}
	v, ok := claims[claim]
	if !ok {
		return nil, false
	}
	var groups []string
	switch v := v.(type) {
	case string:
		groups = append(groups, v)
	case []any:
		for _, g := range v {
			if s, ok := g.(string); ok && s != "" && !slices.Contains(groups, s) {
				groups = append(groups, s)
			}
		}
	}
	return groups, true
}

// githubIdentity fetches the GitHub user (goth) and their verified primary
// email (GitHub's emails API).
func (m *Manager) githubIdentity(ctx context.Context, p *provider, tok *oauth2.Token) (Result, error) {
	name := p.cfg.Name
	gp := *p.github
	gp.HTTPClient = contextClient(ctx, m.client)
	u, err := gp.FetchUser(&github.Session{AccessToken: tok.AccessToken})
	if errors.Is(err, github.ErrNoVerifiedGitHubPrimaryEmail) {
		return Result{}, refuse(name, msgNoEmail, fmt.Errorf("%w: %w", errNoEmail, err))
	}
	if err != nil {
		return Result{}, refuse(name, msgProvider, fmt.Errorf("%w: %w", errProfile, err))
	}
	if u.UserID == "" || u.UserID == "0" {
		return Result{}, refuse(name, msgVerify, errNoSubject)
	}
	email, err := githubPrimaryEmail(ctx, m.client, p.emailsURL, tok.AccessToken)
	if err != nil {
		return Result{}, refuse(name, msgNoEmail, fmt.Errorf("%w: %w", errNoEmail, err))
	}
	res := Result{Subject: u.UserID, Email: email, EmailVerified: true, Name: u.Name}
	if res.Name == "" {
		res.Name = u.NickName
	}
	return res, nil
}

// githubPrimaryEmail returns the user's primary email if GitHub has
// verified it.
func githubPrimaryEmail(ctx context.Context, client *http.Client, emailsURL, accessToken string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, emailsURL, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/vnd.github+json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GitHub emails API answered %s", resp.Status)
	}
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&emails); err != nil {
		return "", fmt.Errorf("GitHub emails API: %w", err)
	}
	for _, e := range emails {
		if e.Primary && e.Verified && strings.TrimSpace(e.Email) != "" {
			return e.Email, nil
		}
	}
	return "", fmt.Errorf("no verified primary email among %d", len(emails))
}
