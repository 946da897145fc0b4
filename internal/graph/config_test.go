package graph

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestNewRefuses(t *testing.T) {
	t.Parallel()
	cert, key := newTestCert(t)
	_, otherKey := newTestCert(t)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good := Config{EntraTenantID: testTenant, ClientID: testClientID, Credentials: Credentials{ClientSecret: testSecret}}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no tenant", func(c *Config) { c.EntraTenantID = "" }, "Entra tenant ID"},
		{"a tenant that changes the path", func(c *Config) { c.EntraTenantID = "../common" }, "Entra tenant ID"},
		{"a tenant with a query", func(c *Config) { c.EntraTenantID = "x?y=1" }, "Entra tenant ID"},
		{"no client", func(c *Config) { c.ClientID = "" }, "client ID"},
		{"no credentials", func(c *Config) { c.Credentials = Credentials{} }, "a client secret or a certificate"},
		{"both", func(c *Config) { c.Certificate, c.PrivateKey = cert, key }, "not both"},
		{"a certificate without key", func(c *Config) { c.Credentials = Credentials{Certificate: cert} }, "needs its private key"},
		{"a key without certificate", func(c *Config) { c.Credentials = Credentials{PrivateKey: key} }, "needs its private key"},
		{"another key", func(c *Config) { c.Credentials = Credentials{Certificate: cert, PrivateKey: otherKey} }, "does not belong"},
		{"an EC key", func(c *Config) { c.Credentials = Credentials{Certificate: cert, PrivateKey: ecKey} }, "does not belong"},
		{"a relative Graph URL", func(c *Config) { c.GraphURL = "graph.microsoft.com" }, "Graph URL"},
		{"a Graph URL with a query", func(c *Config) { c.GraphURL = "https://graph.microsoft.com/?x=1" }, "Graph URL"},
		{"a login URL with a user", func(c *Config) { c.LoginURL = "https://u:p@login.example" }, "login URL"},
		{"a login URL of another scheme", func(c *Config) { c.LoginURL = "ftp://login.example" }, "login URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			tc.mod(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: got %v, want an error about %q", err, tc.want)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error %q carries the secret", err)
			}
		})
	}
	for _, tenant := range []string{testTenant, "contoso.onmicrosoft.com"} {
		cfg := good
		cfg.EntraTenantID = tenant
		if _, err := New(cfg); err != nil {
			t.Errorf("New with tenant %q: %v", tenant, err)
		}
	}
}

// TestCredentialsNeverPrinted checks every way a Config might reach a log.
func TestCredentialsNeverPrinted(t *testing.T) {
	t.Parallel()
	cfg := Config{EntraTenantID: testTenant, ClientID: testClientID, Credentials: Credentials{ClientSecret: testSecret}}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{cfg, &cfg, cfg.Credentials} {
			if s := fmt.Sprintf(format, v); strings.Contains(s, testSecret) {
				t.Errorf("Sprintf(%q, %T) = %q carries the secret", format, v, s)
			}
		}
	}
	var logs strings.Builder
	for _, h := range []slog.Handler{slog.NewJSONHandler(&logs, nil), slog.NewTextHandler(&logs, nil)} {
		slog.New(h).Info("sync", "config", cfg, "credentials", cfg.Credentials, "ptr", &cfg)
	}
	if strings.Contains(logs.String(), testSecret) {
		t.Errorf("logs carry the secret: %s", logs.String())
	}
	if s := cfg.String(); !strings.Contains(s, testClientID) || !strings.Contains(s, "client secret") {
		t.Errorf("String: got %q, want the client id and the kind of credential", s)
	}
}

func TestParseCertificateCredentials(t *testing.T) {
	t.Parallel()
	cert, key := newTestCert(t)
	_, otherKey := newTestCert(t)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8PEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	pkcs1PEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	otherPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(otherKey)})
	combined := append(append([]byte{}, pkcs8PEM...), certPEM...)
	for _, tc := range []struct {
		name            string
		certPEM, keyPEM []byte
		want            string // "" for success
	}{
		{"PKCS #8", certPEM, pkcs8PEM, ""},
		{"PKCS #1", certPEM, pkcs1PEM, ""},
		{"one file with both", combined, combined, ""},
		{"another key", certPEM, otherPEM, "does not belong"},
		{"no certificate", pkcs8PEM, pkcs8PEM, "no CERTIFICATE block"},
		{"no key", certPEM, certPEM, "no PRIVATE KEY"},
		{"a broken key", certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("garbage")}), "not a valid PKCS #8 key"},
		{"a broken certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("garbage")}), pkcs8PEM, "certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			creds, err := ParseCertificateCredentials(tc.certPEM, tc.keyPEM)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want an error about %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !creds.Certificate.Equal(cert) || creds.validate() != nil {
				t.Errorf("credentials: got %v, want the certificate and its key", creds)
			}
		})
	}
}
