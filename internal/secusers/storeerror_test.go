package secusers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// wantMessage fails the test unless err is of kind want and its message
// contains part; kind Internal with part "" means err must be nil.
func wantMessage(t *testing.T, what string, err error, want Kind, part string) {
	t.Helper()
	switch {
	case want == Internal && part == "":
		if err != nil {
			t.Errorf("%s: got %v, want nil", what, err)
		}
	case err == nil || KindOf(err) != want || !strings.Contains(MessageOf(err), part):
		t.Errorf("%s: got %v, want a %v error containing %q", what, err, want, part)
	}
}

func TestStoreError(t *testing.T) {
	t.Parallel()
	driver := errors.New("driver error")
	domain := Errorf(Conflict, "mine")
	for _, tc := range []struct {
		name    string
		err     error
		fault   Fault
		kind    Kind
		message string
	}{
		{"no row", driver, FaultNoRow, NotFound, "partner p not found"},
		{"duplicate", driver, FaultDuplicate, Conflict, "partner p already exists"},
		{"dangling", driver, FaultDangling, NotFound, "partner p refers to a record that does not exist"},
		{"busy", driver, FaultBusy, Unavailable, "the database is busy; try again"},
		{"unreachable", driver, FaultUnreachable, Unavailable, "the database is unreachable"},
		{"unusable", driver, FaultUnusable, Unavailable, "the database cannot be written or read"},
		{"bad value", driver, FaultBadValue, Invalid, "partner p has a value the database cannot store"},
		{"deadline", fmt.Errorf("query: %w", context.DeadlineExceeded), FaultUnknown, Unavailable, "the database did not answer in time"},
		{"unknown", driver, FaultUnknown, Internal, ""},
		{"domain error kept", domain, FaultDuplicate, Conflict, "mine"},
	} {
		err := StoreError(tc.err, "partner p", tc.fault)
		if KindOf(err) != tc.kind || MessageOf(err) != tc.message {
			t.Errorf("%s: got %v %q, want %v %q", tc.name, KindOf(err), MessageOf(err), tc.kind, tc.message)
		}
		if tc.fault != FaultNoRow && !errors.Is(err, tc.err) {
			t.Errorf("%s: got %v, want the cause kept in the chain", tc.name, err)
		}
	}
	if err := StoreError(driver, "", FaultNoRow); MessageOf(err) != "the record not found" {
		t.Errorf("no subject: got %q, want %q", MessageOf(err), "the record not found")
	}
	if err := StoreError(context.Canceled, "x", FaultBusy); err != context.Canceled {
		t.Errorf("cancelled: got %v, want the context's error unchanged", err)
	}
	if StoreError(nil, "x", FaultBusy) != nil {
		t.Error("nil: got an error, want nil")
	}
}

func TestNotReady(t *testing.T) {
	t.Parallel()
	down := Errorf(Unavailable, "down")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{down, "down"},
		{errors.New("no such table"), "cannot be read"},
	} {
		if got := NotReady(tc.err, "cannot be read"); KindOf(got) != Unavailable || MessageOf(got) != tc.want {
			t.Errorf("NotReady(%v): got %v, want Unavailable %q", tc.err, got, tc.want)
		}
	}
	if got := NotReady(context.Canceled, "x"); got != context.Canceled {
		t.Errorf("NotReady(canceled): got %v, want it unchanged", got)
	}
}
