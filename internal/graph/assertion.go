package graph

import (
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
)

// jwtBearer is the client_assertion_type of a JWT client assertion (RFC 7523).
const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLifetime is how long a client assertion is valid. It is used at
// once, so it could be shorter; Entra accepts up to ten minutes, and a few
// minutes of room absorb clock skew between us and Entra.
const assertionLifetime = 10 * time.Minute

// assertionSigner makes the client assertions of certificate credentials:
// RS256 JWTs whose headers name the certificate (x5t#S256, and x5t for
// older Entra clouds) so that Entra knows which of the app's certificates
// verifies them.
type assertionSigner struct {
	signer   jose.Signer
	clientID string
	audience string // the token URL
	now      func() time.Time
}

func newAssertionSigner(cert *x509.Certificate, key crypto.Signer, clientID, tokenURL string, now func() time.Time) (*assertionSigner, error) {
	s256 := sha256.Sum256(cert.Raw)
	// x5t is defined as the SHA-1 thumbprint: it names the certificate,
	// it protects nothing.
	s1 := sha1.Sum(cert.Raw)
	opts := (&jose.SignerOptions{}).WithType("JWT").
		WithHeader("x5t#S256", base64.RawURLEncoding.EncodeToString(s256[:])).
		WithHeader("x5t", base64.RawURLEncoding.EncodeToString(s1[:]))
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: cryptosigner.Opaque(key)}, opts)
	if err != nil {
		return nil, fmt.Errorf("graph: client assertion signer: %w", err)
	}
	return &assertionSigner{signer: signer, clientID: clientID, audience: tokenURL, now: now}, nil
}

// sign returns a fresh assertion: a new jti each time, because Entra may
// refuse a replayed one.
func (a *assertionSigner) sign() (string, error) {
	now := a.now()
	claims := jwt.Claims{
		Issuer:    a.clientID,
		Subject:   a.clientID,
		Audience:  jwt.Audience{a.audience},
		ID:        uuid.NewString(),
		NotBefore: jwt.NewNumericDate(now),
		IssuedAt:  jwt.NewNumericDate(now),
		Expiry:    jwt.NewNumericDate(now.Add(assertionLifetime)),
	}
	s, err := jwt.Signed(a.signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("graph: sign client assertion: %w", err)
	}
	return s, nil
}
