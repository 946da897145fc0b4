package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/graph/fakegraph"
	"github.com/secusers/secusers/internal/secusers"
)

func (e *env) fakegraphCommand() *cobra.Command {
	var addr string
	var users int
	var seed int64
	cmd := &cobra.Command{
		Use:   "fakegraph [--addr 127.0.0.1:0] [--users N] [--seed S]",
		Short: "Serve a fake Microsoft Graph with a generated tenant, for demos and tests",
		Long: `Serve a fake Microsoft Graph and Entra login endpoint for one generated tenant of
--users users, until interrupted. It prints where it listens, the tenant id, and
the client id and secret of an app registered in it, with the 'admin tenant
connect' command that points a tenant at it. The same seed gives the same tenant
and credentials, so a demo script can be run again.

The tenant has every case the sync's rules distinguish: expired and
non-expiring passwords, disabled accounts, risky users in every state,
noncompliant devices, old and recent sign-ins, and recently deleted users.`,
		Example: `  secusers fakegraph --addr 127.0.0.1:8090 --users 5000 --seed 7`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return e.serveFakegraph(cmd.Context(), addr, users, seed) },
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "the address to listen on; port 0 picks a free one")
	cmd.Flags().IntVar(&users, "users", 3000, "how many users the tenant has")
	cmd.Flags().Int64Var(&seed, "seed", 1, "the seed the tenant and the app's credentials are generated from")
	return cmd
}

// serveFakegraph serves a generated tenant of users users until ctx ends.
func (e *env) serveFakegraph(ctx context.Context, addr string, users int, seed int64) error {
	if users < 0 {
		return secusers.Errorf(secusers.Invalid, "--users must not be negative, got %d", users)
	}
	return fakegraph.Run(ctx, addr, users, seed, e.stdout)
}
