package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/secusers"
)

func (e *env) customerCommand() *cobra.Command {
	return group("customer", "Create and list a partner's customers", e.customerCreateCommand(), e.customerListCommand())
}

func (e *env) customerCreateCommand() *cobra.Command {
	var partner, org, id string
	cmd := &cobra.Command{
		Use:   "create --partner PID --organization NAME [--id GUID]",
		Short: "Create a customer of a partner",
		Example: `  secusers admin customer create --partner 4d9c…-… --organization "Fabrikam Ltd."
  secusers admin customer create --partner "$PARTNER" --organization Fabrikam --id 7F3E2A10-0000-4000-8000-000000000001 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.createCustomer(cmd.Context(), id, partner, org) },
	}
	cmd.Flags().StringVar(&partner, "partner", "", "the partner's id (required)")
	cmd.Flags().StringVar(&org, "organization", "", "the customer's organization name (required)")
	cmd.Flags().StringVar(&id, "id", "", "the customer's id, a GUID in any letter case (default: a new one)")
	cmd.MarkFlagRequired("partner")
	cmd.MarkFlagRequired("organization")
	return cmd
}

// createCustomer creates a customer of a partner; the store refuses an
// unknown partner and an id that is taken.
func (e *env) createCustomer(ctx context.Context, id, partner, org string) error {
	pid, err := parseID("partner", partner)
	if err != nil {
		return err
	}
	cid, err := newOrGivenID(id)
	if err != nil {
		return err
	}
	c := secusers.Customer{ID: cid, PartnerID: pid, Organization: org}
	if err := c.Validate(); err != nil {
		return err
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		c, err := st.CreateCustomer(ctx, c)
		if err != nil {
			return err
		}
		return e.print(created{c.ID}, func(w io.Writer) { fmt.Fprintf(w, "Created customer %q with id %s\n", c.Organization, c.ID) })
	})
}

// customerJSON is a customer as the list command prints it.
type customerJSON struct {
	ID           string    `json:"id"`
	PartnerID    string    `json:"partnerId"`
	Organization string    `json:"organization"`
	CreatedAt    time.Time `json:"createdAt"`
}

func (e *env) customerListCommand() *cobra.Command {
	var partner string
	cmd := &cobra.Command{
		Use:     "list --partner PID",
		Short:   "List a partner's customers",
		Example: `  secusers admin customer list --partner "$PARTNER" -o json   # {"customers":[…]}`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return e.listCustomers(cmd.Context(), partner) },
	}
	cmd.Flags().StringVar(&partner, "partner", "", "the partner's id (required)")
	cmd.MarkFlagRequired("partner")
	return cmd
}

// listCustomers prints the partner's customers; the store refuses an
// unknown partner.
func (e *env) listCustomers(ctx context.Context, partner string) error {
	pid, err := parseID("partner", partner)
	if err != nil {
		return err
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		customers, err := st.Customers(ctx, pid)
		if err != nil {
			return err
		}
		out := struct {
			Customers []customerJSON `json:"customers"`
		}{Customers: make([]customerJSON, 0, len(customers))}
		for _, c := range customers {
			out.Customers = append(out.Customers, customerJSON{c.ID, c.PartnerID, c.Organization, c.CreatedAt.UTC()})
		}
		return e.print(out, func(w io.Writer) {
			row(w, "ID", "ORGANIZATION", "CREATED")
			for _, c := range out.Customers {
				row(w, c.ID, c.Organization, c.CreatedAt.Format(time.RFC3339))
			}
		})
	})
}
