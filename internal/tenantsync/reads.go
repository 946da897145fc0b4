package tenantsync

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync/rules"
)

// maxSkipLogs bounds the skipped users logged one by one in a run; the
// rest are counted in the run's summary line.
const maxSkipLogs = 10

// reader does the reads of one run: the tenant-wide reads into facts, then
// the users of reads 2 and 6, judged at now, into the spool.
type reader struct {
	client       *graph.Client
	facts        rules.Facts
	now          time.Time
	inactiveDays int
	spool        *spool
	log          *slog.Logger

	// live is how many users of read 2 the spool holds; they come first.
	live int
	// deleted holds the ids of read 6's users in the spool. A user deleted
	// between reads 2 and 6 is in both, and read 6 is the newer word. It
	// stays small: only users deleted in the last 30 days are in it, as 16
	// bytes each.
	deleted map[uuid.UUID]struct{}
	// skipped counts users that could not be stored.
	skipped int
}

// optionalRead is a read whose refusal for want of a licence (or of the
// permission) makes statuses unavailable instead of failing the run.
type optionalRead struct {
	what     string // for messages, e.g. "read 3 (userRegistrationDetails)"
	needs    string // what the tenant and the app must have for it
	statuses []secusers.Status
	read     func(ctx context.Context) error
}

// readAll does the reads in sync.md's order of dependence: the domains and
// reads 3–5 first, because every user of read 2 is judged against them as
// it streams past; then read 2; then read 6.
func (r *reader) readAll(ctx context.Context) error {
	if err := drain(r.client.Domains(ctx), r.facts.AddDomain); err != nil {
		return &readError{"read 1 (domains)", err}
	}
	for _, o := range []optionalRead{
		{"read 3 (userRegistrationDetails)", "Microsoft Entra ID P1 and the AuditLog.Read.All permission",
			[]secusers.Status{secusers.MFADisabled},
			func(ctx context.Context) error {
				return drain(r.client.RegistrationDetails(ctx), r.facts.AddRegistration)
			}},
		{"read 4 (riskyUsers)", "Microsoft Entra ID P2 and the IdentityRiskyUser.Read.All permission",
			[]secusers.Status{secusers.HighRisk, secusers.MediumRisk},
			func(ctx context.Context) error { return drain(r.client.RiskyUsers(ctx), r.facts.AddRiskyUser) }},
		{"read 5 (managedDevices)", "Microsoft Intune and the DeviceManagementManagedDevices.Read.All permission",
			[]secusers.Status{secusers.Compliance},
			func(ctx context.Context) error { return drain(r.client.ManagedDevices(ctx), r.facts.AddDevice) }},
	} {
		if err := r.optional(ctx, o); err != nil {
			return err
		}
	}
	if err := r.readUsers(ctx); err != nil {
		return err
	}
	return r.readDeleted(ctx)
}

// optional does an optional read, recording its statuses as unavailable
// when Graph refuses it as unlicensed.
func (r *reader) optional(ctx context.Context, o optionalRead) error {
	err := o.read(ctx)
	if err == nil {
		return nil
	}
	if !graph.IsUnlicensed(err) || ctx.Err() != nil {
		return &readError{o.what, err}
	}
	reason := unavailableReason(o.needs, err)
	for _, s := range o.statuses {
		r.facts.Unavailable(s, reason)
	}
	r.log.Warn("a read was refused; its statuses are not judged in this run", "read", o.what, "statuses", o.statuses, "reason", reason)
	return nil
}

// unavailableReason says why statuses were not judged: what the read needs
// and Graph's answer.
func unavailableReason(needs string, err error) string {
	return fmt.Sprintf("Graph refused the read, which needs %s: %v", needs, err)
}

// readUsers spools read 2 with signInActivity, or, when the tenant cannot
// give that (no Entra ID P1: a 403, or a 400 naming the property), spools
// it again without and records Inactive as unavailable.
func (r *reader) readUsers(ctx context.Context) error {
	skipped := r.skipped
	err := r.spoolUsers(ctx, true)
	if err == nil || !graph.IsUnlicensed(err) || ctx.Err() != nil {
		return wrapRead("read 2 (users)", err)
	}
	r.facts.Unavailable(secusers.Inactive, unavailableReason("Microsoft Entra ID P1 and the AuditLog.Read.All permission for signInActivity", err))
	r.log.Warn("signInActivity was refused; reading the users without it, and Inactive is not judged in this run", "err", err)
	// Graph refuses on the first page, so this normally discards nothing.
	if err := r.spool.reset(); err != nil {
		return err
	}
	r.skipped = skipped
	return wrapRead("read 2 (users, without signInActivity)", r.spoolUsers(ctx, false))
}

func (r *reader) spoolUsers(ctx context.Context, withSignInActivity bool) error {
	for u, err := range r.client.Users(ctx, withSignInActivity) {
		if err != nil {
			return err
		}
		status := r.facts.UserStatus(u, r.now, r.inactiveDays)
		if _, err := r.put(rules.ToUser(u, status)); err != nil {
			return err
		}
	}
	r.live = r.spool.len()
	return nil
}

// readDeleted spools the users of read 6 still within their 30 days.
func (r *reader) readDeleted(ctx context.Context) error {
	r.deleted = make(map[uuid.UUID]struct{})
	for u, err := range r.client.DeletedUsers(ctx) {
		if err != nil {
			return wrapRead("read 6 (deleted users)", err)
		}
		du, ok := rules.DeletedUser(u, r.now)
		if !ok {
			continue
		}
		id, _ := uuid.Parse(du.ID) // zero when not a GUID: put skips such a user
		if _, dup := r.deleted[id]; dup {
			continue
		}
		stored, err := r.put(du)
		if err != nil {
			return err
		}
		if stored {
			r.deleted[id] = struct{}{}
		}
	}
	return nil
}

// put spools u, or skips it when no store would take it (Graph never
// sends such a user, and one odd record must not fail a whole tenant).
func (r *reader) put(u secusers.User) (stored bool, err error) {
	if verr := u.Validate(); verr != nil {
		r.skipped++
		if r.skipped <= maxSkipLogs {
			r.log.Warn("skipping a user Graph returned that cannot be stored", "id", u.ID, "reason", secusers.MessageOf(verr))
		}
		return false, nil
	}
	return true, r.spool.add(u)
}

// drain ranges over a read, handing each item to add; it returns the error
// that ended the read, if any.
func drain[T any](seq iter.Seq2[T, error], add func(T)) error {
	for v, err := range seq {
		if err != nil {
			return err
		}
		add(v)
	}
	return nil
}

// wrapRead names the read that failed, unless the spool did.
func wrapRead(what string, err error) error {
	var se *spoolError
	if err == nil || errors.As(err, &se) {
		return err
	}
	return &readError{what, err}
}
