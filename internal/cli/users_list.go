package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/client"
)

// listFlags are the flags of list.
type listFlags struct {
	statuses []string
	all      bool
	page     int
	pageSize int
}

func (e *env) usersListCommand(uf *usersFlags) *cobra.Command {
	var f listFlags
	cmd := &cobra.Command{
		Use:   "list --api URL --customer CID --tenant TID [--status NAME|NUMBER …] [--all] [--page N] [--page-size N] [-o table|json|csv]",
		Short: "List a tenant's security users: one page, or every page with --all",
		Long: `List a tenant's security users in the API's order (display name, then id): one
page (--page, --page-size), or with --all every page from --page on, following
nextLink. --status keeps the users that have any of the statuses given, by name
(any case) or number, repeated or comma-separated.

-o table (the default) is for reading: statuses by name, control and format
characters (such as bidi overrides) replaced. -o json writes exactly one JSON
array of the API's user objects, streamed page by page, so --all over a large
tenant holds one page in memory, and [] when no user matches. -o csv writes a
header row and one row per user: "statuses" has the names joined by ";",
"status" the API's number; dates are RFC 3339 in UTC, or empty when not set. A
cell that starts with = + - @ a tab, a carriage return or ' gets one more ' in
front, so that a spreadsheet shows it as text instead of running it as a
formula; drop the first ' of such a cell to get the value back.

A -o json or -o csv run that fails before the first page writes nothing to
stdout. One cut off midway (a page fails) writes what it had read, closes the
JSON array, prints the error on stderr and exits 1: the output is well-formed
but incomplete, so check the exit status (in a pipeline, with set -o pipefail).

With --all and a terminal on stderr, a progress bar shows the users read.`,
		Example: `  export SECUSERS_API=https://secusers.example.com SECUSERS_CLIENT_ID=… SECUSERS_CLIENT_SECRET=…
  secusers users list --customer "$CUSTOMER" --tenant "$TENANT" --status HighRisk,MediumRisk
  secusers users list --customer "$CUSTOMER" --tenant "$TENANT" --all -o csv > users.csv
  secusers users list --customer "$CUSTOMER" --tenant "$TENANT" --all -o json | jq length`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.listUsers(cmd, uf, f) },
	}
	cmd.Flags().StringSliceVar(&f.statuses, "status", nil, "keep users with any of these statuses: names or numbers, repeated or comma-separated")
	cmd.Flags().BoolVar(&f.all, "all", false, "every page, from --page on, following nextLink")
	cmd.Flags().IntVar(&f.page, "page", 1, "the page to list (with --all, the first page)")
	cmd.Flags().IntVar(&f.pageSize, "page-size", 0, fmt.Sprintf("users a page, 1 … %d (default %d, and %d with --all)", client.MaxPageSize, client.DefaultPageSize, client.MaxPageSize))
	return acceptOutputs(cmd, outputTable, outputJSON, outputCSV)
}

// pageOptions checks the flags and returns the SDK's options.
func (f listFlags) pageOptions(cmd *cobra.Command) (client.PageOptions, error) {
	opts := client.PageOptions{PageIndex: f.page, PageSize: f.pageSize}
	if f.page < 1 {
		return opts, fmt.Errorf("--page must be at least 1, got %d", f.page)
	}
	if cmd.Flags().Changed("page-size") && (f.pageSize < 1 || f.pageSize > client.MaxPageSize) {
		return opts, fmt.Errorf("--page-size must be from 1 to %d, got %d", client.MaxPageSize, f.pageSize)
	}
	for _, s := range f.statuses {
		set, err := client.ParseStatusSet(s)
		if err != nil {
			return opts, fmt.Errorf("--status: %w", err)
		}
		opts.Statuses |= set
	}
	return opts, nil
}

// listUsers writes one page of the tenant's security users, or with --all
// every page from --page on, in the -o form.
func (e *env) listUsers(cmd *cobra.Command, uf *usersFlags, f listFlags) error {
	opts, err := f.pageOptions(cmd)
	if err != nil {
		return err
	}
	cl, err := e.newClient(cmd, uf)
	if err != nil {
		return err
	}
	w := newUserWriter(e.output, e.stdout)
	if !f.all {
		page, err := cl.SecurityUsers(cmd.Context(), uf.customer, uf.tenant, opts)
		if err != nil {
			return err
		}
		if err := w.page(page); err != nil {
			return err
		}
		return w.end(page)
	}
	bar := newUsersProgress(e.stderr)
	defer bar.finish()
	for page, err := range cl.Pages(cmd.Context(), uf.customer, uf.tenant, opts) {
		if err != nil {
			bar.finish()
			return errors.Join(err, w.abort())
		}
		bar.add(page)
		if err := w.page(page); err != nil {
			return err
		}
	}
	bar.finish()
	return w.end(nil)
}
