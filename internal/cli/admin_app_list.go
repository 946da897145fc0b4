package cli

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/secusers"
)

// appJSON is an app as the list command prints it. Secrets show only their
// hint and dates: the store never had more.
type appJSON struct {
	ClientID    string       `json:"clientId"`
	PartnerID   string       `json:"partnerId"`
	Name        string       `json:"name"`
	Permissions []string     `json:"permissions"`
	Scope       scopeJSON    `json:"customerScope"`
	Disabled    bool         `json:"disabled"`
	CreatedAt   time.Time    `json:"createdAt"`
	Secrets     []secretJSON `json:"secrets"`
}

type scopeJSON struct {
	Kind string   `json:"kind"` // all, customers or groups
	IDs  []string `json:"ids"`
}

type secretJSON struct {
	ID        string    `json:"id"`
	Hint      string    `json:"hint"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (e *env) appListCommand() *cobra.Command {
	var partner string
	cmd := &cobra.Command{
		Use:     "list --partner PID",
		Short:   "List a partner's apps with their scopes and secrets",
		Example: `  secusers admin app list --partner "$PARTNER" -o json   # {"apps":[…]}`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return e.listApps(cmd.Context(), partner) },
	}
	cmd.Flags().StringVar(&partner, "partner", "", "the partner's id (required)")
	cmd.MarkFlagRequired("partner")
	return cmd
}

// listApps prints the partner's apps with their secrets' hints; the store
// refuses an unknown partner.
func (e *env) listApps(ctx context.Context, partner string) error {
	pid, err := parseID("partner", partner)
	if err != nil {
		return err
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		apps, err := st.Apps(ctx, pid)
		if err != nil {
			return err
		}
		out := struct {
			Apps []appJSON `json:"apps"`
		}{Apps: make([]appJSON, 0, len(apps))}
		for _, a := range apps {
			secrets, err := st.ClientSecrets(ctx, a.ClientID)
			if err != nil {
				return err
			}
			out.Apps = append(out.Apps, toAppJSON(a, secrets))
		}
		return e.print(out, func(w io.Writer) {
			row(w, "CLIENT ID", "NAME", "PERMISSIONS", "CUSTOMERS", "SECRETS", "DISABLED")
			for _, a := range out.Apps {
				scope := a.Scope.Kind
				if len(a.Scope.IDs) > 0 {
					scope += ":" + strings.Join(a.Scope.IDs, ",")
				}
				row(w, a.ClientID, a.Name, strings.Join(a.Permissions, ","), scope, len(a.Secrets), a.Disabled)
			}
		})
	})
}

func toAppJSON(a secusers.App, secrets []secusers.ClientSecret) appJSON {
	out := appJSON{
		ClientID: a.ClientID, PartnerID: a.PartnerID, Name: a.Name,
		Permissions: append([]string{}, a.Permissions...),
		Scope:       scopeJSON{Kind: string(a.Scope.Kind), IDs: append([]string{}, a.Scope.IDs...)},
		Disabled:    a.Disabled, CreatedAt: a.CreatedAt.UTC(),
		Secrets: make([]secretJSON, 0, len(secrets)),
	}
	for _, s := range secrets {
		out.Secrets = append(out.Secrets, secretJSON{s.ID, s.Hint, s.CreatedAt.UTC(), s.ExpiresAt.UTC()})
	}
	return out
}
