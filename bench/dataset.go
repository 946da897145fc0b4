package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/demo"
	"github.com/secusers/secusers/internal/identity"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store"
)

// The dataset's fixed ids, fixed so that --keep finds what an earlier run
// made. The "be" prefix reads as "bench", as the demo's "de" reads "demo".
const (
	partnerID     = "be000000-0000-4000-8000-000000000001"
	clientID      = "be000000-0000-4000-8000-000000000002"
	bigCustomerID = "be000000-0000-4000-8000-000000000003"
	bigTenantID   = "be000000-0000-4000-8000-000000000004"
)

func smallCustomerID(i int) string { return fmt.Sprintf("be000001-0000-4000-8000-%012d", i) }
func smallTenantID(i int) string   { return fmt.Sprintf("be000002-0000-4000-8000-%012d", i) }

const (
	// smallTenantUsers is the size of each small tenant beside the big one.
	smallTenantUsers = 100
	// tenantsPerCustomer spreads the small tenants over customers the way
	// partners have them: a few tenants per customer.
	tenantsPerCustomer = 10
	// datasetVersion is part of the completeness mark; raising it makes
	// --keep regenerate datasets that an older generator made.
	datasetVersion = 1
)

// rareStatus is the status of the filtered case: on about 1% of the users.
const rareStatus = secusers.HighRisk

// loadMix is the demo's mix with the shares the harness is read at: about 30% of the
// users are security users, and rareStatus is on about 1% of all users.
var loadMix = func() demo.StatusMix {
	m := demo.DefaultMix
	m.Flagged = 0.30
	m.Weights[rareStatus] = 1.4
	return m
}()

// dataset is one store holding the generated data, ready to be measured.
type dataset struct {
	store  secusers.Store
	secret string // a client secret of clientID, fresh for this run
	// securityUsers and rareUsers count the big tenant's security users,
	// all and those with rareStatus.
	securityUsers, rareUsers int64
	summary                  string // how the dataset came to be, for the table
	loc                      location
	keep                     bool
}

// location is where one store's dataset lives: the DSN store.Open opens, and
// how to make and remove room for it. The harness never touches anything
// else on the database server or in the directory.
type location struct {
	dsn    string
	exists func(context.Context) (bool, error)
	create func(context.Context) error
	remove func(context.Context) error
	// settle brings a dataset to the state a server in production sees;
	// nil when there is nothing to do.
	settle func(context.Context) error
}

// openDataset reuses a complete dataset when --keep is given and one is
// there, and generates one otherwise.
func openDataset(ctx context.Context, cfg config, name string, log io.Writer) (*dataset, error) {
	loc, err := locate(cfg, name)
	if err != nil {
		return nil, err
	}
	ds := &dataset{loc: loc, keep: cfg.keep, summary: "reused (--keep)"}
	if cfg.keep {
		if ds.store, err = reuse(ctx, cfg, loc); err != nil {
			return nil, err
		}
	}
	if ds.store == nil {
		fmt.Fprintf(log, "%s: generating the dataset\n", name)
		start := time.Now()
		if ds.store, err = generate(ctx, cfg, loc, name, log); err != nil {
			return nil, err
		}
		ds.summary = "generated in " + time.Since(start).Round(100*time.Millisecond).String()
		fmt.Fprintf(log, "%s: dataset %s\n", name, ds.summary)
	}
	if err := ds.settle(ctx, name, log); err != nil {
		return nil, errors.Join(err, ds.close(context.WithoutCancel(ctx)))
	}
	if err := ds.prepare(ctx); err != nil {
		return nil, errors.Join(err, ds.close(context.WithoutCancel(ctx)))
	}
	return ds, nil
}

// settle runs the location's settle step and reports how long it took.
func (ds *dataset) settle(ctx context.Context, name string, log io.Writer) error {
	if ds.loc.settle == nil {
		return nil
	}
	start := time.Now()
	if err := ds.loc.settle(ctx); err != nil {
		return err
	}
	fmt.Fprintf(log, "%s: dataset settled, as autovacuum would, in %v\n", name, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// prepare adds a client secret for this run and counts the big tenant's
// security users, which the cases need for the middle page.
func (ds *dataset) prepare(ctx context.Context) error {
	secret, rec, err := identity.NewClientSecret(clientID, 1, time.Now())
	if err != nil {
		return err
	}
	if _, err := ds.store.AddClientSecret(ctx, rec); err != nil {
		return fmt.Errorf("adding a client secret: %w", err)
	}
	ds.secret = secret
	all, err := ds.store.SecurityUsers(ctx, bigTenantID, secusers.UserQuery{Limit: 1})
	if err != nil {
		return fmt.Errorf("counting security users: %w", err)
	}
	rare, err := ds.store.SecurityUsers(ctx, bigTenantID, secusers.UserQuery{Statuses: secusers.StatusSetOf(rareStatus), Limit: 1})
	if err != nil {
		return fmt.Errorf("counting %v users: %w", rareStatus, err)
	}
	ds.securityUsers, ds.rareUsers = all.Total, rare.Total
	ds.summary += fmt.Sprintf("; the big tenant has %d security users, %d with %v", all.Total, rare.Total, rareStatus)
	return nil
}

// close closes the store and, without --keep, removes the dataset.
func (ds *dataset) close(ctx context.Context) error {
	err := ds.store.Close()
	if !ds.keep {
		err = errors.Join(err, ds.loc.remove(ctx))
	}
	return err
}

// reuse opens the kept dataset when it is there and complete; otherwise it
// returns a nil store, and generate starts over.
func reuse(ctx context.Context, cfg config, loc location) (secusers.Store, error) {
	ok, err := loc.exists(ctx)
	if err != nil || !ok {
		return nil, err
	}
	st, err := store.Open(ctx, loc.dsn)
	if err != nil {
		return nil, err
	}
	// The app is created last, so it marks a generation that finished.
	if app, err := st.App(ctx, clientID); err == nil && app.Name == completeMark(cfg) {
		return st, nil
	}
	return nil, st.Close()
}

func completeMark(cfg config) string {
	return fmt.Sprintf("load harness v%d: %d users, %d small tenants", datasetVersion, cfg.users, cfg.smallTenants)
}

// generate makes a fresh dataset at loc. On failure it removes what it made:
// half a dataset is no use to anyone.
func generate(ctx context.Context, cfg config, loc location, name string, log io.Writer) (secusers.Store, error) {
	if err := loc.remove(ctx); err != nil {
		return nil, err
	}
	if err := loc.create(ctx); err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, loc.dsn)
	if err == nil {
		err = fill(ctx, st, cfg, name, log)
		if err != nil {
			err = errors.Join(err, st.Close())
		}
	}
	if err != nil {
		return nil, errors.Join(err, loc.remove(context.WithoutCancel(ctx)))
	}
	return st, nil
}

// fill writes the partner, the customers, the tenants with their users, and
// the app, through the store's own methods, so that the data is what an
// import would have made.
func fill(ctx context.Context, st secusers.Store, cfg config, name string, log io.Writer) error {
	now := time.Now()
	if _, err := st.CreatePartner(ctx, secusers.Partner{ID: partnerID, Name: "Load harness partner"}); err != nil {
		return err
	}
	if err := addTenant(ctx, st, bigCustomerID, bigTenantID, true); err != nil {
		return err
	}
	start := time.Now()
	users := progress(loadMix.UserSeq(1, cfg.users, "fabrikam.onmicrosoft.com", now), cfg.users, name, log)
	if _, err := st.ReplaceUsers(ctx, bigTenantID, users); err != nil {
		return fmt.Errorf("users of the big tenant: %w", err)
	}
	fmt.Fprintf(log, "%s: %d users of the big tenant written in %v\n", name, cfg.users, time.Since(start).Round(100*time.Millisecond))
	for i := range cfg.smallTenants {
		tenant := smallTenantID(i)
		if err := addTenant(ctx, st, smallCustomerID(i/tenantsPerCustomer), tenant, i%tenantsPerCustomer == 0); err != nil {
			return err
		}
		domain := fmt.Sprintf("tenant%d.onmicrosoft.com", i)
		if _, err := st.ReplaceUsers(ctx, tenant, loadMix.UserSeq(int64(1000+i), smallTenantUsers, domain, now)); err != nil {
			return fmt.Errorf("users of small tenant %d: %w", i, err)
		}
	}
	_, err := st.CreateApp(ctx, secusers.App{
		ClientID: clientID, PartnerID: partnerID, Name: completeMark(cfg),
		Permissions: []string{secusers.PermissionReadUsers},
		Scope:       secusers.CustomerScope{Kind: secusers.ScopeAllCustomers},
	})
	return err
}

// addTenant creates the tenant, and its customer first when newCustomer.
func addTenant(ctx context.Context, st secusers.Store, customerID, tenantID string, newCustomer bool) error {
	if newCustomer {
		c := secusers.Customer{ID: customerID, PartnerID: partnerID, Organization: "Customer " + customerID[24:]}
		if _, err := st.CreateCustomer(ctx, c); err != nil {
			return err
		}
	}
	_, err := st.CreateTenant(ctx, secusers.Tenant{ID: tenantID, CustomerID: customerID, Name: "Tenant " + tenantID[24:]})
	return err
}

// progress passes users through and reports every quarter of them, so that
// a generation of several minutes shows that it is moving.
func progress(users iter.Seq2[secusers.User, error], n int, name string, log io.Writer) iter.Seq2[secusers.User, error] {
	step := max(n/4, 1)
	return func(yield func(secusers.User, error) bool) {
		i := 0
		for u, err := range users {
			if i++; i%step == 0 && n >= 100_000 {
				fmt.Fprintf(log, "%s: %d of %d users generated\n", name, i, n)
			}
			if !yield(u, err) {
				return
			}
		}
	}
}

// locate returns where the named store's dataset lives. The name carries
// the sizes, so that datasets of different sizes can be kept side by side.
func locate(cfg config, store string) (location, error) {
	base := fmt.Sprintf("bench_%d_%d", cfg.users, cfg.smallTenants)
	if store == "sqlite" {
		return sqliteLocation(filepath.Join(cfg.dataDir, base+".db")), nil
	}
	return postgresLocation(cfg.postgres, "secusers_"+base)
}

func sqliteLocation(path string) location {
	return location{
		dsn: "sqlite:" + path,
		exists: func(context.Context) (bool, error) {
			_, err := os.Stat(path)
			if errors.Is(err, fs.ErrNotExist) {
				return false, nil
			}
			return err == nil, err
		},
		create: func(context.Context) error { return os.MkdirAll(filepath.Dir(path), 0o755) },
		remove: func(context.Context) error {
			// The database with the files SQLite, the store and the server
			// (its key file) keep beside it.
			var errs []error
			for _, suffix := range []string{"", "-wal", "-shm", "-journal", ".lock", ".key"} {
				if err := os.Remove(path + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
					errs = append(errs, err)
				}
			}
			return errors.Join(errs...)
		},
	}
}

// postgresLocation is a database of the harness's own, db, on the server
// that dsn names; dsn's own database is used only to create and drop it.
func postgresLocation(dsn, db string) (location, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return location{}, errors.New("--postgres must be a postgres:// URL")
	}
	own := *u
	own.Path, own.RawPath = "/"+db, ""
	ident := pgx.Identifier{db}.Sanitize()
	return location{
		dsn: own.String(),
		exists: func(ctx context.Context) (bool, error) {
			var ok bool
			err := admin(ctx, dsn, func(c *pgx.Conn) error {
				return c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", db).Scan(&ok)
			})
			return ok, err
		},
		create: func(ctx context.Context) error { return adminExec(ctx, dsn, "CREATE DATABASE "+ident) },
		// FORCE ends the sessions of an interrupted run that may linger.
		remove: func(ctx context.Context) error {
			return adminExec(ctx, dsn, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
		},
		// Autovacuum sets the statistics and the visibility map soon after
		// a bulk replacement; without them the planner takes a fresh
		// million-row tenant for a few thousand rows and sorts where it
		// should walk the index. The harness measures the steady state,
		// also where autovacuum is off (as on this project's CI machines),
		// so it does autovacuum's work first, on its own database only.
		settle: func(ctx context.Context) error { return adminExec(ctx, own.String(), "VACUUM (ANALYZE)") },
	}, nil
}

func adminExec(ctx context.Context, dsn, sql string) error {
	return admin(ctx, dsn, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, sql)
		return err
	})
}

// admin runs f on a short-lived connection to dsn's database.
func admin(ctx context.Context, dsn string, f func(*pgx.Conn) error) error {
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	if err := f(c); err != nil {
		return fmt.Errorf("PostgreSQL: %w", err)
	}
	return nil
}
