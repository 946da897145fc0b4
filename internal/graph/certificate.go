package graph

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// ParseCertificateCredentials returns the Credentials of a certificate and
// its private key, PEM-encoded as the CLI's --cert-file and --key-file hold
// them (both may be the same file: blocks of other types are skipped). The
// key may be PKCS #8 or PKCS #1; it must be the certificate's RSA key,
// because Entra verifies the client assertion with the certificate.
func ParseCertificateCredentials(certPEM, keyPEM []byte) (Credentials, error) {
	certDER := pemBlock(certPEM, "CERTIFICATE")
	if certDER == nil {
		return Credentials{}, errors.New("graph: no CERTIFICATE block in the certificate PEM")
	}
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return Credentials{}, fmt.Errorf("graph: certificate: %w", err)
	}
	key, err := parsePrivateKey(keyPEM)
	if err != nil {
		return Credentials{}, err
	}
	if err := checkKeyPair(cert, key); err != nil {
		return Credentials{}, err
	}
	return Credentials{Certificate: cert, PrivateKey: key}, nil
}

// parsePrivateKey decodes the first private key block of keyPEM. Errors
// never quote the key's bytes.
func parsePrivateKey(keyPEM []byte) (crypto.Signer, error) {
	if der := pemBlock(keyPEM, "PRIVATE KEY"); der != nil {
		key, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return nil, errors.New("graph: private key: not a valid PKCS #8 key")
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("graph: private key: a %T cannot sign", key)
		}
		return signer, nil
	}
	if der := pemBlock(keyPEM, "RSA PRIVATE KEY"); der != nil {
		key, err := x509.ParsePKCS1PrivateKey(der)
		if err != nil {
			return nil, errors.New("graph: private key: not a valid PKCS #1 key")
		}
		return key, nil
	}
	return nil, errors.New("graph: no PRIVATE KEY or RSA PRIVATE KEY block in the key PEM")
}

// pemBlock returns the bytes of the first block of type typ in data, or nil.
func pemBlock(data []byte, typ string) []byte {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil
		}
		if b.Type == typ {
			return b.Bytes
		}
	}
}

// checkKeyPair checks that key is the private half of cert's RSA key.
func checkKeyPair(cert *x509.Certificate, key crypto.Signer) error {
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("graph: certificate: its key is a %T; Entra client assertions are signed with RSA (RS256)", cert.PublicKey)
	}
	if !pub.Equal(key.Public()) {
		return errors.New("graph: credentials: the private key does not belong to the certificate")
	}
	return nil
}
