package sqlite

import (
	"context"
	"sync"
	"time"
)

// starterIdle is how long a starter goroutine waits for its next job
// before it exits.
const starterIdle = time.Minute

// starters runs jobs on goroutines that outlive them. A new goroutine per
// transaction added 15 to 20 µs to a read of one row that took about 35
// (much of it growing the new goroutine's stack to the depth of SQLite's
// code); a parked starter's stack has grown already, and handing it a job
// costs about nothing. A job goes to an idle starter, or to a new one when
// none is idle, so a job never waits for another job (a starter may be
// blocked for seconds on a locked database). At most limit jobs run at
// once, the connections of the pool they start transactions on: a job
// beyond them would only wait for a connection, so it waits for its turn
// here instead, under its caller's context, and a locked database under
// heavy traffic parks no more goroutines than it has connections. Starters
// exit after starterIdle without a job, or when the store closes.
type starters struct {
	jobs   chan func()   // unbuffered: a send succeeds only to an idle starter
	slots  chan struct{} // one per running job
	closed chan struct{}
	once   sync.Once
}

func newStarters(limit int) *starters {
	return &starters{jobs: make(chan func()), slots: make(chan struct{}, limit), closed: make(chan struct{})}
}

// run runs job on an idle starter, or on a new one, once fewer than limit
// jobs run; it returns ctx's error, without running job, when ctx ends
// first.
func (p *starters) run(ctx context.Context, job func()) error {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	slotted := func() {
		defer func() { <-p.slots }()
		job()
	}
	select {
	case p.jobs <- slotted:
	default:
		go p.start(slotted)
	}
	return nil
}

// start runs job, then the jobs handed to it, until it has been idle for
// starterIdle or the store closes.
func (p *starters) start(job func()) {
	idle := time.NewTimer(starterIdle)
	defer idle.Stop()
	for {
		job()
		idle.Reset(starterIdle)
		select {
		case job = <-p.jobs:
		case <-idle.C:
			return
		case <-p.closed:
			return
		}
	}
}

// close makes the idle starters exit; busy ones exit when their job ends.
// Like Store.Close, it may be called more than once.
func (p *starters) close() { p.once.Do(func() { close(p.closed) }) }
