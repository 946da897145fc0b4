package schedule

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// envHelperDSN makes TestHelperProcess a scheduler process for
// TestSyncOfKilledProcessIsRescued to kill.
const envHelperDSN = "SCHEDULE_TEST_HELPER_DSN"

// helperRunning is the line the helper prints when its sync has started.
const helperRunning = "schedule-helper: sync running"

// A server killed (SIGKILL) in the middle of a sync leaves the job marked
// running; another server rescues it once JobTimeout and the margin have
// passed, and runs it again.
func TestSyncOfKilledProcessIsRescued(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, dsn string) {
		killHelperMidSync(t, dsn)
		// The helper's attempt began before it printed; once rescueAfter
		// has passed since, the job counts as abandoned.
		rec := newRecorder(10 * time.Millisecond)
		cfg := testConfig(t, dsn, rec)
		time.Sleep(cfg.rescueAfter)
		s := start(t, cfg)
		waitFor(t, 20*time.Second, "the killed process's sync to run again and complete", func() bool {
			jobs := syncJobs(t, s, "t1")
			return len(jobs) == 1 && jobs[0].State == rivertype.JobStateCompleted
		})
		job := syncJobs(t, s, "t1")[0]
		if job.Attempt != 2 || len(job.Errors) != 1 || !strings.Contains(job.Errors[0].Error, "rescued") {
			t.Errorf("rescued job: got attempt %d, errors %v; want attempt 2 and one error saying it was rescued", job.Attempt, job.Errors)
		}
		if got := rec.count("t1"); got != 1 {
			t.Errorf("runs on the surviving server: got %d, want 1", got)
		}
	})
}

// killHelperMidSync runs TestHelperProcess in a child process on dsn,
// waits until its sync of t1 runs, and kills it with SIGKILL: no deferred
// call, no shutdown, the job left as the process left it.
func killHelperMidSync(t *testing.T, dsn string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$", "-test.v")
	cmd.Env = append(os.Environ(), envHelperDSN+"="+dsn)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the helper process: %v", err)
	}
	defer cmd.Wait()
	running := make(chan bool, 1)
	go func() {
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			if strings.Contains(lines.Text(), helperRunning) {
				running <- true
				break
			}
		}
		close(running)
	}()
	select {
	case ok := <-running:
		if !ok {
			t.Fatal("the helper process ended before its sync ran")
		}
	case <-ctx.Done():
		t.Fatal("timed out waiting for the helper process's sync to run")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill the helper process: %v", err)
	}
}

// TestHelperProcess is not a test: under envHelperDSN it is the scheduler
// process that TestSyncOfKilledProcessIsRescued kills. It stays out of
// leader election, so that its death leaves no leader for the next server
// to wait out, and its sync of t1 runs until the process is killed.
func TestHelperProcess(t *testing.T) {
	dsn := os.Getenv(envHelperDSN)
	if dsn == "" {
		t.Skip("the helper of TestSyncOfKilledProcessIsRescued")
	}
	cfg := testConfig(t, dsn, newRecorder(0))
	cfg.JobTimeout = time.Hour
	cfg.rescueAfter = 2 * time.Hour
	cfg.workOnly = true
	cfg.RunSync = func(ctx context.Context, tenantID string) error {
		fmt.Println(helperRunning)
		<-ctx.Done()
		return ctx.Err()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := s.Enqueue(ctx, "t1"); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	// Wait to be killed; exit on our own only if the parent is gone.
	<-ctx.Done()
	t.Fatal("the helper process was not killed")
}
