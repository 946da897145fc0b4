package tenantsync

import (
	"context"
	"strings"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync/rules"
)

// MaxInactiveDays bounds a tenant's inactivity period: a hundred years is
// already "never".
const MaxInactiveDays = 36500

// Connection is what connecting a tenant takes (`admin tenant connect`):
// the Entra tenant and app registration the sync reads it through, with
// the app's credential in the clear. Connect seals the credential; nothing
// else ever stores it.
type Connection struct {
	TenantID      string // our tenant
	EntraTenantID string // the customer's Entra tenant, a GUID
	ClientID      string // the partner's app registration in it, a GUID
	Secret        credentials.Secret
	GraphURL      string // "" for graph.DefaultGraphURL
	LoginURL      string // "" for graph.DefaultLoginURL
	InactiveDays  int    // 0 for rules.DefaultInactiveDays
}

// Connect checks c, seals its credential for the tenant with box, and saves
// the tenant's connection, replacing any earlier one. A certificate is
// parsed and matched to its key here, so that a wrong file is refused now
// rather than at the first run. It makes no request to Graph.
func Connect(ctx context.Context, st secusers.Store, box *credentials.Box, c Connection) (secusers.TenantConnection, error) {
	conn, err := c.validate()
	if err != nil {
		return secusers.TenantConnection{}, err
	}
	if conn.Credentials, err = box.SealSecret(conn.TenantID, c.Secret); err != nil {
		return secusers.TenantConnection{}, err
	}
	return st.SaveTenantConnection(ctx, conn)
}

// Validate checks c as Connect does, without a store: a command can refuse
// bad input before it opens the database. Errors are Invalid.
func (c Connection) Validate() error {
	_, err := c.validate()
	return err
}

// validate returns the connection to store, without its sealed credential.
func (c Connection) validate() (secusers.TenantConnection, error) {
	conn, cfg, err := c.check()
	if err != nil {
		return conn, err
	}
	if _, err := graph.New(cfg); err != nil {
		// graph's messages name the field and never quote a secret.
		return conn, secusers.Wrap(secusers.Invalid, err, strings.TrimPrefix(err.Error(), "graph: "))
	}
	return conn, nil
}

// check returns the connection to store (without its sealed credential)
// and the Graph configuration it stands for.
func (c Connection) check() (secusers.TenantConnection, graph.Config, error) {
	var conn secusers.TenantConnection
	var ok bool
	if conn.TenantID, ok = secusers.ParseGUID(c.TenantID); !ok {
		return conn, graph.Config{}, secusers.Errorf(secusers.Invalid, "the tenant id must be a GUID, got %q", c.TenantID)
	}
	if conn.EntraTenantID, ok = secusers.ParseGUID(c.EntraTenantID); !ok {
		return conn, graph.Config{}, secusers.Errorf(secusers.Invalid, "the Entra tenant id must be a GUID, got %q", c.EntraTenantID)
	}
	if conn.ClientID, ok = secusers.ParseGUID(c.ClientID); !ok {
		return conn, graph.Config{}, secusers.Errorf(secusers.Invalid, "the client id (the app registration's application id) must be a GUID, got %q", c.ClientID)
	}
	if c.InactiveDays < 0 || c.InactiveDays > MaxInactiveDays {
		return conn, graph.Config{}, secusers.Errorf(secusers.Invalid, "the inactivity period must be 1 to %d days, got %d", MaxInactiveDays, c.InactiveDays)
	}
	if c.Secret.IsZero() {
		return conn, graph.Config{}, secusers.Errorf(secusers.Invalid, "a client secret, or a certificate with its private key, is required")
	}
	creds, err := graphCredentials(c.Secret)
	if err != nil {
		return conn, graph.Config{}, err
	}
	conn.GraphURL = strings.TrimRight(orDefault(c.GraphURL, graph.DefaultGraphURL), "/")
	conn.LoginURL = strings.TrimRight(orDefault(c.LoginURL, graph.DefaultLoginURL), "/")
	conn.InactiveDays = c.InactiveDays
	if conn.InactiveDays == 0 {
		conn.InactiveDays = rules.DefaultInactiveDays
	}
	return conn, configOf(conn, creds), nil
}

// graphCredentials turns a stored credential into the graph client's.
func graphCredentials(s credentials.Secret) (graph.Credentials, error) {
	if secret := s.ClientSecret(); secret != "" {
		return graph.Credentials{ClientSecret: secret}, nil
	}
	certPEM, keyPEM := s.Certificate()
	defer clear(keyPEM)
	creds, err := graph.ParseCertificateCredentials(certPEM, keyPEM)
	if err != nil {
		return graph.Credentials{}, secusers.Wrap(secusers.Invalid, err, strings.TrimPrefix(err.Error(), "graph: "))
	}
	return creds, nil
}

// configOf is the Graph configuration of a connection.
func configOf(conn secusers.TenantConnection, creds graph.Credentials) graph.Config {
	return graph.Config{
		GraphURL: conn.GraphURL, LoginURL: conn.LoginURL,
		EntraTenantID: conn.EntraTenantID, ClientID: conn.ClientID,
		Credentials: creds,
	}
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}
