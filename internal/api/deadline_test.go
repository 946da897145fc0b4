package api

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/secusers/secusers/internal/paging"
	"github.com/secusers/secusers/internal/secusers"
)

// blockingStore is the real store but for one method, which blocks until
// its ctx is done and then fails with fail(ctx): a database that stopped
// answering, as the handler's deadline finds it.
type blockingStore struct {
	secusers.Store
	method string
	fail   func(ctx context.Context) error
}

func (s blockingStore) block(ctx context.Context, method string) error {
	if method != s.method {
		return nil
	}
	<-ctx.Done()
	return s.fail(ctx)
}

func (s blockingStore) App(ctx context.Context, clientID string) (secusers.App, error) {
	if err := s.block(ctx, "App"); err != nil {
		return secusers.App{}, err
	}
	return s.Store.App(ctx, clientID)
}

func (s blockingStore) Customer(ctx context.Context, id string) (secusers.Customer, error) {
	if err := s.block(ctx, "Customer"); err != nil {
		return secusers.Customer{}, err
	}
	return s.Store.Customer(ctx, id)
}

func (s blockingStore) Tenant(ctx context.Context, id string) (secusers.Tenant, error) {
	if err := s.block(ctx, "Tenant"); err != nil {
		return secusers.Tenant{}, err
	}
	return s.Store.Tenant(ctx, id)
}

func (s blockingStore) GroupIDsOfCustomer(ctx context.Context, customerID string) ([]string, error) {
	if err := s.block(ctx, "GroupIDsOfCustomer"); err != nil {
		return nil, err
	}
	return s.Store.GroupIDsOfCustomer(ctx, customerID)
}

func (s blockingStore) SecurityUsers(ctx context.Context, tenantID string, q secusers.UserQuery) (secusers.UserPage, error) {
	if err := s.block(ctx, "SecurityUsers"); err != nil {
		return secusers.UserPage{}, err
	}
	return s.Store.SecurityUsers(ctx, tenantID, q)
}

func (s blockingStore) SecurityUserKeys(ctx context.Context, tenantID string, statuses secusers.StatusSet, every int) ([]secusers.UserKey, int64, error) {
	if err := s.block(ctx, "SecurityUserKeys"); err != nil {
		return nil, 0, err
	}
	return s.Store.SecurityUserKeys(ctx, tenantID, statuses, every)
}

// TestStoreDeadline checks that a store that stops answering, at any of
// the request's store calls, is a prompt 503 with Retry-After, however the
// store reports the interruption.
func TestStoreDeadline(t *testing.T) {
	t.Parallel()
	ctxErr := func(ctx context.Context) error { return ctx.Err() }
	// How a driver may report an interrupted query: not a context error,
	// and classified as an internal fault by the store.
	interrupted := func(context.Context) error {
		return secusers.Wrap(secusers.Internal, errors.New("interrupted (9)"), "")
	}
	unavailable := func(ctx context.Context) error {
		return secusers.Wrap(secusers.Unavailable, ctx.Err(), "the database cannot be reached")
	}
	// A filter of two statuses: the store keeps no blocks of it, so its
	// deep pages are read from anchors.
	deep := usersURL(true, cust1, ten1) + "?pageIndex=3&pageSize=5&status=0,3"
	tests := []struct {
		name   string
		method string
		fail   func(context.Context) error
		target string
		token  string
	}{
		{"loading the app", "App", ctxErr, usersURL(true, cust1, ten1), tokAll},
		{"loading the customer", "Customer", ctxErr, usersURL(true, cust1, ten1), tokAll},
		{"loading the tenant", "Tenant", interrupted, usersURL(true, cust1, ten1), tokAll},
		{"loading the groups", "GroupIDsOfCustomer", ctxErr, usersURL(true, cust2, ten2), tokGroups},
		{"reading the page", "SecurityUsers", ctxErr, usersURL(true, cust1, ten1), tokAll},
		{"reading the page, interrupted", "SecurityUsers", interrupted, usersURL(true, cust1, ten1), tokAll},
		{"reading the page, unavailable", "SecurityUsers", unavailable, usersURL(true, cust1, ten1), tokAll},
		{"reading the anchors of a deep page", "SecurityUserKeys", ctxErr, deep, tokAll},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			store := blockingStore{Store: f.store, method: tt.method, fail: tt.fail}
			f.handler = f.newHandler(store, testBaseURL, func(c *Config) {
				c.StoreTimeout = 50 * time.Millisecond
				c.Pager = paging.New(store, paging.WithThreshold(0), paging.WithAnchorEvery(3),
					paging.WithBuildTimeout(100*time.Millisecond))
			})
			start := time.Now()
			rec := f.do(t, http.MethodGet, tt.target, tt.token)
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %v, want about the 50ms deadline", took)
			}
			e := checkError(t, rec, http.StatusServiceUnavailable, "ServiceUnavailable", "")
			if e.Error.Message != msgStoreTimeout {
				t.Errorf("message: got %q, want %q", e.Error.Message, msgStoreTimeout)
			}
			if got := rec.Header().Get("Retry-After"); got != secusers.RetryAfterUnavailableHeader() {
				t.Errorf("Retry-After: got %q, want %q", got, secusers.RetryAfterUnavailableHeader())
			}
		})
	}
}

// TestDeadlineError checks which failures the deadline turns into 503.
func TestDeadlineError(t *testing.T) {
	t.Parallel()
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	live := context.Background()
	notFound := secusers.Errorf(secusers.NotFound, "gone")
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want secusers.Kind
	}{
		{"deadline error, live ctx", live, context.DeadlineExceeded, secusers.Unavailable},
		{"internal fault after the deadline", expired, errors.New("interrupted"), secusers.Unavailable},
		{"a 404 that came in time stays", expired, notFound, secusers.NotFound},
		{"a client that went away is no 503", canceled, context.Canceled, secusers.Internal},
		{"a fault without a deadline stays", live, errors.New("disk"), secusers.Internal},
	}
	for _, tt := range tests {
		if got := secusers.KindOf(deadlineError(tt.ctx, tt.err)); got != tt.want {
			t.Errorf("%s: got kind %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestStoreTimeoutDefault checks the documented default.
func TestStoreTimeoutDefault(t *testing.T) {
	t.Parallel()
	if got := New(Config{}).storeTimeout; got != DefaultStoreTimeout {
		t.Errorf("StoreTimeout: got %v, want %v", got, DefaultStoreTimeout)
	}
}
