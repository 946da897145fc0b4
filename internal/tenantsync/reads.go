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

// reader does the reads of one run: the tenant-wide reads into facts and
// the recently deleted users of read 6 first, then the users of read 2,
// judged at now as they stream from Graph into the store (stream).
type reader struct {
	client       *graph.Client
	facts        rules.Facts
	now          time.Time
	inactiveDays int
	// spool keeps a copy of the users handed to the store, for the one
	// case that writes them again (Graph listed a user twice).
	spool *spool
	log   *slog.Logger

	// deletedUsers are read 6's users still within their 30 days, and
	// deleted their ids. They stay small: only users deleted in the last
	// 30 days, as 16 bytes each for the ids.
	deletedUsers []secusers.User
	deleted      map[uuid.UUID]struct{}
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

// readFirst does the reads that every user of read 2 is judged or filtered
// against as it streams past, in sync.md's order of dependence: the
// domains, reads 3–5, and read 6 (small: the users deleted in the last 30
// days). Read 2 follows, streamed into the store (stream).
func (r *reader) readFirst(ctx context.Context) error {
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

// errStopped ends a read whose consumer stopped taking users.
var errStopped = errors.New("the store stopped taking users")

// stream yields the users of read 2 as Graph pages them, judged against
// the facts, each also kept in the spool; then read 6's users that read 2
// did not list. Read 6 was read first, so read 2 is the newer word on a
// user in both (deleted, then restored). A read 2 refused for
// signInActivity (no Entra ID P1: a 403, or a 400 naming the property) is
// read again without it, with Inactive recorded as unavailable: Graph
// refuses on the first page, before any user was handed on.
func (r *reader) stream(ctx context.Context) iter.Seq2[secusers.User, error] {
	return func(yield func(secusers.User, error) bool) {
		handed := false
		listed := map[uuid.UUID]struct{}{} // read 6's users that read 2 lists
		take := func(u secusers.User) error {
			if !r.valid(u) {
				return nil
			}
			if len(r.deleted) > 0 {
				if id, _ := uuid.Parse(u.ID); id != uuid.Nil {
					if _, gone := r.deleted[id]; gone {
						listed[id] = struct{}{}
					}
				}
			}
			if err := r.spool.add(u); err != nil {
				return err
			}
			handed = true
			if !yield(u, nil) {
				return errStopped
			}
			return nil
		}
		skipped := r.skipped
		err := r.readUsers(ctx, true, take)
		if err != nil && !handed && graph.IsUnlicensed(err) && ctx.Err() == nil {
			r.facts.Unavailable(secusers.Inactive, unavailableReason("Microsoft Entra ID P1 and the AuditLog.Read.All permission for signInActivity", err))
			r.log.Warn("signInActivity was refused; reading the users without it, and Inactive is not judged in this run", "err", err)
			r.skipped = skipped
			err = wrapRead("read 2 (users, without signInActivity)", r.readUsers(ctx, false, take))
		} else {
			err = wrapRead("read 2 (users)", err)
		}
		if errors.Is(err, errStopped) {
			return
		}
		if err != nil {
			yield(secusers.User{}, err)
			return
		}
		for _, u := range r.deletedUsers {
			id, _ := uuid.Parse(u.ID)
			if _, ok := listed[id]; ok {
				continue
			}
			if err := r.spool.add(u); err != nil {
				yield(secusers.User{}, err)
				return
			}
			if !yield(u, nil) {
				return
			}
		}
	}
}

// readUsers hands each user of read 2, judged, to take.
func (r *reader) readUsers(ctx context.Context, withSignInActivity bool, take func(secusers.User) error) error {
	for u, err := range r.client.Users(ctx, withSignInActivity) {
		if err != nil {
			return err
		}
		status := r.facts.UserStatus(u, r.now, r.inactiveDays)
		if err := take(rules.ToUser(u, status)); err != nil {
			return err
		}
	}
	return nil
}

// readDeleted keeps the users of read 6 still within their 30 days.
func (r *reader) readDeleted(ctx context.Context) error {
	r.deleted = make(map[uuid.UUID]struct{})
	for u, err := range r.client.DeletedUsers(ctx) {
		if err != nil {
			return wrapRead("read 6 (deleted users)", err)
		}
		du, ok := rules.DeletedUser(u, r.now)
		if !ok || !r.valid(du) {
			continue
		}
		id, _ := uuid.Parse(du.ID) // valid: a GUID
		if _, dup := r.deleted[id]; dup {
			continue
		}
		r.deleted[id] = struct{}{}
		r.deletedUsers = append(r.deletedUsers, du)
	}
	return nil
}

// valid reports whether a store would take u, counting and logging it as
// skipped when not (Graph never sends such a user, and one odd record must
// not fail a whole tenant).
func (r *reader) valid(u secusers.User) bool {
	verr := u.Validate()
	if verr == nil {
		return true
	}
	r.skipped++
	if r.skipped <= maxSkipLogs {
		r.log.Warn("skipping a user Graph returned that cannot be stored", "id", u.ID, "reason", secusers.MessageOf(verr))
	}
	return false
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

// wrapRead names the read that failed, unless the spool did or the store
// stopped taking users.
func wrapRead(what string, err error) error {
	var se *spoolError
	if err == nil || errors.As(err, &se) || errors.Is(err, errStopped) {
		return err
	}
	return &readError{what, err}
}
