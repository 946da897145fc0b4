// Command bench is the load harness of secusers: it generates a dataset
// through the real store, serves it with the real server (`secusers serve`,
// built and run as its own process) on loopback, and measures the
// security-users endpoint and the token endpoint under a closed-loop load,
// next to the floor (a page served from memory with nothing but net/http
// and encoding/json, measured the same way) and to the in-process cost of
// the same pages (the store query through the pager plus the JSON
// encoding), for SQLite and PostgreSQL side by side.
//
//	go run ./bench [--store sqlite|postgres|both] [--users 100000] [--small-tenants 1000]
//	               [--duration 15s] [--clients 16] [--soak 60s] [--keep] [--server-bin PATH] ...
//
// It prints figures, their ratios to the floor and the targets they are
// read against, and asserts nothing about time. It exits non-zero only
// when it cannot run or a request failed, because figures that include
// failures would mislead.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if page := os.Getenv(floorEnv); page != "" {
		err = runFloor(ctx, page, os.Stdout)
	} else {
		err = run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	}
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(os.Stderr, "bench: interrupted")
		os.Exit(130) // what a shell reports for SIGINT
	case err != nil:
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// defaultPostgres is the PostgreSQL the tests of this repository use.
const defaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// config is the parsed command line.
type config struct {
	stores       []string // "sqlite", "postgres", in this order
	postgres     string   // the DSN whose server holds the harness's own database
	users        int      // users in the big tenant
	smallTenants int      // tenants of smallTenantUsers users each
	duration     time.Duration
	warmup       time.Duration
	clients      int
	pageSize     int
	keep         bool
	dataDir      string        // where SQLite datasets live
	serverBin    string        // a secusers binary to run; "" to build one
	cpuProfile   string        // a path prefix; "" for none
	soak         time.Duration // the soak run's length; 0 for none
	soakLoad     float64       // the soak's pace, as a share of the measured peak
}

func parseFlags(args []string, stderr io.Writer, getenv func(string) string) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	store := fs.String("store", "both", "the stores to measure: sqlite, postgres or both")
	fs.StringVar(&cfg.postgres, "postgres", "", "PostgreSQL URL whose server gets the harness's own database (default $SECUSERS_TEST_POSTGRES or "+defaultPostgres+")")
	fs.IntVar(&cfg.users, "users", 100_000, "users in the big tenant")
	fs.IntVar(&cfg.smallTenants, "small-tenants", 1000, "tenants of 100 users each besides the big one")
	fs.DurationVar(&cfg.duration, "duration", 15*time.Second, "measured time per case")
	fs.IntVar(&cfg.clients, "clients", 16, "concurrent clients, each sending its next request when the last one is answered")
	fs.IntVar(&cfg.pageSize, "page-size", 100, "pageSize of every page request")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the generated datasets after the run and reuse them when present")
	fs.StringVar(&cfg.dataDir, "data-dir", filepath.Join(os.TempDir(), "secusers-bench"), "directory of the SQLite datasets")
	fs.StringVar(&cfg.serverBin, "server-bin", "", "the secusers binary to serve with (default: build ./cmd/secusers into a temporary directory)")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of this process (the clients and the in-process cases) during each store's load phase to PREFIX-STORE.pprof")
	fs.DurationVar(&cfg.soak, "soak", time.Minute, "after the cases, run the page cases mixed at --soak-load of their peak this long, watching memory; 0 skips it")
	fs.Float64Var(&cfg.soakLoad, "soak-load", 0.7, "the soak's pace, as a share of the mixed peak measured by the cases (0 to 1]")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	switch *store {
	case "sqlite", "postgres":
		cfg.stores = []string{*store}
	case "both":
		cfg.stores = []string{"sqlite", "postgres"}
	default:
		return cfg, fmt.Errorf("--store must be sqlite, postgres or both, got %q", *store)
	}
	if cfg.postgres == "" {
		cfg.postgres = getenv("SECUSERS_TEST_POSTGRES")
	}
	if cfg.postgres == "" {
		cfg.postgres = defaultPostgres
	}
	switch {
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	case cfg.users < 1 || cfg.smallTenants < 0:
		return cfg, errors.New("--users must be at least 1 and --small-tenants at least 0")
	case cfg.clients < 1 || cfg.duration <= 0:
		return cfg, errors.New("--clients must be at least 1 and --duration positive")
	case cfg.soak < 0 || cfg.soakLoad <= 0 || cfg.soakLoad > 1:
		return cfg, errors.New("--soak must not be negative and --soak-load must be in (0, 1]")
	case cfg.pageSize < 1 || cfg.pageSize > 1000:
		return cfg, errors.New("--page-size must be from 1 to 1000, as the API allows")
	}
	if u, err := url.Parse(cfg.postgres); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return cfg, errors.New("--postgres must be a postgres:// URL")
	}
	// Warming up fills the stores' caches and the pager's positions, whose
	// one-off cost would otherwise land in the first seconds' p99.
	cfg.warmup = min(cfg.duration/5, 2*time.Second)
	return cfg, nil
}

// run measures each store in turn, then prints the table. An interrupt ends
// the measurements early; the table then shows the cases that finished.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) (err error) {
	cfg, err := parseFlags(args, stderr, getenv)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "secusers load harness: a tenant of %d users and %d tenants of %d, %d clients, %v per case (after %v warm-up), pageSize %d\n",
		cfg.users, cfg.smallTenants, smallTenantUsers, cfg.clients, cfg.duration, cfg.warmup, cfg.pageSize)
	ws, err := newWorkspace(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, os.RemoveAll(ws.dir)) }()
	var results []*storeResult
	var runErr error
	for _, name := range cfg.stores {
		res := &storeResult{store: name}
		results = append(results, res)
		if runErr = measureStore(ctx, cfg, ws, res, stdout); runErr != nil {
			runErr = fmt.Errorf("%s: %w", name, runErr)
			break
		}
	}
	printTable(stdout, cfg, results)
	printSoak(stdout, cfg, results)
	printGoals(stdout, cfg, results)
	if runErr != nil {
		return runErr
	}
	return failures(results)
}

// workspace is a run's temporary directory, which holds the servers' logs
// and the floor's page, and the server binary.
type workspace struct {
	dir, serverBin string
}

// newWorkspace makes the run's directory and builds the server there,
// unless --server-bin names one.
func newWorkspace(ctx context.Context, cfg config, log io.Writer) (workspace, error) {
	dir, err := os.MkdirTemp("", "secusers-bench-run-")
	if err != nil {
		return workspace{}, err
	}
	ws := workspace{dir: dir, serverBin: cfg.serverBin}
	if ws.serverBin == "" {
		if ws.serverBin, err = buildServer(ctx, dir, log); err != nil {
			return workspace{}, errors.Join(err, os.RemoveAll(dir))
		}
	}
	return ws, nil
}

// measureStore prepares one store's dataset, serves it, and runs the cases.
func measureStore(ctx context.Context, cfg config, ws workspace, res *storeResult, log io.Writer) (err error) {
	ds, err := openDataset(ctx, cfg, res.store, log)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, ds.close(context.WithoutCancel(ctx))) }()
	res.dataset = ds.summary
	// The harness keeps its own store open for the in-process cases: the
	// store locks an SQLite database only while migrating, so the server
	// and the harness can both have it open.
	srv, err := startServer(ctx, ws.serverBin, ds.loc.dsn, ws.dir, res.store)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopServer(srv, res, log)) }()
	fmt.Fprintf(log, "%s: serving on %s (pid %d)%s\n", res.store, srv.base, srv.cmd.Process.Pid, memoryNote(srv))
	res.loadBefore = loadAverage()
	defer func() { res.loadAfter = loadAverage() }()
	if cfg.cpuProfile != "" {
		stop, err := startProfile(cfg.cpuProfile + "-" + res.store + ".pprof")
		if err != nil {
			return err
		}
		defer stop()
	}
	return runCases(ctx, cfg, ws, ds, srv, res, log)
}

// stopServer reads the server's memory, which /proc shows only while it
// runs, then stops it and sums up its log.
func stopServer(srv *child, res *storeResult, log io.Writer) error {
	res.server, res.serverMemErr = srv.memory()
	err := srv.stop()
	res.serverLog = logSummary(srv.logPath)
	fmt.Fprintf(log, "%s: server log: %s\n", res.store, res.serverLog)
	return err
}

func startProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// loadAverage returns the machine's one-minute load average, or "?" where
// /proc has none. The harness shares the machine with whatever else runs:
// a load above the core count means the figures are partly other programs'.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	avg, _, _ := strings.Cut(string(b), " ")
	return avg
}
