package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/secusers"
)

// The values of -o.
const (
	outputTable = "table"
	outputJSON  = "json"
)

// addOutputFlag gives cmd and its subcommands -o. The default is the human
// form, as in gh and kubectl; scripts ask for json.
func (e *env) addOutputFlag(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVarP(&e.output, "output", "o", outputTable, "output format: table or json")
}

// checkOutputFlag refuses a bad -o before the command changes anything.
func (e *env) checkOutputFlag(cmd *cobra.Command, _ []string) error {
	if cmd.Flags().Lookup("output") == nil {
		return nil
	}
	switch e.output {
	case outputTable, outputJSON:
		return nil
	}
	return secusers.Errorf(secusers.Invalid, "-o must be table or json, got %q", e.output)
}

// print writes a command's result: v as one line of JSON with -o json, or
// what table writes, through a tabwriter, otherwise.
func (e *env) print(v any, table func(w io.Writer)) error {
	if e.output == outputJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	table(tw)
	return tw.Flush()
}

// row writes one tab-separated line of a table.
func row(w io.Writer, cells ...any) {
	for i, c := range cells {
		if i > 0 {
			fmt.Fprint(w, "\t")
		}
		fmt.Fprint(w, c)
	}
	fmt.Fprintln(w)
}
