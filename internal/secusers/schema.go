package secusers

// CheckSchema is the schema rule of Store.Ping: a store is ready when its
// database's schema version (the newest migration applied to it) is at
// least known, the newest migration this binary embeds. A newer schema is
// accepted, so that during a rolling upgrade the servers of the previous
// release keep serving after the first new one has migrated (migrations
// add; they do not take away what the previous release reads). An older
// schema means the database was restored, rolled back or re-created behind
// the server's back, and the server's statements would fail.
func CheckSchema(have, known int64) error {
	switch {
	case have == 0:
		return NoSchema(nil)
	case have < known:
		return Errorf(Unavailable, "the database's schema is at version %d, older than this release's %d", have, known)
	}
	return nil
}

// NoSchema is the Unavailable error of a database without the service's
// schema: its version table is missing or empty. cause, which may be nil,
// is the store's own error, for the log.
func NoSchema(cause error) error {
	return Wrap(Unavailable, cause, "the database has no schema: it was emptied or re-created after the server started")
}
