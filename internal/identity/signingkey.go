package identity

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/secusers"
)

// signingAlgorithm is the only JWS algorithm the service signs with and
// accepts. RS256 is the one every JOSE library supports (RFC 7518 makes it
// the recommended one), so partners' tooling verifies tokens unchanged.
const signingAlgorithm = jose.RS256

// rsaKeyBits is the size of generated keys: NIST's minimum until 2030, and
// what identity providers commonly publish.
const rsaKeyBits = 2048

// NewSigningKey generates a candidate signing key of the one kind the
// service signs with and accepts: RS256 over RSA-2048, stored as PKCS #8.
// Its ID is the key's RFC 7638 thumbprint, so it is stable, unique and never
// derived from input. Servers call it when the store has no active key; the
// CLI's key rotation calls it too, so the two can never drift apart.
func NewSigningKey() (secusers.SigningKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, rsaKeyBits)
	if err != nil {
		return secusers.SigningKey{}, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return secusers.SigningKey{}, fmt.Errorf("encode signing key: %w", err)
	}
	kid, err := thumbprint(&priv.PublicKey)
	if err != nil {
		return secusers.SigningKey{}, err
	}
	return secusers.SigningKey{ID: kid, Algorithm: string(signingAlgorithm), PrivateKey: der}, nil
}

// thumbprint returns the base64url SHA-256 JWK thumbprint of pub (RFC 7638).
func thumbprint(pub *rsa.PublicKey) (string, error) {
	jwk := jose.JSONWebKey{Key: pub}
	sum, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("thumbprint of signing key: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// parsedKey is a stored signing key decoded for use.
type parsedKey struct {
	id      string
	private *rsa.PrivateKey
	retired bool
}

// errNoMasterKey is why a sealed signing key cannot be read.
var errNoMasterKey = errors.New("the key is sealed with the master key, and this process has none")

// SealSigningKey returns k with its private key sealed with the master key
// in box, bound to its kid, ready to store: the database then holds no
// private key in the clear. A nil box returns k as it is (a deployment
// without a master key; the server warns of it).
func SealSigningKey(box *credentials.Box, k secusers.SigningKey) (secusers.SigningKey, error) {
	if box == nil || credentials.Sealed(k.PrivateKey) {
		return k, nil
	}
	sealed, err := box.Seal(k.PrivateKey, signingKeyAD(k.ID))
	if err != nil {
		return secusers.SigningKey{}, fmt.Errorf("seal signing key %q: %w", k.ID, err)
	}
	k.PrivateKey = sealed
	return k, nil
}

// signingKeyAD binds a sealed private key to its kid, so that a sealed key
// copied into another key's row does not open there.
func signingKeyAD(kid string) []byte { return []byte("secusers signing key\x00" + kid) }

// parseSigningKey decodes a stored key, opening it with box when it is
// sealed; keys stored in the clear (before sealing, or without a master key)
// still parse. Only RS256 keys are usable: a key of another algorithm
// (written by a newer version, say) is refused here rather than used with
// the wrong algorithm.
func parseSigningKey(k secusers.SigningKey, box *credentials.Box) (parsedKey, error) {
	if k.Algorithm != string(signingAlgorithm) {
		return parsedKey{}, fmt.Errorf("signing key %q: algorithm %q is not supported", k.ID, k.Algorithm)
	}
	if k.ID == "" {
		return parsedKey{}, fmt.Errorf("signing key without an id")
	}
	der := k.PrivateKey
	if credentials.Sealed(der) {
		if box == nil {
			return parsedKey{}, fmt.Errorf("signing key %q: %w", k.ID, errNoMasterKey)
		}
		var err error
		if der, err = box.Open(der, signingKeyAD(k.ID)); err != nil {
			return parsedKey{}, fmt.Errorf("signing key %q: %w", k.ID, err)
		}
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return parsedKey{}, fmt.Errorf("signing key %q: %w", k.ID, err)
	}
	priv, ok := key.(*rsa.PrivateKey)
	if !ok {
		return parsedKey{}, fmt.Errorf("signing key %q: a %T is not an RSA key", k.ID, key)
	}
	return parsedKey{id: k.ID, private: priv, retired: !k.RetiredAt.IsZero()}, nil
}

// publicJWK is the key as the JWKS publishes it.
func (k parsedKey) publicJWK() jose.JSONWebKey {
	return jose.JSONWebKey{
		Key:       &k.private.PublicKey,
		KeyID:     k.id,
		Algorithm: string(signingAlgorithm),
		Use:       "sig",
	}
}

// signer returns a JWS signer that writes the key's id and the RFC 9068 type
// into every token's header.
func (k parsedKey) signer() (jose.Signer, error) {
	opts := (&jose.SignerOptions{}).WithType(accessTokenType)
	sig, err := jose.NewSigner(jose.SigningKey{
		Algorithm: signingAlgorithm,
		Key:       jose.JSONWebKey{Key: k.private, KeyID: k.id},
	}, opts)
	if err != nil {
		return nil, fmt.Errorf("signer for key %q: %w", k.id, err)
	}
	return sig, nil
}
