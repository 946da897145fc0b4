package identity

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

func TestNewClientSecret(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)
	clientID := uuid.NewString()
	for years := 1; years <= 3; years++ {
		secret, rec, err := NewClientSecret(clientID, years, now)
		if err != nil {
			t.Fatalf("%d years: %v", years, err)
		}
		if len(secret) != 43 {
			t.Errorf("secret length: got %d, want 43 (256 bits, base64url)", len(secret))
		}
		if rec.Hint != secret[:3] {
			t.Errorf("hint: got %q, want %q", rec.Hint, secret[:3])
		}
		if want := now.AddDate(years, 0, 0); !rec.ExpiresAt.Equal(want) {
			t.Errorf("%d years: expires got %v, want %v", years, rec.ExpiresAt, want)
		}
		if _, err := uuid.Parse(rec.ID); err != nil || rec.ClientID != clientID || !rec.CreatedAt.Equal(now) {
			t.Errorf("record: got %+v, want a UUID id, the client id and now", rec)
		}
		if len(rec.Hash) != 32 || string(rec.Hash) == secret {
			t.Errorf("hash: got %d bytes, want a 32-byte SHA-256", len(rec.Hash))
		}
		if !SecretMatches(rec, secret) {
			t.Errorf("SecretMatches(own secret): got false, want true")
		}
		for _, wrong := range []string{"", secret[:42], secret + "x", rec.Hint, string(rec.Hash)} {
			if SecretMatches(rec, wrong) {
				t.Errorf("SecretMatches(%q): got true, want false", wrong)
			}
		}
	}
	a, _, _ := NewClientSecret(clientID, 1, now)
	b, _, _ := NewClientSecret(clientID, 1, now)
	if a == b {
		t.Errorf("two secrets are equal: %q", a)
	}
	for _, years := range []int{-1, 0, 4, 100} {
		if _, _, err := NewClientSecret(clientID, years, now); !secusers.IsKind(err, secusers.Invalid) {
			t.Errorf("%d years: got %v, want an invalid error", years, err)
		}
	}
	if SecretMatches(secusers.ClientSecret{}, "") {
		t.Errorf("SecretMatches on an empty record: got true, want false")
	}
}
