package tenantsync

import (
	"sync/atomic"
	"time"

	"github.com/secusers/secusers/internal/graph"
)

// Phase is what a run is doing.
type Phase string

// The phases of a run, in order.
const (
	// PhaseReading is reading Graph, read 2's users going into the
	// store's new generation as they arrive.
	PhaseReading Phase = "reading"
	// PhaseWriting is the store finishing the generation (its blocks, its
	// changes) and making it current; or, after Graph listed a user
	// twice, writing the spooled users again.
	PhaseWriting Phase = "writing"
)

// Progress is how far a run has got, for a progress bar. Counts only grow
// within a phase (a read that starts over, such as users without
// signInActivity, keeps counting).
type Progress struct {
	Phase Phase
	// Read is the read under way (a graph.Read* name) while reading.
	Read string
	// Pages is the pages read so far, every read together.
	Pages int
	// Users is the users read so far (reads 2 and 6).
	Users int
	// Written is the users handed to the store so far, and Total how many
	// it will be handed at most, while writing.
	Written, Total int
}

// progressEvery is how many users the writing phase hands to the store
// between two progress reports: often enough for a smooth bar, rarely
// enough to cost nothing.
const progressEvery = 1000

// observer is the graph.Observer of a run: it counts pages and users for
// Progress and throttled retries for the metrics. The graph client calls
// it from the reading goroutines, so its counters are atomic.
type observer struct {
	metrics  *Metrics
	progress func(Progress)
	pages    atomic.Int64
	users    atomic.Int64
	read     atomic.Value // string
}

var _ graph.Observer = (*observer)(nil)

func (o *observer) OnRequest(read string) { o.read.Store(read) }

func (o *observer) OnThrottled(read string, _ time.Duration) { o.metrics.throttledRetry(read) }

func (o *observer) OnPage(read string, items int) {
	o.pages.Add(1)
	if read == graph.ReadUsers || read == graph.ReadDeletedUsers {
		o.users.Add(int64(items))
	}
	o.report(PhaseReading, 0, 0)
}

// report tells the progress callback where the run is.
func (o *observer) report(phase Phase, written, total int) {
	if o.progress == nil {
		return
	}
	read, _ := o.read.Load().(string)
	if phase != PhaseReading {
		read = ""
	}
	o.progress(Progress{Phase: phase, Read: read, Pages: int(o.pages.Load()), Users: int(o.users.Load()), Written: written, Total: total})
}
