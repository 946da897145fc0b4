// Command secusers serves the partner security-users API and administers
// its data; see spec/cli.md for the contract and `secusers --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/secusers/secusers/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal has asked for a graceful stop, the
		// default handling returns, so a second Ctrl-C ends the process.
		<-ctx.Done()
		stop()
	}()
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
