package cli

import (
	"context"
	"fmt"
	"io"

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
		RunE:    func(cmd *cobra.Command, _ []string) error { return e.createTenant(cmd.Context(), id, customer, name) },
	}
	cmd.Flags().StringVar(&customer, "customer", "", "the customer's id (required)")
	cmd.Flags().StringVar(&name, "name", "", "the tenant's name, e.g. its primary domain (required)")
	cmd.Flags().StringVar(&id, "id", "", "the Entra tenant id, a GUID in any letter case (default: a new one)")
	cmd.MarkFlagRequired("customer")
	cmd.MarkFlagRequired("name")
	return cmd
}

// createTenant creates a tenant of a customer; the store refuses an unknown
// customer and an id that is taken.
func (e *env) createTenant(ctx context.Context, id, customer, name string) error {
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
	return e.withStore(ctx, func(st secusers.Store) error {
		t, err := st.CreateTenant(ctx, t)
		if err != nil {
			return err
		}
		return e.print(created{t.ID}, func(w io.Writer) { fmt.Fprintf(w, "Created tenant %q with id %s\n", t.Name, t.ID) })
	})
}
