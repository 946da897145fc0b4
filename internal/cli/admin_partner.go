package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/secusers"
)

func (e *env) partnerCommand() *cobra.Command {
	return group("partner", "Create and list partners", e.partnerCreateCommand(), e.partnerListCommand())
}

func (e *env) partnerCreateCommand() *cobra.Command {
	var name, id string
	cmd := &cobra.Command{
		Use:   "create --name NAME [--id GUID]",
		Short: "Create a partner",
		Example: `  secusers admin partner create --name "Contoso Partners"
  secusers admin partner create --name "Contoso Partners" -o json   # {"id":"…"}`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.createPartner(cmd.Context(), id, name) },
	}
	cmd.Flags().StringVar(&name, "name", "", "the partner's name (required)")
	cmd.Flags().StringVar(&id, "id", "", "the partner's id, a GUID in any letter case (default: a new one)")
	cmd.MarkFlagRequired("name")
	return cmd
}

// createPartner creates a partner; the store refuses an id that is taken.
func (e *env) createPartner(ctx context.Context, id, name string) error {
	p, err := newPartner(id, name)
	if err != nil {
		return err
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		p, err := st.CreatePartner(ctx, p)
		if err != nil {
			return err
		}
		return e.print(created{p.ID}, func(w io.Writer) { fmt.Fprintf(w, "Created partner %q with id %s\n", p.Name, p.ID) })
	})
}

func newPartner(id, name string) (secusers.Partner, error) {
	id, err := newOrGivenID(id)
	if err != nil {
		return secusers.Partner{}, err
	}
	p := secusers.Partner{ID: id, Name: name}
	return p, p.Validate()
}

// partnerJSON is a partner as the list command prints it.
type partnerJSON struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
}

func (e *env) partnerListCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List partners",
		Example: `  secusers admin partner list -o json   # {"partners":[{"id":"…","name":"…","createdAt":"…"}]}`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return e.listPartners(cmd.Context()) },
	}
}

func (e *env) listPartners(ctx context.Context) error {
	return e.withStore(ctx, func(st secusers.Store) error {
		partners, err := st.Partners(ctx)
		if err != nil {
			return err
		}
		out := struct {
			Partners []partnerJSON `json:"partners"`
		}{Partners: make([]partnerJSON, 0, len(partners))}
		for _, p := range partners {
			out.Partners = append(out.Partners, partnerJSON{p.ID, p.Name, p.CreatedAt.UTC()})
		}
		return e.print(out, func(w io.Writer) {
			row(w, "ID", "NAME", "CREATED")
			for _, p := range out.Partners {
				row(w, p.ID, p.Name, p.CreatedAt.Format(time.RFC3339))
			}
		})
	})
}
