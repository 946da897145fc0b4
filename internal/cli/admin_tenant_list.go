package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/tenantsync/rules"
)

// tenantJSON is a tenant as the list command prints it: with its Graph
// connection and its last sync run when it has them.
type tenantJSON struct {
	ID         string          `json:"id"`
	CustomerID string          `json:"customerId"`
	Name       string          `json:"name"`
	CreatedAt  time.Time       `json:"createdAt"`
	Connection *connectionJSON `json:"connection,omitempty"`
	LastSync   *runJSON        `json:"lastSync,omitempty"`
}

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

func (e *env) tenantListCommand() *cobra.Command {
	var customer string
	cmd := &cobra.Command{
		Use:   "list [--customer CID]",
		Short: "List tenants, of one customer or of all, with their last sync",
		Long: `List tenants, of one customer or of all. A tenant connected to Microsoft Graph
shows its Entra tenant and its last sync run: when it started, its result
(running, succeeded or failed), and the users and security users it wrote. A run
that says running long after it started was interrupted (its process was
killed); the tenant's next run supersedes it.`,
		Example: `  secusers admin tenant list
  secusers admin tenant list --customer "$CUSTOMER" -o json   # {"tenants":[…]}`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.listTenants(cmd.Context(), customer) },
	}
	cmd.Flags().StringVar(&customer, "customer", "", "list only this customer's tenants")
	return cmd
}

// listTenants prints the tenants of the customer, or of all customers
// without --customer; the store refuses an unknown customer.
func (e *env) listTenants(ctx context.Context, customer string) error {
	var cid string
	if customer != "" {
		var err error
		if cid, err = parseID("customer", customer); err != nil {
			return err
		}
	}
	return e.withStore(ctx, func(st secusers.Store) error {
		tenants, err := tenantsWithSyncState(ctx, st, cid)
		if err != nil {
			return err
		}
		return e.print(struct {
			Tenants []tenantJSON `json:"tenants"`
		}{tenants}, func(w io.Writer) { tenantTable(w, tenants) })
	})
}

// tenantsWithSyncState returns the tenants of the customer (of all when
// cid is ""), with their connections and last runs.
func tenantsWithSyncState(ctx context.Context, st secusers.Store, cid string) ([]tenantJSON, error) {
	tenants, err := st.Tenants(ctx, cid)
	if err != nil {
		return nil, err
	}
	out := make([]tenantJSON, 0, len(tenants))
	for _, t := range tenants {
		out = append(out, tenantJSON{ID: t.ID, CustomerID: t.CustomerID, Name: t.Name, CreatedAt: t.CreatedAt.UTC()})
	}
	return out, addSyncState(ctx, st, out)
}

// addSyncState fills in each tenant's connection and last run.
func addSyncState(ctx context.Context, st secusers.Store, tenants []tenantJSON) error {
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

func tenantTable(w io.Writer, tenants []tenantJSON) {
	row(w, "ID", "CUSTOMER", "NAME", "CREATED", "LAST SYNC", "RESULT", "USERS", "SECURITY USERS")
	for _, t := range tenants {
		last, result, users, security := "-", "-", "-", "-"
		switch {
		case t.LastSync != nil:
			r := t.LastSync
			last, result = r.StartedAt.Format(time.RFC3339), r.Result
			if r.Result == string(secusers.SyncSucceeded) {
				users, security = fmt.Sprint(r.Users), fmt.Sprint(r.SecurityUsers)
			}
		case t.Connection != nil:
			last = "never"
		}
		row(w, t.ID, t.CustomerID, t.Name, t.CreatedAt.Format(time.RFC3339), last, result, users, security)
	}
}
