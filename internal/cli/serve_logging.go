package cli

import (
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/secusers"
)

// The values of serve's --log-format.
const (
	logFormatAuto = "auto"
	logFormatText = "text"
	logFormatJSON = "json"
)

// logFlags are serve's logging flags.
type logFlags struct {
	format, level string
}

// addLogFlags gives cmd --log-format and --log-level, whose defaults come
// from the environment (SECUSERS_LOG_FORMAT, SECUSERS_LOG_LEVEL) as
// --redis's does: a container sets them once for every start.
func (e *env) addLogFlags(cmd *cobra.Command, f *logFlags) {
	cmd.Flags().StringVar(&f.format, "log-format", envOr(e.getenv, "SECUSERS_LOG_FORMAT", logFormatAuto),
		"how log lines are written to standard error: auto (text on a terminal, else JSON), text or json (environment SECUSERS_LOG_FORMAT)")
	cmd.Flags().StringVar(&f.level, "log-level", envOr(e.getenv, "SECUSERS_LOG_LEVEL", "info"),
		"the least severe log lines written: debug, info, warn or error (environment SECUSERS_LOG_LEVEL)")
}

// envOr returns the environment variable name, or def when it is empty.
func envOr(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

// newLogger returns the logger the flags ask for, writing to e.stderr, or
// a usage error naming the flag (and the environment variable, when the
// value came from there) and the allowed values.
func (e *env) newLogger(cmd *cobra.Command, f logFlags) (*slog.Logger, error) {
	level, ok := parseLogLevel(f.level)
	if !ok {
		return nil, secusers.Errorf(secusers.Invalid, "%s must be debug, info, warn or error, got %q",
			flagSource(cmd, "log-level", "SECUSERS_LOG_LEVEL"), f.level)
	}
	text, ok := textLogs(f.format, isTerminal(e.stderr))
	if !ok {
		return nil, secusers.Errorf(secusers.Invalid, "%s must be auto, text or json, got %q",
			flagSource(cmd, "log-format", "SECUSERS_LOG_FORMAT"), f.format)
	}
	opts := &slog.HandlerOptions{Level: level}
	if text {
		return slog.New(slog.NewTextHandler(e.stderr, opts)), nil
	}
	return slog.New(slog.NewJSONHandler(e.stderr, opts)), nil
}

// flagSource names where a flag's value came from: the flag, or the
// environment variable that gave its default.
func flagSource(cmd *cobra.Command, flag, envVar string) string {
	if cmd.Flags().Changed(flag) {
		return "--" + flag
	}
	return envVar + " (the default of --" + flag + ")"
}

// parseLogLevel parses a --log-level value, in any letter case.
func parseLogLevel(s string) (slog.Level, bool) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, true
	case "info":
		return slog.LevelInfo, true
	case "warn":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	}
	return 0, false
}

// textLogs reports whether --log-format asks for text (rather than JSON)
// lines, given whether standard error is a terminal: people read a
// terminal, and log collectors parse everything else.
func textLogs(format string, terminal bool) (text, ok bool) {
	switch strings.ToLower(format) {
	case logFormatAuto:
		return terminal, true
	case logFormatText:
		return true, true
	case logFormatJSON:
		return false, true
	}
	return false, false
}
