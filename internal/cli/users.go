package cli

import (
	"context"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"secusers/internal/secusers"
	"secusers/internal/userfile"
)

// usersResult is the -o json result of import and export.
type usersResult struct {
	TenantID string `json:"tenantId"`
	Users    int    `json:"users"`
}

// stdio is the --file value that means stdin or stdout.
const stdio = "-"

func (e *env) importCommand() *cobra.Command {
	cmd := group("import", "Import records into the database", e.importUsersCommand())
	e.addOutputFlag(cmd)
	return cmd
}

func (e *env) exportCommand() *cobra.Command {
	cmd := group("export", "Export records from the database", e.exportUsersCommand())
	e.addOutputFlag(cmd)
	return cmd
}

func (e *env) importUsersCommand() *cobra.Command {
	var tenant, file string
	cmd := &cobra.Command{
		Use:   "users --tenant TID --file FILE|-",
		Short: "Replace a tenant's users with the records of a JSON Lines file",
		Long: `Replace every user of a tenant with the user records of a JSON Lines file (one
JSON object a line; - reads stdin), as one transaction: a file with any bad line
changes nothing, and the error names the line.

A record has the API's user fields in camelCase except age, plus
lastPasswordChangeDateTime (RFC 3339; omitted, "" or null when unknown). Only id
is required; status is the bit set (1 MFADisabled, 2 SignInBlocked, 4
PasswordExpired, 8 HighRisk, 16 MediumRisk, 32 Compliance, 64 Inactive, 128
PendingDeletion, 256 TestUser, which must match isTestUser). Unknown fields are
errors. 'secusers export users' writes the same format.`,
		Example: `  secusers import users --tenant "$TENANT" --file users.jsonl -o json   # {"tenantId":"…","users":1200}
  echo '{"id":"f04d7aee-341e-4ab9-9e1a-65215f92e596","displayName":"Bob Mark","status":13}' |
    secusers import users --tenant "$TENANT" --file -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tid, err := parseID("tenant", tenant)
			if err != nil {
				return err
			}
			return e.withStore(cmd.Context(), func(st secusers.Store) error {
				n, err := e.importUsers(cmd.Context(), st, tid, file)
				if err != nil {
					return err
				}
				return e.print(usersResult{tid, n}, func(w io.Writer) { fmt.Fprintf(w, "Imported %d users into tenant %s\n", n, tid) })
			})
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the tenant's id (required)")
	cmd.Flags().StringVar(&file, "file", "", "the JSON Lines file to read, or - for stdin (required)")
	cmd.MarkFlagRequired("tenant")
	cmd.MarkFlagRequired("file")
	return cmd
}

func (e *env) importUsers(ctx context.Context, st secusers.Store, tid, file string) (int, error) {
	if err := requireTenant(ctx, st, tid); err != nil {
		return 0, err
	}
	r, name := e.stdin, "stdin"
	if file != stdio {
		f, err := os.Open(file)
		if err != nil {
			return 0, err // *PathError names the file and the reason
		}
		defer f.Close()
		r, name = f, file
	}
	n, err := st.ReplaceUsers(ctx, tid, userfile.ReadUsers(r))
	if secusers.IsKind(err, secusers.Invalid) {
		// Like a compiler: the file, then the line and what is wrong.
		return 0, secusers.Wrap(secusers.Invalid, err, name+": "+secusers.MessageOf(err))
	}
	return n, err
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			tid, err := parseID("tenant", tenant)
			if err != nil {
				return err
			}
			return e.withStore(cmd.Context(), func(st secusers.Store) error {
				ctx := cmd.Context()
				if err := requireTenant(ctx, st, tid); err != nil {
					return err
				}
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
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the tenant's id (required)")
	cmd.Flags().StringVar(&file, "file", stdio, "the file to write, or - for stdout")
	cmd.MarkFlagRequired("tenant")
	return cmd
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
