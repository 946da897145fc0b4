package cli

import (
	"context"
	"time"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync/rules"
)

// connectionJSON is a tenant's Graph connection as tenant list prints it;
// the credential is never printed, only its existence is implied.
type connectionJSON struct {
	EntraTenantID string    `json:"entraTenantId"`
	ClientID      string    `json:"clientId"`
	GraphURL      string    `json:"graphUrl"`
	LoginURL      string    `json:"loginUrl"`
	InactiveDays  int       `json:"inactiveDays"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// runJSON is a sync run as tenant list prints it.
type runJSON struct {
	ID            string                    `json:"id"`
	StartedAt     time.Time                 `json:"startedAt"`
	FinishedAt    *time.Time                `json:"finishedAt,omitempty"`
	Result        string                    `json:"result"`
	Users         int                       `json:"users"`
	SecurityUsers int                       `json:"securityUsers"`
	Skipped       int                       `json:"skipped"`
	Unavailable   []rules.UnavailableStatus `json:"unavailable"`
	Error         string                    `json:"error,omitempty"`
}

// addSyncState fills in each tenant's connection and last run.
func addSyncState(ctx context.Context, st secusers.SyncStore, tenants []tenantJSON) error {
	conns, err := st.TenantConnections(ctx)
	if err != nil {
		return err
	}
	byTenant := make(map[string]secusers.TenantConnection, len(conns))
	for _, c := range conns {
		byTenant[c.TenantID] = c
	}
	for i := range tenants {
		t := &tenants[i]
		if c, ok := byTenant[t.ID]; ok {
			t.Connection = &connectionJSON{c.EntraTenantID, c.ClientID, c.GraphURL, c.LoginURL, c.InactiveDays, c.UpdatedAt.UTC()}
		}
		run, err := st.LatestSyncRun(ctx, t.ID)
		if secusers.IsKind(err, secusers.NotFound) {
			continue
		} else if err != nil {
			return err
		}
		t.LastSync = toRunJSON(run)
	}
	return nil
}

func toRunJSON(run secusers.SyncRun) *runJSON {
	out := &runJSON{
		ID: run.ID, StartedAt: run.StartedAt.UTC(), Result: string(run.Result),
		Users: run.Users, SecurityUsers: run.SecurityUsers, Skipped: run.Skipped, Error: run.Error,
		Unavailable: make([]rules.UnavailableStatus, 0, len(run.Unavailable)),
	}
	if !run.FinishedAt.IsZero() {
		f := run.FinishedAt.UTC()
		out.FinishedAt = &f
	}
	for _, u := range run.Unavailable {
		out.Unavailable = append(out.Unavailable, rules.UnavailableStatus{Status: u.Status, Reason: u.Reason})
	}
	return out
}
