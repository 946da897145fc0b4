package credentials

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/secusers/secusers/internal/secusers"
)

// Secret is how the partner's app registration proves itself to a tenant's
// login endpoint, in the form it is stored: a client secret, or a
// certificate and its private key as PEM (graph.ParseCertificateCredentials
// turns those into graph.Credentials when a run starts).
type Secret struct {
	v hidden[*secretValue] // nil for the zero Secret
}

// secretValue is also the sealed payload's JSON.
type secretValue struct {
	ClientSecret   string `json:"clientSecret,omitempty"`
	CertificatePEM []byte `json:"certificatePem,omitempty"`
	PrivateKeyPEM  []byte `json:"privateKeyPem,omitempty"`
}

// NewClientSecret returns a Secret holding a client secret.
func NewClientSecret(secret string) Secret {
	return Secret{v: hide(&secretValue{ClientSecret: secret})}
}

// NewCertificate returns a Secret holding a certificate and its private
// key, both PEM. It keeps copies, so the caller may clear its buffers.
func NewCertificate(certPEM, keyPEM []byte) Secret {
	return Secret{v: hide(&secretValue{CertificatePEM: bytes.Clone(certPEM), PrivateKeyPEM: bytes.Clone(keyPEM)})}
}

// value returns what s holds; the zero Secret holds nothing.
func (s Secret) value() secretValue {
	if s.v == nil {
		return secretValue{}
	}
	return *s.v()
}

// IsZero reports whether s holds nothing.
func (s Secret) IsZero() bool {
	v := s.value()
	return v.ClientSecret == "" && len(v.CertificatePEM) == 0 && len(v.PrivateKeyPEM) == 0
}

// ClientSecret returns the client secret, or "" for a certificate.
func (s Secret) ClientSecret() string { return s.value().ClientSecret }

// Certificate returns copies of the certificate and private key PEM, or
// nils for a client secret.
func (s Secret) Certificate() (certPEM, keyPEM []byte) {
	v := s.value()
	return bytes.Clone(v.CertificatePEM), bytes.Clone(v.PrivateKeyPEM)
}

// TenantAD is the associated data that binds a sealed credential to its
// tenant (secusers.Tenant.ID, the row it is stored with): a label, so that a ciphertext sealed for another purpose under the
// same key never opens as a credential, and the tenant's id, lower-cased
// when it is a GUID so that the letter case of an id given on the command
// line does not matter.
func TenantAD(tenantID string) []byte {
	if canon, ok := secusers.ParseGUID(tenantID); ok {
		tenantID = canon
	}
	return []byte("secusers tenant credential\x00" + tenantID)
}

// SealSecret encrypts s for the tenant: only OpenSecret with the same
// tenant id and key opens it.
func (b *Box) SealSecret(tenantID string, s Secret) ([]byte, error) {
	if s.IsZero() {
		return nil, fmt.Errorf("credentials: nothing to seal for tenant %s", tenantID)
	}
	payload, err := json.Marshal(s.value())
	if err != nil {
		return nil, fmt.Errorf("credentials: encode: %w", err)
	}
	defer clear(payload)
	return b.Seal(payload, TenantAD(tenantID))
}

// OpenSecret decrypts a ciphertext of SealSecret for the tenant. A
// ciphertext of another tenant, another key or changed bytes is ErrOpen.
func (b *Box) OpenSecret(tenantID string, ciphertext []byte) (Secret, error) {
	payload, err := b.Open(ciphertext, TenantAD(tenantID))
	if err != nil {
		return Secret{}, err
	}
	defer clear(payload)
	var v secretValue
	if err := json.Unmarshal(payload, &v); err != nil {
		// Not wrapped: a JSON syntax error may quote the payload.
		return Secret{}, fmt.Errorf("credentials: the sealed credential of tenant %s is not a credential", tenantID)
	}
	return Secret{v: hide(&v)}, nil
}

// describe says what kind of secret s is, and nothing of its content.
func (s Secret) describe() string {
	switch {
	case s.IsZero():
		return "credentials.Secret{}"
	case s.ClientSecret() != "":
		return "credentials.Secret{client secret: REDACTED}"
	}
	return "credentials.Secret{certificate: REDACTED}"
}

// String redacts the secret.
func (s Secret) String() string { return s.describe() }

// GoString redacts the secret under %#v.
func (s Secret) GoString() string { return s.describe() }

// Format redacts the secret under every verb, including those (%d, %x) for
// which fmt would otherwise print the fields.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.describe())) }

// LogValue redacts the secret in slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.describe()) }

// MarshalJSON redacts the secret should it end up in a JSON document; the
// sealed payload is encoded from the unexported value instead.
func (s Secret) MarshalJSON() ([]byte, error) {
	return json.Marshal(strings.TrimPrefix(s.describe(), "credentials."))
}
