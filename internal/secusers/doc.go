// Package secusers is the domain of the service: partners, customers, customer
// groups, tenants, security users, app registrations and their credentials,
// the status bit set, the Store interface every backend implements, and the
// Error type whose kinds every layer maps to its own vocabulary (HTTP status,
// OAuth2 error, exit code). It does no I/O.
//
// It also owns every rule of the stores that does not depend on the
// database: validation, limits, caller-facing messages, audit details,
// status bits, the millisecond precision of stored times, and the wording of
// database faults (StoreError). A store method opens with the domain's check
// and then holds only SQL, so that the stores cannot drift apart.
package secusers
