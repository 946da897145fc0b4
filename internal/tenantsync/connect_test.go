package tenantsync_test

import (
	"strings"
	"testing"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync"
)

func TestConnect(t *testing.T) {
	t.Parallel()
	st := newStore(t)
	box := newBox(t)
	tid := createTenant(t, st)
	certPEM, keyPEM, _ := selfSigned(t)
	_, otherKey, _ := selfSigned(t)
	good := tenantsync.Connection{
		TenantID: strings.ToUpper(tid), EntraTenantID: "72F988BF-86F1-41AF-91AB-2D7CD011DB47", ClientID: testClientID,
		Secret: credentials.NewClientSecret(testSecret),
	}
	conn, err := tenantsync.Connect(t.Context(), st, box, good)
	if err != nil {
		t.Fatal(err)
	}
	if conn.TenantID != tid || conn.EntraTenantID != "72f988bf-86f1-41af-91ab-2d7cd011db47" ||
		conn.GraphURL != "https://graph.microsoft.com" || conn.LoginURL != "https://login.microsoftonline.com" || conn.InactiveDays != 90 {
		t.Errorf("connection %+v: want canonical ids and the defaults", conn)
	}
	if strings.Contains(string(conn.Credentials), testSecret) {
		t.Error("the stored credential holds the secret in the clear")
	}
	if s, err := box.OpenSecret(tid, conn.Credentials); err != nil || s.ClientSecret() != testSecret {
		t.Errorf("the sealed credential does not open to the secret: %v", err)
	}

	cert := good
	cert.Secret, cert.GraphURL, cert.InactiveDays = credentials.NewCertificate(certPEM, keyPEM), "https://graph.microsoft.us/", 30
	if conn, err = tenantsync.Connect(t.Context(), st, box, cert); err != nil {
		t.Fatal(err)
	}
	if conn.GraphURL != "https://graph.microsoft.us" || conn.InactiveDays != 30 {
		t.Errorf("connection %+v: want the national cloud's URL without its slash, 30 days", conn)
	}

	for _, tc := range []struct {
		name   string
		change func(*tenantsync.Connection)
		kind   secusers.Kind
		want   string
	}{
		{"unknown tenant", func(c *tenantsync.Connection) { c.TenantID = "11111111-1111-4111-8111-111111111111" }, secusers.NotFound, ""},
		{"tenant not a GUID", func(c *tenantsync.Connection) { c.TenantID = "contoso" }, secusers.Invalid, "tenant id"},
		{"Entra tenant not a GUID", func(c *tenantsync.Connection) { c.EntraTenantID = "contoso.com" }, secusers.Invalid, "Entra tenant id"},
		{"client id not a GUID", func(c *tenantsync.Connection) { c.ClientID = "app" }, secusers.Invalid, "client id"},
		{"no credential", func(c *tenantsync.Connection) { c.Secret = credentials.Secret{} }, secusers.Invalid, "client secret"},
		{"key of another certificate", func(c *tenantsync.Connection) { c.Secret = credentials.NewCertificate(certPEM, otherKey) }, secusers.Invalid, "does not belong"},
		{"not a certificate", func(c *tenantsync.Connection) { c.Secret = credentials.NewCertificate(keyPEM, keyPEM) }, secusers.Invalid, "CERTIFICATE"},
		{"Graph URL with a query", func(c *tenantsync.Connection) { c.GraphURL = "https://graph.microsoft.com/?x=1" }, secusers.Invalid, "Graph URL"},
		{"login URL not http", func(c *tenantsync.Connection) { c.LoginURL = "ftp://login" }, secusers.Invalid, "login URL"},
		{"negative inactive days", func(c *tenantsync.Connection) { c.InactiveDays = -1 }, secusers.Invalid, "inactivity"},
	} {
		c := good
		tc.change(&c)
		_, err := tenantsync.Connect(t.Context(), st, box, c)
		if !secusers.IsKind(err, tc.kind) || !strings.Contains(secusers.MessageOf(err), tc.want) {
			t.Errorf("%s: got %v, want %v mentioning %q", tc.name, err, tc.kind, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), testSecret) {
			t.Errorf("%s: the error shows the secret: %v", tc.name, err)
		}
	}
}
