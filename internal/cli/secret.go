package cli

import (
	"io"
	"time"

	"github.com/spf13/cobra"

	"secusers/internal/identity"
	"secusers/internal/secusers"
)

// secretAdded is the -o json result of app secret add.
type secretAdded struct {
	ClientSecret string `json:"clientSecret"`
	ExpiresAt    string `json:"expiresAt"`
}

func (e *env) secretAddCommand() *cobra.Command {
	var app string
	var years int
	cmd := &cobra.Command{
		Use:   "add --app CLIENTID [--years 1|2|3]",
		Short: "Add a client secret to an app and print it (shown only this once)",
		Long: `Add a client secret to an app. The secret is printed once: the database keeps
only its hash. An app may have several secrets, so a new one can be rolled out
before the old one expires.`,
		Example: `  secusers admin app secret add --app "$CLIENT_ID" --years 2 -o json   # {"clientSecret":"…","expiresAt":"…"}`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			clientID, err := parseID("app", app)
			if err != nil {
				return err
			}
			if years < 1 || years > 3 {
				return secusers.Errorf(secusers.Invalid, "--years must be 1, 2 or 3, got %d", years)
			}
			return e.withStore(cmd.Context(), func(st secusers.Store) error {
				ctx := cmd.Context()
				if _, err := requireApp(ctx, st, clientID); err != nil {
					return err
				}
				secret, rec, err := identity.NewClientSecret(clientID, years, e.now())
				if err != nil {
					return err
				}
				if rec, err = st.AddClientSecret(ctx, rec); err != nil {
					return err
				}
				out := secretAdded{secret, rec.ExpiresAt.UTC().Format(time.RFC3339)}
				return e.print(out, func(w io.Writer) {
					row(w, "Client secret:", out.ClientSecret)
					row(w, "Expires:", out.ExpiresAt)
					row(w, "Store it now: it is not shown again.")
				})
			})
		},
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's client id (required)")
	cmd.Flags().IntVar(&years, "years", 1, "how many years until the secret expires: 1, 2 or 3")
	cmd.MarkFlagRequired("app")
	return cmd
}
