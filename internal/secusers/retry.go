package secusers

import "strconv"

// RetryAfterUnavailable is the Retry-After, in seconds, of every answer to
// an Unavailable error, from the partner API and the token endpoint alike:
// long enough for a store failover or a restart, short enough not to stall
// a sync job. One value, so that a client backs off the same from both.
const RetryAfterUnavailable = 5

// RetryAfterUnavailableHeader returns RetryAfterUnavailable as the value of
// a Retry-After header, for the layers that answer Unavailable over HTTP
// (the partner API and the token endpoint), so that they send the same
// value.
func RetryAfterUnavailableHeader() string { return strconv.Itoa(RetryAfterUnavailable) }
