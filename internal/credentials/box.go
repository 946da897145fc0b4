package credentials

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"log/slog"
)

// KeySize is the master key's length: AES-256.
const KeySize = 32

// formatV1 is the first byte of every ciphertext Seal writes: AES-256-GCM
// under the one master key, then a random 96-bit nonce, the ciphertext and
// the 16-byte tag. The byte lets a later version add keys (rotation) or
// change the scheme while the stored ciphertexts of this one still open.
const formatV1 byte = 1

// overhead is what Seal adds to a plaintext in format 1.
const overhead = 1 + 12 + 16

// ErrOpen is returned (wrapped) by Open for any ciphertext that does not
// authenticate: a wrong key, associated data of another tenant, or bytes
// changed at rest. GCM cannot tell these apart, and saying which would help
// no one but an attacker.
var ErrOpen = errors.New("credentials: the ciphertext does not open with this key and associated data (wrong key, wrong tenant, or tampered)")

// Box seals and opens small secrets with the master key. It keeps only the
// expanded AES key inside the GCM state, never the raw key bytes, and is
// safe for concurrent use. Make one with NewBox or LoadKey; the zero Box
// has no key.
type Box struct {
	aead hidden[cipher.AEAD] // hidden: the GCM state holds the key schedule
}

// NewBox returns a Box for a KeySize-byte key. The caller may clear key
// afterwards: the Box does not retain it.
func NewBox(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("credentials: the master key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	// NewGCMWithRandomNonce draws a fresh random 96-bit nonce for every
	// Seal and prepends it, so no caller can ever reuse one. Random nonces
	// are safe for about 2^32 seals under one key, far beyond the number
	// of tenant connections.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	return &Box{aead: hide(aead)}, nil
}

// Seal encrypts plaintext and binds it to associatedData, which is not
// stored in the result but must be given again to Open: the tenant's id, so
// that a ciphertext copied to another tenant's row does not open there
// (SealSecret passes TenantAD). The error is always nil today; it is in the
// signature for a later format whose key lives elsewhere (a KMS) and can
// fail.
func (b *Box) Seal(plaintext, associatedData []byte) ([]byte, error) {
	out := make([]byte, 1, overhead+len(plaintext))
	out[0] = formatV1
	return b.aead().Seal(out, nil, plaintext, associatedData), nil
}

// Open decrypts a ciphertext of Seal given the same associated data. Any
// failure to authenticate is ErrOpen; a ciphertext of an unknown format
// version says so.
func (b *Box) Open(ciphertext, associatedData []byte) ([]byte, error) {
	if len(ciphertext) < overhead {
		return nil, fmt.Errorf("credentials: a ciphertext of %d bytes is too short to be sealed: %w", len(ciphertext), ErrOpen)
	}
	if v := ciphertext[0]; v != formatV1 {
		return nil, fmt.Errorf("credentials: unknown ciphertext format version %d (this build reads %d): %w", v, formatV1, ErrOpen)
	}
	plain, err := b.aead().Open(nil, nil, ciphertext[1:], associatedData)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// Sealed reports whether data is, by its first byte, a ciphertext of Seal
// rather than plaintext whose format never starts with that byte (DER, for
// one, starts with 0x30). Stores that kept plaintext before sealing was
// introduced tell their old values from new ones by it.
func Sealed(data []byte) bool { return len(data) > 0 && data[0] == formatV1 }

const redactedBox = "credentials.Box{REDACTED}"

// String redacts the key.
func (b *Box) String() string { return redactedBox }

// GoString redacts the key under %#v.
func (b *Box) GoString() string { return redactedBox }

// Format redacts the key under every verb, including those (%d, %x) for
// which fmt would otherwise print the fields.
func (b *Box) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redactedBox)) }

// LogValue redacts the key in slog.
func (b *Box) LogValue() slog.Value { return slog.StringValue(redactedBox) }

// MarshalJSON redacts the key should a Box end up in a JSON document.
func (b *Box) MarshalJSON() ([]byte, error) { return []byte(`"REDACTED"`), nil }
