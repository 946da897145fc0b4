package secusers

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSyncRunStartedAndFinished(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	newID := func() string { return "fresh" }
	run := SyncRun{TenantID: guid1, Result: SyncFailed, FinishedAt: now, Deadline: now.Add(time.Minute + 1500*time.Microsecond)}
	got, err := run.Started(now, newID)
	want := SyncRun{ID: "fresh", TenantID: guid1, Result: SyncRunning, StartedAt: now, Deadline: now.Add(time.Minute + time.Millisecond)}
	if diff := cmp.Diff(want, got); err != nil || diff != "" {
		t.Errorf("Started: got error %v, diff (-want +got):\n%s", err, diff)
	}
	run.ID = "given"
	if got, _ := run.Started(now, newID); got.ID != "given" {
		t.Errorf("Started of a run with an id: got id %q, want it kept", got.ID)
	}
	for _, deadline := range []time.Time{{}, now, now.Add(-time.Second)} {
		run.Deadline = deadline
		_, err := run.Started(now, newID)
		wantMessage(t, fmt.Sprintf("Started with deadline %v", deadline), err, Invalid, "needs a deadline after its start")
	}

	for _, tc := range []struct {
		run  SyncRun
		want time.Time
	}{
		{SyncRun{Result: SyncSucceeded}, now},
		{SyncRun{Result: SyncFailed, FinishedAt: now.Add(-time.Hour)}, now.Add(-time.Hour)},
	} {
		got, err := tc.run.Finished(now)
		if err != nil || !got.FinishedAt.Equal(tc.want) {
			t.Errorf("Finished(%+v): got %v, %v, want finished at %v", tc.run, got.FinishedAt, err, tc.want)
		}
	}
	_, err = SyncRun{Result: SyncRunning}.Finished(now)
	wantMessage(t, "Finished while running", err, Invalid, `must have succeeded or failed, not "running"`)

	if got := AbandonReason(""); got != AbandonedByLock {
		t.Errorf(`AbandonReason(""): got %q, want %q`, got, AbandonedByLock)
	}
	if got := AbandonReason("stopped"); got != "stopped" {
		t.Errorf(`AbandonReason("stopped"): got %q, want it kept`, got)
	}
}

func TestKeepingPartnerFields(t *testing.T) {
	t.Parallel()
	fresh := []User{
		{ID: guid1, DisplayName: "Kept", Status: StatusSetOf(HighRisk)},
		{ID: guid2, DisplayName: "New", Status: StatusSetOf(HighRisk)},
	}
	stored := []User{{ID: guid1, Status: StatusSetOf(MFADisabled, TestUser), StartDate: 5, EndDate: 9}}
	boom := errors.New("boom")
	var got []User
	var errs []error
	for u, err := range KeepingPartnerFields(func(yield func(User, error) bool) {
		_ = yield(fresh[0], nil) && yield(fresh[1], nil) && yield(User{}, boom)
	}, stored) {
		got, errs = append(got, u), append(errs, err)
	}
	want := []User{
		{ID: guid1, DisplayName: "Kept", Status: StatusSetOf(HighRisk, TestUser), IsTestUser: true, StartDate: 5, EndDate: 9},
		fresh[1],
		{},
	}
	if diff := cmp.Diff(want, got); diff != "" || errs[2] != boom || errs[0] != nil {
		t.Errorf("got errors %v and users (-want +got):\n%s", errs, diff)
	}
}

func TestReplacing(t *testing.T) {
	t.Parallel()
	if !Importing.Audited() || Importing.KeepsPartnerFields() {
		t.Error("Importing: want audited, partner fields not kept")
	}
	if Syncing.Audited() || !Syncing.KeepsPartnerFields() {
		t.Error("Syncing: want not audited, partner fields kept")
	}
}
