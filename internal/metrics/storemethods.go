package metrics

import (
	"context"
	"iter"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// The Store methods, in the order of the interface. Each names itself in
// its observation; TestInstrumentStoreRecordsEveryMethod calls them all.

func (s *instrumentedStore) Ping(ctx context.Context) (err error) {
	defer s.observe(ctx, "Ping", time.Now(), &err)
	return s.next.Ping(ctx)
}

func (s *instrumentedStore) Close() (err error) {
	defer s.observe(context.Background(), "Close", time.Now(), &err)
	return s.next.Close()
}

func (s *instrumentedStore) CreatePartner(ctx context.Context, p secusers.Partner) (_ secusers.Partner, err error) {
	defer s.observe(ctx, "CreatePartner", time.Now(), &err)
	return s.next.CreatePartner(ctx, p)
}

func (s *instrumentedStore) Partner(ctx context.Context, id string) (_ secusers.Partner, err error) {
	defer s.observe(ctx, "Partner", time.Now(), &err)
	return s.next.Partner(ctx, id)
}

func (s *instrumentedStore) Partners(ctx context.Context) (_ []secusers.Partner, err error) {
	defer s.observe(ctx, "Partners", time.Now(), &err)
	return s.next.Partners(ctx)
}

func (s *instrumentedStore) CreateCustomer(ctx context.Context, c secusers.Customer) (_ secusers.Customer, err error) {
	defer s.observe(ctx, "CreateCustomer", time.Now(), &err)
	return s.next.CreateCustomer(ctx, c)
}

func (s *instrumentedStore) Customer(ctx context.Context, id string) (_ secusers.Customer, err error) {
	defer s.observe(ctx, "Customer", time.Now(), &err)
	return s.next.Customer(ctx, id)
}

func (s *instrumentedStore) Customers(ctx context.Context, partnerID string) (_ []secusers.Customer, err error) {
	defer s.observe(ctx, "Customers", time.Now(), &err)
	return s.next.Customers(ctx, partnerID)
}

func (s *instrumentedStore) CreateGroup(ctx context.Context, g secusers.CustomerGroup) (_ secusers.CustomerGroup, err error) {
	defer s.observe(ctx, "CreateGroup", time.Now(), &err)
	return s.next.CreateGroup(ctx, g)
}

func (s *instrumentedStore) Groups(ctx context.Context, partnerID string) (_ []secusers.CustomerGroup, err error) {
	defer s.observe(ctx, "Groups", time.Now(), &err)
	return s.next.Groups(ctx, partnerID)
}

func (s *instrumentedStore) GroupIDsOfCustomer(ctx context.Context, customerID string) (_ []string, err error) {
	defer s.observe(ctx, "GroupIDsOfCustomer", time.Now(), &err)
	return s.next.GroupIDsOfCustomer(ctx, customerID)
}

func (s *instrumentedStore) CreateTenant(ctx context.Context, t secusers.Tenant) (_ secusers.Tenant, err error) {
	defer s.observe(ctx, "CreateTenant", time.Now(), &err)
	return s.next.CreateTenant(ctx, t)
}

func (s *instrumentedStore) Tenant(ctx context.Context, id string) (_ secusers.Tenant, err error) {
	defer s.observe(ctx, "Tenant", time.Now(), &err)
	return s.next.Tenant(ctx, id)
}

func (s *instrumentedStore) Tenants(ctx context.Context, customerID string) (_ []secusers.Tenant, err error) {
	defer s.observe(ctx, "Tenants", time.Now(), &err)
	return s.next.Tenants(ctx, customerID)
}

func (s *instrumentedStore) CreateApp(ctx context.Context, a secusers.App) (_ secusers.App, err error) {
	defer s.observe(ctx, "CreateApp", time.Now(), &err)
	return s.next.CreateApp(ctx, a)
}

func (s *instrumentedStore) App(ctx context.Context, clientID string) (_ secusers.App, err error) {
	defer s.observe(ctx, "App", time.Now(), &err)
	return s.next.App(ctx, clientID)
}

func (s *instrumentedStore) Apps(ctx context.Context, partnerID string) (_ []secusers.App, err error) {
	defer s.observe(ctx, "Apps", time.Now(), &err)
	return s.next.Apps(ctx, partnerID)
}

func (s *instrumentedStore) DisableApp(ctx context.Context, clientID string) (err error) {
	defer s.observe(ctx, "DisableApp", time.Now(), &err)
	return s.next.DisableApp(ctx, clientID)
}

func (s *instrumentedStore) SetAppScope(ctx context.Context, clientID string, scope secusers.CustomerScope) (err error) {
	defer s.observe(ctx, "SetAppScope", time.Now(), &err)
	return s.next.SetAppScope(ctx, clientID, scope)
}

func (s *instrumentedStore) AddClientSecret(ctx context.Context, cs secusers.ClientSecret) (_ secusers.ClientSecret, err error) {
	defer s.observe(ctx, "AddClientSecret", time.Now(), &err)
	return s.next.AddClientSecret(ctx, cs)
}

func (s *instrumentedStore) ClientSecrets(ctx context.Context, clientID string) (_ []secusers.ClientSecret, err error) {
	defer s.observe(ctx, "ClientSecrets", time.Now(), &err)
	return s.next.ClientSecrets(ctx, clientID)
}

// ReplaceUsers' time includes producing the users: the store pulls them
// from the sequence between the short transactions that write them.
func (s *instrumentedStore) ReplaceUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error]) (_ secusers.Replacement, err error) {
	defer s.observe(ctx, "ReplaceUsers", time.Now(), &err)
	return s.next.ReplaceUsers(ctx, tenantID, users)
}

func (s *instrumentedStore) SecurityUsers(ctx context.Context, tenantID string, q secusers.UserQuery) (_ secusers.UserPage, err error) {
	defer s.observe(ctx, "SecurityUsers", time.Now(), &err)
	return s.next.SecurityUsers(ctx, tenantID, q)
}

func (s *instrumentedStore) SecurityUserKeys(ctx context.Context, tenantID string, statuses secusers.StatusSet, every int) (_ []secusers.UserKey, _ int64, err error) {
	defer s.observe(ctx, "SecurityUserKeys", time.Now(), &err)
	return s.next.SecurityUserKeys(ctx, tenantID, statuses, every)
}

// Users is timed from the first item to the last the caller takes, since
// the store's query runs while the caller iterates; its outcome is the
// error the sequence yielded, if any.
func (s *instrumentedStore) Users(ctx context.Context, tenantID string) iter.Seq2[secusers.User, error] {
	users := s.next.Users(ctx, tenantID)
	return func(yield func(secusers.User, error) bool) {
		var err error
		defer s.observe(ctx, "Users", time.Now(), &err)
		for u, uerr := range users {
			if uerr != nil {
				err = uerr
			}
			if !yield(u, uerr) {
				return
			}
		}
	}
}

func (s *instrumentedStore) SigningKeys(ctx context.Context) (_ []secusers.SigningKey, err error) {
	defer s.observe(ctx, "SigningKeys", time.Now(), &err)
	return s.next.SigningKeys(ctx)
}

func (s *instrumentedStore) EnsureSigningKey(ctx context.Context, candidate secusers.SigningKey) (_ secusers.SigningKey, err error) {
	defer s.observe(ctx, "EnsureSigningKey", time.Now(), &err)
	return s.next.EnsureSigningKey(ctx, candidate)
}

func (s *instrumentedStore) RotateSigningKey(ctx context.Context, candidate secusers.SigningKey) (_ secusers.SigningKey, err error) {
	defer s.observe(ctx, "RotateSigningKey", time.Now(), &err)
	return s.next.RotateSigningKey(ctx, candidate)
}

func (s *instrumentedStore) PruneSigningKeys(ctx context.Context, retiredBefore time.Time) (_ int, err error) {
	defer s.observe(ctx, "PruneSigningKeys", time.Now(), &err)
	return s.next.PruneSigningKeys(ctx, retiredBefore)
}

func (s *instrumentedStore) SaveTenantConnection(ctx context.Context, c secusers.TenantConnection) (_ secusers.TenantConnection, err error) {
	defer s.observe(ctx, "SaveTenantConnection", time.Now(), &err)
	return s.next.SaveTenantConnection(ctx, c)
}

func (s *instrumentedStore) TenantConnection(ctx context.Context, tenantID string) (_ secusers.TenantConnection, err error) {
	defer s.observe(ctx, "TenantConnection", time.Now(), &err)
	return s.next.TenantConnection(ctx, tenantID)
}

func (s *instrumentedStore) TenantConnections(ctx context.Context) (_ []secusers.TenantConnection, err error) {
	defer s.observe(ctx, "TenantConnections", time.Now(), &err)
	return s.next.TenantConnections(ctx)
}

// StartSyncRun's Conflict is a sync refused because the tenant has one
// running, which is routine for a schedule on several servers.
func (s *instrumentedStore) StartSyncRun(ctx context.Context, run secusers.SyncRun) (_ secusers.SyncRun, err error) {
	defer s.observe(ctx, "StartSyncRun", time.Now(), &err)
	return s.next.StartSyncRun(ctx, run)
}

func (s *instrumentedStore) FinishSyncRun(ctx context.Context, run secusers.SyncRun) (err error) {
	defer s.observe(ctx, "FinishSyncRun", time.Now(), &err)
	return s.next.FinishSyncRun(ctx, run)
}

// LockTenantSync is timed until the lock is taken or refused, not while it
// is held: a lock held for a run's minutes is not a slow store call.
func (s *instrumentedStore) LockTenantSync(ctx context.Context, tenantID string) (_ context.Context, _ func(), err error) {
	defer s.observe(ctx, "LockTenantSync", time.Now(), &err)
	return s.next.LockTenantSync(ctx, tenantID)
}

func (s *instrumentedStore) AbandonSyncRuns(ctx context.Context, tenantID, reason string) (_ int, err error) {
	defer s.observe(ctx, "AbandonSyncRuns", time.Now(), &err)
	return s.next.AbandonSyncRuns(ctx, tenantID, reason)
}

func (s *instrumentedStore) LatestSyncRun(ctx context.Context, tenantID string) (_ secusers.SyncRun, err error) {
	defer s.observe(ctx, "LatestSyncRun", time.Now(), &err)
	return s.next.LatestSyncRun(ctx, tenantID)
}

// SyncUsers' time, like ReplaceUsers', includes producing the users (the
// store pulls them from the sync as it writes the generation).
func (s *instrumentedStore) SyncUsers(ctx context.Context, tenantID string, users iter.Seq2[secusers.User, error]) (_ int, err error) {
	defer s.observe(ctx, "SyncUsers", time.Now(), &err)
	return s.next.SyncUsers(ctx, tenantID, users)
}

func (s *instrumentedStore) AddClientCertificate(ctx context.Context, c secusers.ClientCertificate) (_ secusers.ClientCertificate, err error) {
	defer s.observe(ctx, "AddClientCertificate", time.Now(), &err)
	return s.next.AddClientCertificate(ctx, c)
}

func (s *instrumentedStore) ClientCertificates(ctx context.Context, clientID string) (_ []secusers.ClientCertificate, err error) {
	defer s.observe(ctx, "ClientCertificates", time.Now(), &err)
	return s.next.ClientCertificates(ctx, clientID)
}

func (s *instrumentedStore) RemoveClientCertificate(ctx context.Context, clientID, thumbprint string) (err error) {
	defer s.observe(ctx, "RemoveClientCertificate", time.Now(), &err)
	return s.next.RemoveClientCertificate(ctx, clientID, thumbprint)
}

func (s *instrumentedStore) RemoveClientSecret(ctx context.Context, clientID, secretID string) (err error) {
	defer s.observe(ctx, "RemoveClientSecret", time.Now(), &err)
	return s.next.RemoveClientSecret(ctx, clientID, secretID)
}

// UseAssertionID's Conflict is a replayed assertion refused, which an
// alert on replays counts by that outcome.
func (s *instrumentedStore) UseAssertionID(ctx context.Context, clientID, jti string, expiresAt time.Time) (err error) {
	defer s.observe(ctx, "UseAssertionID", time.Now(), &err)
	return s.next.UseAssertionID(ctx, clientID, jti, expiresAt)
}

func (s *instrumentedStore) AuditEvents(ctx context.Context, q secusers.AuditQuery) (_ []secusers.AuditEvent, err error) {
	defer s.observe(ctx, "AuditEvents", time.Now(), &err)
	return s.next.AuditEvents(ctx, q)
}

func (s *instrumentedStore) Changes(ctx context.Context, q secusers.ChangeQuery) (_ secusers.ChangePage, err error) {
	defer s.observe(ctx, "Changes", time.Now(), &err)
	return s.next.Changes(ctx, q)
}

func (s *instrumentedStore) History(ctx context.Context, tenantID string, from, to time.Time) (_ []secusers.HistoryPoint, err error) {
	defer s.observe(ctx, "History", time.Now(), &err)
	return s.next.History(ctx, tenantID, from, to)
}

func (s *instrumentedStore) StatusIntervals(ctx context.Context, tenantID, userID string) (_ []secusers.StatusInterval, err error) {
	defer s.observe(ctx, "StatusIntervals", time.Now(), &err)
	return s.next.StatusIntervals(ctx, tenantID, userID)
}

func (s *instrumentedStore) PruneHistory(ctx context.Context, before time.Time) (_ int, err error) {
	defer s.observe(ctx, "PruneHistory", time.Now(), &err)
	return s.next.PruneHistory(ctx, before)
}
