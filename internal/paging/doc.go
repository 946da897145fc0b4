// Package paging serves pages of a tenant's security users whose cost does
// not grow with their depth. A page that follows another (a nextLink) is a
// keyset read after the last user of the one before; a page named only by
// its pageIndex is a short keyset read from the nearest of a sparse set of
// remembered positions (anchors), which are read once per tenant, filter and
// version of the tenant's users and kept in a bounded in-process cache.
//
// Every page the Pager serves is the page a plain offset read would give at
// the same version of the tenant's users: anchors read at another version
// are never used for an answer.
package paging
