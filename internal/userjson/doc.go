// Package userjson encodes a user's JSON for the security-users endpoint
// once, when the user is written, and assembles a page's users from those
// bytes at response time.
//
// The stores keep Encode's bytes with each user's row. They hold the text
// fields, which are most of a user's bytes and all of its escaping, in
// three parts: everything before status, officePhone and company, and the
// country's value. What is left is written per response: status, isTestUser
// and age (which depends on the time of the response), the dates, and the
// country's name. The parts are what the endpoint's two revisions
// (security-users-api.md §6: status as a bit set or an array, dates as
// milliseconds or RFC 3339, countryRegion or countryOrRegion) have in
// common, so one stored encoding serves both.
package userjson
