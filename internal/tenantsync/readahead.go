package tenantsync

import (
	"iter"

	"github.com/secusers/secusers/internal/secusers"
)

// readAheadUsers is how many users the read of Graph may run ahead of the
// store: about one of the store's write transactions, so that Graph is
// paged while the store writes the chunk before (on two cores, the two
// overlap), and memory holds no more than two chunks.
const readAheadUsers = secusers.GenerationChunk

// readAhead yields seq's items, produced by a goroutine of their own up to
// n ahead of the consumer. When the consumer stops early, the producer is
// told to stop and readAhead returns once it has: nothing of seq runs after
// readAhead's sequence is done, so the caller may read what seq wrote
// (counts, facts) without a race.
func readAhead[T any](seq iter.Seq2[T, error], n int) iter.Seq2[T, error] {
	type item struct {
		v   T
		err error
	}
	return func(yield func(T, error) bool) {
		items := make(chan item, n)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer close(items)
			for v, err := range seq {
				select { // a stopped consumer wins over a free slot
				case <-stop:
					return
				default:
				}
				select {
				case items <- item{v, err}:
				case <-stop:
					return
				}
			}
		}()
		defer func() {
			close(stop)
			for range items { // unblock a producer waiting to send
			}
			<-done
		}()
		for it := range items {
			if !yield(it.v, it.err) {
				return
			}
		}
	}
}
