// Package tenantsync runs one sync of a tenant from Microsoft Graph (spec/sync.md):
// it opens the tenant's sealed credentials, reads the six collections
// through internal/graph, derives every status with internal/tenantsync/rules at
// the run's start, and writes the tenant's users as a new generation that
// keeps what belongs to the partner (secusers.Store.SyncUsers).
//
// Two properties shape the run:
//
//   - It is pipelined. The reads that users are judged or filtered against
//     come first (domains, reads 3–5 into a rules.Facts, which keeps the
//     flagged users only, and read 6, the users deleted in the last 30
//     days); then read 2's users stream from Graph into the store, judged
//     one at a time as their pages arrive. The store writes them in short
//     transactions, so a run holds no lock while Graph is read, and makes
//     the generation current only when the run completes: a run that fails
//     or is cancelled (or whose process is killed) leaves the tenant's
//     users as they were, and its partial generation is deleted later.
//   - Memory stays bounded as the tenant grows: users are never held
//     together. A copy of each goes to a spool file, read back only when
//     the store refuses a repeated id (Graph paging over a directory that
//     changed) and the users are written again without the repeats.
//
// Runs are recorded with StartSyncRun and FinishSyncRun: a failed or
// cancelled run as failed, with a message safe to show to operators. A run
// holds its tenant's sync lock (LockTenantSync: a PostgreSQL session lock,
// or a file lock beside an SQLite database) from before its start until its
// end, and Run reports a lock held elsewhere as Conflict, so one tenant is
// never synced twice at once, whichever servers or commands start the
// runs. The lock dies with its process, so a killed run blocks nothing,
// and a run whose lock is lost (its database session broke) is cancelled.
// Every run also has a Deadline (Syncer.RunTimeout) that its context ends
// before; the schedule reads it, and the store's StartSyncRun refuses a
// start while another run is recorded running within its Deadline. Run
// itself never meets that refusal (the lock's holder has marked the runs
// of dead processes abandoned first); it stands for any other caller of
// StartSyncRun.
package tenantsync
