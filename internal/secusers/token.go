package secusers

import (
	"context"
	"slices"
	"time"
)

// AccessToken is what a verified bearer token asserts.
type AccessToken struct {
	ID        string // the "jti"
	ClientID  string // the app the token was issued to
	Scopes    []string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// Credential names the credential the app obtained the token with, so
	// that the API can refuse the token once that credential is removed.
	// It is zero in the tokens of versions that did not record it.
	Credential CredentialRef
}

// HasScope reports whether the token was granted the scope.
func (t AccessToken) HasScope(scope string) bool { return slices.Contains(t.Scopes, scope) }

// TokenVerifier checks bearer tokens. A token that is malformed, unsigned,
// wrongly signed, expired, not yet valid, or from another issuer or audience
// is an Error of kind Unauthenticated.
type TokenVerifier interface {
	VerifyAccessToken(ctx context.Context, raw string) (AccessToken, error)
}

// CredentialKind is the kind of credential an app authenticates with.
type CredentialKind string

// The kinds of credential, as access tokens name them.
const (
	CredentialSecret      CredentialKind = "secret"      // a ClientSecret, named by its ID
	CredentialCertificate CredentialKind = "certificate" // a ClientCertificate, named by its Thumbprint
)

// CredentialRef names one credential of an app: a client secret by its ID,
// or a certificate by its SHA-1 Thumbprint (the form listings show).
type CredentialRef struct {
	Kind CredentialKind
	ID   string
}

// IsZero reports whether the reference names no credential.
func (r CredentialRef) IsZero() bool { return r == CredentialRef{} }

// maxCredentialIDLength bounds a credential's name: a GUID is 36
// characters, a thumbprint 40.
const maxCredentialIDLength = 64

// Validate checks that the reference names a credential of a known kind.
func (r CredentialRef) Validate() error {
	switch {
	case r.Kind != CredentialSecret && r.Kind != CredentialCertificate:
		return Errorf(Invalid, "a credential must be a %s or a %s, got %q", CredentialSecret, CredentialCertificate, r.Kind)
	case r.ID == "" || len(r.ID) > maxCredentialIDLength:
		return Errorf(Invalid, "a credential needs an id of 1 to %d characters", maxCredentialIDLength)
	}
	return nil
}

// ExpiredAt reports whether the secret has expired at now. The token
// endpoint and the API both ask it, so that a secret stops obtaining
// tokens and stops vouching for the tokens it obtained at the same instant.
func (s ClientSecret) ExpiredAt(now time.Time) bool { return !now.Before(s.ExpiresAt) }

// ExpiredAt reports whether the certificate has expired at now: it is
// valid through NotAfter, as X.509 has it (RFC 5280 §4.1.2.5).
func (c ClientCertificate) ExpiredAt(now time.Time) bool { return now.After(c.NotAfter) }
