package tenantsync

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// write streams read 2 from Graph into the store as a new generation of
// the tenant (reader.stream), filling in run's counts. The store writes
// the users in short transactions as they arrive and makes the generation
// current at the end, so a failed read leaves the tenant as it was.
func (s *Syncer) write(ctx context.Context, run *secusers.SyncRun, r *reader, obs *observer, log *slog.Logger) error {
	start := time.Now()
	n, err := s.Store.SyncUsers(ctx, run.TenantID, finishing(readAhead(r.stream(ctx), readAheadUsers), obs))
	var re *readError
	var se *spoolError
	if err != nil && (errors.As(err, &re) || errors.As(err, &se)) {
		return err
	}
	if secusers.IsKind(err, secusers.Invalid) && ctx.Err() == nil {
		// Every user handed on passed Validate, so the store refused a
		// repeated id: Graph listed a user twice (paging over a
		// directory that changed). Write the spooled copy again without
		// the repeats.
		log.Warn("Graph listed a user twice; writing again without repeats", "err", err)
		written := func(n int) { obs.report(PhaseWriting, n, r.spool.len()) }
		n, err = s.Store.SyncUsers(ctx, run.TenantID, r.users(written))
	}
	if err != nil {
		return fmt.Errorf("sync: writing the users: %w", err)
	}
	log.Info("users read and written", "users", n, "pages", obs.pages.Load(), "skipped", r.skipped,
		"duration", time.Since(start).Round(time.Millisecond).String())
	run.Users = n
	run.SecurityUsers = s.countSecurityUsers(ctx, run.TenantID, log)
	for _, u := range r.facts.UnavailableStatuses() {
		run.Unavailable = append(run.Unavailable, secusers.UnavailableStatus{Status: u.Status, Reason: u.Reason})
	}
	return nil
}

// finishing yields seq's users and, once it has yielded the last, reports
// the writing phase: the store then finishes the generation.
func finishing(seq iter.Seq2[secusers.User, error], obs *observer) iter.Seq2[secusers.User, error] {
	return func(yield func(secusers.User, error) bool) {
		n := 0
		for u, err := range seq {
			if err == nil {
				n++
			}
			if !yield(u, err) {
				return
			}
		}
		obs.report(PhaseWriting, n, n)
	}
}

// countSecurityUsers counts the tenant's users with a status, the TestUser
// flags the store kept included, as the API will list them.
func (s *Syncer) countSecurityUsers(ctx context.Context, tenantID string, log *slog.Logger) int {
	page, err := s.Store.SecurityUsers(ctx, tenantID, secusers.UserQuery{Limit: 1})
	if err != nil {
		log.Warn("counting the security users after the run", "err", err)
		return 0
	}
	return int(page.Total)
}

// users yields the spooled users once each: a user repeated (Graph paging
// over a directory that changed) is yielded the first time only. That costs
// memory proportional to the tenant, so it is only the retry after the
// store refused a repeat. written is told every progressEvery users.
func (r *reader) users(written func(int)) iter.Seq2[secusers.User, error] {
	return func(yield func(secusers.User, error) bool) {
		seen := make(map[uuid.UUID]struct{}, r.spool.len())
		n := 0
		for u, err := range r.spool.users() {
			if err != nil {
				yield(secusers.User{}, err)
				return
			}
			id, _ := uuid.Parse(u.ID) // spooled users passed Validate: ids are GUIDs
			if _, dup := seen[id]; dup {
				continue
			}
			seen[id] = struct{}{}
			if n++; n%progressEvery == 0 {
				written(n)
			}
			if !yield(u, nil) {
				return
			}
		}
		written(n)
	}
}
