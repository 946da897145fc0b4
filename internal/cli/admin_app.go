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
		e.secretCommand(), e.certCommand())
}

// appCreated is the -o json result of app create.
type appCreated struct {
	ClientID string `json:"clientId"`
}

// appFlags are the flags of app create.
type appFlags struct {
	partner, name                  string
	permissions, customers, groups []string
}

func (e *env) appCreateCommand() *cobra.Command {
	var f appFlags
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
			return e.createApp(cmd.Context(), f, cmd.Flags().Changed("groups"))
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.partner, "partner", "", "the partner's id (required)")
	fl.StringVar(&f.name, "name", "", "the app's name (required)")
	fl.StringSliceVar(&f.permissions, "permissions", nil, "the permissions (OAuth2 scopes) granted, comma-separated (required)")
	fl.StringSliceVar(&f.customers, "customers", []string{"all"}, `the customer scope: "all", or customer ids, comma-separated`)
	fl.StringSliceVar(&f.groups, "groups", nil, "scope the app to these customer groups instead, comma-separated")
	cmd.MarkFlagRequired("partner")
	cmd.MarkFlagRequired("name")
	cmd.MarkFlagRequired("permissions")
	cmd.MarkFlagsMutuallyExclusive("customers", "groups")
	return cmd
}

// createApp registers an app with a fresh client id; byGroups says
// --groups was given. The store refuses an unknown partner, and a scope that
// names a customer or group that is not the partner's.
func (e *env) createApp(ctx context.Context, f appFlags, byGroups bool) error {
	a, err := newApp(f, byGroups)
	if err != nil {
		return err
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		a, err := st.CreateApp(ctx, a)
		if err != nil {
			return err
		}
		return e.print(appCreated{a.ClientID}, func(w io.Writer) { fmt.Fprintf(w, "Created app %q with client id %s\n", a.Name, a.ClientID) })
	})
}

// newApp builds an app registration from the flags, with a fresh client id.
func newApp(f appFlags, byGroups bool) (secusers.App, error) {
	pid, err := parseID("partner", f.partner)
	if err != nil {
		return secusers.App{}, err
	}
	scope, err := parseScope(f.customers, f.groups, byGroups)
	if err != nil {
		return secusers.App{}, err
	}
	a := secusers.App{ClientID: uuid.NewString(), PartnerID: pid, Name: f.name, Scope: scope}
	for _, p := range f.permissions {
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

func (e *env) appDisableCommand() *cobra.Command {
	var app string
	cmd := &cobra.Command{
		Use:   "disable --app CLIENTID",
		Short: "Disable an app: its tokens stop working at once",
		Long: `Disable an app. Its existing tokens stop working at once and it gets no new
ones. Disabling is final; register a new app to grant access again.`,
		Example: `  secusers admin app disable --app "$CLIENT_ID" -o json   # {"clientId":"…"}`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return e.disableApp(cmd.Context(), app) },
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's client id (required)")
	cmd.MarkFlagRequired("app")
	return cmd
}

// disableApp disables an app; the store refuses an unknown one.
func (e *env) disableApp(ctx context.Context, app string) error {
	clientID, err := parseID("app", app)
	if err != nil {
		return err
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		if err := st.DisableApp(ctx, clientID); err != nil {
			return err
		}
		return e.print(appCreated{clientID}, func(w io.Writer) { fmt.Fprintf(w, "Disabled app %s\n", clientID) })
	})
}

// appListingCommand completes cmd as a command that lists something of one
// app, named by --app: list reads and prints it.
func (e *env) appListingCommand(cmd *cobra.Command, list func(ctx context.Context, st secusers.Store, clientID string) error) *cobra.Command {
	var app string
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return e.listOfApp(cmd.Context(), app, list) }
	cmd.Flags().StringVar(&app, "app", "", "the app's client id (required)")
	cmd.MarkFlagRequired("app")
	return cmd
}

// listOfApp runs list on the app --app names; the store refuses an unknown
// app.
func (e *env) listOfApp(ctx context.Context, app string, list func(ctx context.Context, st secusers.Store, clientID string) error) error {
	clientID, err := parseID("app", app)
	if err != nil {
		return err
	}
	return e.withStore(ctx, func(st secusers.Store) error { return list(ctx, st, clientID) })
}
