// Package fakegraph is a fake Microsoft Graph for tests, benchmarks and
// demos: it serves one generated (or hand-built) tenant with Graph's own
// JSON shapes, so the production Graph client and sync run against it
// unchanged.
//
// It implements the Entra login endpoint (client credentials with a client
// secret or an RS256 client assertion signed by a registered certificate)
// and the six v1.0 reads of sync.md: domains, users (with $select and
// signInActivity), userRegistrationDetails, riskyUsers, managedDevices and
// soft-deleted users, each paged through an opaque $skiptoken in
// @odata.nextLink and honouring $top and $select.
//
// The failures a real tenant gives are switchable at run time: a read that
// is not licensed (403, or the 400 Graph sends instead), throttling with and
// without Retry-After, 503s, failing the Nth request or a storm of K then
// recovering, and slow pages. Counters tell tests what the client asked for.
//
// A generated tenant holds no per-user state: every user, device and risk
// record is computed from the seed and its index when a page needs it, so a
// 1,000,000-user tenant costs the memory of one page.
package fakegraph
