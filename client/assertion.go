package client

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/google/uuid"
)

// clientAssertionType is the client_assertion_type of private_key_jwt
// (RFC 7523 §2.2).
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLifetime is how long a client assertion is valid: it is made
// for one token request, so minutes are plenty, and the server refuses
// long-lived ones.
const assertionLifetime = 5 * time.Minute

// assertionSigner makes client assertions: JWTs signed by the private key
// of a certificate registered to the app. It is written on crypto.Signer
// rather than on a JOSE library's key types, so that a key that never
// leaves an HSM or a cloud KMS signs too.
type assertionSigner struct {
	clientID, audience string
	key                crypto.Signer
	alg                string // RS256 or ES256
	header             string // the encoded JOSE header, the same for every assertion
}

// newAssertionSigner checks that key belongs to cert and picks the
// algorithm its type allows.
func newAssertionSigner(clientID, audience string, cert *x509.Certificate, key crypto.Signer) (*assertionSigner, error) {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return nil, errors.New("client: PrivateKey is not the key of Certificate")
	}
	s := &assertionSigner{clientID: clientID, audience: audience, key: key}
	switch k := key.Public().(type) {
	case *rsa.PublicKey:
		s.alg = "RS256"
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, errors.New("client: an ECDSA certificate must be on P-256 (ES256)")
		}
		s.alg = "ES256"
	default:
		return nil, fmt.Errorf("client: a certificate's key must be RSA or ECDSA P-256, got %T", k)
	}
	sha1Sum, sha256Sum := sha1.Sum(cert.Raw), sha256.Sum256(cert.Raw)
	// Both thumbprints: x5t#S256 is the one RFC 7515 recommends, x5t
	// (SHA-1) the one Microsoft Entra ID reads.
	h, err := json.Marshal(map[string]string{
		"alg": s.alg, "typ": "JWT",
		"x5t":      b64(sha1Sum[:]),
		"x5t#S256": b64(sha256Sum[:]),
	})
	if err != nil {
		return nil, err
	}
	s.header = b64(h)
	return s, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// assertionClaims are the claims RFC 7523 §3 requires, and a jti that
// makes every assertion single-use.
type assertionClaims struct {
	Issuer    string `json:"iss"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud"`
	ID        string `json:"jti"`
	IssuedAt  int64  `json:"iat"`
	NotBefore int64  `json:"nbf"`
	Expiry    int64  `json:"exp"`
}

// sign returns a new client assertion made at now.
func (s *assertionSigner) sign(now time.Time) (string, error) {
	claims, err := json.Marshal(assertionClaims{
		Issuer: s.clientID, Subject: s.clientID, Audience: s.audience, ID: uuid.NewString(),
		IssuedAt: now.Unix(), NotBefore: now.Unix(), Expiry: now.Add(assertionLifetime).Unix(),
	})
	if err != nil {
		return "", err
	}
	input := s.header + "." + b64(claims)
	digest := sha256.Sum256([]byte(input))
	sig, err := s.key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("client: signing the client assertion: %w", err)
	}
	if s.alg == "ES256" {
		if sig, err = jwsECDSA(sig); err != nil {
			return "", err
		}
	}
	return input + "." + b64(sig), nil
}

// jwsECDSA converts an ASN.1 ECDSA signature, as crypto.Signer returns it,
// to the fixed-size r‖s that JWS wants (RFC 7518 §3.4).
func jwsECDSA(der []byte) ([]byte, error) {
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) > 0 || rs.R.BitLen() > 256 || rs.S.BitLen() > 256 {
		return nil, errors.New("client: the key returned a malformed ECDSA signature")
	}
	out := make([]byte, 64)
	rs.R.FillBytes(out[:32])
	rs.S.FillBytes(out[32:])
	return out, nil
}

// LoadCertificate reads a PEM certificate and its PEM private key (PKCS #1,
// PKCS #8 or SEC 1) from files, for Config.Certificate and PrivateKey. The
// two may be one file holding both.
func LoadCertificate(certFile, keyFile string) (*x509.Certificate, crypto.Signer, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, nil, fmt.Errorf("loading the certificate: %w", err)
	}
	cert := pair.Leaf
	if cert == nil {
		if cert, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return nil, nil, fmt.Errorf("loading the certificate: %w", err)
		}
	}
	key, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("loading the certificate: a %T cannot sign", pair.PrivateKey)
	}
	return cert, key, nil
}
