package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/secusers"
)

func (e *env) groupCommand() *cobra.Command {
	return group("group", "Create and list customer groups, which scope apps", e.groupCreateCommand(), e.groupListCommand())
}

// groupFlags are the flags of group create.
type groupFlags struct {
	partner, name, id string
	customers         []string
}

func (e *env) groupCreateCommand() *cobra.Command {
	var f groupFlags
	cmd := &cobra.Command{
		Use:   "create --partner PID --name NAME --customers CID[,CID…] [--id GUID]",
		Short: "Create a group of a partner's customers",
		Long: `Create a named group of one partner's customers. An app scoped to the group
(admin app create --groups) may read the users of the group's customers.`,
		Example: `  secusers admin group create --partner "$PARTNER" --name "Managed EU" --customers "$C1,$C2" -o json`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return e.createGroup(cmd.Context(), f) },
	}
	cmd.Flags().StringVar(&f.partner, "partner", "", "the partner's id (required)")
	cmd.Flags().StringVar(&f.name, "name", "", "the group's name (required)")
	cmd.Flags().StringSliceVar(&f.customers, "customers", nil, "the ids of the partner's customers in the group, comma-separated (required)")
	cmd.Flags().StringVar(&f.id, "id", "", "the group's id, a GUID in any letter case (default: a new one)")
	cmd.MarkFlagRequired("partner")
	cmd.MarkFlagRequired("name")
	cmd.MarkFlagRequired("customers")
	return cmd
}

// createGroup creates a group; the store refuses an unknown partner, a
// customer that is not the partner's, and an id that is taken.
func (e *env) createGroup(ctx context.Context, f groupFlags) error {
	g, err := newGroup(f)
	if err != nil {
		return err
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		g, err := st.CreateGroup(ctx, g)
		if err != nil {
			return err
		}
		return e.print(created{g.ID}, func(w io.Writer) { fmt.Fprintf(w, "Created group %q with id %s\n", g.Name, g.ID) })
	})
}

func newGroup(f groupFlags) (secusers.CustomerGroup, error) {
	var g secusers.CustomerGroup
	var err error
	if g.PartnerID, err = parseID("partner", f.partner); err != nil {
		return g, err
	}
	if g.CustomerIDs, err = parseIDs("customers", f.customers); err != nil {
		return g, err
	}
	if g.ID, err = newOrGivenID(f.id); err != nil {
		return g, err
	}
	g.Name = f.name
	return g, g.Validate()
}

// groupJSON is a group as the list command prints it.
type groupJSON struct {
	ID          string    `json:"id"`
	PartnerID   string    `json:"partnerId"`
	Name        string    `json:"name"`
	CustomerIDs []string  `json:"customerIds"`
	CreatedAt   time.Time `json:"createdAt"`
}

func (e *env) groupListCommand() *cobra.Command {
	var partner string
	cmd := &cobra.Command{
		Use:     "list --partner PID",
		Short:   "List a partner's customer groups",
		Example: `  secusers admin group list --partner "$PARTNER" -o json   # {"groups":[…]}`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return e.listGroups(cmd.Context(), partner) },
	}
	cmd.Flags().StringVar(&partner, "partner", "", "the partner's id (required)")
	cmd.MarkFlagRequired("partner")
	return cmd
}

// listGroups prints the partner's groups; the store refuses an unknown
// partner.
func (e *env) listGroups(ctx context.Context, partner string) error {
	pid, err := parseID("partner", partner)
	if err != nil {
		return err
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		groups, err := st.Groups(ctx, pid)
		if err != nil {
			return err
		}
		out := struct {
			Groups []groupJSON `json:"groups"`
		}{Groups: make([]groupJSON, 0, len(groups))}
		for _, g := range groups {
			out.Groups = append(out.Groups, groupJSON{g.ID, g.PartnerID, g.Name, append([]string{}, g.CustomerIDs...), g.CreatedAt.UTC()})
		}
		return e.print(out, func(w io.Writer) {
			row(w, "ID", "NAME", "CUSTOMERS")
			for _, g := range out.Groups {
				row(w, g.ID, g.Name, strings.Join(g.CustomerIDs, ","))
			}
		})
	})
}
