package client

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"net/http"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"1", time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"99999999999", 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	} {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q): got %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestBackoffGrowsWithinBounds(t *testing.T) {
	t.Parallel()
	for n := range 40 {
		d := min(backoffBase<<min(n, 16), backoffCap)
		for range 50 {
			if got := backoff(n); got < d/2 || got > d {
				t.Fatalf("backoff(%d): got %v, want %v … %v", n, got, d/2, d)
			}
		}
	}
}

func TestRenewTime(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		life, early time.Duration
	}{
		{time.Hour, time.Minute},
		{2 * time.Minute, 30 * time.Second},
		{2 * time.Second, 500 * time.Millisecond},
	} {
		if got, want := renewTime(start, start.Add(tc.life)), start.Add(tc.life-tc.early); !got.Equal(want) {
			t.Errorf("token of %v: renewed at %v, want %v", tc.life, got, want)
		}
	}
	if got := renewTime(start, time.Time{}); !got.After(start.Add(24 * time.Hour)) {
		t.Errorf("token without expiry: renewed at %v, want never", got)
	}
}

// The ES256 signature a crypto.Signer returns in ASN.1 must become r‖s and
// verify as such.
func TestJWSECDSA(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("payload"))
	for range 20 {
		der, err := key.Sign(rand.Reader, digest[:], nil)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := jwsECDSA(der)
		if err != nil || len(sig) != 64 {
			t.Fatalf("got %d bytes, %v", len(sig), err)
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(&key.PublicKey, digest[:], r, s) {
			t.Fatal("r‖s does not verify")
		}
	}
	if _, err := jwsECDSA([]byte("junk")); err == nil {
		t.Error("junk: got no error")
	}
}
