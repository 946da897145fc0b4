package cli

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"time"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/demo"
	"github.com/secusers/secusers/internal/graph/fakegraph"
	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync"
)

// demoSeed generates the demo's fake Graph tenant and app credentials.
const demoSeed = 1

// demoGraph is the in-process fake Graph the demo tenant is synced from.
// It serves for as long as serve runs, so that scheduled syncs of the demo
// tenant keep working.
type demoGraph struct {
	fake *fakegraph.Server
}

// close stops the fake Graph.
func (g *demoGraph) close(ctx context.Context) {
	if g != nil {
		g.fake.Close(ctx)
	}
}

// prepareDemo makes sure the demo's partner, customer, tenant and app exist
// (demo.Ensure) and fills the tenant through the production path: a fake
// Graph of users users on 127.0.0.1, the tenant connected to it with the
// fake's demo client secret, and one sync run.
func (e *env) prepareDemo(ctx context.Context, st secusers.Store, syncer *tenantsync.Syncer, users int, logger *slog.Logger) (demo.Result, *demoGraph, error) {
	// Ensure fills an empty tenant with generated users; one is enough,
	// as the sync below replaces them at once.
	res, err := demo.Ensure(ctx, st, e.now(), demo.Config{Users: 1})
	if err != nil {
		return res, nil, err
	}
	box, err := demoBox(syncer.Box, logger)
	if err != nil {
		return res, nil, err
	}
	g, err := startDemoGraph(users, e.now)
	if err != nil {
		return res, nil, err
	}
	clientID, secret := fakegraph.DemoClient(demoSeed)
	_, err = tenantsync.Connect(ctx, syncer.Store, box, tenantsync.Connection{
		TenantID: demo.TenantID, EntraTenantID: demo.TenantID, ClientID: clientID,
		Secret: credentials.NewClientSecret(secret), GraphURL: g.fake.URL(), LoginURL: g.fake.URL(),
	})
	if err != nil {
		g.close(ctx)
		return res, nil, fmt.Errorf("connecting the demo tenant to its fake Graph: %w", err)
	}
	s := *syncer
	s.Box = box
	logger.Info("syncing the demo tenant from a fake Microsoft Graph", "graph", g.fake.URL(), "users", users)
	run, err := s.Run(ctx, demo.TenantID)
	if err != nil {
		g.close(ctx)
		return res, nil, fmt.Errorf("syncing the demo tenant: %w", err)
	}
	res.SecurityUsers = int64(run.SecurityUsers)
	return res, g, nil
}

// startDemoGraph serves a generated tenant with the demo's tenant id.
func startDemoGraph(users int, now func() time.Time) (*demoGraph, error) {
	t := fakegraph.Generate(demoSeed, users, now(), fakegraph.GenerateOptions{TenantID: demo.TenantID})
	fake := fakegraph.NewServer(t)
	clientID, secret := fakegraph.DemoClient(demoSeed)
	fake.RegisterSecret(clientID, secret)
	if _, err := fake.Start("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("starting the demo's fake Graph: %w", err)
	}
	return &demoGraph{fake: fake}, nil
}

// demoBox is the key the demo seals its fake tenant's credential with: the
// master key when there is one, else a key that lives as long as this
// process. The demo's credential is the fake's published demo secret, so
// nothing is at stake, and a demo on PostgreSQL then needs no key; another
// process cannot open it, but every start with --demo connects again.
func demoBox(box *credentials.Box, logger *slog.Logger) (*credentials.Box, error) {
	if box != nil {
		return box, nil
	}
	logger.Info("the demo tenant's connection is sealed with a key of this process only")
	key := make([]byte, credentials.KeySize)
	rand.Read(key)
	defer clear(key)
	return credentials.NewBox(key)
}
