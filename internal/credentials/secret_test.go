package credentials_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/secusers/secusers/internal/credentials"
)

func TestSecretRoundTrip(t *testing.T) {
	t.Parallel()
	b := newBox(t, newKey(t))
	cert, key := []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), []byte("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n")
	for _, s := range []credentials.Secret{credentials.NewClientSecret("Xy8Q~abc.def"), credentials.NewCertificate(cert, key)} {
		ct, err := b.SealSecret(tenantA, s)
		if err != nil {
			t.Fatalf("SealSecret: %v", err)
		}
		// The tenant id's letter case does not matter: ids are GUIDs.
		got, err := b.OpenSecret(strings.ToUpper(tenantA), ct)
		if err != nil {
			t.Fatalf("OpenSecret: %v", err)
		}
		gotCert, gotKey := got.Certificate()
		wantCert, wantKey := s.Certificate()
		if got.ClientSecret() != s.ClientSecret() || !bytes.Equal(gotCert, wantCert) || !bytes.Equal(gotKey, wantKey) {
			t.Errorf("OpenSecret: got %q %q %q, want %q %q %q", got.ClientSecret(), gotCert, gotKey, s.ClientSecret(), wantCert, wantKey)
		}
		if _, err := b.OpenSecret(tenantB, ct); !errors.Is(err, credentials.ErrOpen) {
			t.Errorf("OpenSecret for another tenant: got %v, want ErrOpen", err)
		}
	}
}

func TestSealSecretRefusesNothing(t *testing.T) {
	t.Parallel()
	b := newBox(t, newKey(t))
	for _, s := range []credentials.Secret{{}, credentials.NewClientSecret("")} {
		if _, err := b.SealSecret(tenantA, s); err == nil {
			t.Errorf("SealSecret of an empty secret: got nil, want an error")
		}
	}
}

func TestNewCertificateCopies(t *testing.T) {
	t.Parallel()
	cert, key := []byte("cert"), []byte("key")
	s := credentials.NewCertificate(cert, key)
	clear(cert)
	clear(key)
	if c, k := s.Certificate(); string(c) != "cert" || string(k) != "key" {
		t.Errorf("got %q %q after the caller cleared its buffers, want the originals", c, k)
	}
}
