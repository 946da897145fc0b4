package main

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// maxCallsPerCase bounds a case by count as well as by time, so that a
// mistake that makes calls instant (a cache answering everything, say)
// cannot send millions of requests.
const maxCallsPerCase = 5_000_000

// walkOvertime bounds, in multiples of the case's duration, how long a walk
// case may go on to see every client's walk through (see closedLoop).
const walkOvertime = 10

// op is one client's operation in a closed loop: it makes one call and
// returns the position of the page it read within a walk (1-based), or 0
// outside walks. Each client has its own op, so an op may keep state.
type op func(ctx context.Context) (pos int, err error)

// sample is one call's time.
type sample struct {
	took time.Duration
	pos  int
}

// loadResult is what one closed loop measured.
type loadResult struct {
	samples  []sample // successful calls only
	elapsed  time.Duration
	cpu      time.Duration // the serving process's CPU time over the loop, 0 when unknown
	failed   int
	firstErr error
}

// closedLoop runs clients goroutines, each calling its own op (from newOp)
// back to back until d has passed: a new call starts only when the client's
// last one is answered, so the load is what the server sustains, not a rate
// it falls behind. Calls in flight at the end finish and count. Only the
// context's end is an error; a failed call is counted and the loop goes on.
//
// With walks, the loop goes on past d until every client has read one walk
// to its end (or the list's end), so that the walk's last page is measured
// even where pages are slow, and under the same load as the first: clients
// done early keep walking. walkOvertime bounds that extra time.
//
// cpu is the clock of the process that serves the calls: the server's, the
// floor's, or this one's for the in-process cases.
func closedLoop(ctx context.Context, clients int, d time.Duration, walks bool, cpu func() time.Duration, newOp func() op) (loadResult, error) {
	start, cpu0 := time.Now(), cpu()
	l := &loop{ctx: ctx, clients: int64(clients), walks: walks,
		deadline: start.Add(d), hardDeadline: start.Add(d + walkOvertime*d)}
	var (
		mu  sync.Mutex
		res loadResult
		wg  sync.WaitGroup
	)
	for range clients {
		call := newOp()
		wg.Go(func() {
			mine := l.client(call)
			mu.Lock()
			defer mu.Unlock()
			res.add(mine)
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	if cpu0 > 0 {
		res.cpu = cpu() - cpu0
	}
	return res, ctx.Err()
}

// loop is the state the clients of one closed loop share.
type loop struct {
	ctx                    context.Context
	clients                int64
	walks                  bool
	deadline, hardDeadline time.Time
	calls                  atomic.Int64
	walked                 atomic.Int64 // clients that have read a whole walk
}

// more reports whether a client should make another call.
func (l *loop) more() bool {
	if l.ctx.Err() != nil || l.calls.Add(1) > maxCallsPerCase {
		return false
	}
	now := time.Now()
	return now.Before(l.deadline) || l.walks && l.walked.Load() < l.clients && now.Before(l.hardDeadline)
}

// client is one client's loop; its result holds its own calls.
func (l *loop) client(call op) loadResult {
	var r loadResult
	lastPos, walked := 0, false
	for l.more() {
		t0 := time.Now()
		pos, err := call(l.ctx)
		r.record(l.ctx, sample{time.Since(t0), pos}, err)
		// A walk has ended when it read its last page or started over.
		if l.walks && !walked && (pos == walkPages || lastPos > 0 && pos <= lastPos) {
			l.walked.Add(1)
			walked = true
		}
		lastPos = pos
	}
	return r
}

// record counts one call: its sample when it succeeded, a failure when it
// failed while ctx went on (a call interrupted by ctx's end is neither).
func (r *loadResult) record(ctx context.Context, s sample, err error) {
	switch {
	case err == nil:
		r.samples = append(r.samples, s)
	case ctx.Err() == nil:
		r.failed++
		r.firstErr = cmp.Or(r.firstErr, err)
	}
}

// add counts another client's calls into r.
func (r *loadResult) add(o loadResult) {
	r.samples = append(r.samples, o.samples...)
	r.failed += o.failed
	r.firstErr = cmp.Or(r.firstErr, o.firstErr)
}

// stats summarises the times of successful calls.
type stats struct {
	n             int
	perSecond     float64
	p50, p90, p99 time.Duration
	cpuPerCall    time.Duration // the serving process's CPU time per call, failed ones included
}

// summarise returns the stats of the samples at pos (all samples when pos
// is 0). Percentiles are read off the sorted samples, nearest rank: a case
// has at most a few hundred thousand, so exact beats a histogram's buckets.
func summarise(r loadResult, pos int) stats {
	var took []time.Duration
	for _, s := range r.samples {
		if pos == 0 || s.pos == pos {
			took = append(took, s.took)
		}
	}
	st := stats{n: len(took)}
	if len(took) == 0 {
		return st
	}
	slices.Sort(took)
	at := func(p float64) time.Duration { return took[max(int(math.Ceil(p*float64(len(took))))-1, 0)] }
	st.p50, st.p90, st.p99 = at(0.50), at(0.90), at(0.99)
	if r.elapsed > 0 {
		st.perSecond = float64(len(took)) / r.elapsed.Seconds()
	}
	if pos == 0 && r.cpu > 0 {
		st.cpuPerCall = r.cpu / time.Duration(len(r.samples)+r.failed)
	}
	return st
}
