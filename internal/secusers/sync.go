package secusers

import (
	"iter"
	"time"
)

// TenantConnection is how the sync reaches a tenant through Microsoft Graph.
// The credentials are sealed (encrypted) before they reach the store, which
// never sees them in the clear.
type TenantConnection struct {
	TenantID      string
	EntraTenantID string // the customer's Entra tenant, a GUID
	ClientID      string // the partner's app registration in that tenant
	// Credentials is the sealed client secret, or certificate and key.
	Credentials  []byte
	GraphURL     string // e.g. https://graph.microsoft.com
	LoginURL     string // e.g. https://login.microsoftonline.com
	InactiveDays int    // the Inactive status's period
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Validate checks the connection before it is stored.
func (c TenantConnection) Validate() error {
	switch {
	case checkGUID("tenant id", c.TenantID) != nil:
		return checkGUID("tenant id", c.TenantID)
	case checkGUID("Entra tenant id", c.EntraTenantID) != nil:
		return checkGUID("Entra tenant id", c.EntraTenantID)
	case checkText("client id", c.ClientID, true) != nil:
		return checkText("client id", c.ClientID, true)
	case len(c.Credentials) == 0:
		return Errorf(Invalid, "a tenant connection needs credentials")
	case checkText("Graph URL", c.GraphURL, true) != nil:
		return checkText("Graph URL", c.GraphURL, true)
	case checkText("login URL", c.LoginURL, true) != nil:
		return checkText("login URL", c.LoginURL, true)
	case c.InactiveDays < 1:
		return Errorf(Invalid, "inactive days must be at least 1, got %d", c.InactiveDays)
	}
	return nil
}

// KeepPartnerFields returns fresh with what belongs to the partner taken
// from stored, the same user as the store has it: isTestUser (and its
// TestUser bit), startDate and endDate. A sync never changes them.
func KeepPartnerFields(fresh, stored User) User {
	fresh.IsTestUser = stored.IsTestUser
	fresh.Status = fresh.Status.Without(TestUser)
	if stored.IsTestUser {
		fresh.Status = fresh.Status.With(TestUser)
	}
	fresh.StartDate, fresh.EndDate = stored.StartDate, stored.EndDate
	return fresh
}

// KeepingPartnerFields returns users with what belongs to the partner kept
// (KeepPartnerFields) from stored: the store's users that have any partner
// field (the TestUser bit, startDate, endDate), read with at least their
// id, status and dates. A user not in stored has none. Errors the sequence
// yields pass through.
func KeepingPartnerFields(users iter.Seq2[User, error], stored []User) iter.Seq2[User, error] {
	byID := make(map[string]User, len(stored))
	for _, u := range stored {
		u.IsTestUser = u.Status.Has(TestUser)
		byID[u.ID] = u
	}
	return func(yield func(User, error) bool) {
		for u, err := range users {
			if err == nil {
				u = KeepPartnerFields(u, byID[u.ID])
			}
			if !yield(u, err) {
				return
			}
		}
	}
}

// NotConnected is the NotFound error of a tenant without a connection.
func NotConnected(tenantID string) error {
	return Errorf(NotFound, "tenant %s is not connected to Microsoft Graph", tenantID)
}

// ScanTenantConnection reads a connection from a row of the columns
// tenant_id, entra_tenant_id, client_id, credentials, graph_url, login_url,
// inactive_days, created_at, updated_at.
func ScanTenantConnection(row Row) (TenantConnection, error) {
	var c TenantConnection
	err := row.Scan(&c.TenantID, &c.EntraTenantID, &c.ClientID, &c.Credentials, &c.GraphURL, &c.LoginURL,
		&c.InactiveDays, ScanMillis(&c.CreatedAt), ScanMillis(&c.UpdatedAt))
	return c, err
}
