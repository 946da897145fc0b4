package identity

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/secusers/secusers/internal/secusers"
)

// MaxCertificateBytes bounds what ParseClientCertificate accepts, and so
// what a caller need read of a certificate file: a certificate with a long
// chain of extensions is a few KiB, and the file comes from a partner, so
// its size is not ours to trust.
const MaxCertificateBytes = 64 << 10

// minRSABits is the smallest RSA key a client certificate may hold: below
// 2048 bits RSA no longer meets NIST's minimum.
const minRSABits = 2048

// ParseClientCertificate reads a certificate a partner registers for the app
// clientID, to authenticate with private_key_jwt, and returns the record to
// store. data is PEM (the first CERTIFICATE block counts) or DER, as the
// usual CERT.pem and CERT.cer files hold. The key must be RSA of at least
// 2048 bits or ECDSA on P-256, the keys of the algorithms the token endpoint
// accepts (RS256, PS256, ES256); a certificate that has already expired at
// now is refused, since it could never authenticate. Every refusal is an
// Error of kind Invalid whose message tells the operator what to give
// instead. CreatedAt is left to the store.
func ParseClientCertificate(data []byte, clientID string, now time.Time) (secusers.ClientCertificate, error) {
	id, ok := secusers.ParseGUID(clientID)
	if !ok {
		return secusers.ClientCertificate{}, secusers.Errorf(secusers.Invalid, "the client id must be a GUID")
	}
	der, err := certificateDER(data)
	if err != nil {
		return secusers.ClientCertificate{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return secusers.ClientCertificate{}, secusers.Errorf(secusers.Invalid, "the file is not a valid X.509 certificate: %v", err)
	}
	if err := checkCertificateKey(cert); err != nil {
		return secusers.ClientCertificate{}, err
	}
	if !now.Before(cert.NotAfter) {
		return secusers.ClientCertificate{}, secusers.Errorf(secusers.Invalid,
			"the certificate expired on %s; create a new one and register that", cert.NotAfter.UTC().Format(time.RFC3339))
	}
	// SHA-1 only names the certificate, as the JWS "x5t" does (RFC 7515
	// §4.1.7); the signature check never relies on it.
	sha1Sum, sha256Sum := sha1.Sum(der), sha256.Sum256(der)
	c := secusers.ClientCertificate{
		ClientID:         id,
		Thumbprint:       strings.ToUpper(hex.EncodeToString(sha1Sum[:])),
		ThumbprintSHA256: base64.RawURLEncoding.EncodeToString(sha256Sum[:]),
		Subject:          subjectOf(cert),
		DER:              der,
		NotBefore:        cert.NotBefore.UTC(),
		NotAfter:         cert.NotAfter.UTC(),
	}
	if err := c.Validate(); err != nil {
		return secusers.ClientCertificate{}, err
	}
	return c, nil
}

// certificateDER finds the DER certificate in data. A PEM file that holds
// only a private key gets its own message: handing over the key instead of
// the certificate is the likely mistake, and the key must never be given.
func certificateDER(data []byte) ([]byte, error) {
	switch {
	case len(data) == 0:
		return nil, secusers.Errorf(secusers.Invalid, "the certificate file is empty")
	case len(data) > MaxCertificateBytes:
		return nil, secusers.Errorf(secusers.Invalid, "the certificate file is larger than %d KiB", MaxCertificateBytes>>10)
	}
	if !bytes.Contains(data, []byte("-----BEGIN")) {
		return data, nil // DER, as a .cer file usually is
	}
	sawKey := false
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		switch {
		case block == nil && sawKey:
			return nil, secusers.Errorf(secusers.Invalid,
				"the file holds a private key, not a certificate: give the certificate (CERT.pem or CERT.cer) and keep the private key with the app")
		case block == nil:
			return nil, secusers.Errorf(secusers.Invalid, "the PEM file holds no CERTIFICATE block")
		case block.Type == "CERTIFICATE":
			return block.Bytes, nil
		case strings.Contains(block.Type, "PRIVATE KEY"):
			sawKey = true
		}
	}
}

// checkCertificateKey accepts the keys of the algorithms client assertions
// may use, so that a certificate registered is one that can authenticate.
func checkCertificateKey(cert *x509.Certificate) error {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return secusers.Errorf(secusers.Invalid, "the certificate's RSA key has %d bits; at least %d are required", k.N.BitLen(), minRSABits)
		}
		return nil
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return secusers.Errorf(secusers.Invalid, "the certificate's ECDSA key is on %s; only P-256 is accepted", k.Curve.Params().Name)
		}
		return nil
	}
	return secusers.Errorf(secusers.Invalid, "the certificate's key is a %s key; only RSA (2048 bits or more) and ECDSA P-256 are accepted",
		cert.PublicKeyAlgorithm)
}

// subjectOf is the certificate's subject for listings, kept within what a
// stored text field may hold.
func subjectOf(cert *x509.Certificate) string {
	// The subject is the partner's text, printed to operators' terminals
	// by cert add and cert list: control characters (escape sequences)
	// and format characters (bidi overrides) must not reach them.
	s := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(cert.Subject.String(), "?"))
	for len(s) > secusers.MaxFieldLength {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}
