package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/identity"
	"github.com/secusers/secusers/internal/secusers"
)

func (e *env) certCommand() *cobra.Command {
	return group("cert", "Manage the certificates an app authenticates with (private_key_jwt)",
		e.certAddCommand(), e.certListCommand(), e.certRemoveCommand())
}

// certAdded is the -o json result of app cert add.
type certAdded struct {
	Thumbprint string `json:"thumbprint"`
}

func (e *env) certAddCommand() *cobra.Command {
	var app, file string
	cmd := &cobra.Command{
		Use:   "add --app CLIENTID --file CERT.pem|CERT.cer",
		Short: "Register a certificate whose private key signs the app's client assertions",
		Long: `Register a certificate (PEM, or DER as a .cer file) with an app. The app then
gets tokens with private_key_jwt (RFC 7523): a client assertion signed with the
certificate's private key (RS256 or PS256 for RSA keys of 2048 bits or more,
ES256 for P-256 keys), naming the certificate by its x5t, x5t#S256 or kid.
Only the certificate is stored; the private key stays with the partner. An
expired certificate is refused. The certificate's SHA-1 thumbprint is printed,
as Microsoft Entra shows it.`,
		Example: `  secusers admin app cert add --app "$CLIENT_ID" --file app.pem -o json   # {"thumbprint":"…"}`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return e.addCert(cmd.Context(), app, file) },
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's client id (required)")
	cmd.Flags().StringVar(&file, "file", "", "the certificate, PEM or DER (required)")
	cmd.MarkFlagRequired("app")
	cmd.MarkFlagRequired("file")
	return cmd
}

// addCert registers the certificate in file with an app; the store refuses
// an unknown app and a certificate the app has already.
func (e *env) addCert(ctx context.Context, app, file string) error {
	clientID, err := parseID("app", app)
	if err != nil {
		return err
	}
	// One byte past the bound lets ParseClientCertificate say the file is
	// too large, without reading a mistaken huge file whole.
	data, err := readPrefix(file, identity.MaxCertificateBytes+1)
	if err != nil {
		return err
	}
	cert, err := identity.ParseClientCertificate(data, clientID, e.now())
	if err != nil {
		return err
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		rec, err := st.AddClientCertificate(ctx, cert)
		if err != nil {
			return err
		}
		return e.print(certAdded{rec.Thumbprint}, func(w io.Writer) {
			row(w, "Thumbprint:", rec.Thumbprint)
			row(w, "Subject:", rec.Subject)
			row(w, "Expires:", rec.NotAfter.UTC().Format(time.RFC3339))
		})
	})
}

// readPrefix reads at most limit bytes of a file the operator named.
func readPrefix(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, secusers.Errorf(secusers.Invalid, "cannot read %s: %v", path, unwrapPathError(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit))
	if err != nil {
		return nil, secusers.Errorf(secusers.Invalid, "cannot read %s: %v", path, unwrapPathError(err))
	}
	return data, nil
}

// unwrapPathError drops the *os.PathError's repetition of the path.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// certJSON is a registered certificate as the list command prints it.
type certJSON struct {
	Thumbprint       string    `json:"thumbprint"`
	ThumbprintSHA256 string    `json:"thumbprintSha256"`
	Subject          string    `json:"subject"`
	NotBefore        time.Time `json:"notBefore"`
	NotAfter         time.Time `json:"notAfter"`
	Expired          bool      `json:"expired"`
	CreatedAt        time.Time `json:"createdAt"`
}

func (e *env) certListCommand() *cobra.Command {
	return e.appListingCommand(&cobra.Command{
		Use:     "list --app CLIENTID",
		Short:   "List an app's certificates",
		Example: `  secusers admin app cert list --app "$CLIENT_ID" -o json   # {"certificates":[…]}`,
	}, func(ctx context.Context, st secusers.Store, clientID string) error {
		certs, err := st.ClientCertificates(ctx, clientID)
		if err != nil {
			return err
		}
		return e.printCerts(certs)
	})
}

func (e *env) printCerts(certs []secusers.ClientCertificate) error {
	now := e.now()
	out := struct {
		Certificates []certJSON `json:"certificates"`
	}{Certificates: make([]certJSON, 0, len(certs))}
	for _, c := range certs {
		out.Certificates = append(out.Certificates, certJSON{
			Thumbprint: c.Thumbprint, ThumbprintSHA256: c.ThumbprintSHA256, Subject: c.Subject,
			NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), Expired: !now.Before(c.NotAfter),
			CreatedAt: c.CreatedAt.UTC(),
		})
	}
	return e.print(out, func(w io.Writer) {
		row(w, "THUMBPRINT", "SUBJECT", "NOT AFTER", "STATE")
		for _, c := range out.Certificates {
			row(w, c.Thumbprint, c.Subject, c.NotAfter.Format(time.RFC3339), validity(c.Expired))
		}
	})
}

func validity(expired bool) string {
	if expired {
		return "expired"
	}
	return "valid"
}

// removed is the -o json result of the remove commands.
type removed struct {
	Removed string `json:"removed"`
}

func (e *env) certRemoveCommand() *cobra.Command {
	var app, thumbprint string
	cmd := &cobra.Command{
		Use:     "remove --app CLIENTID --thumbprint HEX",
		Short:   "Remove a certificate from an app; its assertions and every token obtained with it are refused at once",
		Example: `  secusers admin app cert remove --app "$CLIENT_ID" --thumbprint 0123…CDEF -o json   # {"removed":"0123…CDEF"}`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return e.removeCert(cmd.Context(), app, thumbprint) },
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's client id (required)")
	cmd.Flags().StringVar(&thumbprint, "thumbprint", "", "the certificate's SHA-1 thumbprint, as cert add and cert list print it (required)")
	cmd.MarkFlagRequired("app")
	cmd.MarkFlagRequired("thumbprint")
	return cmd
}

// removeCert removes a certificate from an app, by its SHA-1 thumbprint in
// any case, with or without colons; the store refuses an unknown app, and a
// certificate that is not the app's.
func (e *env) removeCert(ctx context.Context, app, thumbprint string) error {
	clientID, err := parseID("app", app)
	if err != nil {
		return err
	}
	tp := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(thumbprint), ":", ""))
	if len(tp) != 40 || strings.Trim(tp, "0123456789ABCDEF") != "" {
		return secusers.Errorf(secusers.Invalid, "--thumbprint must be the certificate's SHA-1 thumbprint, 40 hex digits, got %q", thumbprint)
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		if err := st.RemoveClientCertificate(ctx, clientID, tp); err != nil {
			return err
		}
		return e.print(removed{tp}, func(w io.Writer) {
			fmt.Fprintf(w, "Removed certificate %s from app %s\n", tp, clientID)
		})
	})
}
