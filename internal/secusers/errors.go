package secusers

import (
	"errors"
	"fmt"
)

// Kind classifies an Error. The set is small on purpose: each layer maps a
// kind to its own vocabulary in one place (the API to an HTTP status, the CLI
// to a message), and anything unclassified is Internal.
type Kind int

// The kinds of Error.
const (
	Internal        Kind = iota // a fault the caller cannot fix; details are logged, never shown
	Invalid                     // the input is malformed or breaks a rule
	Unauthenticated             // no or bad credentials
	Forbidden                   // authenticated, but not allowed
	NotFound                    // the thing does not exist (or is not visible to the caller)
	Conflict                    // the thing exists already, or the write raced another
	Unavailable                 // a dependency (the store) cannot be reached right now
	RateLimited                 // the caller has spent its rate limit; it may retry later
)

var kindNames = [...]string{"internal", "invalid", "unauthenticated", "forbidden", "not found", "conflict", "unavailable", "rate limited"}

// String returns the kind's lower-case name.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// Error is the domain error. Message is safe to show to the caller; Err, if
// any, is the underlying cause, kept for logs and errors.Is/As.
type Error struct {
	Kind    Kind
	Message string
	Err     error
}

// Error returns the message, followed by the cause when there is one.
func (e *Error) Error() string {
	switch {
	case e.Err != nil && e.Message != "":
		return e.Message + ": " + e.Err.Error()
	case e.Err != nil:
		return e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error of kind k whose message is formatted from format
// and args. The message is shown to callers, so it must not carry internals.
func Errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error of kind k with a caller-safe message and a cause.
func Wrap(k Kind, err error, message string) *Error {
	return &Error{Kind: k, Message: message, Err: err}
}

// KindOf returns the kind of the outermost *Error in err's chain, or Internal
// when there is none. A nil error has no kind; KindOf(nil) is Internal too,
// so callers check err != nil first.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// MessageOf returns the caller-safe message of the outermost *Error in err's
// chain, or "" when there is none (an internal fault has nothing to show).
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}

// IsKind reports whether err carries an *Error of kind k.
func IsKind(err error, k Kind) bool { return err != nil && KindOf(err) == k }
