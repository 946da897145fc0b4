package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/identity"
	"github.com/secusers/secusers/internal/secusers"
)

func (e *env) keysCommand() *cobra.Command {
	return group("keys", "Rotate and list the keys that sign access tokens", e.keysRotateCommand(), e.keysListCommand())
}

// keyRotated is the -o json result of keys rotate.
type keyRotated struct {
	KID string `json:"kid"`
}

func (e *env) keysRotateCommand() *cobra.Command {
	var alg string
	cmd := &cobra.Command{
		Use:   "rotate [--alg ES256|RS256]",
		Short: "Start signing access tokens with a new key",
		Long: `Generate a new signing key, ES256 (ECDSA P-256) by default or RS256 (RSA-2048)
with --alg, and make it the active key at once; the previous key is retired.
Running servers pick the new key up within seconds and sign with it, whatever
its algorithm; a server started later with another --signing-alg rotates again.
A retired key no longer signs but stays published in the JWKS, so the tokens it
signed stay valid until they expire; then the servers drop it. The private key
never leaves the database; the new key's id (kid) is printed.`,
		Example: `  secusers admin keys rotate -o json             # {"kid":"…"}
  secusers admin keys rotate --alg RS256   # for partners whose tooling verifies only RS256`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.rotateKeys(cmd.Context(), alg) },
	}
	cmd.Flags().StringVar(&alg, "alg", identity.DefaultSigningAlgorithm, "the new key's algorithm, ES256 or RS256; give the servers the same --signing-alg, or the next one to start rotates again")
	return cmd
}

// rotateKeys makes a new signing key of algorithm alg, sealed as the
// servers seal theirs, the active one.
func (e *env) rotateKeys(ctx context.Context, alg string) error {
	parsed, err := identity.ParseSigningAlgorithm(alg)
	if err != nil {
		return secusers.Errorf(secusers.Invalid, "--alg must be %s or %s, got %q", identity.AlgorithmES256, identity.AlgorithmRS256, alg)
	}
	candidate, err := identity.NewSigningKey(parsed)
	if err != nil {
		return err
	}
	if candidate, err = e.sealSigningKey(candidate); err != nil {
		return err
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		key, err := st.RotateSigningKey(ctx, candidate)
		if err != nil {
			return err
		}
		return e.print(keyRotated{key.ID}, func(w io.Writer) {
			fmt.Fprintf(w, "Rotated: %s key %s signs new tokens (running servers switch within seconds)\n", key.Algorithm, key.ID)
		})
	})
}

// keyJSON is a signing key as the list command prints it: never the
// private key.
type keyJSON struct {
	KID       string     `json:"kid"`
	Algorithm string     `json:"algorithm"`
	Active    bool       `json:"active"`
	CreatedAt time.Time  `json:"createdAt"`
	RetiredAt *time.Time `json:"retiredAt"` // null for the active key
}

func (e *env) keysListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the signing keys: the active one, then retired ones still published",
		Long: `List the signing keys whose tokens may still be valid: the active key first,
then the retired keys, most recently retired first. Private keys are not shown.`,
		Example: `  secusers admin keys list -o json   # {"keys":[{"kid":"…","algorithm":"ES256","active":true,"createdAt":"…","retiredAt":null}]}`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return e.listKeys(cmd.Context()) },
	}
}

// listKeys prints the signing keys, never their private parts.
func (e *env) listKeys(ctx context.Context) error {
	return e.withStore(ctx, func(st secusers.Store) error {
		keys, err := st.SigningKeys(ctx)
		if err != nil {
			return err
		}
		return e.printKeys(keys)
	})
}

func (e *env) printKeys(keys []secusers.SigningKey) error {
	out := struct {
		Keys []keyJSON `json:"keys"`
	}{Keys: make([]keyJSON, 0, len(keys))}
	for _, k := range keys {
		kj := keyJSON{KID: k.ID, Algorithm: k.Algorithm, Active: k.RetiredAt.IsZero(), CreatedAt: k.CreatedAt.UTC()}
		if !kj.Active {
			retired := k.RetiredAt.UTC()
			kj.RetiredAt = &retired
		}
		out.Keys = append(out.Keys, kj)
	}
	return e.print(out, func(w io.Writer) {
		row(w, "KID", "ALGORITHM", "CREATED", "RETIRED")
		for _, k := range out.Keys {
			retired := "active"
			if k.RetiredAt != nil {
				retired = k.RetiredAt.Format(time.RFC3339)
			}
			row(w, k.KID, k.Algorithm, k.CreatedAt.Format(time.RFC3339), retired)
		}
	})
}

// sealSigningKey seals a new signing key with the master key, as the
// servers seal theirs. Without a master key (PostgreSQL and no
// SECUSERS_MASTER_KEY) the key is stored in the clear, as those servers
// store theirs, and the command says so on stderr.
func (e *env) sealSigningKey(k secusers.SigningKey) (secusers.SigningKey, error) {
	loc, err := e.location()
	if err != nil {
		return k, err
	}
	box, err := credentials.LoadKey(e.getenv, loc.KeyFile())
	if err != nil {
		fmt.Fprintf(e.stderr, "secusers: warning: the new signing key is stored unencrypted: %s\n", errorLine(err))
		return k, nil
	}
	return identity.SealSigningKey(box, k)
}
