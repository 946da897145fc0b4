package api

import (
	"context"
	"fmt"
	"slices"

	"github.com/secusers/secusers/internal/secusers"
)

// resolveScope finds the tenants a cross-tenant request reads: those of
// the app's partner's customers that the app's customer scope covers,
// narrowed by the request's customerId and groupId filters, each of which
// keeps only the customers it names (or the members of the groups it
// names). A filter can only narrow: a customer or group the partner does
// not have, or one outside the scope, matches nothing and is no error
// (overview-api.md: a customer outside the scope is simply not there).
//
// The scope is resolved on every request from the partner's customers and
// groups and the customers' tenants as they are now (read anew within
// RecentReads), never from a token: a customer that leaves the scope
// stops appearing in the next page, a tenant added to a customer in scope
// appears in it.
func (h *Handler) resolveScope(ctx context.Context, c *call) error {
	customers, err := h.scopeCustomers(ctx, c)
	if err != nil {
		return err
	}
	var tenantIDs []string
	for _, id := range customers {
		tenants, err := h.recent.customerTenants.get(ctx, id)
		switch {
		case secusers.IsKind(err, secusers.NotFound):
			continue // deleted since the customers were read
		case err != nil:
			return fmt.Errorf("load tenants of customer %s: %w", id, err)
		}
		for _, t := range tenants {
			// The store lists the customer's tenants; checking the owner
			// again costs nothing and keeps a mistake there from
			// leaking another customer's changes.
			if t.CustomerID == id {
				tenantIDs = append(tenantIDs, t.ID)
			}
		}
	}
	slices.Sort(tenantIDs)
	c.tenantIDs = slices.Compact(tenantIDs)
	return nil
}

// scopeCustomers returns the ids of the app's partner's customers that the
// app's scope and the request's filters let the request read.
func (h *Handler) scopeCustomers(ctx context.Context, c *call) ([]string, error) {
	partnerID := c.app.PartnerID
	customers, err := h.recent.partnerCustomers.get(ctx, partnerID)
	switch {
	case secusers.IsKind(err, secusers.NotFound):
		return nil, nil // the partner is gone: nothing is in scope
	case err != nil:
		return nil, fmt.Errorf("load customers of partner %s: %w", partnerID, err)
	}
	// A customer's groups, as Covers takes them, are read only when the
	// app's scope or the request's filter is by group.
	groupsOf := map[string][]string{}
	if c.app.Scope.Kind == secusers.ScopeGroups || len(c.changes.GroupIDs) > 0 {
		groups, err := h.recent.partnerGroups.get(ctx, partnerID)
		if err != nil && !secusers.IsKind(err, secusers.NotFound) {
			return nil, fmt.Errorf("load groups of partner %s: %w", partnerID, err)
		}
		for _, g := range groups {
			for _, id := range g.CustomerIDs {
				groupsOf[id] = append(groupsOf[id], g.ID)
			}
		}
	}
	q := c.changes
	var out []string
	for _, cu := range customers {
		switch {
		case cu.PartnerID != partnerID || cu.ID == "":
			continue
		case !c.app.Scope.Covers(cu.ID, groupsOf[cu.ID]):
			continue
		case q.CustomerIDs != nil && !slices.Contains(q.CustomerIDs, cu.ID):
			continue
		case q.GroupIDs != nil && !slices.ContainsFunc(groupsOf[cu.ID], func(g string) bool { return slices.Contains(q.GroupIDs, g) }):
			continue
		}
		out = append(out, cu.ID)
	}
	return out, nil
}
