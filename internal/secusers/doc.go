// Package secusers is the domain of the service: partners, customers, customer
// groups, tenants, security users, app registrations and their credentials,
// the status bit set, the Store interface every backend implements, and the
// Error type whose kinds every layer maps to its own vocabulary (HTTP status,
// OAuth2 error, exit code). It does no I/O.
package secusers
