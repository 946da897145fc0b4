package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// buildServer builds the real binary into dir, as the e2e tests do, and
// returns its path.
func buildServer(ctx context.Context, dir string, log io.Writer) (string, error) {
	bin := filepath.Join(dir, "secusers")
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/secusers/secusers/cmd/secusers")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the server: %w\n%s", err, out)
	}
	fmt.Fprintf(log, "server built in %v\n", time.Since(start).Round(100*time.Millisecond))
	return bin, nil
}

// startServer runs `secusers serve` on the dataset at dsn, on a free port
// of the loopback interface, with the rate limits off as the issue's
// targets are set. Its log keeps the default level, since writing the
// access log is part of the server's cost, and goes to a file in dir: on a
// failure, its end is quoted. Like the e2e tests, it gives no master key
// on PostgreSQL (the server then warns once and keeps signing keys
// unsealed); on SQLite the server makes its key file beside the database.
func startServer(ctx context.Context, bin, dsn, dir, store string) (*child, error) {
	cmd := exec.Command(bin, "serve", "--db", dsn, "--addr", "127.0.0.1:0",
		"--rate-limit", "0", "--token-rate-limit", "0", "--log-format", "json")
	// What the environment could change beyond the flags: a database, a
	// shared Redis for the limits, another log level.
	cmd.Env = append(os.Environ(), "SECUSERS_DB=", "SECUSERS_REDIS_URL=", "SECUSERS_LOG_LEVEL=")
	return startChild(ctx, "the "+store+" server", cmd, filepath.Join(dir, "server-"+store+".log"))
}

// logSummary counts a server log's lines and those at WARN or ERROR, and
// quotes the first of those: a warning under load (a slow store call, a
// failed write) explains figures that a count of failed calls does not.
func logSummary(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	lines, problems, first := 0, 0, ""
	for sc.Scan() {
		lines++
		if b := sc.Bytes(); bytes.Contains(b, []byte(`"level":"WARN"`)) || bytes.Contains(b, []byte(`"level":"ERROR"`)) {
			problems++
			if first == "" {
				first = string(b[:min(len(b), 300)])
			}
		}
	}
	s := fmt.Sprintf("%d lines, %d at WARN or ERROR", lines, problems)
	if err := sc.Err(); err != nil {
		s += " (reading it: " + err.Error() + ")"
	}
	if first != "" {
		s += ", the first: " + first
	}
	return s
}
