package api

import (
	"context"

	"github.com/secusers/secusers/internal/secusers"
)

// The overview endpoints' paths (overview-api.md §3, §4). Like the
// security-users endpoint's, each is served with and without the
// partnerPrefix.
const (
	tenantOverviewPath = "/external/v3/um/customers/{customerId}/tenants/{tenantId}/overview/security"
	historyPath        = tenantOverviewPath + "/history"
	tenantChangesPath  = tenantOverviewPath + "/changes"
	changesPath        = "/external/v3/um/overview/security/changes"
	partnerPrefix      = "/partner"
)

// parseHistory reads the path's GUIDs and the history's from and to.
func (h *Handler) parseHistory(_ context.Context, c *call) error {
	if err := parsePath(c); err != nil {
		return err
	}
	q, err := parseHistoryQuery(c.r.URL.RawQuery, h.now())
	c.history = q
	return err
}

// parseTenantChanges reads the path's GUIDs and the changes query of one
// tenant, whose changes are the only ones read.
func (h *Handler) parseTenantChanges(_ context.Context, c *call) error {
	if err := parsePath(c); err != nil {
		return err
	}
	if err := h.parseChangesQuery(c, false); err != nil {
		return err
	}
	c.tenantIDs = []string{c.tenantID}
	return nil
}

// parseChanges reads the changes query across tenants, with its customerId
// and groupId filters; resolveScope then finds the tenants.
func (h *Handler) parseChanges(_ context.Context, c *call) error {
	return h.parseChangesQuery(c, true)
}

// parseChangesQuery reads a changes query and checks that its token, if
// any, was made for this request, so that a token from another tenant or
// filter is a 400 like any other bad parameter rather than a silent jump
// in another request's feed.
func (h *Handler) parseChangesQuery(c *call, crossTenant bool) error {
	q, err := parseChangesQuery(c.r.URL.RawQuery, h.now(), crossTenant)
	if err != nil {
		return err
	}
	c.changes = q
	if q.Token != nil && !q.Token.validFor(changeScope(c)) {
		msg := msgChangeSkip
		if q.Delta {
			msg = msgChangeDelta
		}
		return secusers.Errorf(secusers.Invalid, "%s", msg)
	}
	return nil
}

// hideOutOfScope is checkCustomerScope for the overview endpoints, where a
// customer of the app's partner outside the app's customer scope "is
// simply not there (no 403, no hint)" (overview-api.md): the same 404 as a
// customer that does not exist, whatever the tenant id.
func (h *Handler) hideOutOfScope(ctx context.Context, c *call) error {
	err := h.checkCustomerScope(ctx, c)
	if secusers.IsKind(err, secusers.Forbidden) {
		return notFoundError(c, err)
	}
	return err
}
