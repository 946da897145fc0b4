package secusers

import "time"

// The Prepared methods are the step every store takes before it writes a
// new record: check it, bring it to its one canonical form, and date it at
// now (the store's clock) to the precision stores keep. Being the domain's,
// they are one rule for both stores: a record prepared by one store is the
// record the other would have stored.

// Prepared returns the partner as a store keeps it, created at now.
func (p Partner) Prepared(now time.Time) (Partner, error) {
	if err := p.Validate(); err != nil {
		return Partner{}, err
	}
	p.CreatedAt = StoredTime(now)
	return p, nil
}

// Prepared returns the customer as a store keeps it, created at now.
func (c Customer) Prepared(now time.Time) (Customer, error) {
	if err := c.Validate(); err != nil {
		return Customer{}, err
	}
	c.CreatedAt = StoredTime(now)
	return c, nil
}

// Prepared returns the group as a store keeps it, created at now.
func (g CustomerGroup) Prepared(now time.Time) (CustomerGroup, error) {
	if err := g.Validate(); err != nil {
		return CustomerGroup{}, err
	}
	g.CreatedAt = StoredTime(now)
	return g, nil
}

// Prepared returns the tenant as a store keeps it, created at now.
func (t Tenant) Prepared(now time.Time) (Tenant, error) {
	if err := t.Validate(); err != nil {
		return Tenant{}, err
	}
	t.CreatedAt = StoredTime(now)
	return t, nil
}

// Prepared returns the app as a store keeps it, created at now, with its
// scope in canonical form, so that an app reads back as it was stored.
func (a App) Prepared(now time.Time) (App, error) {
	if err := a.Validate(); err != nil {
		return App{}, err
	}
	a.CreatedAt, a.Scope = StoredTime(now), a.Scope.Canonical()
	return a, nil
}

// Prepared returns the secret as a store keeps it, created at now, its
// expiry kept to the millisecond like every stored time.
func (s ClientSecret) Prepared(now time.Time) (ClientSecret, error) {
	if err := s.Validate(); err != nil {
		return ClientSecret{}, err
	}
	s.CreatedAt, s.ExpiresAt = StoredTime(now), StoredTime(s.ExpiresAt)
	return s, nil
}

// Prepared returns the certificate as a store keeps it, created at now. The
// thumbprint is in its canonical form (CanonicalThumbprint), so that one
// certificate cannot be registered twice under two spellings; the validity
// period is kept to the millisecond like every stored time.
func (c ClientCertificate) Prepared(now time.Time) (ClientCertificate, error) {
	if err := c.Validate(); err != nil {
		return ClientCertificate{}, err
	}
	c.Thumbprint, c.CreatedAt = CanonicalThumbprint(c.Thumbprint), StoredTime(now)
	c.NotBefore, c.NotAfter = StoredTime(c.NotBefore), StoredTime(c.NotAfter)
	return c, nil
}

// Prepared returns the connection as a store saves it, updated at now. Its
// CreatedAt is the store's to set: a replaced connection keeps its own.
func (c TenantConnection) Prepared(now time.Time) (TenantConnection, error) {
	if err := c.Validate(); err != nil {
		return TenantConnection{}, err
	}
	c.UpdatedAt = StoredTime(now)
	return c, nil
}
