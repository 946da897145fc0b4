package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/secusers"
)

func (e *env) appScopeCommand() *cobra.Command {
	var app string
	var customers, groups []string
	cmd := &cobra.Command{
		Use:   "scope --app CLIENTID (--customers all | --customers CID[,CID…] | --groups GID[,GID…])",
		Short: "Replace an app's customer scope",
		Long: `Replace the customer scope of an app: all of its partner's customers
(--customers all, which includes customers added later), the customers listed, or
the customers of the groups listed, as the groups are at each request.

Every server checks the scope at each request, so a customer the new scope no
longer covers is refused (403) within seconds, also to tokens issued before the
change; the app's tokens and secrets otherwise stay valid.`,
		Example: `  secusers admin app scope --app "$CLIENT_ID" --customers "$C1,$C2" -o json   # {"clientId":"…"}
  secusers admin app scope --app "$CLIENT_ID" --groups "$GROUP"
  secusers admin app scope --app "$CLIENT_ID" --customers all`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.setAppScope(cmd.Context(), app, customers, groups, cmd.Flags().Changed("groups"))
		},
	}
	f := cmd.Flags()
	f.StringVar(&app, "app", "", "the app's client id (required)")
	f.StringSliceVar(&customers, "customers", nil, `the new customer scope: "all", or customer ids, comma-separated`)
	f.StringSliceVar(&groups, "groups", nil, "scope the app to these customer groups instead, comma-separated")
	cmd.MarkFlagRequired("app")
	cmd.MarkFlagsOneRequired("customers", "groups")
	cmd.MarkFlagsMutuallyExclusive("customers", "groups")
	return cmd
}

// setAppScope replaces the app's customer scope; byGroups says --groups
// was given. The store refuses an unknown app, and a scope that names a
// customer or group that is not the app's partner's.
func (e *env) setAppScope(ctx context.Context, app string, customers, groups []string, byGroups bool) error {
	clientID, err := parseID("app", app)
	if err != nil {
		return err
	}
	scope, err := parseScope(customers, groups, byGroups)
	if err != nil {
		return err
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		if err := st.SetAppScope(ctx, clientID, scope); err != nil {
			return err
		}
		return e.print(appCreated{clientID}, func(w io.Writer) {
			fmt.Fprintf(w, "App %s now reads %s\n", clientID, describeScope(scope))
		})
	})
}

// describeScope says in words which customers a scope covers.
func describeScope(s secusers.CustomerScope) string {
	switch s.Kind {
	case secusers.ScopeCustomers:
		return "the customers " + strings.Join(s.IDs, ", ")
	case secusers.ScopeGroups:
		return "the customers of the groups " + strings.Join(s.IDs, ", ")
	}
	return "all of its partner's customers"
}
