package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync"
	"github.com/secusers/secusers/internal/tenantsync/rules"
)

// syncResult is the -o json result of sync, exactly the shape cli.md fixes
// for scripts; the count of skipped users is in the table output and in
// admin tenant list.
type syncResult struct {
	TenantID      string                    `json:"tenantId"`
	Users         int                       `json:"users"`
	SecurityUsers int                       `json:"securityUsers"`
	Unavailable   []rules.UnavailableStatus `json:"unavailable"`
	DurationMS    int64                     `json:"durationMs"`
}

func (e *env) syncCommand() *cobra.Command {
	var tenant string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "sync --tenant TID",
		Short: "Sync a connected tenant's users from Microsoft Graph now",
		Long: `Read a connected tenant's users through Microsoft Graph, derive their statuses,
and replace the tenant's users with them as a whole: they are written as a new
generation while Graph is read, which becomes current, all at once, when the
run completes; isTestUser, startDate and endDate set by the partner are kept
for every user still there, and every status added or removed is recorded
(see 'secusers users changes').
The command exits 0 once the run has completed. A run that fails, or is
interrupted (Ctrl-C), changes no user and is recorded as failed; see 'secusers
admin tenant list' for every tenant's last run.

Statuses that need a licence the tenant lacks (Entra ID P1 or P2, Intune) are
not judged for anyone; the run still completes and lists them as unavailable.

On a terminal a progress bar shows the pages and users read, then the users
written. With -v the run's log lines (JSON) go to standard error.`,
		Example: `  secusers sync --tenant "$TENANT"
  secusers sync --tenant "$TENANT" -o json
  # {"tenantId":"…","users":1200,"securityUsers":830,"unavailable":[{"status":"HighRisk","reason":"…"}],"durationMs":5123}`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.syncTenant(cmd.Context(), tenant, verbose) },
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "the tenant's id (required)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "write the run's log lines to standard error")
	cmd.MarkFlagRequired("tenant")
	e.addOutputFlag(cmd)
	return cmd
}

// syncTenant runs one sync of the tenant now and prints the run; the sync
// refuses an unknown tenant and one that is not connected.
func (e *env) syncTenant(ctx context.Context, tenant string, verbose bool) error {
	tid, err := parseID("tenant", tenant)
	if err != nil {
		return err
	}
	loc, err := e.location()
	if err != nil {
		return err
	}
	box, err := credentials.LoadKey(e.getenv, loc.KeyFile())
	if err != nil {
		return err
	}
	logger := slog.New(slog.DiscardHandler)
	if verbose {
		logger = slog.New(slog.NewJSONHandler(e.stderr, nil))
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		bar := e.newProgressBar()
		s := &tenantsync.Syncer{Store: st, Box: box, Now: e.now, Logger: logger, Progress: bar.update}
		run, err := s.Run(ctx, tid)
		bar.finish()
		if err != nil {
			return err
		}
		return e.printRun(run)
	})
}

// printRun prints a completed run.
func (e *env) printRun(run secusers.SyncRun) error {
	out := syncResult{
		TenantID: run.TenantID, Users: run.Users, SecurityUsers: run.SecurityUsers,
		Unavailable: make([]rules.UnavailableStatus, 0, len(run.Unavailable)),
		DurationMS:  run.FinishedAt.Sub(run.StartedAt).Milliseconds(),
	}
	for _, u := range run.Unavailable {
		out.Unavailable = append(out.Unavailable, rules.UnavailableStatus{Status: u.Status, Reason: u.Reason})
	}
	return e.print(out, func(w io.Writer) {
		fmt.Fprintf(w, "Synced tenant %s in %s: %d users, %d security users.\n",
			run.TenantID, run.FinishedAt.Sub(run.StartedAt).Round(time.Millisecond), run.Users, run.SecurityUsers)
		if run.Skipped > 0 {
			fmt.Fprintf(w, "Skipped: %d Graph users whose data breaks the rules (see the log).\n", run.Skipped)
		}
		for _, u := range run.Unavailable {
			fmt.Fprintf(w, "Not judged: %s (%s)\n", u.Status, u.Reason)
		}
	})
}
