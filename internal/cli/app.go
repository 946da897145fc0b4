package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/secusers"
)

func (e *env) appCommand() *cobra.Command {
	return group("app", "Register partners' apps and manage their credentials",
		e.appCreateCommand(), e.appListCommand(), e.appScopeCommand(), e.appDisableCommand(),
		group("secret", "Manage an app's client secrets", e.secretAddCommand(), e.secretListCommand(), e.secretRemoveCommand()),
		e.certCommand())
}

// appCreated is the -o json result of app create.
type appCreated struct {
	ClientID string `json:"clientId"`
}

func (e *env) appCreateCommand() *cobra.Command {
	var partner, name string
	var permissions, customers, groups []string
	cmd := &cobra.Command{
		Use:   "create --partner PID --name NAME --permissions SCOPE[,SCOPE…] [--customers all|CID[,CID…] | --groups GID[,GID…]]",
		Short: "Register an app (an OAuth2 client) of a partner",
		Long: `Register an app of a partner and print its client id. The app may read the
customers of its customer scope: all of the partner's customers (--customers all,
the default, which includes customers added later), the customers listed, or the
customers of the groups listed as the groups are at each request.

Permissions: ` + strings.Join(secusers.Permissions(), ", ") + `.
Add a client secret with 'secusers admin app secret add'.`,
		Example: `  secusers admin app create --partner "$PARTNER" --name "RMM sync" --permissions partner.um.user.read.all -o json
  secusers admin app create --partner "$PARTNER" --name "EU only" --permissions partner.um.user.read.all --groups "$GROUP"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := newApp(partner, name, permissions, customers, groups, cmd.Flags().Changed("groups"))
			if err != nil {
				return err
			}
			return e.withStore(cmd.Context(), func(st secusers.Store) error {
				ctx := cmd.Context()
				if err := checkAppRefs(ctx, st, a); err != nil {
					return err
				}
				a, err := st.CreateApp(ctx, a)
				if err != nil {
					return err
				}
				return e.print(appCreated{a.ClientID}, func(w io.Writer) { fmt.Fprintf(w, "Created app %q with client id %s\n", a.Name, a.ClientID) })
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&partner, "partner", "", "the partner's id (required)")
	f.StringVar(&name, "name", "", "the app's name (required)")
	f.StringSliceVar(&permissions, "permissions", nil, "the permissions (OAuth2 scopes) granted, comma-separated (required)")
	f.StringSliceVar(&customers, "customers", []string{"all"}, `the customer scope: "all", or customer ids, comma-separated`)
	f.StringSliceVar(&groups, "groups", nil, "scope the app to these customer groups instead, comma-separated")
	cmd.MarkFlagRequired("partner")
	cmd.MarkFlagRequired("name")
	cmd.MarkFlagRequired("permissions")
	cmd.MarkFlagsMutuallyExclusive("customers", "groups")
	return cmd
}

// newApp builds an app registration from the flags, with a fresh client id.
func newApp(partner, name string, permissions, customers, groups []string, byGroups bool) (secusers.App, error) {
	pid, err := parseID("partner", partner)
	if err != nil {
		return secusers.App{}, err
	}
	scope, err := parseScope(customers, groups, byGroups)
	if err != nil {
		return secusers.App{}, err
	}
	a := secusers.App{ClientID: uuid.NewString(), PartnerID: pid, Name: name, Scope: scope}
	for _, p := range permissions {
		if p = strings.TrimSpace(p); !slices.Contains(a.Permissions, p) {
			a.Permissions = append(a.Permissions, p)
		}
	}
	return a, a.Validate()
}

// parseScope reads --customers and --groups (cobra keeps them exclusive);
// byGroups says --groups was given, so that an empty --groups "" is an
// error rather than a silent fall back to the customers' default, "all".
func parseScope(customers, groups []string, byGroups bool) (secusers.CustomerScope, error) {
	if byGroups {
		ids, err := parseIDs("groups", groups)
		return secusers.CustomerScope{Kind: secusers.ScopeGroups, IDs: ids}, err
	}
	if len(customers) == 1 && strings.EqualFold(strings.TrimSpace(customers[0]), "all") {
		return secusers.CustomerScope{Kind: secusers.ScopeAllCustomers}, nil
	}
	if slices.ContainsFunc(customers, func(c string) bool { return strings.EqualFold(strings.TrimSpace(c), "all") }) {
		return secusers.CustomerScope{}, secusers.Errorf(secusers.Invalid, `--customers is either "all" or a list of customer ids, not both`)
	}
	ids, err := parseIDs("customers", customers)
	return secusers.CustomerScope{Kind: secusers.ScopeCustomers, IDs: ids}, err
}

// checkAppRefs checks that the partner exists and that the scope names
// only its customers or groups.
func checkAppRefs(ctx context.Context, st secusers.Store, a secusers.App) error {
	if err := requirePartner(ctx, st, a.PartnerID); err != nil {
		return err
	}
	switch a.Scope.Kind {
	case secusers.ScopeCustomers:
		return requirePartnersCustomers(ctx, st, a.PartnerID, a.Scope.IDs)
	case secusers.ScopeGroups:
		groups, err := st.Groups(ctx, a.PartnerID)
		if err != nil {
			return err
		}
		for _, id := range a.Scope.IDs {
			if !slices.ContainsFunc(groups, func(g secusers.CustomerGroup) bool { return g.ID == id }) {
				return secusers.Errorf(secusers.NotFound, "no group with id %s among partner %s's groups", id, a.PartnerID)
			}
		}
	}
	return nil
}

func (e *env) appDisableCommand() *cobra.Command {
	var app string
	cmd := &cobra.Command{
		Use:   "disable --app CLIENTID",
		Short: "Disable an app: its tokens stop working at once",
		Long: `Disable an app. Its existing tokens stop working at once and it gets no new
ones. Disabling is final; register a new app to grant access again.`,
		Example: `  secusers admin app disable --app "$CLIENT_ID" -o json   # {"clientId":"…"}`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			clientID, err := parseID("app", app)
			if err != nil {
				return err
			}
			return e.withStore(cmd.Context(), func(st secusers.Store) error {
				ctx := cmd.Context()
				if _, err := requireApp(ctx, st, clientID); err != nil {
					return err
				}
				if err := st.DisableApp(ctx, clientID); err != nil {
					return err
				}
				return e.print(appCreated{clientID}, func(w io.Writer) { fmt.Fprintf(w, "Disabled app %s\n", clientID) })
			})
		},
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's client id (required)")
	cmd.MarkFlagRequired("app")
	return cmd
}
