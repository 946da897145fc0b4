package cli

import (
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

func (e *env) groupCreateCommand() *cobra.Command {
	var partner, name, id string
	var customers []string
	cmd := &cobra.Command{
		Use:   "create --partner PID --name NAME --customers CID[,CID…] [--id GUID]",
		Short: "Create a group of a partner's customers",
		Long: `Create a named group of one partner's customers. An app scoped to the group
(admin app create --groups) may read the users of the group's customers.`,
		Example: `  secusers admin group create --partner "$PARTNER" --name "Managed EU" --customers "$C1,$C2" -o json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, err := newGroup(id, partner, name, customers)
			if err != nil {
				return err
			}
			return e.withStore(cmd.Context(), func(st secusers.Store) error {
				ctx := cmd.Context()
				if err := requirePartner(ctx, st, g.PartnerID); err != nil {
					return err
				}
				if err := requirePartnersCustomers(ctx, st, g.PartnerID, g.CustomerIDs); err != nil {
					return err
				}
				if id != "" {
					if err := checkFree("group", g.ID, func() error { return findGroup(st.Groups(ctx, g.PartnerID))(g.ID) }); err != nil {
						return err
					}
				}
				g, err := st.CreateGroup(ctx, g)
				if err != nil {
					return err
				}
				return e.print(created{g.ID}, func(w io.Writer) { fmt.Fprintf(w, "Created group %q with id %s\n", g.Name, g.ID) })
			})
		},
	}
	cmd.Flags().StringVar(&partner, "partner", "", "the partner's id (required)")
	cmd.Flags().StringVar(&name, "name", "", "the group's name (required)")
	cmd.Flags().StringSliceVar(&customers, "customers", nil, "the ids of the partner's customers in the group, comma-separated (required)")
	cmd.Flags().StringVar(&id, "id", "", "the group's id, a GUID in any letter case (default: a new one)")
	cmd.MarkFlagRequired("partner")
	cmd.MarkFlagRequired("name")
	cmd.MarkFlagRequired("customers")
	return cmd
}

func newGroup(id, partner, name string, customers []string) (secusers.CustomerGroup, error) {
	var g secusers.CustomerGroup
	var err error
	if g.PartnerID, err = parseID("partner", partner); err != nil {
		return g, err
	}
	if g.CustomerIDs, err = parseIDs("customers", customers); err != nil {
		return g, err
	}
	if g.ID, err = newOrGivenID(id); err != nil {
		return g, err
	}
	g.Name = name
	return g, g.Validate()
}

// findGroup returns a lookup of a group id among the partner's groups. The
// store has no lookup by group id; group ids are checked within the
// partner, which is where a duplicate --id would be a mistake to report.
func findGroup(groups []secusers.CustomerGroup, err error) func(id string) error {
	return func(id string) error {
		if err != nil {
			return err
		}
		for _, g := range groups {
			if g.ID == id {
				return nil
			}
		}
		return secusers.Errorf(secusers.NotFound, "no group with id %s", id)
	}
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			pid, err := parseID("partner", partner)
			if err != nil {
				return err
			}
			return e.withStore(cmd.Context(), func(st secusers.Store) error {
				ctx := cmd.Context()
				if err := requirePartner(ctx, st, pid); err != nil {
					return err
				}
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
		},
	}
	cmd.Flags().StringVar(&partner, "partner", "", "the partner's id (required)")
	cmd.MarkFlagRequired("partner")
	return cmd
}
