package tenantsync

import (
	"errors"
	"testing"
)

// TestReadAhead checks that readAhead yields every item in order, passes
// errors on, and, when the consumer stops early, stops the producer before
// it returns, having produced at most the buffer and one more.
func TestReadAhead(t *testing.T) {
	t.Parallel()
	errBroken := errors.New("broken")
	numbers := func(n int, produced *int) func(yield func(int, error) bool) {
		return func(yield func(int, error) bool) {
			for i := range n {
				*produced = i + 1
				var err error
				if i == n-1 {
					err = errBroken
				}
				if !yield(i, err) {
					return
				}
			}
		}
	}
	var produced int
	var got []int
	var gotErr error
	for v, err := range readAhead(numbers(100, &produced), 8) {
		if err != nil {
			gotErr = err
			continue
		}
		got = append(got, v)
	}
	if len(got) != 99 || got[0] != 0 || got[98] != 98 || !errors.Is(gotErr, errBroken) {
		t.Errorf("readAhead of 100 items: got %d items (%v…), error %v; want 0…98 and the error", len(got), got[:min(3, len(got))], gotErr)
	}
	produced = 0
	for v := range readAhead(numbers(10_000, &produced), 8) {
		if v == 3 {
			break
		}
	}
	// The read of produced happens after readAhead returned: the
	// producer has stopped, so there is no race (go test -race).
	if produced > 3+8+2 {
		t.Errorf("readAhead stopped at item 3 with a buffer of 8: the producer made %d items, want at most %d", produced, 3+8+2)
	}
}
