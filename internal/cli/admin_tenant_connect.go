package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync"
	"github.com/secusers/secusers/internal/tenantsync/rules"
)

// connectFlags are the flags of admin tenant connect.
type connectFlags struct {
	tenant, entraTenant, clientID   string
	clientSecret, certFile, keyFile string
	graphURL, loginURL              string
	inactiveDays                    int
}

func (e *env) tenantConnectCommand() *cobra.Command {
	var f connectFlags
	cmd := &cobra.Command{
		Use:   "connect --tenant TID --entra-tenant-id GUID --client-id ID (--client-secret SECRET | --cert-file CERT.pem --key-file KEY.pem)",
		Short: "Connect a tenant to Microsoft Graph, so that it can be synced",
		Long: `Connect a tenant to its customer's Microsoft Entra tenant through the partner's app
registration there, replacing any earlier connection. The app needs the
application permissions User.Read.All, AuditLog.Read.All,
IdentityRiskyUser.Read.All, DeviceManagementManagedDevices.Read.All and
Domain.Read.All, granted by the customer's admin.

The app proves itself with a client secret, or with a certificate registered on
it and its private key (PEM; both may be in one file). The credential is
encrypted with the master key before it is stored (SECUSERS_MASTER_KEY, or for
an SQLite database a key file beside it, created on first use) and is never
printed or logged. --client-secret - reads the secret from the first line of
standard input, which keeps it out of the shell's history and the process list.

Nothing is asked of Graph now; 'secusers sync --tenant TID' tries the connection.`,
		Example: `  secusers admin tenant connect --tenant "$TENANT" --entra-tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47 \
    --client-id 0f9e8d7c-6b5a-4948-8372-615049382716 --client-secret - < secret.txt -o json   # {"id":"…"}
  secusers admin tenant connect --tenant "$TENANT" --entra-tenant-id "$ENTRA" --client-id "$APP" \
    --cert-file app.pem --key-file app.key --inactive-days 60`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.connect(cmd.Context(), f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.tenant, "tenant", "", "the tenant's id (required)")
	fl.StringVar(&f.entraTenant, "entra-tenant-id", "", "the customer's Microsoft Entra tenant id, a GUID (required)")
	fl.StringVar(&f.clientID, "client-id", "", "the application (client) id of the partner's app registration in that tenant (required)")
	fl.StringVar(&f.clientSecret, "client-secret", "", "the app's client secret, or - to read it from standard input")
	fl.StringVar(&f.certFile, "cert-file", "", "a PEM file with the certificate registered on the app (instead of a client secret)")
	fl.StringVar(&f.keyFile, "key-file", "", "a PEM file with the certificate's RSA private key (PKCS #8 or #1)")
	fl.StringVar(&f.graphURL, "graph-url", graph.DefaultGraphURL, "the Microsoft Graph base URL (national clouds: e.g. https://graph.microsoft.us)")
	fl.StringVar(&f.loginURL, "login-url", graph.DefaultLoginURL, "the Microsoft Entra login base URL (e.g. https://login.microsoftonline.us)")
	fl.IntVar(&f.inactiveDays, "inactive-days", rules.DefaultInactiveDays, "days without a sign-in after which a user is Inactive")
	for _, name := range []string{"tenant", "entra-tenant-id", "client-id"} {
		cmd.MarkFlagRequired(name)
	}
	cmd.MarkFlagsMutuallyExclusive("client-secret", "cert-file")
	cmd.MarkFlagsMutuallyExclusive("client-secret", "key-file")
	cmd.MarkFlagsRequiredTogether("cert-file", "key-file")
	cmd.MarkFlagsOneRequired("client-secret", "cert-file")
	return cmd
}

// connect seals the credential with the master key and saves the
// connection; the store refuses an unknown tenant.
func (e *env) connect(ctx context.Context, f connectFlags) error {
	c, err := e.connection(f)
	if err != nil {
		return err
	}
	loc, err := e.location()
	if err != nil {
		return err
	}
	box, err := credentials.LoadKey(e.getenv, loc.KeyFile())
	if err != nil {
		return err
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		conn, err := tenantsync.Connect(ctx, st, box, c)
		if err != nil {
			return err
		}
		return e.print(created{conn.TenantID}, func(w io.Writer) {
			fmt.Fprintf(w, "Connected tenant %s to Entra tenant %s (app %s, %s).\nSync it now with: secusers sync --tenant %s\n",
				conn.TenantID, conn.EntraTenantID, conn.ClientID, credentialKind(c.Secret), conn.TenantID)
		})
	})
}

// connection checks the flags, in the CLI's words where they name a flag,
// and reads the credential, all before the database is opened.
func (e *env) connection(f connectFlags) (tenantsync.Connection, error) {
	var c tenantsync.Connection
	var err error
	if c.TenantID, err = parseID("tenant", f.tenant); err != nil {
		return c, err
	}
	if c.EntraTenantID, err = parseID("entra-tenant-id", f.entraTenant); err != nil {
		return c, err
	}
	if c.ClientID, err = parseID("client-id", f.clientID); err != nil {
		return c, err
	}
	if f.inactiveDays < 1 || f.inactiveDays > tenantsync.MaxInactiveDays {
		return c, secusers.Errorf(secusers.Invalid, "--inactive-days must be 1 to %d, got %d", tenantsync.MaxInactiveDays, f.inactiveDays)
	}
	if c.Secret, err = e.readCredential(f); err != nil {
		return c, err
	}
	c.GraphURL, c.LoginURL, c.InactiveDays = f.graphURL, f.loginURL, f.inactiveDays
	return c, c.Validate()
}

// readCredential reads the secret, from stdin for "-", or the certificate
// and key files.
func (e *env) readCredential(f connectFlags) (credentials.Secret, error) {
	switch {
	case f.clientSecret == stdio:
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return credentials.Secret{}, fmt.Errorf("reading the client secret from standard input: %w", err)
		}
		if line = strings.TrimSpace(line); line == "" {
			return credentials.Secret{}, secusers.Errorf(secusers.Invalid, "--client-secret -: standard input holds no secret")
		}
		return credentials.NewClientSecret(line), nil
	case f.clientSecret != "":
		return credentials.NewClientSecret(f.clientSecret), nil
	}
	certPEM, err := os.ReadFile(f.certFile)
	if err != nil {
		return credentials.Secret{}, secusers.Wrap(secusers.Invalid, err, "--cert-file: "+err.Error())
	}
	keyPEM, err := os.ReadFile(f.keyFile)
	if err != nil {
		return credentials.Secret{}, secusers.Wrap(secusers.Invalid, err, "--key-file: "+err.Error())
	}
	defer clear(keyPEM)
	return credentials.NewCertificate(certPEM, keyPEM), nil
}

func credentialKind(s credentials.Secret) string {
	if s.ClientSecret() != "" {
		return "client secret"
	}
	return "certificate"
}
