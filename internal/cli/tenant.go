package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/secusers"
)

func (e *env) tenantCommand() *cobra.Command {
	return group("tenant", "Create, connect and list customers' Microsoft 365 tenants",
		e.tenantCreateCommand(), e.tenantConnectCommand(), e.tenantListCommand())
}

func (e *env) tenantCreateCommand() *cobra.Command {
	var customer, name, id string
	cmd := &cobra.Command{
		Use:   "create --customer CID --name NAME [--id GUID]",
		Short: "Create a tenant of a customer",
		Long: `Create a tenant of a customer. Give the Entra tenant's GUID as --id: it is the
tenant id partners name in the API's path.`,
		Example: `  secusers admin tenant create --customer "$CUSTOMER" --name fabrikam.onmicrosoft.com --id 72F988BF-86F1-41AF-91AB-2D7CD011DB47 -o json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cid, err := parseID("customer", customer)
			if err != nil {
				return err
			}
			tid, err := newOrGivenID(id)
			if err != nil {
				return err
			}
			t := secusers.Tenant{ID: tid, CustomerID: cid, Name: name}
			if err := t.Validate(); err != nil {
				return err
			}
			return e.withStore(cmd.Context(), func(st secusers.Store) error {
				ctx := cmd.Context()
				if _, err := requireCustomer(ctx, st, cid); err != nil {
					return err
				}
				if err := checkFree("tenant", tid, func() error { _, err := st.Tenant(ctx, tid); return err }); err != nil {
					return err
				}
				t, err := st.CreateTenant(ctx, t)
				if err != nil {
					return err
				}
				return e.print(created{t.ID}, func(w io.Writer) { fmt.Fprintf(w, "Created tenant %q with id %s\n", t.Name, t.ID) })
			})
		},
	}
	cmd.Flags().StringVar(&customer, "customer", "", "the customer's id (required)")
	cmd.Flags().StringVar(&name, "name", "", "the tenant's name, e.g. its primary domain (required)")
	cmd.Flags().StringVar(&id, "id", "", "the Entra tenant id, a GUID in any letter case (default: a new one)")
	cmd.MarkFlagRequired("customer")
	cmd.MarkFlagRequired("name")
	return cmd
}

// tenantJSON is a tenant as the list command prints it: with its Graph
// connection and its last sync run when it has them.
type tenantJSON struct {
	ID         string          `json:"id"`
	CustomerID string          `json:"customerId"`
	Name       string          `json:"name"`
	CreatedAt  time.Time       `json:"createdAt"`
	Connection *connectionJSON `json:"connection,omitempty"`
	LastSync   *runJSON        `json:"lastSync,omitempty"`
}

func (e *env) tenantListCommand() *cobra.Command {
	var customer string
	cmd := &cobra.Command{
		Use:   "list [--customer CID]",
		Short: "List tenants, of one customer or of all, with their last sync",
		Long: `List tenants, of one customer or of all. A tenant connected to Microsoft Graph
shows its Entra tenant and its last sync run: when it started, its result
(running, succeeded or failed), and the users and security users it wrote. A run
that says running long after it started was interrupted (its process was
killed); the tenant's next run supersedes it.`,
		Example: `  secusers admin tenant list
  secusers admin tenant list --customer "$CUSTOMER" -o json   # {"tenants":[…]}`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var cid string
			if customer != "" {
				var err error
				if cid, err = parseID("customer", customer); err != nil {
					return err
				}
			}
			return e.withStore(cmd.Context(), func(st secusers.Store) error {
				tenants, err := listTenants(cmd.Context(), st, cid)
				if err != nil {
					return err
				}
				return e.print(struct {
					Tenants []tenantJSON `json:"tenants"`
				}{tenants}, func(w io.Writer) { tenantTable(w, tenants) })
			})
		},
	}
	cmd.Flags().StringVar(&customer, "customer", "", "list only this customer's tenants")
	return cmd
}

// listTenants returns the tenants of the customer (of all when cid is ""),
// with their connections and last runs when the store keeps them.
func listTenants(ctx context.Context, st secusers.Store, cid string) ([]tenantJSON, error) {
	if cid != "" {
		if _, err := requireCustomer(ctx, st, cid); err != nil {
			return nil, err
		}
	}
	tenants, err := st.Tenants(ctx, cid)
	if err != nil {
		return nil, err
	}
	out := make([]tenantJSON, 0, len(tenants))
	for _, t := range tenants {
		out = append(out, tenantJSON{ID: t.ID, CustomerID: t.CustomerID, Name: t.Name, CreatedAt: t.CreatedAt.UTC()})
	}
	ss, ok := st.(secusers.SyncStore)
	if !ok {
		return out, nil
	}
	return out, addSyncState(ctx, ss, out)
}

func tenantTable(w io.Writer, tenants []tenantJSON) {
	row(w, "ID", "CUSTOMER", "NAME", "CREATED", "LAST SYNC", "RESULT", "USERS", "SECURITY USERS")
	for _, t := range tenants {
		last, result, users, security := "-", "-", "-", "-"
		switch {
		case t.LastSync != nil:
			r := t.LastSync
			last, result = r.StartedAt.Format(time.RFC3339), r.Result
			if r.Result == string(secusers.SyncSucceeded) {
				users, security = fmt.Sprint(r.Users), fmt.Sprint(r.SecurityUsers)
			}
		case t.Connection != nil:
			last = "never"
		}
		row(w, t.ID, t.CustomerID, t.Name, t.CreatedAt.Format(time.RFC3339), last, result, users, security)
	}
}
