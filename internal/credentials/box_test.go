package credentials_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/secusers/secusers/internal/credentials"
)

func newKey(t *testing.T) []byte {
	t.Helper()
	key := make([]byte, credentials.KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return key
}

func newBox(t *testing.T, key []byte) *credentials.Box {
	t.Helper()
	b, err := credentials.NewBox(key)
	if err != nil {
		t.Fatalf("NewBox: %v", err)
	}
	return b
}

func seal(t *testing.T, b *credentials.Box, plain, ad []byte) []byte {
	t.Helper()
	ct, err := b.Seal(plain, ad)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return ct
}

const tenantA = "2a6b4b5c-9c1e-4d3f-8a7b-1c2d3e4f5a6b"
const tenantB = "9e8d7c6b-5a4f-4e3d-9c2b-1a0f9e8d7c6b"

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	b := newBox(t, newKey(t))
	for _, plain := range [][]byte{nil, []byte("s3cr3t~value.of.a.client"), bytes.Repeat([]byte{0, 0xff}, 8192)} {
		ct := seal(t, b, plain, []byte(tenantA))
		if bytes.Contains(ct, []byte("s3cr3t")) {
			t.Errorf("the ciphertext holds the plaintext")
		}
		got, err := b.Open(ct, []byte(tenantA))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, plain) {
			t.Errorf("Open: got %d bytes %q…, want %d bytes", len(got), got[:min(8, len(got))], len(plain))
		}
	}
}

func TestSealUsesAFreshNonce(t *testing.T) {
	t.Parallel()
	b := newBox(t, newKey(t))
	one, two := seal(t, b, []byte("same"), nil), seal(t, b, []byte("same"), nil)
	if bytes.Equal(one, two) {
		t.Errorf("two seals of one plaintext are equal: the nonce was reused")
	}
	if one[0] != 1 {
		t.Errorf("version byte: got %d, want 1", one[0])
	}
}

// TestOpenDetectsTampering flips one bit in every byte of a ciphertext, in
// each of its regions, and also cuts and extends it.
func TestOpenDetectsTampering(t *testing.T) {
	t.Parallel()
	b := newBox(t, newKey(t))
	ct := seal(t, b, []byte("client secret of tenant A"), []byte(tenantA))
	region := func(i int) string {
		switch {
		case i == 0:
			return "version"
		case i <= 12:
			return "nonce"
		case i >= len(ct)-16:
			return "tag"
		}
		return "ciphertext"
	}
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		if _, err := b.Open(bad, []byte(tenantA)); !errors.Is(err, credentials.ErrOpen) {
			t.Errorf("bit flipped in byte %d (%s): got %v, want ErrOpen", i, region(i), err)
		}
	}
	for _, bad := range [][]byte{nil, ct[:1], ct[:28], ct[:len(ct)-1], append(bytes.Clone(ct), 0)} {
		if _, err := b.Open(bad, []byte(tenantA)); !errors.Is(err, credentials.ErrOpen) {
			t.Errorf("ciphertext of %d bytes (sealed: %d): got %v, want ErrOpen", len(bad), len(ct), err)
		}
	}
}

func TestOpenUnknownVersion(t *testing.T) {
	t.Parallel()
	b := newBox(t, newKey(t))
	ct := seal(t, b, []byte("x"), nil)
	ct[0] = 2
	_, err := b.Open(ct, nil)
	if !errors.Is(err, credentials.ErrOpen) || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("got %v, want ErrOpen naming version 2", err)
	}
}

func TestOpenWrongAssociatedData(t *testing.T) {
	t.Parallel()
	b := newBox(t, newKey(t))
	ct := seal(t, b, []byte("x"), []byte(tenantA))
	for _, ad := range [][]byte{[]byte(tenantB), nil, []byte(tenantA + " "), []byte(strings.ToUpper(tenantA))} {
		if _, err := b.Open(ct, ad); !errors.Is(err, credentials.ErrOpen) {
			t.Errorf("associated data %q: got %v, want ErrOpen", ad, err)
		}
	}
}

func TestOpenWrongKey(t *testing.T) {
	t.Parallel()
	ct := seal(t, newBox(t, newKey(t)), []byte("x"), []byte(tenantA))
	if _, err := newBox(t, newKey(t)).Open(ct, []byte(tenantA)); !errors.Is(err, credentials.ErrOpen) {
		t.Errorf("got %v, want ErrOpen", err)
	}
}

func TestNewBoxKeyLength(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := credentials.NewBox(make([]byte, n)); err == nil {
			t.Errorf("NewBox with a %d-byte key: got nil, want an error", n)
		}
	}
}
