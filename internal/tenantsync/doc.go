// Package tenantsync runs one sync of a tenant from Microsoft Graph (spec/sync.md):
// it opens the tenant's sealed credentials, reads the six collections
// through internal/graph, derives every status with internal/tenantsync/rules at
// the run's start, and replaces the tenant's users in one store transaction
// that keeps what belongs to the partner (secusers.Store.SyncUsers).
//
// Two properties shape the run:
//
//   - Memory stays bounded as the tenant grows. Reads 1 and 3–5 go into a
//     rules.Facts, which keeps the flagged users only; the users of
//     reads 2 and 6 are judged one at a time and written to a spool file,
//     never held together.
//   - The store's write lock is not held while Graph is read. Reading a large
//     tenant takes minutes; the spool is streamed into SyncUsers only once
//     every read has completed, so the transaction lasts as long as writing
//     the rows, and a run that fails or is cancelled before then (or whose
//     process is killed) leaves the tenant's users as they were.
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
