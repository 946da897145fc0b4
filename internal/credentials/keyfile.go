package credentials

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/secusers/secusers/internal/secusers"
)

// maxKeyFile bounds what is read of a key file: a key is 45 bytes of
// base64 and a newline; anything much larger is not a key file.
const maxKeyFile = 1024

// loadKeyFile returns the key in the file at path, creating the file with a
// new random key when there is none.
//
// Creation must be atomic with its content, because two processes may start
// on a new database at once and both must end with the same key. The new
// file is written and synced under a temporary name (os.CreateTemp: O_EXCL,
// mode 0600), then linked to path: link(2) fails with EEXIST when path
// exists, like O_EXCL, but the file appears complete or not at all. With a
// plain O_EXCL create a loser could read the winner's file still empty, and
// a crash between create and write would leave an empty key file for good.
// The loser reads the winner's key.
func loadKeyFile(path string) ([]byte, error) {
	key, err := readKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key, err = createKeyFile(path)
	if errors.Is(err, fs.ErrExist) {
		return readKeyFile(path)
	}
	return key, err
}

// readKeyFile reads and checks an existing key file.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("credentials: key file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("credentials: key file: %w", err)
	}
	if err := checkKeyFileMode(path, info); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile))
	if err != nil {
		return nil, fmt.Errorf("credentials: key file %s: %w", path, err)
	}
	defer clear(data)
	key, err := parseKey(string(data))
	if err != nil {
		return nil, secusers.Errorf(secusers.Invalid, "the key file %s %s", path, err)
	}
	return key, nil
}

// checkKeyFileMode refuses a key file that is not a regular file or that
// group or others may read or write, as ssh refuses such a private key: a
// key others can read protects nothing, and one others can write lets them
// choose it. Windows has no such mode bits (ACLs decide), so the check is
// skipped there.
func checkKeyFileMode(path string, info fs.FileInfo) error {
	if !info.Mode().IsRegular() {
		return secusers.Errorf(secusers.Invalid, "the key file %s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return secusers.Errorf(secusers.Invalid,
			"the key file %s is open to group or others (mode %04o); make it private with: chmod 600 %s", path, perm, path)
	}
	return nil
}

// createKeyFile makes a new key and publishes it at path; an error
// satisfying errors.Is(err, fs.ErrExist) means another process was first.
func createKeyFile(path string) (key []byte, err error) {
	key = make([]byte, KeySize)
	_, _ = rand.Read(key) // crypto/rand.Read never fails; it crashes the program instead
	defer func() {
		if err != nil {
			clear(key)
			key = nil
		}
	}()
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".new-*")
	if err != nil {
		return nil, fmt.Errorf("credentials: create the key file beside the database: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the link, only the name beside path goes
	text := []byte(base64.StdEncoding.EncodeToString(key) + "\n")
	defer clear(text)
	_, werr := tmp.Write(text)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return nil, fmt.Errorf("credentials: write the key file %s: %w", tmp.Name(), err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		return nil, fmt.Errorf("credentials: create the key file %s: %w", path, err)
	}
	syncDir(dir)
	return key, nil
}

// syncDir makes the new directory entry durable, so that a power cut after
// credentials were sealed cannot lose the key file while the database
// keeps them. It is best effort: some platforms (Windows) cannot open or
// sync a directory, and there nothing better is possible.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
