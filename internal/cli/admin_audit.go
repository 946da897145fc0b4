package cli

import (
	"context"
	"io"
	"os/user"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/secusers"
)

// maxAuditLimit is the most events audit list prints at once; the store
// caps its reads there too.
const maxAuditLimit = 1000

// actor names who runs the command, for the audit trail: the operating
// system's user name, which a shell cannot fake short of being that user.
// $USER stands in only when the user database cannot be read (a container
// running as a uid with no passwd entry).
func (e *env) actor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	} else if err == nil {
		return "uid " + u.Uid
	}
	if name := e.getenv("USER"); name != "" {
		return name
	}
	return secusers.SystemActor
}

func (e *env) auditCommand() *cobra.Command {
	return group("audit", "Read the audit trail of administrative changes", e.auditListCommand())
}

// auditJSON is one event as audit list prints it.
type auditJSON struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Target string    `json:"target"`
	Detail string    `json:"detail"`
}

// auditFlags are the flags of audit list.
type auditFlags struct {
	since, action, target string
	limit                 int
}

func (e *env) auditListCommand() *cobra.Command {
	var f auditFlags
	cmd := &cobra.Command{
		Use:   "list [--since 24h|RFC3339] [--action ACTION] [--target ID] [--limit 100]",
		Short: "List administrative changes, newest first: who, what, to what, when",
		Long: `List the audit trail, newest first. Every administrative change the CLI makes
(creating partners, customers, groups, tenants and apps; scopes; disabling;
adding and removing secrets and certificates; connecting tenants; importing
users; rotating signing keys) is recorded in the same transaction as the
change, with the operating-system user who ran the command. Changes the
servers make on their own (deleting retired signing keys, keys.prune) are
recorded with the actor "system". Secrets and keys are never recorded.

Actions: ` + strings.Join(auditActions, ", ") + `.`,
		Example: `  secusers admin audit list --since 24h
  secusers admin audit list --action app.secret.add --target "$CLIENT_ID" -o json   # {"events":[…]}`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.listAudit(cmd.Context(), f) },
	}
	cmd.Flags().StringVar(&f.since, "since", "", "only changes since then: a duration back from now (24h, 90m) or an RFC 3339 time")
	cmd.Flags().StringVar(&f.action, "action", "", "only changes of this action, e.g. app.secret.add")
	cmd.Flags().StringVar(&f.target, "target", "", "only changes to this id (an app's client id, a tenant's id, …)")
	cmd.Flags().IntVar(&f.limit, "limit", 100, "print at most this many events")
	return cmd
}

// listAudit prints the events the flags select, newest first.
func (e *env) listAudit(ctx context.Context, f auditFlags) error {
	q := secusers.AuditQuery{Action: f.action, Target: f.target, Limit: f.limit}
	if f.limit < 1 || f.limit > maxAuditLimit {
		return secusers.Errorf(secusers.Invalid, "--limit must be from 1 to %d, got %d", maxAuditLimit, f.limit)
	}
	if f.action != "" && !knownAuditAction(f.action) {
		return secusers.Errorf(secusers.Invalid, "--action must be one of %s, got %q", strings.Join(auditActions, ", "), f.action)
	}
	if f.since != "" {
		t, err := parseSince(f.since, e.now())
		if err != nil {
			return err
		}
		q.Since = t
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		events, err := st.AuditEvents(ctx, q)
		if err != nil {
			return err
		}
		return e.printAudit(events)
	})
}

// auditActions lists the actions the store records, for --help and for
// refusing a mistyped --action rather than printing nothing.
var auditActions = []string{
	secusers.AuditPartnerCreate, secusers.AuditCustomerCreate, secusers.AuditGroupCreate,
	secusers.AuditTenantCreate, secusers.AuditTenantConnect, secusers.AuditTenantImport,
	secusers.AuditAppCreate, secusers.AuditAppDisable, secusers.AuditAppScope,
	secusers.AuditAppSecretAdd, secusers.AuditAppSecretRemove, secusers.AuditAppCertAdd, secusers.AuditAppCertRemove,
	secusers.AuditSigningKeyRotate, secusers.AuditSigningKeyPrune,
}

func knownAuditAction(a string) bool {
	for _, known := range auditActions {
		if a == known {
			return true
		}
	}
	return false
}

// parseSince reads --since: a positive duration back from now, or a time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, secusers.Errorf(secusers.Invalid, "--since must be a positive duration (24h, 90m) or an RFC 3339 time, got %q", s)
}

func (e *env) printAudit(events []secusers.AuditEvent) error {
	out := struct {
		Events []auditJSON `json:"events"`
	}{Events: make([]auditJSON, 0, len(events))}
	for _, ev := range events {
		out.Events = append(out.Events, auditJSON{ev.ID, ev.At.UTC(), ev.Actor, ev.Action, ev.Target, ev.Detail})
	}
	return e.print(out, func(w io.Writer) {
		row(w, "WHEN", "WHO", "ACTION", "TARGET", "DETAIL")
		for _, ev := range out.Events {
			row(w, ev.At.Format(time.RFC3339), ev.Actor, ev.Action, ev.Target, ev.Detail)
		}
	})
}
