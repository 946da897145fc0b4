package cli_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCert writes a self-signed P-256 certificate valid from notBefore to
// notAfter, PEM or DER, and returns its path.
func writeCert(t *testing.T, notBefore, notAfter time.Time, asPEM bool) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "partner tool"},
		NotBefore:    notBefore, NotAfter: notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "app.cer")
	data := der
	if asPEM {
		path = filepath.Join(t.TempDir(), "app.pem")
		data = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// newApp creates a partner and an app and returns the app's client id.
func newApp(t *testing.T, db []string) string {
	t.Helper()
	partner := createdID(t, db, "admin", "partner", "create", "--name", "Contoso Partners")
	var app struct {
		ClientID string `json:"clientId"`
	}
	ok(t, db, &app, "admin", "app", "create", "--partner", partner, "--name", "Tool", "--permissions", "partner.um.user.read.all")
	return app.ClientID
}

func TestCertCommands(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	app := newApp(t, db)
	now := time.Now()
	var added struct {
		Thumbprint string `json:"thumbprint"`
	}
	ok(t, db, &added, "admin", "app", "cert", "add", "--app", app, "--file", writeCert(t, now.Add(-time.Hour), now.Add(24*time.Hour), true))
	if len(added.Thumbprint) != 40 || strings.ToUpper(added.Thumbprint) != added.Thumbprint {
		t.Fatalf("cert add printed thumbprint %q, want 40 upper-case hex digits", added.Thumbprint)
	}
	var der struct {
		Thumbprint string `json:"thumbprint"`
	}
	ok(t, db, &der, "admin", "app", "cert", "add", "--app", app, "--file", writeCert(t, now.Add(-time.Hour), now.Add(24*time.Hour), false))

	var list struct {
		Certificates []struct {
			Thumbprint       string    `json:"thumbprint"`
			ThumbprintSHA256 string    `json:"thumbprintSha256"`
			Subject          string    `json:"subject"`
			NotBefore        time.Time `json:"notBefore"`
			NotAfter         time.Time `json:"notAfter"`
			Expired          bool      `json:"expired"`
			CreatedAt        time.Time `json:"createdAt"`
		} `json:"certificates"`
	}
	ok(t, db, &list, "admin", "app", "cert", "list", "--app", app)
	if len(list.Certificates) != 2 || list.Certificates[0].Thumbprint != added.Thumbprint || list.Certificates[1].Thumbprint != der.Thumbprint {
		t.Fatalf("cert list: got %+v, want the PEM then the DER certificate", list.Certificates)
	}
	if c := list.Certificates[0]; !strings.Contains(c.Subject, "partner tool") || c.Expired || c.ThumbprintSHA256 == "" {
		t.Errorf("cert list: got %+v, want subject, SHA-256 thumbprint, not expired", c)
	}

	twice := writeCert(t, now.Add(-time.Hour), now.Add(time.Hour), true)
	ok(t, db, &struct {
		Thumbprint string `json:"thumbprint"`
	}{}, "admin", "app", "cert", "add", "--app", app, "--file", twice)
	fails(t, "", "already", append([]string{"admin", "app", "cert", "add", "--app", app, "--file", twice}, db...)...)
	fails(t, "", "expired", append([]string{"admin", "app", "cert", "add", "--app", app, "--file",
		writeCert(t, now.Add(-48*time.Hour), now.Add(-time.Hour), true)}, db...)...)
	notCert := filepath.Join(t.TempDir(), "junk.pem")
	os.WriteFile(notCert, []byte("hello"), 0o600)
	fails(t, "", "certificate", append([]string{"admin", "app", "cert", "add", "--app", app, "--file", notCert}, db...)...)
	fails(t, "", "no such file", append([]string{"admin", "app", "cert", "add", "--app", app, "--file", "/nonexistent.pem"}, db...)...)
	fails(t, "", "app 00000000-0000-4000-8000-000000000009 not found", append([]string{"admin", "app", "cert", "list", "--app", "00000000-0000-4000-8000-000000000009"}, db...)...)

	var gone struct {
		Removed string `json:"removed"`
	}
	ok(t, db, &gone, "admin", "app", "cert", "remove", "--app", app, "--thumbprint", strings.ToLower(added.Thumbprint))
	if gone.Removed != added.Thumbprint {
		t.Errorf("cert remove: got %q, want %q", gone.Removed, added.Thumbprint)
	}
	fails(t, "", "no certificate", append([]string{"admin", "app", "cert", "remove", "--app", app, "--thumbprint", added.Thumbprint}, db...)...)
	fails(t, "", "40 hex digits", append([]string{"admin", "app", "cert", "remove", "--app", app, "--thumbprint", "xyz"}, db...)...)
	ok(t, db, &list, "admin", "app", "cert", "list", "--app", app)
	if len(list.Certificates) != 2 || list.Certificates[0].Thumbprint != der.Thumbprint {
		t.Errorf("after remove: got %+v, want the DER certificate first, the PEM one gone", list.Certificates)
	}
}

func TestSecretListAndRemove(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	app := newApp(t, db)
	var s1, s2 struct {
		ClientSecret string `json:"clientSecret"`
		ExpiresAt    string `json:"expiresAt"`
	}
	ok(t, db, &s1, "admin", "app", "secret", "add", "--app", app)
	ok(t, db, &s2, "admin", "app", "secret", "add", "--app", app, "--years", "3")
	r := run(t, "", append([]string{"admin", "app", "secret", "list", "--app", app, "-o", "json"}, db...)...)
	if r.code != 0 {
		t.Fatalf("secret list: %q", r.stderr)
	}
	for _, secret := range []string{s1.ClientSecret, s2.ClientSecret} {
		if strings.Contains(r.stdout, secret) || strings.Contains(r.stdout, secret[4:]) {
			t.Fatalf("secret list printed a secret: %s", r.stdout)
		}
	}
	var list struct {
		Secrets []struct {
			ID        string    `json:"id"`
			Hint      string    `json:"hint"`
			CreatedAt time.Time `json:"createdAt"`
			ExpiresAt time.Time `json:"expiresAt"`
			Expired   bool      `json:"expired"`
		} `json:"secrets"`
	}
	decodeOne(t, r.stdout, &list)
	if len(list.Secrets) != 2 || !strings.HasPrefix(s1.ClientSecret, list.Secrets[0].Hint) || list.Secrets[0].Hint == "" {
		t.Fatalf("secret list: got %+v, want two secrets, oldest first, with hints", list.Secrets)
	}
	if exp := list.Secrets[1].ExpiresAt.Format(time.RFC3339); exp != s2.ExpiresAt {
		t.Errorf("secret list: second expiry %s, want %s", exp, s2.ExpiresAt)
	}
	var gone struct {
		Removed string `json:"removed"`
	}
	ok(t, db, &gone, "admin", "app", "secret", "remove", "--app", app, "--id", list.Secrets[0].ID)
	fails(t, "", "app "+app+" has no client secret "+list.Secrets[0].ID, append([]string{"admin", "app", "secret", "remove", "--app", app, "--id", list.Secrets[0].ID}, db...)...)
	other := newApp(t, db)
	fails(t, "", "app "+other+" has no client secret "+list.Secrets[1].ID, append([]string{"admin", "app", "secret", "remove", "--app", other, "--id", list.Secrets[1].ID}, db...)...)
	decodeOne(t, run(t, "", append([]string{"admin", "app", "secret", "list", "--app", app, "-o", "json"}, db...)...).stdout, &list)
	if len(list.Secrets) != 1 {
		t.Errorf("after remove: got %d secrets, want 1", len(list.Secrets))
	}
}

func TestAuditList(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	app := newApp(t, db)
	var secret struct {
		ClientSecret string `json:"clientSecret"`
		ExpiresAt    string `json:"expiresAt"`
	}
	ok(t, db, &secret, "admin", "app", "secret", "add", "--app", app)
	ok(t, db, &struct {
		ClientID string `json:"clientId"`
	}{}, "admin", "app", "disable", "--app", app)
	fails(t, "", "app 00000000-0000-4000-8000-000000000009 not found", append([]string{"admin", "app", "disable", "--app", "00000000-0000-4000-8000-000000000009"}, db...)...)

	type events struct {
		Events []struct {
			ID     int64     `json:"id"`
			At     time.Time `json:"at"`
			Actor  string    `json:"actor"`
			Action string    `json:"action"`
			Target string    `json:"target"`
			Detail string    `json:"detail"`
		} `json:"events"`
	}
	var all events
	ok(t, db, &all, "admin", "audit", "list")
	var actions []string
	for _, ev := range all.Events {
		actions = append(actions, ev.Action)
	}
	if want := "app.disable app.secret.add app.create partner.create"; strings.Join(actions, " ") != want {
		t.Fatalf("audit list: got actions %v, want %s (newest first; the failed disable is not there)", actions, want)
	}
	me, err := user.Current()
	if err != nil {
		t.Skip("no current user:", err)
	}
	for _, ev := range all.Events {
		if ev.Actor != me.Username {
			t.Errorf("event %s: actor %q, want the OS user %q", ev.Action, ev.Actor, me.Username)
		}
		if strings.Contains(ev.Detail, secret.ClientSecret) {
			t.Errorf("event %s: detail %q holds the secret", ev.Action, ev.Detail)
		}
		if time.Since(ev.At) > time.Minute {
			t.Errorf("event %s at %s, want just now", ev.Action, ev.At)
		}
	}
	var filtered events
	ok(t, db, &filtered, "admin", "audit", "list", "--action", "app.secret.add", "--target", app, "--since", "1h")
	if len(filtered.Events) != 1 || filtered.Events[0].Target != app {
		t.Errorf("filtered: got %+v, want the one secret.add of %s", filtered.Events, app)
	}
	ok(t, db, &filtered, "admin", "audit", "list", "--limit", "1")
	if len(filtered.Events) != 1 || filtered.Events[0].Action != "app.disable" {
		t.Errorf("--limit 1: got %+v, want the newest event", filtered.Events)
	}
	fails(t, "", "--action must be one of", append([]string{"admin", "audit", "list", "--action", "app.nuke"}, db...)...)
	fails(t, "", "--since must be", append([]string{"admin", "audit", "list", "--since", "yesterday"}, db...)...)
	fails(t, "", "--limit must be", append([]string{"admin", "audit", "list", "--limit", "0"}, db...)...)
}
