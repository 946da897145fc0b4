package cli

import (
	"runtime/debug"
)

// The garbage collector's settings for serve, when the operator sets
// neither GOGC nor GOMEMLIMIT (either takes over entirely).
//
// A page allocates about 100 KB that is garbage as soon as it is sent (the
// database driver's copies of the blocks it reads), while the live heap is
// a few megabytes; with Go's default GOGC of 100 the collector then runs
// every few milliseconds under load and took 30 % of the server's CPU
// (issue 12). serveGCPercent lets the heap grow to five times the live data
// between collections, and serveMemoryLimit caps what that may cost: the
// collector runs as the Go heap nears it, whatever GOGC says, so a server
// on the embedded SQLite stays within its memory target.
const (
	serveGCPercent   = 400
	serveMemoryLimit = 28 << 20
)

// tuneGC applies serve's collector settings unless the environment sets
// GOGC or GOMEMLIMIT, which the runtime has already applied.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(serveGCPercent)
	debug.SetMemoryLimit(serveMemoryLimit)
}
