package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/client"
)

// historyFlags are the flags of history.
type historyFlags struct {
	from, to string
}

func (e *env) usersHistoryCommand(uf *usersFlags) *cobra.Command {
	var f historyFlags
	cmd := &cobra.Command{
		Use:   "history --api URL --customer CID --tenant TID [--from YYYY-MM-DD] [--to YYYY-MM-DD] [-o table|json|csv]",
		Short: "Show a tenant's security users per status, day by day",
		Long: fmt.Sprintf(`Show a tenant's count of security users, and of the users of each status, at the
end of each UTC day that had data, oldest first. --from and --to are UTC days,
both included: by default the last %d days up to today; at most %d days a run.

-o json writes the API's object: {"data":[{"date":"2026-12-02","securityUsers":N,
"counts":{"MFADisabled":N,…}}],"metadata":{"from":"…","to":"…"}}. -o csv writes a
header row (date, securityUsers, then each status's name) and one row per day.`,
			client.DefaultHistoryDays, client.MaxHistoryDays),
		Example: `  secusers users history --customer "$CUSTOMER" --tenant "$TENANT"
  secusers users history --customer "$CUSTOMER" --tenant "$TENANT" --from 2026-01-01 --to 2026-03-31 -o csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.showHistory(cmd, uf, f) },
	}
	cmd.Flags().StringVar(&f.from, "from", "", fmt.Sprintf("the first UTC day, YYYY-MM-DD (default: %d days up to --to)", client.DefaultHistoryDays))
	cmd.Flags().StringVar(&f.to, "to", "", "the last UTC day, YYYY-MM-DD (default: today)")
	return acceptOutputs(cmd, outputTable, outputJSON, outputCSV)
}

// days parses --from and --to; an absent one is zero, the server's default.
func (f historyFlags) days() (from, to time.Time, err error) {
	parse := func(flag, v string) (time.Time, error) {
		if v == "" {
			return time.Time{}, nil
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return time.Time{}, fmt.Errorf("--%s must be a date YYYY-MM-DD, got %q", flag, v)
		}
		return d, nil
	}
	if from, err = parse("from", f.from); err != nil {
		return from, to, err
	}
	to, err = parse("to", f.to)
	return from, to, err
}

// showHistory writes the tenant's history in the -o form.
func (e *env) showHistory(cmd *cobra.Command, uf *usersFlags, f historyFlags) error {
	from, to, err := f.days()
	if err != nil {
		return err
	}
	cl, err := e.newClient(cmd, uf)
	if err != nil {
		return err
	}
	h, err := cl.History(cmd.Context(), uf.customer, uf.tenant, from, to)
	if err != nil {
		return err
	}
	switch e.output {
	case outputJSON:
		return writeHistoryJSON(e.stdout, h)
	case outputCSV:
		return writeHistoryCSV(e.stdout, h)
	}
	return writeHistoryTable(e.stdout, h)
}

// historyJSON is history's -o json result: the API's body.
type historyJSON struct {
	Data     []historyPointJSON `json:"data"`
	Metadata struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"metadata"`
}

type historyPointJSON struct {
	Date          string           `json:"date"`
	SecurityUsers int64            `json:"securityUsers"`
	Counts        map[string]int64 `json:"counts"`
}

func writeHistoryJSON(w io.Writer, h *client.History) error {
	out := historyJSON{Data: make([]historyPointJSON, len(h.Points))}
	out.Metadata.From, out.Metadata.To = h.From.Format(time.DateOnly), h.To.Format(time.DateOnly)
	for i, p := range h.Points {
		counts := make(map[string]int64, len(p.Counts))
		for st, n := range p.Counts {
			counts[st.String()] = n
		}
		out.Data[i] = historyPointJSON{Date: p.Date.Format(time.DateOnly), SecurityUsers: p.SecurityUsers, Counts: counts}
	}
	return json.NewEncoder(w).Encode(out)
}

// historyRow is a day's cells: the date, the security users, and each
// status's count in status order.
func historyRow(p client.HistoryPoint) []string {
	row := []string{p.Date.Format(time.DateOnly), strconv.FormatInt(p.SecurityUsers, 10)}
	for _, st := range client.AllStatuses() {
		row = append(row, strconv.FormatInt(p.Counts[st], 10))
	}
	return row
}

func writeHistoryCSV(w io.Writer, h *client.History) error {
	cw := csv.NewWriter(w)
	header := []string{"date", "securityUsers"}
	for _, st := range client.AllStatuses() {
		header = append(header, st.String())
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, p := range h.Points {
		if err := cw.Write(historyRow(p)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// writeHistoryTable writes a table of numbers, aligned right, and a line
// that says which days it covers, so that an empty table still says what
// was asked.
func writeHistoryTable(w io.Writer, h *client.History) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	header := "DATE\tSECURITY USERS\t"
	for _, st := range client.AllStatuses() {
		header += st.String() + "\t"
	}
	fmt.Fprintln(tw, header)
	for _, p := range h.Points {
		for _, cell := range historyRow(p) {
			fmt.Fprint(tw, cell, "\t")
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	days := int(h.To.Sub(h.From).Hours()/24) + 1
	_, err := fmt.Fprintf(w, "Days with data: %d of %d (%s to %s)\n", len(h.Points), days,
		h.From.Format(time.DateOnly), h.To.Format(time.DateOnly))
	return err
}
