package identity

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/secusers/secusers/internal/secusers"
)

// clockLeeway absorbs clock skew between the servers that share the keys:
// small, so an expired token stops working promptly.
const clockLeeway = 30 * time.Second

// maxTokenLength bounds what the verifier parses. Our tokens are well under
// 2 KiB; anything far longer is not ours and is refused before decoding.
const maxTokenLength = 8 << 10

// VerifyAccessToken checks a bearer token and returns what it asserts. Only
// RS256 tokens of type at+jwt signed by one of the store's published keys,
// from this issuer, for the partner API, and valid now are accepted; every
// other token is an Error of kind Unauthenticated with a short message that
// is safe to show. When the keys must be reread and the store cannot be
// reached, the store's error (Unavailable) is returned instead: the token may
// well be good.
func (s *Service) VerifyAccessToken(ctx context.Context, raw string) (secusers.AccessToken, error) {
	claims, err := s.verifiedClaims(ctx, raw)
	if err != nil {
		return secusers.AccessToken{}, err
	}
	if err := s.checkClaims(claims); err != nil {
		return secusers.AccessToken{}, err
	}
	tok := secusers.AccessToken{
		ID:        claims.ID,
		ClientID:  claims.ClientID,
		Scopes:    strings.Fields(claims.Scope),
		IssuedAt:  claims.IssuedAt.Time(),
		ExpiresAt: claims.Expiry.Time(),
	}
	// A token without "cred" is from a version that did not record it and
	// is accepted until it expires (within the token lifetime of the
	// upgrade): refusing it would make a server of this version refuse
	// what one of the previous version, in the same rolling upgrade, has
	// just issued.
	if c := claims.Credential; c != nil {
		tok.Credential = secusers.CredentialRef{Kind: c.Kind, ID: c.ID}
		if tok.Credential.Validate() != nil {
			return secusers.AccessToken{}, unauthenticated("the token's credential claim is malformed")
		}
	}
	return tok, nil
}

func unauthenticated(message string) error {
	return secusers.Errorf(secusers.Unauthenticated, "%s", message)
}

// verifiedClaims parses raw, checks its header and signature and decodes its
// claims. Nothing from the token is trusted before the signature is checked,
// except the kid, which only selects among keys the store holds.
func (s *Service) verifiedClaims(ctx context.Context, raw string) (accessClaims, error) {
	var claims accessClaims
	switch {
	case raw == "":
		return claims, unauthenticated("no token was given")
	case len(raw) > maxTokenLength:
		return claims, unauthenticated("the token is too long")
	}
	// Naming the one accepted algorithm here is what refuses "none", HS256
	// keyed with the public key, and every other algorithm confusion.
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{signingAlgorithm})
	if err != nil {
		var alg *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &alg) {
			return claims, unauthenticated("the token's signing algorithm is not accepted")
		}
		return claims, unauthenticated("the token is malformed")
	}
	if len(tok.Headers) != 1 {
		return claims, unauthenticated("the token is malformed")
	}
	h := tok.Headers[0]
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); !isAccessTokenType(typ) {
		return claims, unauthenticated("the token is not an access token")
	}
	if h.KeyID == "" {
		return claims, unauthenticated("the token does not name its signing key")
	}
	pub, err := s.keys.publicKey(ctx, h.KeyID)
	if err != nil {
		return claims, err
	}
	if pub == nil {
		return claims, unauthenticated("the token's signing key is not known")
	}
	if err := tok.Claims(pub, &claims); err != nil {
		if errors.Is(err, jose.ErrCryptoFailure) {
			return claims, unauthenticated("the token's signature is not valid")
		}
		return claims, unauthenticated("the token's claims are malformed")
	}
	return claims, nil
}

// isAccessTokenType accepts "at+jwt" and its full media type, in any case
// (RFC 9068 §4, RFC 7515 §4.1.9).
func isAccessTokenType(typ string) bool {
	return strings.EqualFold(typ, accessTokenType) || strings.EqualFold(typ, "application/"+accessTokenType)
}

// checkClaims checks the signed claims: all present, this issuer, the
// partner API as audience, valid now give or take clockLeeway.
func (s *Service) checkClaims(c accessClaims) error {
	switch {
	case c.Issuer == "", c.Subject == "", len(c.Audience) == 0, c.Expiry == nil, c.NotBefore == nil,
		c.IssuedAt == nil, c.ID == "", c.ClientID == "":
		return unauthenticated("the token lacks a required claim")
	case c.Subject != c.ClientID:
		return unauthenticated("the token's subject is not its client")
	}
	err := c.Claims.ValidateWithLeeway(jwt.Expected{
		Issuer:      s.issuer,
		AnyAudience: jwt.Audience{s.audience},
		Time:        s.now(),
	}, clockLeeway)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jwt.ErrExpired):
		return unauthenticated("the token has expired")
	case errors.Is(err, jwt.ErrNotValidYet), errors.Is(err, jwt.ErrIssuedInTheFuture):
		return unauthenticated("the token is not valid yet")
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return unauthenticated("the token is from another issuer")
	case errors.Is(err, jwt.ErrInvalidAudience):
		return unauthenticated("the token is for another audience")
	}
	return unauthenticated("the token is not valid")
}
