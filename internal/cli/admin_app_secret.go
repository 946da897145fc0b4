package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/identity"
	"github.com/secusers/secusers/internal/secusers"
)

func (e *env) secretCommand() *cobra.Command {
	return group("secret", "Manage an app's client secrets", e.secretAddCommand(), e.secretListCommand(), e.secretRemoveCommand())
}

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
		RunE:    func(cmd *cobra.Command, _ []string) error { return e.addSecret(cmd.Context(), app, years) },
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's client id (required)")
	cmd.Flags().IntVar(&years, "years", 1, "how many years until the secret expires: 1, 2 or 3")
	cmd.MarkFlagRequired("app")
	return cmd
}

// addSecret adds a client secret to an app and prints it, the only time it
// is shown; the store refuses an unknown app.
func (e *env) addSecret(ctx context.Context, app string, years int) error {
	clientID, err := parseID("app", app)
	if err != nil {
		return err
	}
	if years < 1 || years > 3 {
		return secusers.Errorf(secusers.Invalid, "--years must be 1, 2 or 3, got %d", years)
	}
	return e.withStore(ctx, func(st secusers.Store) error {
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
}

// secretListJSON is a secret as secret list prints it: its id, the hint and
// dates, never the secret (the store has only its hash).
type secretListJSON struct {
	ID        string    `json:"id"`
	Hint      string    `json:"hint"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	Expired   bool      `json:"expired"`
}

func (e *env) secretListCommand() *cobra.Command {
	return e.appListingCommand(&cobra.Command{
		Use:   "list --app CLIENTID",
		Short: "List an app's client secrets: id, hint and expiry, never the secret",
		Long: `List an app's client secrets, oldest first, with the first characters of each
(the hint, to tell them apart), when it was added and when it expires. The
secret itself is not kept by the database and cannot be shown.`,
		Example: `  secusers admin app secret list --app "$CLIENT_ID" -o json   # {"secrets":[{"id":"…","hint":"abc","expiresAt":"…","expired":false}]}`,
	}, func(ctx context.Context, st secusers.Store, clientID string) error {
		secrets, err := st.ClientSecrets(ctx, clientID)
		if err != nil {
			return err
		}
		return e.printSecrets(secrets)
	})
}

func (e *env) printSecrets(secrets []secusers.ClientSecret) error {
	now := e.now()
	out := struct {
		Secrets []secretListJSON `json:"secrets"`
	}{Secrets: make([]secretListJSON, 0, len(secrets))}
	for _, s := range secrets {
		out.Secrets = append(out.Secrets, secretListJSON{
			ID: s.ID, Hint: s.Hint, CreatedAt: s.CreatedAt.UTC(), ExpiresAt: s.ExpiresAt.UTC(), Expired: !now.Before(s.ExpiresAt),
		})
	}
	return e.print(out, func(w io.Writer) {
		row(w, "ID", "HINT", "CREATED", "EXPIRES", "STATE")
		for _, s := range out.Secrets {
			row(w, s.ID, s.Hint+"…", s.CreatedAt.Format(time.RFC3339), s.ExpiresAt.Format(time.RFC3339), validity(s.Expired))
		}
	})
}

func (e *env) secretRemoveCommand() *cobra.Command {
	var app, id string
	cmd := &cobra.Command{
		Use:   "remove --app CLIENTID --id SECRETID",
		Short: "Remove a client secret; it and every token obtained with it are refused at once",
		Long: `Remove one of an app's client secrets, by the id that secret list prints. Token
requests with it are refused at once, and so are the access tokens already
obtained with it, at their next request on every server. To roll a secret: add
a new one, switch the clients over, then remove the old one.`,
		Example: `  secusers admin app secret remove --app "$CLIENT_ID" --id "$SECRET_ID" -o json   # {"removed":"…"}`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return e.removeSecret(cmd.Context(), app, id) },
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's client id (required)")
	cmd.Flags().StringVar(&id, "id", "", "the secret's id, as secret list prints it (required)")
	cmd.MarkFlagRequired("app")
	cmd.MarkFlagRequired("id")
	return cmd
}

// removeSecret removes one of an app's client secrets; the store refuses an
// unknown app, and a secret that is not the app's.
func (e *env) removeSecret(ctx context.Context, app, id string) error {
	clientID, err := parseID("app", app)
	if err != nil {
		return err
	}
	if id == "" {
		return secusers.Errorf(secusers.Invalid, "--id must name a secret, as secret list prints it")
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		if err := st.RemoveClientSecret(ctx, clientID, id); err != nil {
			return err
		}
		return e.print(removed{id}, func(w io.Writer) {
			fmt.Fprintf(w, "Removed client secret %s from app %s\n", id, clientID)
		})
	})
}
