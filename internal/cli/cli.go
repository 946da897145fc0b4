// Package cli is the `secusers` command: serving, administration, syncs,
// user import and export, and `users`, the partner API through the public
// SDK, with the flags and JSON outputs that spec/cli.md fixes for scripts.
// Each command has its file, named after it (admin_app_secret.go for
// `admin app secret`); its builder declares the flags and calls a function
// that does the work. Run takes its environment as arguments, so tests run
// every command in-process against a temporary database.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/store"
)

// env is what a run of the command works with: its streams, environment
// and the values of the flags every command shares.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
	// buildInfo reads what the toolchain stamped into the binary
	// (debug.ReadBuildInfo).
	buildInfo func() (*debug.BuildInfo, bool)

	db     string // --db
	output string // -o, on the commands that print results

	// loc is --db parsed, once a command has asked for it (location).
	loc *store.Location
}

// stdio is the file name that means standard input or output (--file -,
// --client-secret -).
const stdio = "-"

// Run runs the command line args (without the program name) and returns
// the exit status: 0 on success, 1 on any failure, after writing one line
// "secusers: MESSAGE" to stderr. getenv reads the environment (os.Getenv).
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if err := newEnv(stdin, stdout, stderr, getenv).execute(ctx, args); err != nil {
		fmt.Fprintf(stderr, "secusers: %s\n", errorLine(err))
		return 1
	}
	return 0
}

// newEnv returns the environment of a run with these streams.
func newEnv(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *env {
	return &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, now: time.Now, buildInfo: debug.ReadBuildInfo}
}

// execute runs the command line args and returns the command's error,
// which Run reports.
func (e *env) execute(ctx context.Context, args []string) error {
	root := e.rootCommand()
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	// Whatever the command changes is recorded in the audit trail as done
	// by this user.
	return root.ExecuteContext(secusers.WithActor(ctx, e.actor()))
}

// errorLine returns the one line that describes err to the operator: the
// caller-safe message of a domain error the operator can act on, or the
// whole text of any other error (the operator owns the machine, so an
// internal cause is theirs to see), on one line, made printable: messages
// may quote what a remote server said (secusers users, a sync's Graph
// error) or what a file held.
func errorLine(err error) string {
	msg := err.Error()
	switch secusers.KindOf(err) {
	case secusers.Invalid, secusers.NotFound, secusers.Conflict, secusers.Forbidden, secusers.Unauthenticated:
		if m := secusers.MessageOf(err); m != "" {
			msg = m
		}
	}
	if strings.ContainsAny(msg, "\r\n") {
		msg = strings.Join(strings.Fields(msg), " ")
	}
	return printable(msg)
}

func (e *env) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "secusers",
		Short: "Serve and administer the partner security-users API",
		Long: `secusers serves the partner API that lists a tenant's security users, its OAuth2
token service and discovery, syncs tenants' users from Microsoft Graph, and
administers the partners, customers, tenants, apps and users behind them. Every
command works on the database named by --db.`,
		Example: `  # Try it: demo data, a client secret and ready-to-paste curl commands
  secusers serve --demo

  # Set up a partner with one customer and tenant, and an app that may read its users
  PARTNER=$(secusers admin partner create --name "Contoso Partners" -o json | sed -E 's/.*"id":"([^"]+)".*/\1/')
  secusers admin customer create --partner "$PARTNER" --organization "Fabrikam Ltd." -o json

  # Connect a tenant to its Microsoft 365 tenant and sync its users now
  secusers admin tenant connect --tenant "$TENANT" --entra-tenant-id "$ENTRA" --client-id "$APP" --client-secret - < secret.txt
  secusers sync --tenant "$TENANT"`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		Args:              cobra.ArbitraryArgs,
		RunE:              groupRunE,
		PersistentPreRunE: e.checkOutputFlag,
		Version:           buildVersion(e.buildInfo()).String(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.PersistentFlags().StringVar(&e.db, "db", e.defaultDB(),
		"the database: a file path, sqlite:PATH, or postgres://… (environment SECUSERS_DB)")
	root.AddCommand(e.serveCommand(), e.adminCommand(), e.importCommand(), e.exportCommand(),
		e.syncCommand(), e.fakegraphCommand(), e.usersCommand(), e.versionCommand())
	return root
}

// defaultDB is the --db default: SECUSERS_DB when set, else the spec's
// embedded default.
func (e *env) defaultDB() string {
	if v := e.getenv("SECUSERS_DB"); v != "" {
		return v
	}
	return store.Default
}

// groupRunE runs a command that only groups others: without arguments it
// shows its help; with one it fails, since cobra would otherwise show the
// help and exit 0 for a mistyped subcommand.
func groupRunE(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's own default, which it sets only on its own path
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", s[0])
	}
	return secusers.Errorf(secusers.Invalid, "%s (see '%s --help')", msg, cmd.CommandPath())
}

// group returns a command that groups subcommands.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Args: cobra.ArbitraryArgs, RunE: groupRunE}
	cmd.AddCommand(subs...)
	return cmd
}

// location returns --db parsed. It is parsed once, on first use, so that
// the store, the key file beside it and the schedule all name the same
// database; commands that never touch the database never parse it.
func (e *env) location() (store.Location, error) {
	if e.loc == nil {
		loc, err := store.Parse(e.db)
		if err != nil {
			return store.Location{}, err
		}
		e.loc = &loc
	}
	return *e.loc, nil
}

// withStore opens the database, runs fn and closes the database. What the
// store warns of on opening (a database file others could read, made
// private) goes to slog's default logger, on stderr.
func (e *env) withStore(ctx context.Context, fn func(secusers.Store) error) error {
	return e.withStoreLogging(ctx, slog.Default(), fn)
}

// withStoreLogging is withStore with the store's warnings going to logger,
// as serve's own log lines do.
func (e *env) withStoreLogging(ctx context.Context, logger *slog.Logger, fn func(secusers.Store) error) (err error) {
	loc, err := e.location()
	if err != nil {
		return err
	}
	st, err := loc.Open(ctx, store.WithLogger(logger))
	if err != nil {
		return err
	}
	defer func() {
		if cerr := st.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("closing the database: %w", cerr)
		}
	}()
	return fn(st)
}
