package schedule

import (
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river/rivertype"
)

// retryBase is the delay before a failed sync's first retry; each later
// retry waits four times longer: 30s, 2m, 8m, 32m for MaxAttempts 5. River's
// default (1s, 16s, 81s, …) retries too soon for what fails a whole run: the
// Graph client has already retried within it, so what remains is an outage
// that lasts minutes, and retrying within seconds only adds load to it.
const retryBase = 30 * time.Second

// retryCap bounds a single retry's delay.
const retryCap = time.Hour

// retryPolicy is River's ClientRetryPolicy for the schedule's jobs. It
// reads the real clock, not Config.Now: River compares the time it returns
// with its own clock.
type retryPolicy struct {
	base time.Duration
}

// NextRetry returns when job runs again after the failure being recorded.
// Like River's own policy it counts failures by the errors already recorded
// (which do not include this one yet), not by the attempt: a rescued run
// records an error too.
func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().UTC().Add(jitter(retryDelay(p.base, len(job.Errors)+1)))
}

// retryDelay is the delay after the failed-th failure (counting from 1):
// base·4^(failed-1), capped.
func retryDelay(base time.Duration, failed int) time.Duration {
	d := base
	for i := 1; i < failed && d < retryCap; i++ {
		d *= 4
	}
	return min(d, retryCap)
}

// jitter spreads d by up to 10% either way, so that the tenants of one
// outage are not all retried in the same second.
func jitter(d time.Duration) time.Duration {
	spread := int64(d / 10)
	if spread <= 0 {
		return d
	}
	return d - time.Duration(spread) + time.Duration(rand.Int64N(2*spread+1))
}
