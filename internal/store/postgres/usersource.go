package postgres

import (
	"encoding/hex"
	"iter"

	"github.com/secusers/secusers/internal/secusers"
)

// userSource feeds ReplaceUsers' COPY from the caller's sequence
// (pgx.CopyFromSource). It validates each user and refuses a repeated id as
// the user arrives, so that the error names the user's position exactly as
// the SQLite store's does, and stops the COPY at the first bad user. It is
// the only guard against a repeated id: the users table has no unique index
// (see the migration for why), and one would report a repeat only as a
// failed COPY whose position is lost.
//
// pgx pulls rows from a goroutine of its own while the COPY runs; it stops
// pulling before CopyFrom returns, so the pull iterator is never used by two
// goroutines at once.
type userSource struct {
	tenantID string
	next     func() (secusers.User, error, bool)
	stop     func()

	n      int                          // users accepted so far
	seen   map[[16]byte]struct{}        // their ids, 16 bytes each
	counts map[secusers.StatusSet]int64 // how many have each status set
	values []any                        // the current user's row, reused

	err    error // what stopped the COPY early, if anything
	seqErr error // the sequence's own error, if that was it
}

func newUserSource(tenantID string, users iter.Seq2[secusers.User, error]) *userSource {
	next, stop := iter.Pull2(users)
	return &userSource{
		tenantID: tenantID, next: next, stop: stop,
		seen: make(map[[16]byte]struct{}), counts: make(map[secusers.StatusSet]int64),
	}
}

// Next advances to the next user, or stops at the end of the sequence or at
// the first error.
func (s *userSource) Next() bool {
	u, err, ok := s.next()
	switch {
	case !ok:
		return false
	case err != nil:
		s.err, s.seqErr = err, err
		return false
	}
	s.n++
	if err := u.ValidateAt(s.n); err != nil {
		s.err = err
		return false
	}
	key := idKey(u.ID)
	if _, dup := s.seen[key]; dup {
		s.err = secusers.DuplicateUserID(s.n, u.ID)
		return false
	}
	s.seen[key] = struct{}{}
	s.counts[u.Status]++
	if s.values, err = userValues(s.values[:0], s.tenantID, u); err != nil {
		s.err = err
		return false
	}
	return true
}

// Values returns the current user's row.
func (s *userSource) Values() ([]any, error) { return s.values, nil }

// Err returns what stopped the sequence early; pgx then aborts the COPY.
func (s *userSource) Err() error { return s.err }

// idKey packs a validated (canonical, 8-4-4-4-12 hex) user id into 16
// bytes, a third of the string's size and with no pointer for the garbage
// collector to follow.
func idKey(id string) [16]byte {
	var k [16]byte
	hex.Decode(k[0:4], []byte(id[0:8]))
	hex.Decode(k[4:6], []byte(id[9:13]))
	hex.Decode(k[6:8], []byte(id[14:18]))
	hex.Decode(k[8:10], []byte(id[19:23]))
	hex.Decode(k[10:16], []byte(id[24:36]))
	return k
}
