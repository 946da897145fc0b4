package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/secusers/secusers/internal/identity"
	"github.com/secusers/secusers/internal/secusers"
)

// The demo's fixed ids. They are documented (the "de" prefix reads as
// "demo") so that a tutorial can name them, and fixed so that Ensure finds
// what an earlier run made instead of adding a second demo.
const (
	PartnerID  = "de000000-0000-4000-8000-000000000001"
	CustomerID = "de000000-0000-4000-8000-000000000002"
	TenantID   = "de000000-0000-4000-8000-000000000003"
	ClientID   = "de000000-0000-4000-8000-000000000004"
)

// The demo's names.
const (
	PartnerName  = "Demo Partner"
	Organization = "Contoso Ltd."
	TenantName   = "Contoso"
	AppName      = "Demo app"
	// Domain is the demo tenant's domain, which its users' names are on.
	Domain = "contoso.onmicrosoft.com"
)

// Config tunes Ensure. The zero value is the documented demo.
type Config struct {
	// Users is how many users an empty demo tenant gets; DefaultUsers when 0.
	Users int
	// Seed makes the users; 0 is as good a seed as any.
	Seed int64
	// SecretYears is the new client secret's lifetime: 1 (when 0), 2 or 3.
	SecretYears int
}

// Result is what Ensure made sure of, and what `serve --demo` prints.
type Result struct {
	PartnerID, CustomerID, TenantID, ClientID string
	// ClientSecret is the secret added by this call; the store keeps only
	// its hash, so this is the one chance to show it.
	ClientSecret    string
	SecretExpiresAt time.Time
	// Seeded is how many users this call wrote: 0 when the tenant had
	// users already (they are left alone, imported or not).
	Seeded int
	// SecurityUsers is how many users of the tenant have a status now.
	SecurityUsers int64
}

// Ensure makes sure the store holds the demo partner, customer, tenant and
// app (permission partner.um.user.read.all, every customer of the partner),
// fills the tenant with generated users when it has none, and adds a fresh
// client secret to the app. Running it again, from this process or another,
// adds nothing but a secret. now places the users' password changes and
// the secret's expiry.
func Ensure(ctx context.Context, store secusers.Store, now time.Time, cfg Config) (Result, error) {
	res := Result{PartnerID: PartnerID, CustomerID: CustomerID, TenantID: TenantID, ClientID: ClientID}
	for _, step := range []func(context.Context, secusers.Store) error{ensurePartner, ensureCustomer, ensureTenant, ensureApp} {
		if err := step(ctx, store); err != nil {
			return res, err
		}
	}
	var err error
	if res.Seeded, err = fillTenant(ctx, store, now, cfg); err != nil {
		return res, fmt.Errorf("demo users: %w", err)
	}
	page, err := store.SecurityUsers(ctx, TenantID, secusers.UserQuery{Limit: 1})
	if err != nil {
		return res, fmt.Errorf("counting demo users: %w", err)
	}
	res.SecurityUsers = page.Total
	res.ClientSecret, res.SecretExpiresAt, err = addSecret(ctx, store, now, cfg.SecretYears)
	return res, err
}

// fillTenant writes generated users when the tenant has none.
func fillTenant(ctx context.Context, store secusers.Store, now time.Time, cfg Config) (int, error) {
	for _, err := range store.Users(ctx, TenantID) {
		return 0, err // one user, or an error, is enough to know
	}
	n := cfg.Users
	if n <= 0 {
		n = DefaultUsers
	}
	r, err := store.ReplaceUsers(ctx, TenantID, UserSeq(cfg.Seed, n, Domain, now))
	return r.After, err
}

func addSecret(ctx context.Context, store secusers.Store, now time.Time, years int) (string, time.Time, error) {
	if years == 0 {
		years = 1
	}
	secret, rec, err := identity.NewClientSecret(ClientID, years, now)
	if err != nil {
		return "", time.Time{}, err
	}
	rec, err = store.AddClientSecret(ctx, rec)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("adding the demo secret: %w", err)
	}
	return secret, rec.ExpiresAt, nil
}
