package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// startTimeout bounds how long a child may take to listen: the server
// migrates a fresh PostgreSQL database first.
const startTimeout = time.Minute

// stopTimeout bounds the wait after SIGTERM: the server drains in-flight
// requests for up to 15 s.
const stopTimeout = 30 * time.Second

// child is a process the harness measures over HTTP: `secusers serve` or
// the floor. Both print "listening on http://ADDR" on stdout once they
// accept requests, and drain and exit 0 on SIGTERM.
type child struct {
	name    string
	cmd     *exec.Cmd
	base    string // http://ADDR, from its "listening on" line
	logPath string // its stderr
	done    chan struct{}
	waitErr error // Wait's result, once done is closed
}

// startChild starts cmd with its stderr in logPath and waits until it
// prints its address.
func startChild(ctx context.Context, name string, cmd *exec.Cmd, logPath string) (*child, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has a descriptor of its own
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	dieWithHarness(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	found := make(chan string, 1)
	go c.watch(stdout, found)
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case c.base = <-found:
		return c, nil
	case <-c.done:
		return nil, fmt.Errorf("%s exited before listening: %v%s", name, c.waitErr, c.logTail())
	case <-ctx.Done():
		return nil, errors.Join(ctx.Err(), c.stop())
	case <-timer.C:
		return nil, errors.Join(fmt.Errorf("%s did not print its address within %v%s", name, startTimeout, c.logTail()), c.stop())
	}
}

// watch reads the child's stdout for its address, then drains it, and
// waits for the child once the pipe is closed, as exec requires.
func (c *child) watch(stdout io.Reader, found chan<- string) {
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if base, ok := parseListening(sc.Text()); ok {
			select {
			case found <- base:
			default:
			}
		}
	}
	_, _ = io.Copy(io.Discard, stdout) // what a line too long for the scanner left
	c.waitErr = c.cmd.Wait()
	close(c.done)
}

// parseListening returns the base URL of a line "listening on
// http://ADDR", the line `secusers serve` prints on stdout once it accepts
// requests (its "operations … on" line names another address).
func parseListening(line string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		return "", false
	}
	u, err := url.Parse(rest)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.Port() == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		return "", false
	}
	return "http://" + u.Host, true
}

// stop sends SIGTERM and waits, up to stopTimeout, for the child to exit;
// it is an error when the child does not exit 0. A child already gone (a
// SIGINT from the terminal reaches it too) is only waited for.
func (c *child) stop() error {
	select {
	case <-c.done:
	default:
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		timer := time.NewTimer(stopTimeout)
		defer timer.Stop()
		select {
		case <-c.done:
		case <-timer.C:
			_ = c.cmd.Process.Kill()
			<-c.done
			return fmt.Errorf("%s did not exit within %v of SIGTERM, killed", c.name, stopTimeout)
		}
	}
	if c.waitErr != nil {
		return fmt.Errorf("%s: %w%s", c.name, c.waitErr, c.logTail())
	}
	return nil
}

// memory returns the child's memory as /proc tells it.
func (c *child) memory() (procMem, error) { return procMemory(c.cmd.Process.Pid) }

// rss returns the child's resident set, 0 when unknown.
func (c *child) rss() uint64 {
	m, _ := c.memory()
	return m.rss
}

// cpuTime returns the CPU time the child has used, 0 when unknown.
func (c *child) cpuTime() time.Duration { return procCPU(c.cmd.Process.Pid) }

// logTailBytes is how much of a child's log an error quotes.
const logTailBytes = 2000

// logTail returns the end of the child's log, to follow an error message.
func (c *child) logTail() string {
	b, err := os.ReadFile(c.logPath)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > logTailBytes {
		b = b[len(b)-logTailBytes:]
	}
	return "; the end of its log (" + c.logPath + "):\n" + string(b)
}
