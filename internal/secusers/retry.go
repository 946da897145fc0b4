package secusers

// RetryAfterUnavailable is the Retry-After, in seconds, of every answer to
// an Unavailable error, from the partner API and the token endpoint alike:
// long enough for a store failover or a restart, short enough not to stall
// a sync job. One value, so that a client backs off the same from both.
const RetryAfterUnavailable = 5
