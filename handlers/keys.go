package handlers

import (
	"errors"
	"time"

	"github.com/portico/portico/credentials"
	"github.com/portico/portico/models"
)

// errNoKeyHasher is the answer of routes that issue keys when Portico runs
// without a key pepper (Options.KeyHasher is nil).
var errNoKeyHasher = models.Errorf(models.Unavailable, "Issuing keys is not configured on this server.")

// newCredential makes a fresh secret key of the kind and the credential
// that stores it: the key's display prefix and its HMAC digest, never the
// key itself. The secret is returned to be shown once to its owner; callers
// must not log it, store it or put it in a URL.
func newCredential(h *credentials.Hasher, appID int64, kind models.CredentialKind, name string, expires *time.Time) (secret string, c models.Credential, err error) {
	if h == nil {
		return "", models.Credential{}, errNoKeyHasher
	}
	kk := credentials.AppKey
	if kind == models.CredentialAPIKey {
		kk = credentials.APIKey
	}
	secret, err = credentials.NewKey(kk)
	if err != nil {
		return "", models.Credential{}, err
	}
	k, err := credentials.ParseKey(secret)
	if err != nil {
		return "", models.Credential{}, errors.New("a fresh key does not parse")
	}
	d := h.Digest(secret)
	return secret, models.Credential{
		ApplicationID: appID, Name: name, Prefix: k.Prefix(), Digest: d[:], Kind: kind, ExpiresAt: expires,
	}, nil
}
