package cli

import (
	"context"
	"fmt"
	"io"
	"iter"
	"os"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/userfile"
)

// importResult is the -o json result of import: export's keys, and how
// many users the import replaced.
type importResult struct {
	TenantID string `json:"tenantId"`
	Users    int    `json:"users"`
	Replaced int    `json:"replaced"`
}

func (e *env) importCommand() *cobra.Command {
	cmd := group("import", "Import records into the database", e.importUsersCommand())
	e.addOutputFlag(cmd)
	return cmd
}

func (e *env) importUsersCommand() *cobra.Command {
	var tenant, file string
	var allowEmpty bool
	cmd := &cobra.Command{
		Use:   "users --tenant TID --file FILE|- [--allow-empty]",
		Short: "Replace a tenant's users with the records of a JSON Lines file",
		Long: `Replace every user of a tenant with the user records of a JSON Lines file (one
JSON object a line; - reads stdin), all at once: the users become current
together when the whole file is in, and a file with any bad line changes
nothing, and the error names the line. Every status added to or removed from a
user is recorded (see 'secusers users changes'). A file without records is refused
(an empty pipe is more often a failed command than a wish to empty the tenant)
unless --allow-empty is given. The output says how many users the import
replaced (-o json: "replaced"), and so does the audit trail.

A record has the API's user fields in camelCase except age, plus
lastPasswordChangeDateTime (RFC 3339; omitted, "" or null when unknown). Only id
is required; status is the bit set (1 MFADisabled, 2 SignInBlocked, 4
PasswordExpired, 8 HighRisk, 16 MediumRisk, 32 Compliance, 64 Inactive, 128
PendingDeletion, 256 TestUser, which must match isTestUser). Unknown fields are
errors. 'secusers export users' writes the same format.`,
		Example: `  secusers import users --tenant "$TENANT" --file users.jsonl -o json   # {"tenantId":"…","users":1200,"replaced":1180}
  echo '{"id":"f04d7aee-341e-4ab9-9e1a-65215f92e596","displayName":"Bob Mark","status":13}' |
    secusers import users --tenant "$TENANT" --file -
  secusers import users --tenant "$TENANT" --file - --allow-empty < /dev/null   # removes every user`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return e.importUsers(cmd.Context(), tenant, file, allowEmpty)
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the tenant's id (required)")
	cmd.Flags().StringVar(&file, "file", "", "the JSON Lines file to read, or - for stdin (required)")
	cmd.Flags().BoolVar(&allowEmpty, "allow-empty", false, "accept a file without records, which removes every user of the tenant")
	cmd.MarkFlagRequired("tenant")
	cmd.MarkFlagRequired("file")
	return cmd
}

// importUsers replaces the tenant's users with the file's records and
// prints how many it replaced; the store refuses an unknown tenant.
func (e *env) importUsers(ctx context.Context, tenant, file string, allowEmpty bool) error {
	tid, err := parseID("tenant", tenant)
	if err != nil {
		return err
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		r, err := e.replaceUsers(ctx, st, tid, file, allowEmpty)
		if err != nil {
			return err
		}
		return e.print(importResult{tid, r.After, r.Before}, func(w io.Writer) {
			fmt.Fprintf(w, "Imported %d users into tenant %s (replacing %d)\n", r.After, tid, r.Before)
		})
	})
}

// replaceUsers reads the file (stdin for "-") and replaces the tenant's
// users with its records, as one new generation of the tenant's that the
// store makes current at once (secusers.Store.ReplaceUsers).
func (e *env) replaceUsers(ctx context.Context, st secusers.Store, tid, file string, allowEmpty bool) (secusers.Replacement, error) {
	r, name := e.stdin, "stdin"
	if file != stdio {
		f, err := os.Open(file)
		if err != nil {
			return secusers.Replacement{}, err // *PathError names the file and the reason
		}
		defer f.Close()
		r, name = f, file
	}
	users, stop, err := refuseEmpty(userfile.ReadUsers(r), allowEmpty)
	if err != nil {
		return secusers.Replacement{}, secusers.Wrap(secusers.Invalid, err, name+": "+secusers.MessageOf(err))
	}
	defer stop()
	rep, err := st.ReplaceUsers(ctx, tid, users)
	if secusers.IsKind(err, secusers.Invalid) {
		// Like a compiler: the file, then the line and what is wrong.
		return secusers.Replacement{}, secusers.Wrap(secusers.Invalid, err, name+": "+secusers.MessageOf(err))
	}
	return rep, err
}

// errNoRecords refuses an import without records: an empty pipe (the
// command that should have written the file failed) would otherwise empty
// the tenant and succeed.
var errNoRecords = secusers.Errorf(secusers.Invalid,
	"the input holds no user records; nothing was changed; pass --allow-empty to empty the tenant")

// refuseEmpty reads the first record of users before anything is written,
// and refuses input without one with errNoRecords unless allowEmpty. It
// returns the whole sequence, the record it read first included, and stop,
// which releases the reading and must be called once the sequence is done
// with. A bad first line counts as a record: the store reports it as it
// reports any bad line.
func refuseEmpty(users iter.Seq2[secusers.User, error], allowEmpty bool) (iter.Seq2[secusers.User, error], func(), error) {
	next, stop := iter.Pull2(users)
	u, err, ok := next()
	if !ok && !allowEmpty {
		stop()
		return nil, nil, errNoRecords
	}
	return func(yield func(secusers.User, error) bool) {
		for ; ok; u, err, ok = next() {
			if !yield(u, err) {
				return
			}
		}
	}, stop, nil
}
