package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestStartersNeverQueue: a job blocked (as on a locked database) does not
// hold up the next one, and a starter that finished its job takes the next.
func TestStartersNeverQueue(t *testing.T) {
	t.Parallel()
	p := newStarters(4)
	defer p.close()
	ctx := context.Background()
	blocked, release := make(chan struct{}), make(chan struct{})
	mustRun(t, p.run(ctx, func() { close(blocked); <-release }))
	<-blocked
	for i := range 3 {
		done := make(chan struct{})
		mustRun(t, p.run(ctx, func() { close(done) }))
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("job %d: not run while another job is blocked", i)
		}
	}
	close(release)
	p.close()
	p.close() // as Store.Close, more than once
}

func mustRun(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestStartersAreBounded: with limit jobs blocked (a locked database's
// starts), the next waits for a slot only as long as its context allows,
// and runs once a blocked job ends.
func TestStartersAreBounded(t *testing.T) {
	t.Parallel()
	p := newStarters(2)
	defer p.close()
	release := make(chan struct{})
	for range 2 {
		started := make(chan struct{})
		mustRun(t, p.run(context.Background(), func() { close(started); <-release }))
		<-started
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ran := make(chan struct{})
	if err := p.run(ctx, func() { close(ran) }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third job with two of two blocked: got %v, want the context's deadline", err)
	}
	select {
	case <-ran:
		t.Fatal("the refused job ran")
	default:
	}
	close(release)
	done := make(chan struct{})
	mustRun(t, p.run(context.Background(), func() { close(done) }))
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a job after the blocked ones ended did not run")
	}
}
