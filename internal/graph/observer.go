package graph

import "time"

// Observer is told what a Client does, for metrics and progress bars. Its
// methods are called from the goroutines that read, possibly at once, so
// they must be safe for concurrent use, and quick: they are called inline.
// read is one of the Read* names.
type Observer interface {
	// OnRequest is called before each HTTP request to Graph, retries
	// included (not for the token).
	OnRequest(read string)
	// OnThrottled is called when Graph answered 429 or 503 and the client
	// is about to wait before trying again.
	OnThrottled(read string, wait time.Duration)
	// OnPage is called for each page read, before its items are yielded.
	OnPage(read string, items int)
}

// nopObserver is the Observer of a Config without one.
type nopObserver struct{}

func (nopObserver) OnRequest(string)                  {}
func (nopObserver) OnThrottled(string, time.Duration) {}
func (nopObserver) OnPage(string, int)                {}
