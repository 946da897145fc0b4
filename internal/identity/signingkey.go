package identity

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/secusers"
)

// The JWS algorithms of the signing keys, as secusers.SigningKey.Algorithm
// and the tokens' "alg" spell them.
const (
	// AlgorithmES256 is ECDSA with P-256 and SHA-256. A signature costs
	// tens of microseconds where an RSA-2048 one costs about a
	// millisecond, and signing is what bounds the token grants a server
	// makes a second; every maintained JOSE library verifies it.
	AlgorithmES256 = string(jose.ES256)
	// AlgorithmRS256 is RSASSA-PKCS1-v1_5 with SHA-256 over RSA-2048, the
	// algorithm of earlier versions, for partners whose tooling knows no
	// other (RFC 7518 makes it the one every library must support).
	AlgorithmRS256 = string(jose.RS256)
	// DefaultSigningAlgorithm is the algorithm of the keys a service
	// creates when it is not told another.
	DefaultSigningAlgorithm = AlgorithmES256
)

// acceptedAlgorithms are the only JWS algorithms the verifier accepts.
// Naming them to the parser is what refuses "none", HS256 keyed with a
// public key and every other algorithm; that a token's algorithm is its
// key's is checked once the kid has named the key.
var acceptedAlgorithms = []jose.SignatureAlgorithm{jose.ES256, jose.RS256}

// rsaKeyBits is the size of generated RSA keys: NIST's minimum until 2030,
// and what identity providers commonly publish.
const rsaKeyBits = 2048

// ParseSigningAlgorithm returns the signing algorithm s names, ES256 or
// RS256 in any case, spelled as the service spells it; anything else is an
// Invalid error that lists the two.
func ParseSigningAlgorithm(s string) (string, error) {
	for _, alg := range acceptedAlgorithms {
		if strings.EqualFold(s, string(alg)) {
			return string(alg), nil
		}
	}
	return "", secusers.Errorf(secusers.Invalid, "the signing algorithm must be %s or %s, got %q", AlgorithmES256, AlgorithmRS256, s)
}

// NewSigningKey generates a candidate signing key for alg: ES256 (ECDSA
// P-256) or RS256 (RSA-2048), DefaultSigningAlgorithm when alg is "". The
// private key is stored as PKCS #8 either way. Its ID is the key's RFC 7638
// thumbprint, so it is stable, unique and never derived from input. Servers
// call it when the store has no active key, or one of another algorithm
// than theirs; the CLI's key rotation calls it too, so the two can never
// drift apart.
func NewSigningKey(alg string) (secusers.SigningKey, error) {
	if alg == "" {
		alg = DefaultSigningAlgorithm
	}
	alg, err := ParseSigningAlgorithm(alg)
	if err != nil {
		return secusers.SigningKey{}, err
	}
	priv, err := generateKey(alg)
	if err != nil {
		return secusers.SigningKey{}, fmt.Errorf("generate %s signing key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return secusers.SigningKey{}, fmt.Errorf("encode %s signing key: %w", alg, err)
	}
	kid, err := thumbprint(priv.Public())
	if err != nil {
		return secusers.SigningKey{}, err
	}
	return secusers.SigningKey{ID: kid, Algorithm: alg, PrivateKey: der}, nil
}

// generateKey makes a private key for alg, which ParseSigningAlgorithm has
// spelled.
func generateKey(alg string) (crypto.Signer, error) {
	if alg == AlgorithmRS256 {
		return rsa.GenerateKey(rand.Reader, rsaKeyBits)
	}
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// thumbprint returns the base64url SHA-256 JWK thumbprint of pub (RFC 7638),
// an RSA or EC public key.
func thumbprint(pub crypto.PublicKey) (string, error) {
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
	alg     jose.SignatureAlgorithm
	private crypto.Signer // *rsa.PrivateKey for RS256, *ecdsa.PrivateKey (P-256) for ES256
	retired bool
}

// errNoMasterKey is why a sealed signing key cannot be read.
var errNoMasterKey = errors.New("the key is sealed with the master key, and this process has none")

// SealSigningKey returns k with its private key sealed with the master key
// in box, bound to its kid, ready to store: the database then holds no
// private key in the clear. A nil box returns k as it is (a deployment
// without a master key; the server warns of it). Keys of every algorithm
// are sealed alike: what is sealed is their PKCS #8 encoding.
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
// still parse. Only ES256 and RS256 keys are usable, and only when the key
// is of the kind its algorithm names: a key of another algorithm (written by
// a newer version, say) is refused here rather than used with the wrong
// algorithm.
func parseSigningKey(k secusers.SigningKey, box *credentials.Box) (parsedKey, error) {
	alg, err := ParseSigningAlgorithm(k.Algorithm)
	if err != nil || alg != k.Algorithm {
		return parsedKey{}, fmt.Errorf("signing key %q: algorithm %q is not supported", k.ID, k.Algorithm)
	}
	if k.ID == "" {
		return parsedKey{}, fmt.Errorf("signing key without an id")
	}
	der, err := openSigningKey(k, box)
	if err != nil {
		return parsedKey{}, err
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return parsedKey{}, fmt.Errorf("signing key %q: %w", k.ID, err)
	}
	priv, err := keyOfAlgorithm(alg, key)
	if err != nil {
		return parsedKey{}, fmt.Errorf("signing key %q: %w", k.ID, err)
	}
	return parsedKey{id: k.ID, alg: jose.SignatureAlgorithm(alg), private: priv, retired: !k.RetiredAt.IsZero()}, nil
}

// openSigningKey returns the PKCS #8 bytes of k, opened with box when they
// are sealed.
func openSigningKey(k secusers.SigningKey, box *credentials.Box) ([]byte, error) {
	if !credentials.Sealed(k.PrivateKey) {
		return k.PrivateKey, nil
	}
	if box == nil {
		return nil, fmt.Errorf("signing key %q: %w", k.ID, errNoMasterKey)
	}
	der, err := box.Open(k.PrivateKey, signingKeyAD(k.ID))
	if err != nil {
		return nil, fmt.Errorf("signing key %q: %w", k.ID, err)
	}
	return der, nil
}

// keyOfAlgorithm returns key when it is the kind of key alg signs with: a
// row whose algorithm says ES256 but which holds an RSA key (or the
// reverse) is damaged, and using it would publish a JWK whose "alg" lies.
func keyOfAlgorithm(alg string, key any) (crypto.Signer, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if alg == AlgorithmRS256 {
			return k, nil
		}
	case *ecdsa.PrivateKey:
		if alg == AlgorithmES256 && k.Curve == elliptic.P256() {
			return k, nil
		}
	}
	return nil, fmt.Errorf("a %T is not a key for %s", key, alg)
}

// publicJWK is the key as the JWKS publishes it: kty RSA or EC (crv P-256),
// with its algorithm, use and kid.
func (k parsedKey) publicJWK() jose.JSONWebKey {
	return jose.JSONWebKey{
		Key:       k.private.Public(),
		KeyID:     k.id,
		Algorithm: string(k.alg),
		Use:       "sig",
	}
}

// signer returns a JWS signer that writes the key's id and the RFC 9068 type
// into every token's header.
func (k parsedKey) signer() (jose.Signer, error) {
	opts := (&jose.SignerOptions{}).WithType(accessTokenType)
	sig, err := jose.NewSigner(jose.SigningKey{
		Algorithm: k.alg,
		Key:       jose.JSONWebKey{Key: k.private, KeyID: k.id},
	}, opts)
	if err != nil {
		return nil, fmt.Errorf("signer for key %q: %w", k.id, err)
	}
	return sig, nil
}
