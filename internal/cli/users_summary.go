package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/client"
)

func (e *env) usersSummaryCommand(uf *usersFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "summary --api URL --customer CID --tenant TID [-o table|json]",
		Short: "Count a tenant's security users per status",
		Long: `Count a tenant's security users per status, and in all (a user with several
statuses counts under each, and once in the total). It costs one small request
per status, whatever the tenant's size. -o json writes one object:
{"total":N,"statuses":{"MFADisabled":N,…}}.`,
		Example: `  secusers users summary --customer "$CUSTOMER" --tenant "$TENANT"
  secusers users summary --customer "$CUSTOMER" --tenant "$TENANT" -o json | jq .statuses.HighRisk`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.summarizeUsers(cmd, uf) },
	}
}

// summaryJSON is summary's -o json result.
type summaryJSON struct {
	Total    int64            `json:"total"`
	Statuses map[string]int64 `json:"statuses"`
}

// summarizeUsers writes the tenant's count of security users per status.
func (e *env) summarizeUsers(cmd *cobra.Command, uf *usersFlags) error {
	cl, err := e.newClient(cmd, uf)
	if err != nil {
		return err
	}
	s, err := cl.Summary(cmd.Context(), uf.customer, uf.tenant)
	if err != nil {
		return err
	}
	if e.output == outputJSON {
		out := summaryJSON{Total: s.Total, Statuses: make(map[string]int64, len(s.Counts))}
		for st, n := range s.Counts {
			out.Statuses[st.String()] = n
		}
		return json.NewEncoder(e.stdout).Encode(out)
	}
	// Names left, counts right, which tabwriter cannot do in one table.
	const line = "%-16s %8v\n"
	fmt.Fprintf(e.stdout, line, "STATUS", "USERS")
	for _, st := range client.AllStatuses() {
		fmt.Fprintf(e.stdout, line, st, s.Counts[st])
	}
	_, err = fmt.Fprintf(e.stdout, line, "Security users", s.Total)
	return err
}
