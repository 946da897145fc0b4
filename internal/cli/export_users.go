package cli

import (
	"context"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/userfile"
)

// usersResult is the -o json result of export.
type usersResult struct {
	TenantID string `json:"tenantId"`
	Users    int    `json:"users"`
}

func (e *env) exportCommand() *cobra.Command {
	cmd := group("export", "Export records from the database", e.exportUsersCommand())
	e.addOutputFlag(cmd)
	return cmd
}

func (e *env) exportUsersCommand() *cobra.Command {
	var tenant, file string
	cmd := &cobra.Command{
		Use:   "users --tenant TID [--file FILE|-]",
		Short: "Write a tenant's users as JSON Lines",
		Long: `Write every user of a tenant, security users or not, as JSON Lines in the
format 'secusers import users' reads, in the API's order. Without --file (or with
-) the records go to stdout; with a file, the file is replaced only once every
record is written, is readable by its owner only (it holds personal data), and a
summary is printed (-o json: {"tenantId":"…","users":N}).`,
		Example: `  secusers export users --tenant "$TENANT" > users.jsonl
  secusers export users --tenant "$TENANT" --file users.jsonl -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.exportUsers(cmd.Context(), tenant, file) },
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the tenant's id (required)")
	cmd.Flags().StringVar(&file, "file", stdio, "the file to write, or - for stdout")
	cmd.MarkFlagRequired("tenant")
	return cmd
}

// exportUsers writes the tenant's users to stdout, or to the file with a
// summary on stdout; the store refuses an unknown tenant before the first
// record, so a failed export writes nothing.
func (e *env) exportUsers(ctx context.Context, tenant, file string) error {
	tid, err := parseID("tenant", tenant)
	if err != nil {
		return err
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		if file == "" || file == stdio {
			_, err := userfile.WriteUsers(e.stdout, st.Users(ctx, tid))
			return err
		}
		n, err := exportToFile(file, st.Users(ctx, tid))
		if err != nil {
			return err
		}
		return e.print(usersResult{tid, n}, func(w io.Writer) { fmt.Fprintf(w, "Exported %d users of tenant %s to %s\n", n, tid, file) })
	})
}

// exportToFile writes the users to a temporary file beside path and renames
// it into place, so that a failed export never leaves a truncated file that
// a later import would take for the whole tenant.
func exportToFile(path string, users iter.Seq2[secusers.User, error]) (n int, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if n, err = userfile.WriteUsers(tmp, users); err != nil {
		return 0, err
	}
	if err = tmp.Sync(); err != nil {
		return 0, fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return 0, fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return 0, fmt.Errorf("replacing %s: %w", path, err)
	}
	return n, nil
}
