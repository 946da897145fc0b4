package sqlite

import (
	"testing"
	"time"
)

// TestStartersNeverQueue: a job blocked (as on a locked database) does not
// hold up the next one, and a starter that finished its job takes the next.
func TestStartersNeverQueue(t *testing.T) {
	t.Parallel()
	p := newStarters()
	defer p.close()
	blocked, release := make(chan struct{}), make(chan struct{})
	p.run(func() { close(blocked); <-release })
	<-blocked
	for i := range 3 {
		done := make(chan struct{})
		p.run(func() { close(done) })
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
