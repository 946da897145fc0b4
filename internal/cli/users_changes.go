package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/client"
)

// changesFlags are the flags of changes.
type changesFlags struct {
	since      string
	allTenants bool
	groups     []string
	deltaFile  string
	pageSize   int
}

func (e *env) usersChangesCommand(uf *usersFlags) *cobra.Command {
	var f changesFlags
	cmd := &cobra.Command{
		Use: "changes --api URL (--customer CID --tenant TID | --all-tenants [--customer CID,…] [--group GID,…]) " +
			"[--since 24h|RFC3339] [--delta-file FILE] [--page-size N] [-o table|json|csv]",
		Short: "List the statuses added to and removed from users: one tenant's, or across tenants",
		Long: `List every status added to or removed from a user, oldest first, as the syncs and
imports found them: of one tenant (--customer, --tenant), or with --all-tenants of
every tenant in the app's customer scope, narrowed by --customer and --group
(comma-separated ids; they narrow the scope, never widen it). It reads every page,
following nextLink, up to the feed's end.

--since starts the read: a duration back from now (24h, 90m) or an RFC 3339 time;
the last 24 hours by default. To poll, give --delta-file FILE: a run reads from the
deltaLink that FILE holds (when it exists and is not empty; --since, the tenant and
the filters are then those of the run that wrote it) and writes the new deltaLink
there when it has read to the end, so that running the same command again lists
only what happened since, each change once. A run that fails midway writes where
it stopped instead, so that the next run misses nothing.

-o table (the default) is for reading. -o json writes exactly one JSON array of the
API's change objects ({"id","time","customerId","tenantId","userId","displayName",
"userPrincipalName","status","name","change"}), streamed, and [] when there is none.
-o csv writes a header row and one row per change, with the cells that a
spreadsheet would run as formulas defused as users list does.`,
		Example: `  secusers users changes --customer "$CUSTOMER" --tenant "$TENANT" --since 168h
  secusers users changes --all-tenants --since 2026-12-01T00:00:00Z -o csv > changes.csv
  secusers users changes --all-tenants --group "$GOLD" --delta-file changes.delta -o json   # from cron`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.listChanges(cmd, uf, f) },
	}
	cmd.Flags().StringVar(&f.since, "since", "", "where the read starts: a duration back from now (24h, 90m) or an RFC 3339 time (default 24h)")
	cmd.Flags().BoolVar(&f.allTenants, "all-tenants", false, "every tenant in the app's customer scope; --customer and --group narrow it")
	cmd.Flags().StringSliceVar(&f.groups, "group", nil, "with --all-tenants: only the customers of these customer groups, repeated or comma-separated")
	cmd.Flags().StringVar(&f.deltaFile, "delta-file", "", "resume from the deltaLink in FILE, and write the new one there after the read")
	cmd.Flags().IntVar(&f.pageSize, "page-size", 0, fmt.Sprintf("changes a request, 1 … %d (default %d)", client.MaxPageSize, client.MaxPageSize))
	return acceptOutputs(cmd, outputTable, outputJSON, outputCSV)
}

// query checks the flags and returns the SDK's query, without the
// deltaLink.
func (f changesFlags) query(cmd *cobra.Command, uf *usersFlags, e *env) (client.ChangesQuery, error) {
	var q client.ChangesQuery
	if cmd.Flags().Changed("page-size") && (f.pageSize < 1 || f.pageSize > client.MaxPageSize) {
		return q, fmt.Errorf("--page-size must be from 1 to %d, got %d", client.MaxPageSize, f.pageSize)
	}
	q.PageSize = f.pageSize
	if f.since != "" {
		t, err := parseSince(f.since, e.now())
		if err != nil {
			return q, err
		}
		q.Since = t
	}
	switch {
	case f.allTenants && uf.tenant != "":
		return q, errors.New("--all-tenants reads every tenant in scope: leave out --tenant, or --all-tenants")
	case f.allTenants:
		q.CustomerIDs = splitList(uf.customer)
		q.GroupIDs = splitList(strings.Join(f.groups, ","))
	case len(f.groups) > 0:
		return q, errors.New("--group narrows --all-tenants: give --all-tenants with it")
	case uf.customer == "" || uf.tenant == "":
		return q, errors.New("--customer and --tenant are required, or --all-tenants for every tenant in scope")
	default:
		q.CustomerID, q.TenantID = uf.customer, uf.tenant
	}
	return q, nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// listChanges writes the changes the flags select in the -o form, and
// with --delta-file keeps where the next run resumes.
func (e *env) listChanges(cmd *cobra.Command, uf *usersFlags, f changesFlags) error {
	q, err := f.query(cmd, uf, e)
	if err != nil {
		return err
	}
	if f.deltaFile != "" {
		if q.DeltaLink, err = readDeltaFile(f.deltaFile); err != nil {
			return err
		}
	}
	cl, err := e.clientFor(cmd, uf, false)
	if err != nil {
		return err
	}
	w := newChangeWriter(e.output, e.stdout, f.allTenants)
	changes, res := cl.Changes(cmd.Context(), q)
	for ch, err := range changes {
		if err != nil {
			return errors.Join(err, w.abort(), keepResume(f.deltaFile, res.ResumeLink()))
		}
		if err := w.change(ch); err != nil {
			return err
		}
	}
	if f.deltaFile != "" {
		if err := writeDeltaFile(f.deltaFile, res.DeltaLink()); err != nil {
			return errors.Join(err, w.abort())
		}
	}
	return w.end()
}

// readDeltaFile returns the link a delta file holds, "" when there is none
// yet (the file does not exist or is empty: the first run). Its directory
// must exist: the new link is written there after the read, and a run that
// could not keep it would have listed changes that the next run lists
// again.
func readDeltaFile(path string) (string, error) {
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("--delta-file: the directory of %s does not exist", path)
	}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("--delta-file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// keepResume writes where a failed read resumes, so that the next run
// misses nothing; nothing without a delta file or a link.
func keepResume(path, link string) error {
	if path == "" || link == "" {
		return nil
	}
	return writeDeltaFile(path, link)
}

// writeDeltaFile writes the link to a temporary file beside path and
// renames it into place, so that a run killed while writing leaves the
// last link whole rather than a torn one. Only the owner may read it: the
// link is no credential, but it names the partner's customers.
func writeDeltaFile(path, link string) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("--delta-file: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.WriteString(link + "\n"); err != nil {
		return fmt.Errorf("--delta-file: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("--delta-file: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("--delta-file: %w", err)
	}
	return nil
}
