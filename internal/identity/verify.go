package identity

import (
	"context"
	"crypto/sha256"
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
// ES256 and RS256 tokens of type at+jwt signed by one of the store's
// published keys, with that key's algorithm, from this issuer, for the
// partner API, and valid now are accepted; every other token is an Error of
// kind Unauthenticated with a short message that is safe to show. When the
// keys must be reread and the store cannot be reached, the store's error
// (Unavailable) is returned instead: the token may well be good.
//
// A token accepted once is cached until its exp (see tokenCache), so that
// its next requests skip the signature check; everything else is checked
// on every call.
func (s *Service) VerifyAccessToken(ctx context.Context, raw string) (secusers.AccessToken, error) {
	if err := checkTokenSize(raw); err != nil {
		return secusers.AccessToken{}, err
	}
	key := sha256.Sum256([]byte(raw))
	v, cached, err := s.cachedToken(ctx, key)
	if err == nil && !cached {
		if v, err = s.verifyToken(ctx, raw); err == nil {
			s.verified.add(key, v)
		}
	}
	if err != nil {
		return secusers.AccessToken{}, err
	}
	return v.accessToken(), nil
}

// checkTokenSize refuses, before any work, no token and one far longer
// than ours.
func checkTokenSize(raw string) error {
	switch {
	case raw == "":
		return unauthenticated("no token was given")
	case len(raw) > maxTokenLength:
		return unauthenticated("the token is too long")
	}
	return nil
}

// cachedToken returns the cached token whose hash is key, if there is one.
// Its signature is not checked again; what could have changed since is:
// its claims against the clock (nbf, exp, with the leeway), and that the
// key that signed it is still published, so that a key dropped from the
// store ends its tokens as promptly as without the cache. A reread of the
// keys that fails is the store's error, as on the uncached path.
func (s *Service) cachedToken(ctx context.Context, key [sha256.Size]byte) (*verifiedToken, bool, error) {
	v, ok := s.verified.get(key)
	if !ok {
		return nil, false, nil
	}
	set, err := s.keys.current(ctx)
	if err != nil {
		return nil, false, err
	}
	if set.public[v.kid] == nil {
		s.verified.forget(key)
		return nil, false, nil
	}
	if err := s.checkClaims(v.claims); err != nil {
		return nil, false, err
	}
	return v, true, nil
}

// verifyToken checks raw in full: header, signature and claims.
func (s *Service) verifyToken(ctx context.Context, raw string) (*verifiedToken, error) {
	claims, kid, err := s.verifiedClaims(ctx, raw)
	if err != nil {
		return nil, err
	}
	if err := s.checkClaims(claims); err != nil {
		return nil, err
	}
	tok, err := accessToken(claims)
	if err != nil {
		return nil, err
	}
	return &verifiedToken{kid: kid, claims: claims, token: tok}, nil
}

// accessToken is what the verified claims assert.
func accessToken(claims accessClaims) (secusers.AccessToken, error) {
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
// claims, and returns them with the kid of the key that signed them.
// Nothing from the token is trusted before the signature is checked, except
// the kid, which only selects among keys the store holds, and the alg,
// which must be that key's.
func (s *Service) verifiedClaims(ctx context.Context, raw string) (accessClaims, string, error) {
	var claims accessClaims
	// Naming the accepted algorithms here is what refuses "none", HS256
	// keyed with the public key, and every other algorithm.
	tok, err := jwt.ParseSigned(raw, acceptedAlgorithms)
	if err != nil {
		var alg *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &alg) {
			return claims, "", unauthenticated("the token's signing algorithm is not accepted")
		}
		return claims, "", unauthenticated("the token is malformed")
	}
	if len(tok.Headers) != 1 {
		return claims, "", unauthenticated("the token is malformed")
	}
	h := tok.Headers[0]
	key, err := s.headerKey(ctx, h)
	if err != nil {
		return claims, "", err
	}
	if err := tok.Claims(key.key, &claims); err != nil {
		if errors.Is(err, jose.ErrCryptoFailure) {
			return claims, "", unauthenticated("the token's signature is not valid")
		}
		return claims, "", unauthenticated("the token's claims are malformed")
	}
	return claims, h.KeyID, nil
}

// headerKey checks a token's header (its type, its kid) and returns the
// published key its kid names, refusing a token whose alg is not that
// key's: an RS256 header naming an EC key, or ES256 naming an RSA key, is
// the algorithm confusion the key's own algorithm rules out.
func (s *Service) headerKey(ctx context.Context, h jose.Header) (*verifyingKey, error) {
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); !isAccessTokenType(typ) {
		return nil, unauthenticated("the token is not an access token")
	}
	if h.KeyID == "" {
		return nil, unauthenticated("the token does not name its signing key")
	}
	key, err := s.keys.publicKey(ctx, h.KeyID)
	switch {
	case err != nil:
		return nil, err
	case key == nil:
		return nil, unauthenticated("the token's signing key is not known")
	case jose.SignatureAlgorithm(h.Algorithm) != key.alg:
		return nil, unauthenticated("the token's signing algorithm is not its key's")
	}
	return key, nil
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
