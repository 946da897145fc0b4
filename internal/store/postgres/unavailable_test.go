package postgres

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store/postgres/pgtest"
	"github.com/secusers/secusers/internal/store/storetest"
)

// testPassword is put in the DSN of the store behind the proxy (the test
// server trusts every local connection, so it is ignored) to check that no
// error ever carries it.
const testPassword = "s3cret-Pa55word"

// throughProxy returns a proxy in front of the test server, a DSN for a
// fresh schema that connects through it, and the proxy.
func throughProxy(t *testing.T) (string, *proxy) {
	t.Helper()
	dsn := pgtest.DSN(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))))
	host, port, _ := net.SplitHostPort(p.Addr())
	dsn = pgtest.WithParam(pgtest.WithParam(pgtest.WithParam(dsn, "host", host), "port", port), "password", testPassword)
	return dsn, p
}

// storeCalls are calls of every shape (single statement, read and write
// transactions, batch, COPY, iterator) on a store with one tenant.
func storeCalls(tenantID string) map[string]func(context.Context, secusers.Store) error {
	return map[string]func(context.Context, secusers.Store) error{
		"Ping": func(ctx context.Context, s secusers.Store) error { return s.Ping(ctx) },
		"Tenant": func(ctx context.Context, s secusers.Store) error {
			_, err := s.Tenant(ctx, tenantID)
			return err
		},
		"CreatePartner": func(ctx context.Context, s secusers.Store) error {
			_, err := s.CreatePartner(ctx, secusers.Partner{ID: uuid.NewString(), Name: "p"})
			return err
		},
		"Customers": func(ctx context.Context, s secusers.Store) error {
			_, err := s.Customers(ctx, uuid.NewString())
			if secusers.IsKind(err, secusers.NotFound) {
				return nil
			}
			return err
		},
		"SecurityUsers": func(ctx context.Context, s secusers.Store) error {
			_, err := s.SecurityUsers(ctx, tenantID, secusers.UserQuery{Limit: 10})
			return err
		},
		"ReplaceUsers": func(ctx context.Context, s secusers.Store) error {
			_, err := s.ReplaceUsers(ctx, tenantID, storetest.Seq(storetest.ShuffledUsers(20)))
			return err
		},
		"AuditEvents": func(ctx context.Context, s secusers.Store) error {
			_, err := s.AuditEvents(ctx, secusers.AuditQuery{Limit: 10})
			return err
		},
		"UseAssertionID": func(ctx context.Context, s secusers.Store) error {
			return s.UseAssertionID(ctx, uuid.NewString(), uuid.NewString(), time.Now().Add(time.Minute))
		},
		"Users": func(ctx context.Context, s secusers.Store) error {
			for _, err := range s.Users(ctx, tenantID) {
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// TestUnavailableAndRecovery cuts the database away from a store: every call
// fails fast with Unavailable and a message without the DSN; once the
// database is back, the same store works again, without being reopened.
func TestUnavailableAndRecovery(t *testing.T) {
	t.Parallel()
	dsn, p := throughProxy(t)
	s := open(t, dsn)
	defer s.Close()
	tenant := storetest.NewTenant(t, s)
	calls := storeCalls(tenant)
	checkAll(t, s, calls, "before the cut")

	p.Cut()
	for name, call := range calls {
		for range 3 { // the first attempts meet the pool's dead connections
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			start := time.Now()
			err := call(ctx, s)
			cancel()
			wantUnavailable(t, name+" while cut", err)
			if d := time.Since(start); d > connectTimeout+time.Second {
				t.Errorf("%s while cut: took %v, want less than %v", name, d, connectTimeout+time.Second)
			}
		}
	}

	p.Restore()
	waitUntil(t, 5*time.Second, func() error { return s.Ping(t.Context()) })
	checkAll(t, s, calls, "after restoring")
	if st := s.PoolStats(); st.NewConnsCount < 2 {
		t.Errorf("PoolStats after recovering: got %d connections made, want the pool to have reconnected", st.NewConnsCount)
	}
}

// TestSilentDatabase: a database that stops answering (a partition, not a
// refusal) makes a call give up when its context ends, with Unavailable,
// and the store recovers once answers flow again.
func TestSilentDatabase(t *testing.T) {
	t.Parallel()
	dsn, p := throughProxy(t)
	s := open(t, dsn)
	defer s.Close()
	tenant := storetest.NewTenant(t, s)
	calls := storeCalls(tenant)

	p.Silence()
	for _, name := range []string{"Ping", "SecurityUsers", "CreatePartner"} {
		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		start := time.Now()
		err := calls[name](ctx, s)
		cancel()
		wantUnavailable(t, name+" while silent", err)
		if d := time.Since(start); d > 1500*time.Millisecond {
			t.Errorf("%s while silent with a 500 ms deadline: took %v, want about 500 ms", name, d)
		}
	}

	p.Restore()
	waitUntil(t, 5*time.Second, func() error { return s.Ping(t.Context()) })
	checkAll(t, s, calls, "after the silence")
}

// TestOpenUnreachable: Open of an unreachable database fails fast with
// Unavailable, and without the password.
func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	dsn := fmt.Sprintf("postgres://postgres:%s@%s/test?sslmode=disable", testPassword, addr)
	start := time.Now()
	_, err = Open(t.Context(), dsn)
	wantUnavailable(t, "Open of a closed port", err)
	if d := time.Since(start); d > connectTimeout+time.Second {
		t.Errorf("Open of a closed port: took %v, want less than %v", d, connectTimeout+time.Second)
	}

	_, err = Open(t.Context(), "postgres://postgres:"+testPassword+"@127.0.0.1:notaport/test")
	if !secusers.IsKind(err, secusers.Invalid) || strings.Contains(err.Error(), testPassword) {
		t.Errorf("Open of a malformed DSN: got %v, want an Invalid error without the password", err)
	}
}

func checkAll(t *testing.T, s secusers.Store, calls map[string]func(context.Context, secusers.Store) error, when string) {
	t.Helper()
	for name, call := range calls {
		if err := call(t.Context(), s); err != nil {
			t.Errorf("%s %s: got error %v, want nil", name, when, err)
		}
	}
}

// wantUnavailable fails the test unless err is Unavailable and neither its
// message nor its full text carries the password.
func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	if !secusers.IsKind(err, secusers.Unavailable) {
		t.Errorf("%s: got error %v (kind %v), want kind unavailable", what, err, secusers.KindOf(err))
		return
	}
	if strings.Contains(err.Error(), testPassword) {
		t.Errorf("%s: the error %q carries the password", what, err)
	}
}

// waitUntil retries f until it succeeds or the time is up.
func waitUntil(t *testing.T, limit time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: still %v", limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
