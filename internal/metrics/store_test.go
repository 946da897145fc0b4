package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/secusers/secusers/internal/metrics"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/sqlite"
)

const storeMetric = "secusers_store_call_duration_seconds"

func openStore(t *testing.T) secusers.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "metrics.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestInstrumentStoreRecordsEveryMethod calls every method of the Store
// interface through the decorator, found by reflection so that a method
// added to the interface is covered without touching the test, and checks
// that each call is recorded once under its own name.
func TestInstrumentStoreRecordsEveryMethod(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	store := reflect.ValueOf(metrics.InstrumentStore(openStore(t), reg))
	iface := reflect.TypeFor[secusers.Store]()
	var names []string
	for m := range iface.Methods() {
		if m.Name != "Close" { // last, or the other calls would find the store closed
			names = append(names, m.Name)
		}
	}
	names = append(names, "Close")
	for _, name := range names {
		callWithZeroValues(t, store.MethodByName(name))
	}
	fams := gathered(t, reg)
	for _, name := range names {
		if got, _ := fams.value(storeMetric, map[string]string{"method": name}); got != 1 {
			t.Errorf("after one call of %s: got %v observations labelled with it, want 1", name, got)
		}
	}
	if got := len(fams[storeMetric].GetMetric()); got < len(names) {
		t.Errorf("got %d series, want at least one per method (%d)", got, len(names))
	}
}

var (
	contextType = reflect.TypeFor[context.Context]()
	usersType   = reflect.TypeFor[iter.Seq2[secusers.User, error]]()
)

// callWithZeroValues calls fn with a context and zero values (an empty
// sequence for a sequence of users); a sequence it returns is drained.
// Most of these calls fail, which is fine: failures are recorded too.
func callWithZeroValues(t *testing.T, fn reflect.Value) {
	t.Helper()
	args := make([]reflect.Value, fn.Type().NumIn())
	for i := range args {
		switch in := fn.Type().In(i); in {
		case contextType:
			args[i] = reflect.ValueOf(context.Background())
		case usersType:
			args[i] = reflect.ValueOf(iter.Seq2[secusers.User, error](func(func(secusers.User, error) bool) {}))
		default:
			args[i] = reflect.Zero(in)
		}
	}
	for _, out := range fn.Call(args) {
		if seq, ok := out.Interface().(iter.Seq2[secusers.User, error]); ok {
			for range seq {
			}
		}
	}
}

func TestStoreOutcomes(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	st := metrics.InstrumentStore(openStore(t), reg)
	ctx := context.Background()
	p, err := st.CreatePartner(ctx, secusers.Partner{ID: "00000000-0000-4000-8000-000000000001", Name: "P"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := st.Partner(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Partner(ctx, "00000000-0000-4000-8000-00000000dead"); !secusers.IsKind(err, secusers.NotFound) {
		t.Fatalf("Partner of an unknown id: got %v, want NotFound", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _ = st.Partners(cancelled)

	fams := gathered(t, reg)
	for _, tc := range []struct {
		method, outcome string
		want            float64
	}{
		{"CreatePartner", "ok", 1},
		{"Partner", "ok", 2},
		{"Partner", "not_found", 1},
	} {
		labels := map[string]string{"method": tc.method, "outcome": tc.outcome}
		if got, _ := fams.value(storeMetric, labels); got != tc.want {
			t.Errorf("%v: got %v, want %v", labels, got, tc.want)
		}
	}
	// The store may notice the cancelled context or finish first; either
	// way the call is recorded.
	if v, _ := fams.value(storeMetric, map[string]string{"method": "Partners"}); v != 1 {
		t.Errorf("Partners with a cancelled context: got %v observations, want 1", v)
	}
}

func TestUsersIteratorIsTimedToItsEnd(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	failing := &usersOnly{err: secusers.Errorf(secusers.Unavailable, "down")}
	st := metrics.InstrumentStore(failing, reg)
	seq := st.Users(context.Background(), "t")
	if got, ok := gathered(t, reg).value(storeMetric, map[string]string{"method": "Users"}); ok {
		t.Fatalf("got %v observations before iterating, want none: the query runs while the caller iterates", got)
	}
	var errs int
	for _, err := range seq {
		if err != nil {
			errs++
		}
	}
	if got, _ := gathered(t, reg).value(storeMetric, map[string]string{"method": "Users", "outcome": "unavailable"}); got != 1 || errs != 1 {
		t.Errorf("got %v unavailable observations and %d errors, want 1 and 1", got, errs)
	}
}

// usersOnly is a store whose Users yields one user and then err; its other
// methods are not called.
type usersOnly struct {
	secusers.Store
	err error
}

func (s *usersOnly) Users(context.Context, string) iter.Seq2[secusers.User, error] {
	return func(yield func(secusers.User, error) bool) {
		if yield(secusers.User{ID: "u1"}, nil) {
			yield(secusers.User{}, s.err)
		}
	}
}

func TestOutcome(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, "ok"},
		{secusers.Errorf(secusers.NotFound, "no such tenant"), "not_found"},
		{fmt.Errorf("lookup: %w", secusers.Errorf(secusers.Conflict, "taken")), "conflict"},
		{secusers.Wrap(secusers.Unavailable, errors.New("connection refused"), "the store is unreachable"), "unavailable"},
		{fmt.Errorf("query: %w", context.Canceled), "canceled"},
		{secusers.Wrap(secusers.Unavailable, context.DeadlineExceeded, "slow"), "timeout"},
		{errors.New("disk I/O error"), "internal"},
	} {
		if got := metrics.Outcome(tc.err); got != tc.want {
			t.Errorf("Outcome(%v): got %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestOutcomeOfAnInterruptedCall: a driver's own error for a call its
// context interrupted counts as the context's timeout or cancellation.
func TestOutcomeOfAnInterruptedCall(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	interrupted := errors.New("driver: query interrupted") // wraps no context error
	st := metrics.InstrumentStore(&pingOnly{err: interrupted}, reg)
	timedOut, cancel := context.WithTimeout(context.Background(), -1)
	defer cancel()
	_ = st.Ping(timedOut)
	st = metrics.InstrumentStore(&pingOnly{err: secusers.Errorf(secusers.NotFound, "gone")}, reg)
	_ = st.Ping(timedOut)
	fams := gathered(t, reg)
	for outcome, want := range map[string]float64{"timeout": 1, "not_found": 1, "internal": 0} {
		if got, _ := fams.value(storeMetric, map[string]string{"method": "Ping", "outcome": outcome}); got != want {
			t.Errorf("Ping %s: got %v, want %v", outcome, got, want)
		}
	}
}

// pingOnly is a store whose Ping fails with err; its other methods are
// not called.
type pingOnly struct {
	secusers.Store
	err error
}

func (s *pingOnly) Ping(context.Context) error { return s.err }
