package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/secusers"
)

// The values of -o.
const (
	outputTable = "table"
	outputJSON  = "json"
	outputCSV   = "csv"
)

// outputsAnnotation is the cobra annotation of a command whose -o takes
// other values than table and json: the values, comma-separated.
const outputsAnnotation = "secusers.outputs"

// addOutputFlag gives cmd and its subcommands -o. The default is the human
// form, as in gh and kubectl; scripts ask for json.
func (e *env) addOutputFlag(cmd *cobra.Command) {
	e.addOutputFlagUsage(cmd, "output format: table or json")
}

// addOutputFlagUsage is addOutputFlag with the flag's help text, for a
// group whose commands take other values (see acceptOutputs).
func (e *env) addOutputFlagUsage(cmd *cobra.Command, usage string) {
	cmd.PersistentFlags().StringVarP(&e.output, "output", "o", outputTable, usage)
}

// acceptOutputs makes cmd's -o accept the values given instead of table and
// json, and returns cmd.
func acceptOutputs(cmd *cobra.Command, values ...string) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[outputsAnnotation] = strings.Join(values, ",")
	return cmd
}

// checkOutputFlag refuses a bad -o before the command changes anything or
// makes a request. It is the root's PersistentPreRunE, so it runs for
// every command.
func (e *env) checkOutputFlag(cmd *cobra.Command, _ []string) error {
	if cmd.Flags().Lookup("output") == nil {
		return nil
	}
	allowed := []string{outputTable, outputJSON}
	if values, ok := cmd.Annotations[outputsAnnotation]; ok {
		allowed = strings.Split(values, ",")
	}
	if slices.Contains(allowed, e.output) {
		return nil
	}
	return secusers.Errorf(secusers.Invalid, "-o must be %s or %s, got %q",
		strings.Join(allowed[:len(allowed)-1], ", "), allowed[len(allowed)-1], e.output)
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

// row writes one tab-separated line of a table, each cell made printable:
// cells hold names, subjects and details that others wrote, and a tab or
// an escape sequence in one would break the table or drive the terminal.
func row(w io.Writer, cells ...any) {
	for i, c := range cells {
		if i > 0 {
			fmt.Fprint(w, "\t")
		}
		fmt.Fprint(w, printable(fmt.Sprint(c)))
	}
	fmt.Fprintln(w)
}
