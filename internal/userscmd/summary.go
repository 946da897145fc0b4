package userscmd

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/client"
)

func (c *command) summaryCommand() *cobra.Command {
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
		RunE: func(cmd *cobra.Command, args []string) error { return printableErr(c.summary(cmd, args)) },
	}
}

// summaryJSON is summary's -o json result.
type summaryJSON struct {
	Total    int64            `json:"total"`
	Statuses map[string]int64 `json:"statuses"`
}

func (c *command) summary(cmd *cobra.Command, _ []string) error {
	cl, err := c.newClient(cmd)
	if err != nil {
		return err
	}
	s, err := cl.Summary(cmd.Context(), c.customer, c.tenant)
	if err != nil {
		return err
	}
	if c.output == outputJSON {
		out := summaryJSON{Total: s.Total, Statuses: make(map[string]int64, len(s.Counts))}
		for st, n := range s.Counts {
			out.Statuses[st.String()] = n
		}
		return json.NewEncoder(c.stdout).Encode(out)
	}
	// Names left, counts right, which tabwriter cannot do in one table.
	const row = "%-16s %8v\n"
	fmt.Fprintf(c.stdout, row, "STATUS", "USERS")
	for _, st := range client.AllStatuses() {
		fmt.Fprintf(c.stdout, row, st, s.Counts[st])
	}
	_, err = fmt.Fprintf(c.stdout, row, "Security users", s.Total)
	return err
}
