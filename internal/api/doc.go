// Package api serves the partner API: the security-users endpoint of
// shared/spec/security-users-api.md (§1–§4), a tenant's history and the
// feed of status changes of shared/spec/overview-api.md (§3, §4), and the
// one error writer every HTTP response of the service goes through.
//
// A request passes a short pipeline of steps (authenticate, rate-limit, load
// the app and check that the credential the token was obtained with is still
// registered, authorize, parse, resolve the customer, check the customer
// scope, resolve the tenant) before the store is asked for the page. Each step either fills in the request's state or returns an
// error, and WriteError turns that error into the spec's JSON body. Checks
// that come later (per-app rate limits) are further steps. One deadline
// (Config.StoreTimeout) bounds the store calls of a request; a store that
// misses it is a 503, as one that cannot be reached.
//
// Pages are read through a paging.Pager, so that a deep page costs what the
// first one costs: each nextLink carries a skipToken, the position of the
// page's last user (see Cursor), and a page named by pageIndex alone starts
// from the Pager's nearest anchor. Neither changes what a page holds.
//
// The overview endpoints take the same first steps (the caller, its rate
// limit, app, credential and permission), then their own: a tenant's path
// resolves the customer and tenant as the users endpoint does, except that
// a customer outside the app's scope is a 404 there ("simply not there");
// the cross-tenant changes resolve the tenants in scope anew on every
// request (resolveScope). The feed is read by position: nextLink and
// deltaLink carry a change token (see encodeChangeToken), never an offset.
package api
