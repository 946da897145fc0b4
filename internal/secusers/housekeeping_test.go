package secusers

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

func TestHousekeeping(t *testing.T) {
	const grace = time.Minute
	for _, tc := range []struct {
		name       string
		cancelAt   time.Duration // when the caller's context ends; 0: never
		checkAt    time.Duration
		wantActive bool
	}{
		{"goes on while the caller's context lasts", 0, time.Hour, true},
		{"goes on for the grace after the caller's context ends", time.Hour, time.Hour + grace - time.Second, true},
		{"ends the grace after the caller's context ends", time.Hour, time.Hour + grace + time.Second, false},
		{"a caller's context already ended gets the grace", -1, grace + time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				caller, cancelCaller := context.WithCancel(t.Context())
				defer cancelCaller()
				if tc.cancelAt < 0 {
					cancelCaller()
				} else if tc.cancelAt > 0 {
					time.AfterFunc(tc.cancelAt, cancelCaller)
				}
				work, done := Housekeeping(caller, grace)
				defer done()
				time.Sleep(tc.checkAt)
				synctest.Wait()
				if active := work.Err() == nil; active != tc.wantActive {
					t.Errorf("at %v: got active %v, want %v", tc.checkAt, active, tc.wantActive)
				}
			})
		})
	}
	t.Run("done ends the work", func(t *testing.T) {
		work, done := Housekeeping(t.Context(), grace)
		done()
		if work.Err() == nil {
			t.Error("after done: got an active context, want it ended")
		}
	})
}
