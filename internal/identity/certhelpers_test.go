package identity

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
)

// The partners' keys, generated once for the whole suite: an RSA key
// generation per test would dominate its time.
var (
	partnerRSAKey = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA(2048) })
	partnerECKey  = sync.OnceValue(func() *ecdsa.PrivateKey { return mustEC(elliptic.P256()) })
	otherECKey    = sync.OnceValue(func() *ecdsa.PrivateKey { return mustEC(elliptic.P256()) })
)

func mustRSA(bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	return k
}

func mustEC(c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

// selfSigned makes a self-signed certificate of key, valid from notBefore
// to notAfter, and returns its DER.
func selfSigned(t testing.TB, key crypto.Signer, notBefore, notAfter time.Time) []byte {
	t.Helper()
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Fabrikam Reporting", Organization: []string{"Fabrikam"}},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatalf("create certificate: %v", err)
	}
	return der
}

func pemOf(blockType string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
}

// clientCert is a partner's certificate with its private key.
type clientCert struct {
	key crypto.Signer
	der []byte
}

// x5t is the base64url SHA-1 thumbprint, as a JWS header names it.
func (c clientCert) x5t() string {
	sum := sha1.Sum(c.der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// x5tS256 is the base64url SHA-256 thumbprint.
func (c clientCert) x5tS256() string {
	sum := sha256.Sum256(c.der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// hexSHA1 is the upper-case hex SHA-1 thumbprint, the form Entra shows.
func (c clientCert) hexSHA1() string {
	sum := sha1.Sum(c.der)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// newCert makes a certificate of key valid for a year around the env's now.
func (e *testEnv) newCert(t testing.TB, key crypto.Signer) clientCert {
	t.Helper()
	now := e.clock.Now()
	return clientCert{key: key, der: selfSigned(t, key, now.Add(-time.Hour), now.AddDate(1, 0, 0))}
}

// registerCert registers c to the app through ParseClientCertificate, as
// `admin app cert add` does.
func (e *testEnv) registerCert(t testing.TB, clientID string, c clientCert) {
	t.Helper()
	rec, err := ParseClientCertificate(pemOf("CERTIFICATE", c.der), clientID, e.clock.Now())
	if err != nil {
		t.Fatalf("ParseClientCertificate: %v", err)
	}
	if _, err := e.sqlite.AddClientCertificate(context.Background(), rec); err != nil {
		t.Fatalf("add client certificate: %v", err)
	}
}

// assertionClaims are the claims of a good client assertion at now.
func assertionClaims(now time.Time, clientID string) map[string]any {
	return map[string]any{
		"iss": clientID, "sub": clientID, "aud": testIssuer + tokenPath,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": uuid.NewString(),
	}
}

// signAssertion signs claims with c's key, naming c in the header by x5t.
func signAssertion(t testing.TB, alg jose.SignatureAlgorithm, c clientCert, claims map[string]any) string {
	t.Helper()
	return forge(t, alg, c.key, map[jose.HeaderKey]any{"x5t": c.x5t(), "typ": "JWT"}, claims)
}

// assertionForm is a client credentials request authenticated by the
// assertion, with extra name/value pairs.
func assertionForm(assertion string, extra ...string) string {
	return form(append([]string{"grant_type", "client_credentials",
		"client_assertion_type", clientAssertionType, "client_assertion", assertion}, extra...)...)
}

// unsignedJWT is a JWT with "alg":"none" and an empty signature.
func unsignedJWT(t testing.TB, header map[string]any, claims map[string]any) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return b64(string(h)) + "." + b64(string(c)) + "."
}
