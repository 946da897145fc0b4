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
}

// HasScope reports whether the token was granted the scope.
func (t AccessToken) HasScope(scope string) bool { return slices.Contains(t.Scopes, scope) }

// TokenVerifier checks bearer tokens. A token that is malformed, unsigned,
// wrongly signed, expired, not yet valid, or from another issuer or audience
// is an Error of kind Unauthenticated.
type TokenVerifier interface {
	VerifyAccessToken(ctx context.Context, raw string) (AccessToken, error)
}
