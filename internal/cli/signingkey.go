package cli

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"

	"github.com/go-jose/go-jose/v4"

	"secusers/internal/secusers"
)

// The signing keys `admin keys rotate` makes are the kind the token service
// makes for itself and alone accepts (internal/identity/signingkey.go):
// RS256 with RSA-2048, stored as PKCS #8. The identity package does not
// export its generator, so this is its twin; its test checks the result
// with the identity service itself.
const (
	signingAlgorithm = "RS256"
	signingKeyBits   = 2048
)

// newSigningKey generates a signing key whose kid is its RFC 7638
// thumbprint: unique, stable, and derived from nothing but the key.
func newSigningKey() (secusers.SigningKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, signingKeyBits)
	if err != nil {
		return secusers.SigningKey{}, fmt.Errorf("generating a signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return secusers.SigningKey{}, fmt.Errorf("encoding the signing key: %w", err)
	}
	sum, err := (&jose.JSONWebKey{Key: &priv.PublicKey}).Thumbprint(crypto.SHA256)
	if err != nil {
		return secusers.SigningKey{}, fmt.Errorf("thumbprint of the signing key: %w", err)
	}
	return secusers.SigningKey{
		ID:         base64.RawURLEncoding.EncodeToString(sum),
		Algorithm:  signingAlgorithm,
		PrivateKey: der,
	}, nil
}
