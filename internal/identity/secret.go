package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// secretBytes is the entropy of a client secret: 256 bits, which is why a
// single fast hash is enough to store it (nothing to brute-force).
const secretBytes = 32

// secretHintLength is how much of a secret its record keeps in clear, to
// tell secrets apart in listings; 18 of 256 bits is no help to a guesser.
const secretHintLength = 3

// NewClientSecret creates a client secret for the app clientID that expires
// after years (1, 2 or 3, as the spec allows). It returns the secret, to show
// once, and the record to store, which holds only its SHA-256 hash and hint.
// The secret is base64url, so it needs no escaping in a form or in Basic
// credentials.
func NewClientSecret(clientID string, years int, now time.Time) (string, secusers.ClientSecret, error) {
	if years < 1 || years > 3 {
		return "", secusers.ClientSecret{}, secusers.Errorf(secusers.Invalid, "a client secret expires after 1, 2 or 3 years, got %d", years)
	}
	buf := make([]byte, secretBytes)
	if _, err := rand.Read(buf); err != nil {
		return "", secusers.ClientSecret{}, err
	}
	secret := base64.RawURLEncoding.EncodeToString(buf)
	sum := sha256.Sum256([]byte(secret))
	return secret, secusers.ClientSecret{
		ID:        uuid.NewString(),
		ClientID:  clientID,
		Hash:      sum[:],
		Hint:      secret[:secretHintLength],
		CreatedAt: now,
		ExpiresAt: now.AddDate(years, 0, 0),
	}, nil
}

// SecretMatches reports whether secret is the one record was made for. It
// compares hashes in constant time, so the time it takes tells an attacker
// nothing about how close a guess was. Expiry is the caller's check.
func SecretMatches(record secusers.ClientSecret, secret string) bool {
	sum := sha256.Sum256([]byte(secret))
	return len(record.Hash) == len(sum) && subtle.ConstantTimeCompare(record.Hash, sum[:]) == 1
}
