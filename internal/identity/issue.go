package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// accessTokenType is the JWS "typ" of access tokens (RFC 9068 §2.1). The
// verifier requires it, so no other JWT signed with the same key (an ID
// token, should one ever exist) can pass as an access token.
const accessTokenType = "at+jwt"

// accessClaims are the claims of an access token (RFC 9068 §2.2), and
// the private claim "cred".
type accessClaims struct {
	jwt.Claims
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
	// Credential names the credential the token was obtained with, so that
	// the API refuses the token once the credential is removed or expires.
	// Tokens of earlier versions lack it.
	Credential *credentialClaim `json:"cred,omitempty"`
}

// credentialClaim is the "cred" claim: {"kind":"secret","id":SECRET-ID} or
// {"kind":"certificate","id":SHA-1-THUMBPRINT}.
type credentialClaim struct {
	Kind secusers.CredentialKind `json:"kind"`
	ID   string                  `json:"id"`
}

// IssueAccessToken signs an access token for app with the given scopes (all
// of the app's permissions when scopes is empty) and returns it with its
// lifetime. cred is the credential the client authenticated with, which the
// token names. The caller has authenticated the client; IssueAccessToken
// still refuses a disabled app, a scope the app was not granted, and a
// token that names no credential, so that no caller can mint more than the
// app holds or a token that outlives the removal of its credential.
func (s *Service) IssueAccessToken(ctx context.Context, app secusers.App, cred secusers.CredentialRef, scopes []string) (string, time.Duration, error) {
	if app.Disabled {
		return "", 0, secusers.Errorf(secusers.Forbidden, "the app is disabled")
	}
	if err := cred.Validate(); err != nil {
		return "", 0, err
	}
	if len(scopes) == 0 {
		scopes = app.Permissions
	}
	for _, sc := range scopes {
		if !app.HasPermission(sc) {
			return "", 0, secusers.Errorf(secusers.Invalid, "the scope %q is not granted to the app", sc)
		}
	}
	if len(scopes) == 0 {
		return "", 0, secusers.Errorf(secusers.Invalid, "the app has no permissions")
	}
	set, err := s.keys.current(ctx)
	if err != nil {
		return "", 0, err
	}
	if set.active == nil {
		return "", 0, secusers.Errorf(secusers.Internal, "no usable active signing key")
	}
	now := s.now()
	claims := accessClaims{
		Claims: jwt.Claims{
			Issuer:    s.issuer,
			Subject:   app.ClientID,
			Audience:  jwt.Audience{s.audience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			Expiry:    jwt.NewNumericDate(now.Add(s.ttl)),
			ID:        uuid.NewString(),
		},
		ClientID:   app.ClientID,
		Scope:      strings.Join(scopes, " "),
		Credential: &credentialClaim{Kind: cred.Kind, ID: cred.ID},
	}
	raw, err := sign(set.active, claims)
	if err != nil {
		return "", 0, err
	}
	return raw, s.ttl, nil
}

// sign serializes claims and signs them with key, as a compact JWS. The
// claims are marshalled here rather than by jwt.Signed, whose builder
// marshals them, decodes them into a map and marshals that again: a fifth
// of a grant's time once the signature is ES256.
func sign(key *activeKey, claims accessClaims) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode access token claims: %w", err)
	}
	jws, err := key.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("sign access token with key %q: %w", key.id, err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		return "", fmt.Errorf("serialize access token of key %q: %w", key.id, err)
	}
	return raw, nil
}
