package tenantsync

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/secusers/secusers/internal/secusers"
)

// write streams the spool into the store's transaction, filling in run's
// counts.
func (s *Syncer) write(ctx context.Context, run *secusers.SyncRun, r *reader, obs *observer, log *slog.Logger) error {
	start := time.Now()
	written := func(n int) { obs.report(PhaseWriting, n, r.spool.len()) }
	written(0)
	n, err := s.Store.SyncUsers(ctx, run.TenantID, r.users(false, written))
	if secusers.IsKind(err, secusers.Invalid) && ctx.Err() == nil {
		// Every spooled user passed Validate, so the store refused a
		// repeated id: Graph listed a user twice. Write again without
		// the repeats.
		log.Warn("Graph listed a user twice; writing again without repeats", "err", err)
		n, err = s.Store.SyncUsers(ctx, run.TenantID, r.users(true, written))
	}
	if err != nil {
		return fmt.Errorf("sync: writing the users: %w", err)
	}
	log.Info("users written", "users", n, "duration", time.Since(start).Round(time.Millisecond).String())
	run.Users = n
	run.SecurityUsers = s.countSecurityUsers(ctx, run.TenantID, log)
	for _, u := range r.facts.UnavailableStatuses() {
		run.Unavailable = append(run.Unavailable, secusers.UnavailableStatus{Status: u.Status, Reason: u.Reason})
	}
	return nil
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

// users yields the spooled users as the store must receive them: the users
// of read 2 that read 6 does not also list, then those of read 6. With
// dedupe, a user repeated within a read (Graph paging over a directory that
// changed) is yielded once; that costs memory proportional to the tenant,
// so it is only the retry after the store refused a repeat. written is
// told every progressEvery users.
func (r *reader) users(dedupe bool, written func(int)) iter.Seq2[secusers.User, error] {
	return func(yield func(secusers.User, error) bool) {
		var seen map[uuid.UUID]struct{}
		if dedupe {
			seen = make(map[uuid.UUID]struct{}, r.spool.len())
		}
		i, n := 0, 0
		for u, err := range r.spool.users() {
			if err != nil {
				yield(secusers.User{}, err)
				return
			}
			live := i < r.live
			i++
			var id uuid.UUID
			if len(r.deleted) > 0 || seen != nil {
				id, _ = uuid.Parse(u.ID) // spooled users passed Validate: ids are GUIDs
			}
			if _, gone := r.deleted[id]; live && gone {
				continue
			}
			if seen != nil {
				if _, dup := seen[id]; dup {
					continue
				}
				seen[id] = struct{}{}
			}
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
