package identity

import (
	"bytes"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

func TestParseClientCertificate(t *testing.T) {
	t.Parallel()
	now := newFakeClock().Now()
	clientID := uuid.NewString()
	notBefore, notAfter := now.Add(-time.Hour).Truncate(time.Second), now.AddDate(1, 0, 0).Truncate(time.Second)
	rsaDER := selfSigned(t, partnerRSAKey(), notBefore, notAfter)
	ecDER := selfSigned(t, partnerECKey(), notBefore, notAfter)
	keyDER, err := x509.MarshalPKCS8PrivateKey(partnerRSAKey())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		data    []byte
		want    []byte // the DER the record must hold
		wantErr string // a substring of the Invalid error's message
	}{
		{name: "PEM, RSA", data: pemOf("CERTIFICATE", rsaDER), want: rsaDER},
		{name: "DER, EC P-256", data: ecDER, want: ecDER},
		{name: "PEM with the key first, then the certificate", data: append(pemOf("PRIVATE KEY", keyDER), pemOf("CERTIFICATE", ecDER)...), want: ecDER},
		{name: "PEM chain: the first certificate counts", data: append(pemOf("CERTIFICATE", rsaDER), pemOf("CERTIFICATE", ecDER)...), want: rsaDER},
		{name: "PEM with text around it, CRLF", data: []byte("subject=CN=x\r\n" + strings.ReplaceAll(string(pemOf("CERTIFICATE", ecDER)), "\n", "\r\n")), want: ecDER},
		{name: "only a private key", data: pemOf("PRIVATE KEY", keyDER), wantErr: "give the certificate"},
		{name: "only an RSA private key", data: pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(partnerRSAKey())), wantErr: "not a certificate"},
		{name: "PEM without a certificate", data: pemOf("PUBLIC KEY", []byte{1, 2, 3}), wantErr: "no CERTIFICATE block"},
		{name: "empty", data: nil, wantErr: "empty"},
		{name: "garbage", data: []byte("hello"), wantErr: "not a valid X.509 certificate"},
		{name: "too large", data: bytes.Repeat([]byte{0x30}, MaxCertificateBytes+1), wantErr: "larger than"},
		{name: "expired", data: selfSigned(t, partnerECKey(), now.AddDate(-1, 0, 0), now.Add(-time.Minute)), wantErr: "the certificate expired on"},
		{name: "RSA 1024", data: selfSigned(t, mustRSA(1024), notBefore, notAfter), wantErr: "1024 bits; at least 2048"},
		{name: "EC P-384", data: selfSigned(t, mustEC(elliptic.P384()), notBefore, notAfter), wantErr: "only P-256"},
		{name: "Ed25519", data: func() []byte {
			_, k, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			return selfSigned(t, k, notBefore, notAfter)
		}(), wantErr: "Ed25519 key; only RSA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseClientCertificate(tt.data, clientID, now)
			if tt.wantErr != "" {
				if !secusers.IsKind(err, secusers.Invalid) || !strings.Contains(secusers.MessageOf(err), tt.wantErr) {
					t.Fatalf("got %v, want an Invalid error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := clientCert{der: tt.want}
			s256 := sha256.Sum256(tt.want)
			want := secusers.ClientCertificate{
				ClientID:         clientID,
				Thumbprint:       c.hexSHA1(),
				ThumbprintSHA256: base64.RawURLEncoding.EncodeToString(s256[:]),
				Subject:          "CN=Fabrikam Reporting,O=Fabrikam",
				DER:              tt.want,
				NotBefore:        notBefore,
				NotAfter:         notAfter,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("record (-want +got):\n%s", diff)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("the record does not validate: %v", err)
			}
		})
	}
}

func TestParseClientCertificateClientID(t *testing.T) {
	t.Parallel()
	now := newFakeClock().Now()
	der := selfSigned(t, partnerECKey(), now.Add(-time.Hour), now.Add(time.Hour))
	id := uuid.NewString()
	got, err := ParseClientCertificate(der, strings.ToUpper(id), now)
	if err != nil || got.ClientID != id {
		t.Errorf("upper-case client id: got %q, %v; want %q", got.ClientID, err, id)
	}
	if _, err := ParseClientCertificate(der, "app", now); !secusers.IsKind(err, secusers.Invalid) {
		t.Errorf("a client id that is not a GUID: got %v, want Invalid", err)
	}
}

// FuzzParseClientCertificate feeds arbitrary files to the parser: it must
// never panic, must refuse with Invalid, and a record it returns must be
// valid and hold a certificate with an accepted key.
func FuzzParseClientCertificate(f *testing.F) {
	now := newFakeClock().Now()
	clientID := uuid.NewString()
	rsaDER := selfSigned(f, partnerRSAKey(), now.Add(-time.Hour), now.Add(time.Hour))
	f.Add(rsaDER)
	f.Add(pemOf("CERTIFICATE", rsaDER))
	f.Add(pemOf("CERTIFICATE", selfSigned(f, partnerECKey(), now.Add(-time.Hour), now.Add(time.Hour))))
	f.Add(pemOf("PRIVATE KEY", []byte{0x30, 0x00}))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"))
	f.Add([]byte{0x30, 0x82, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseClientCertificate(data, clientID, now)
		if err != nil {
			if !secusers.IsKind(err, secusers.Invalid) {
				t.Fatalf("got %v (kind %v), want Invalid", err, secusers.KindOf(err))
			}
			return
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("returned a record that does not validate: %v", err)
		}
		cert, err := x509.ParseCertificate(got.DER)
		if err != nil {
			t.Fatalf("returned DER that does not parse: %v", err)
		}
		if checkCertificateKey(cert) != nil || !now.Before(cert.NotAfter) {
			t.Fatalf("returned a certificate it should refuse: %v, valid until %v", cert.PublicKeyAlgorithm, cert.NotAfter)
		}
	})
}

// TestCertificateSubjectIsSafeToPrint: a certificate whose subject carries
// terminal escape sequences or bidi overrides is registered with them
// replaced, so cert add and cert list cannot write them to a terminal.
func TestCertificateSubjectIsSafeToPrint(t *testing.T) {
	t.Parallel()
	now := newFakeClock().Now()
	key := partnerECKey()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "evil\x1b[2J\x1b]0;pwned\a\u202egnp.exe"},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := ParseClientCertificate(der, uuid.NewString(), now)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rec.Subject {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Fatalf("subject %q holds %U", rec.Subject, r)
		}
	}
	if !strings.Contains(rec.Subject, `evil?[2J?]0\;pwned??gnp.exe`) {
		t.Errorf("subject %q, want the control and format characters replaced by ?", rec.Subject)
	}
}
