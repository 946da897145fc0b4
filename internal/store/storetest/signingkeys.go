package storetest

import (
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
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
	{"Rotate", func(t *testing.T, s secusers.Store) {
		first, err := s.EnsureSigningKey(ctx(t), newSigningKey())
		must(t, "EnsureSigningKey", err)
		var made []secusers.SigningKey // in the order they became active
		made = append(made, first)
		for range 3 {
			pause() // distinct retirement times, so the order is defined
			in := newSigningKey()
			got, err := s.RotateSigningKey(ctx(t), in)
			must(t, "RotateSigningKey", err)
			checkCreated(t, got.CreatedAt)
			in.CreatedAt = got.CreatedAt
			if diff := cmp.Diff(in, got); diff != "" {
				t.Errorf("RotateSigningKey returned (-want +got):\n%s", diff)
			}
			made = append(made, got)
			keys, err := s.SigningKeys(ctx(t))
			must(t, "SigningKeys", err)
			checkKeyList(t, keys, made)
			// The active key is the one Ensure now returns.
			active, err := s.EnsureSigningKey(ctx(t), newSigningKey())
			must(t, "EnsureSigningKey", err)
			if active.ID != got.ID {
				t.Errorf("EnsureSigningKey after a rotation: got key %s, want the new key %s", active.ID, got.ID)
			}
		}
	}},
	{"RotateWithoutActiveKey", func(t *testing.T, s secusers.Store) {
		in := newSigningKey()
		got, err := s.RotateSigningKey(ctx(t), in)
		must(t, "RotateSigningKey of an empty store", err)
		in.CreatedAt = got.CreatedAt
		if diff := cmp.Diff(in, got); diff != "" {
			t.Errorf("RotateSigningKey of an empty store (-want +got):\n%s", diff)
		}
		keys, err := s.SigningKeys(ctx(t))
		must(t, "SigningKeys", err)
		if diff := cmp.Diff([]secusers.SigningKey{got}, keys); diff != "" {
			t.Errorf("SigningKeys (-want +got):\n%s", diff)
		}
	}},
	{"RotateRefused", func(t *testing.T, s secusers.Store) {
		active, err := s.EnsureSigningKey(ctx(t), newSigningKey())
		must(t, "EnsureSigningKey", err)
		retired := newSigningKey()
		retired.RetiredAt = time.Now()
		reused := newSigningKey()
		reused.ID = active.ID
		for _, tc := range []struct {
			name string
			key  secusers.SigningKey
			kind secusers.Kind
		}{
			{"without an id", secusers.SigningKey{Algorithm: "RS256", PrivateKey: []byte{1}}, secusers.Invalid},
			{"without a private key", secusers.SigningKey{ID: newID(), Algorithm: "RS256"}, secusers.Invalid},
			{"retired already", retired, secusers.Invalid},
			{"with the active key's id", reused, secusers.Conflict},
		} {
			_, err := s.RotateSigningKey(ctx(t), tc.key)
			wantKind(t, "RotateSigningKey "+tc.name, err, tc.kind)
			// Nothing changed: the active key was not retired.
			keys, err := s.SigningKeys(ctx(t))
			must(t, "SigningKeys", err)
			if diff := cmp.Diff([]secusers.SigningKey{active}, keys); diff != "" {
				t.Errorf("SigningKeys after RotateSigningKey %s (-want +got):\n%s", tc.name, diff)
			}
		}
	}},
	{"Prune", func(t *testing.T, s secusers.Store) {
		n, err := s.PruneSigningKeys(ctx(t), time.Now().Add(time.Hour))
		must(t, "PruneSigningKeys of an empty store", err)
		if n != 0 {
			t.Errorf("PruneSigningKeys of an empty store: got %d deleted, want 0", n)
		}
		first, err := s.EnsureSigningKey(ctx(t), newSigningKey())
		must(t, "EnsureSigningKey", err)
		made := []secusers.SigningKey{first}
		for range 3 {
			pause()
			k, err := s.RotateSigningKey(ctx(t), newSigningKey())
			must(t, "RotateSigningKey", err)
			made = append(made, k)
		}
		keys, err := s.SigningKeys(ctx(t))
		must(t, "SigningKeys", err)
		// keys: the active key, then the retired ones, newest first.
		oldest, second := keys[3], keys[2]
		for _, tc := range []struct {
			name   string
			before time.Time
			want   int // how many keys are deleted
		}{
			{"before any retirement", oldest.RetiredAt.Add(-time.Hour), 0},
			{"at the oldest retirement", oldest.RetiredAt, 0}, // retired at, not before
			{"just after the oldest retirement", oldest.RetiredAt.Add(time.Millisecond), 1},
			{"at the second retirement", second.RetiredAt, 0},
			{"long after every retirement", time.Now().Add(24 * time.Hour), 2},
			{"again", time.Now().Add(24 * time.Hour), 0},
		} {
			n, err := s.PruneSigningKeys(ctx(t), tc.before)
			must(t, "PruneSigningKeys "+tc.name, err)
			if n != tc.want {
				t.Errorf("PruneSigningKeys %s: got %d deleted, want %d", tc.name, n, tc.want)
			}
		}
		keys, err = s.SigningKeys(ctx(t))
		must(t, "SigningKeys", err)
		if diff := cmp.Diff([]secusers.SigningKey{made[3]}, keys); diff != "" {
			t.Errorf("SigningKeys after pruning every retired key: want the active key only (-want +got):\n%s", diff)
		}
	}},
	{"RotateConcurrently", func(t *testing.T, s secusers.Store) {
		first, err := s.EnsureSigningKey(ctx(t), newSigningKey())
		must(t, "EnsureSigningKey", err)
		const callers = 16
		got := make([]secusers.SigningKey, callers)
		errs := make([]error, callers)
		var wg sync.WaitGroup
		for i := range callers {
			wg.Go(func() { got[i], errs[i] = s.RotateSigningKey(ctx(t), newSigningKey()) })
		}
		wg.Wait()
		want := map[string]bool{first.ID: true}
		for i := range callers {
			must(t, "RotateSigningKey", errs[i])
			want[got[i].ID] = true
		}
		keys, err := s.SigningKeys(ctx(t))
		must(t, "SigningKeys", err)
		var active []string
		for _, k := range keys {
			if k.RetiredAt.IsZero() {
				active = append(active, k.ID)
			}
			delete(want, k.ID)
		}
		if len(active) != 1 || keys[0].ID != active[0] {
			t.Errorf("after %d concurrent rotations: got active keys %v (first listed %s), want exactly one, listed first", callers, active, keys[0].ID)
		}
		if len(keys) != callers+1 || len(want) != 0 {
			t.Errorf("after %d concurrent rotations: got %d keys, missing %v; want every key, %d", callers, len(keys), want, callers+1)
		}
	}},
}

// checkKeyList checks SigningKeys after a series of rotations: the active
// key (the last made) first, then the others retired, newest first, each
// retired no earlier than it was created and no later than its successor.
func checkKeyList(t *testing.T, keys, made []secusers.SigningKey) {
	t.Helper()
	if len(keys) != len(made) {
		t.Fatalf("SigningKeys: got %d keys, want %d", len(keys), len(made))
	}
	for i, k := range keys {
		want := made[len(made)-1-i]
		if k.ID != want.ID {
			t.Errorf("SigningKeys[%d]: got key %s, want %s (active first, then retired, newest first)", i, k.ID, want.ID)
			continue
		}
		switch {
		case i == 0 && !k.RetiredAt.IsZero():
			t.Errorf("the newest key: got retired at %v, want active", k.RetiredAt)
		case i > 0 && k.RetiredAt.IsZero():
			t.Errorf("SigningKeys[%d]: got active, want retired", i)
		case i > 0 && (k.RetiredAt.Before(k.CreatedAt) || k.RetiredAt.After(keys[i-1].CreatedAt.Add(time.Millisecond))):
			t.Errorf("SigningKeys[%d]: got retired at %v, want between its creation %v and its successor's %v",
				i, k.RetiredAt, k.CreatedAt, keys[i-1].CreatedAt)
		}
		if diff := cmp.Diff(want.PrivateKey, k.PrivateKey); diff != "" {
			t.Errorf("SigningKeys[%d]: private key changed", i)
		}
	}
}

// pause lets the clock move on by more than the millisecond every store
// keeps times at.
func pause() { time.Sleep(3 * time.Millisecond) }

// newSigningKey returns a candidate key; the store treats the private key
// as opaque bytes, so random bytes do.
func newSigningKey() secusers.SigningKey {
	der := make([]byte, 1200)
	rand.Read(der)
	return secusers.SigningKey{ID: newID(), Algorithm: "RS256", PrivateKey: der}
}
