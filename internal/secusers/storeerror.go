package secusers

import (
	"context"
	"errors"
)

// Fault is what went wrong in a store's database, as the store classifies
// its driver's error: by the driver's error code or type, never by message
// text. The store classifies; StoreError words the error, so that both
// stores say the same thing of the same fault.
type Fault int

// The faults a store tells apart.
const (
	FaultUnknown     Fault = iota // not recognised: the error passes through, and callers count it Internal
	FaultNoRow                    // a read of one record found none: NotFound
	FaultDuplicate                // a unique key refused the write: Conflict
	FaultDangling                 // a foreign key refused the write: NotFound
	FaultBusy                     // a lock, a race or a full server: Unavailable; a retry may well succeed
	FaultUnreachable              // the server cannot be reached, or dropped the connection: Unavailable
	FaultUnusable                 // the database's file cannot be read or written: Unavailable
	FaultBadValue                 // the database refused a value the validation let through: Invalid
)

// StoreError is the one translation of a store's errors into domain errors.
// subject names the record the statement was about ("partner 0f…"), for
// the caller-safe message; it may be "". Errors that are domain errors
// already and a cancelled context (the caller went away) pass unchanged; a
// fault gets its kind and message, its cause kept in the chain; a passed
// deadline is Unavailable, since the database did not answer in time and
// the caller may retry; anything else passes unchanged, and callers count
// it Internal and show nothing of it.
func StoreError(err error, subject string, fault Fault) error {
	if err == nil {
		return nil
	}
	var domain *Error
	if errors.As(err, &domain) || errors.Is(err, context.Canceled) {
		return err
	}
	if subject == "" {
		subject = "the record"
	}
	switch fault {
	case FaultNoRow:
		return Errorf(NotFound, "%s not found", subject)
	case FaultDuplicate:
		return Wrap(Conflict, err, subject+" already exists")
	case FaultDangling:
		return Wrap(NotFound, err, subject+" refers to a record that does not exist")
	case FaultBusy:
		return Wrap(Unavailable, err, "the database is busy; try again")
	case FaultUnreachable:
		return Wrap(Unavailable, err, "the database is unreachable")
	case FaultUnusable:
		return Wrap(Unavailable, err, "the database cannot be written or read")
	case FaultBadValue:
		return Wrap(Invalid, err, subject+" has a value the database cannot store")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Wrap(Unavailable, err, "the database did not answer in time")
	}
	return err
}

// Missing is the caller-safe NotFound error of a record that does not
// exist, named by its kind and id ("tenant 0f… not found").
func Missing(kind, id string) error {
	return Errorf(NotFound, "%s %s not found", kind, id)
}

// NotPartners is the NotFound of a record a partner's record refers to (a
// group's customer, an app's scope) when the partner has no such record:
// it says whose records were looked in, and reads the same whether the
// record does not exist or is another partner's, which nobody may learn.
func NotPartners(kind, id, partnerID string) error {
	return Errorf(NotFound, "%s %s not found among partner %s's %ss", kind, id, partnerID, kind)
}

// NotReady is the error of a failed readiness read (Store.Ping): whatever
// failed, the store cannot serve, so it is Unavailable with message, unless
// it is Unavailable already or the caller went away (a cancelled context
// stays what it is).
func NotReady(err error, message string) error {
	if IsKind(err, Unavailable) || errors.Is(err, context.Canceled) {
		return err
	}
	return Wrap(Unavailable, err, message)
}
