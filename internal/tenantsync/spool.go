package tenantsync

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"

	"github.com/secusers/secusers/internal/secusers"
)

// spoolBuffer bounds what the spool holds in memory: the users it has not
// yet written to the file, and read ahead when it streams them back.
const spoolBuffer = 256 << 10

// spool is a temporary file of users, appended to as they go to the store,
// and streamed back, in order, only when they must be written again (the
// records are spoolcodec.go's).
//
// The file holds personal data, so it is private (0600) and, on systems
// that allow it, unlinked the moment it is created: it then lives only as
// long as the open descriptor, and even a killed process leaves nothing
// behind.
type spool struct {
	f    *os.File
	path string // still to remove at close; "" once unlinked
	w    *bufio.Writer
	rec  []byte // the record being written, reused
	n    int    // users written
}

// newSpool creates an empty spool in dir (the system's temporary directory
// when "").
func newSpool(dir string) (*spool, error) {
	f, err := os.CreateTemp(dir, "secusers-sync-*.spool")
	if err != nil {
		return nil, &spoolError{fmt.Errorf("sync: creating the spool file: %w", err)}
	}
	s := &spool{f: f, path: f.Name()}
	if os.Remove(f.Name()) == nil { // Windows refuses while it is open: remove at close
		s.path = ""
	}
	s.start()
	return s, nil
}

func (s *spool) start() {
	if s.w == nil {
		s.w = bufio.NewWriterSize(s.f, spoolBuffer)
	} else {
		s.w.Reset(s.f)
	}
	s.n = 0
}

// add appends u.
func (s *spool) add(u secusers.User) error {
	s.rec = appendUser(s.rec[:0], u)
	if _, err := s.w.Write(s.rec); err != nil {
		return &spoolError{fmt.Errorf("sync: writing the spool file: %w", err)}
	}
	s.n++
	return nil
}

// len returns how many users the spool holds.
func (s *spool) len() int { return s.n }

// reset empties the spool, for a read that starts over.
func (s *spool) reset() error {
	if err := s.f.Truncate(0); err != nil {
		return &spoolError{fmt.Errorf("sync: emptying the spool file: %w", err)}
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return &spoolError{fmt.Errorf("sync: emptying the spool file: %w", err)}
	}
	s.start()
	return nil
}

// users flushes what is buffered and yields the users from the first. It
// may be ranged over more than once (each range starts over), but no user
// may be added meanwhile. An error ends the sequence.
func (s *spool) users() iter.Seq2[secusers.User, error] {
	return func(yield func(secusers.User, error) bool) {
		if err := s.rewind(); err != nil {
			yield(secusers.User{}, err)
			return
		}
		dec := &decoder{r: bufio.NewReaderSize(s.f, spoolBuffer)}
		for range s.n {
			u, err := dec.user()
			if err != nil {
				err = noEOF(err)
				yield(secusers.User{}, &spoolError{fmt.Errorf("sync: reading the spool file: %w", err)})
				return
			}
			if !yield(u, nil) {
				return
			}
		}
	}
}

func (s *spool) rewind() error {
	if err := s.w.Flush(); err != nil {
		return &spoolError{fmt.Errorf("sync: writing the spool file: %w", err)}
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return &spoolError{fmt.Errorf("sync: reading the spool file: %w", err)}
	}
	return nil
}

// close closes and removes the file.
func (s *spool) close() error {
	err := s.f.Close()
	if s.path != "" {
		err = errors.Join(err, os.Remove(s.path))
	}
	return err
}

// spoolError is a failure of the spool file (a full disk, say): the
// machine's problem, not Graph's, so a run's record does not blame a read.
type spoolError struct{ err error }

func (e *spoolError) Error() string { return e.err.Error() }
func (e *spoolError) Unwrap() error { return e.err }
