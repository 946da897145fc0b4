package fakegraph

import "iter"

// Collection is a read-only list whose items are produced on demand. A
// generated tenant computes item i from its seed, so serving a large tenant
// needs no memory proportional to its size; Items wraps a slice for tenants
// built by hand.
type Collection[T any] struct {
	// Len is the number of items.
	Len int
	// At returns item i, 0 <= i < Len. It must be safe for concurrent use
	// and return the same item every time.
	At func(i int) T
}

// Items is a collection over the given items.
func Items[T any](items ...T) Collection[T] {
	return Collection[T]{Len: len(items), At: func(i int) T { return items[i] }}
}

// All yields the index and the item, in order.
func (c Collection[T]) All() iter.Seq2[int, T] {
	return func(yield func(int, T) bool) {
		for i := range c.Len {
			if !yield(i, c.At(i)) {
				return
			}
		}
	}
}

// Values yields the items in order.
func (c Collection[T]) Values() iter.Seq[T] {
	return func(yield func(T) bool) {
		for i := range c.Len {
			if !yield(c.At(i)) {
				return
			}
		}
	}
}
