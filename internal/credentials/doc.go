// Package credentials keeps tenant credentials encrypted at rest (spec/sync.md,
// "The connection of a tenant"): a Box seals and opens them with
// AES-256-GCM under the master key, LoadKey finds that key (the
// SECUSERS_MASTER_KEY environment variable, or for the embedded SQLite
// default a key file beside the database), and Secret holds the client
// secret or certificate of one tenant connection.
//
// Key material and secrets are never printed: Box and Secret redact
// themselves under every fmt verb, in slog and in JSON, and no error of this
// package quotes a key or a secret.
package credentials
