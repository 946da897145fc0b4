package storetest

import (
	"crypto/rand"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"secusers/internal/secusers"
)

var signingKeyTests = []test{
	{"Ensure", func(t *testing.T, s secusers.Store) {
		keys, err := s.SigningKeys(ctx(t))
		must(t, "SigningKeys of an empty store", err)
		if len(keys) != 0 {
			t.Fatalf("SigningKeys of an empty store: got %d, want 0", len(keys))
		}
		first := newSigningKey()
		got, err := s.EnsureSigningKey(ctx(t), first)
		must(t, "EnsureSigningKey", err)
		checkCreated(t, got.CreatedAt)
		first.CreatedAt = got.CreatedAt
		if diff := cmp.Diff(first, got); diff != "" {
			t.Errorf("EnsureSigningKey on an empty store (-want +got):\n%s", diff)
		}
		again, err := s.EnsureSigningKey(ctx(t), newSigningKey())
		must(t, "EnsureSigningKey", err)
		if diff := cmp.Diff(got, again); diff != "" {
			t.Errorf("EnsureSigningKey with an active key: got another key (-want +got):\n%s", diff)
		}
		keys, err = s.SigningKeys(ctx(t))
		must(t, "SigningKeys", err)
		if diff := cmp.Diff([]secusers.SigningKey{got}, keys); diff != "" {
			t.Errorf("SigningKeys (-want +got):\n%s", diff)
		}
	}},
	{"EnsureConcurrently", func(t *testing.T, s secusers.Store) {
		const callers = 16
		got := make([]secusers.SigningKey, callers)
		errs := make([]error, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() { got[i], errs[i] = s.EnsureSigningKey(ctx(t), newSigningKey()) })
		}
		wg.Wait()
		for i := range callers {
			must(t, "EnsureSigningKey", errs[i])
			if diff := cmp.Diff(got[0], got[i]); diff != "" {
				t.Errorf("caller %d got another key than caller 0 (-want +got):\n%s", i, diff)
			}
		}
		keys, err := s.SigningKeys(ctx(t))
		must(t, "SigningKeys", err)
		if diff := cmp.Diff([]secusers.SigningKey{got[0]}, keys); diff != "" {
			t.Errorf("SigningKeys after concurrent ensures (-want +got):\n%s", diff)
		}
	}},
	{"Invalid", func(t *testing.T, s secusers.Store) {
		for _, k := range []secusers.SigningKey{
			{Algorithm: "RS256", PrivateKey: []byte{1}},
			{ID: "kid", Algorithm: "RS256"},
		} {
			_, err := s.EnsureSigningKey(ctx(t), k)
			wantKind(t, "EnsureSigningKey of "+k.ID, err, secusers.Invalid)
		}
		keys, err := s.SigningKeys(ctx(t))
		must(t, "SigningKeys", err)
		if len(keys) != 0 {
			t.Errorf("SigningKeys after refused candidates: got %d, want 0", len(keys))
		}
	}},
}

// newSigningKey returns a candidate key; the store treats the private key
// as opaque bytes, so random bytes do.
func newSigningKey() secusers.SigningKey {
	der := make([]byte, 1200)
	rand.Read(der)
	return secusers.SigningKey{ID: newID(), Algorithm: "RS256", PrivateKey: der}
}
