package demo

import (
	"context"
	"slices"

	"github.com/secusers/secusers/internal/secusers"
)

// ensureOne looks a demo entity up and creates it when it is missing. A
// Conflict from create means another process created it meanwhile (two
// `serve --demo` starting on one database), so the entity is looked up
// again and checked like one that was there.
func ensureOne[T any](ctx context.Context, get func(context.Context) (T, error), create func(context.Context) error, check func(T) error) error {
	v, err := get(ctx)
	if secusers.IsKind(err, secusers.NotFound) {
		err = create(ctx)
		if err == nil {
			return nil
		}
		if !secusers.IsKind(err, secusers.Conflict) {
			return err
		}
		v, err = get(ctx)
	}
	if err != nil {
		return err
	}
	return check(v)
}

// taken reports that a demo id is used by something that is not the demo,
// which Ensure must not take over.
func taken(what, id string) error {
	return secusers.Errorf(secusers.Conflict, "the demo %s id %s is in use by another %s; use a fresh database for the demo", what, id, what)
}

func ensurePartner(ctx context.Context, st secusers.Store) error {
	return ensureOne(ctx,
		func(ctx context.Context) (secusers.Partner, error) { return st.Partner(ctx, PartnerID) },
		func(ctx context.Context) error {
			_, err := st.CreatePartner(ctx, secusers.Partner{ID: PartnerID, Name: PartnerName})
			return err
		},
		func(secusers.Partner) error { return nil })
}

func ensureCustomer(ctx context.Context, st secusers.Store) error {
	return ensureOne(ctx,
		func(ctx context.Context) (secusers.Customer, error) { return st.Customer(ctx, CustomerID) },
		func(ctx context.Context) error {
			_, err := st.CreateCustomer(ctx, secusers.Customer{ID: CustomerID, PartnerID: PartnerID, Organization: Organization})
			return err
		},
		func(c secusers.Customer) error {
			if c.PartnerID != PartnerID {
				return taken("customer", CustomerID)
			}
			return nil
		})
}

func ensureTenant(ctx context.Context, st secusers.Store) error {
	return ensureOne(ctx,
		func(ctx context.Context) (secusers.Tenant, error) { return st.Tenant(ctx, TenantID) },
		func(ctx context.Context) error {
			_, err := st.CreateTenant(ctx, secusers.Tenant{ID: TenantID, CustomerID: CustomerID, Name: TenantName})
			return err
		},
		func(t secusers.Tenant) error {
			if t.CustomerID != CustomerID {
				return taken("tenant", TenantID)
			}
			return nil
		})
}

func ensureApp(ctx context.Context, st secusers.Store) error {
	return ensureOne(ctx,
		func(ctx context.Context) (secusers.App, error) { return st.App(ctx, ClientID) },
		func(ctx context.Context) error {
			_, err := st.CreateApp(ctx, secusers.App{
				ClientID: ClientID, PartnerID: PartnerID, Name: AppName,
				Permissions: []string{secusers.PermissionReadUsers},
				Scope:       secusers.CustomerScope{Kind: secusers.ScopeAllCustomers},
			})
			return err
		},
		func(a secusers.App) error {
			switch {
			case a.PartnerID != PartnerID:
				return taken("app", ClientID)
			case a.Disabled:
				return secusers.Errorf(secusers.Conflict, "the demo app %s is disabled; use a fresh database for the demo", ClientID)
			case !slices.Contains(a.Permissions, secusers.PermissionReadUsers):
				return secusers.Errorf(secusers.Conflict, "the demo app %s lacks %s; use a fresh database for the demo", ClientID, secusers.PermissionReadUsers)
			}
			return nil
		})
}
