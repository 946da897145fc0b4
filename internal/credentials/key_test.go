package credentials_test

import (
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/secusers/secusers/internal/credentials"
	"github.com/secusers/secusers/internal/secusers"
)

// env returns a getenv that knows only SECUSERS_MASTER_KEY.
func env(masterKey string) func(string) string {
	return func(name string) string {
		if name == credentials.EnvMasterKey {
			return masterKey
		}
		return ""
	}
}

// sameKey fails the test unless a and b open each other's ciphertexts.
func sameKey(t *testing.T, a, b *credentials.Box) {
	t.Helper()
	ct := seal(t, a, []byte("probe"), nil)
	if _, err := b.Open(ct, nil); err != nil {
		t.Fatalf("the two boxes hold different keys: %v", err)
	}
}

func TestLoadKeyFromEnv(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	want := newBox(t, key)
	for _, text := range []string{
		hex.EncodeToString(key),
		strings.ToUpper(hex.EncodeToString(key)),
		base64.StdEncoding.EncodeToString(key),
		base64.RawStdEncoding.EncodeToString(key),
		base64.URLEncoding.EncodeToString(key),
		base64.RawURLEncoding.EncodeToString(key),
		" " + base64.StdEncoding.EncodeToString(key) + "\n", // pasted from a file
	} {
		// The key from the environment wins, also over a key file, and
		// for PostgreSQL, which has none.
		for _, keyFile := range []string{"", filepath.Join(t.TempDir(), "s.db.key")} {
			b, err := credentials.LoadKey(env(text), keyFile)
			if err != nil {
				t.Fatalf("LoadKey(%q): %v", text, err)
			}
			sameKey(t, want, b)
		}
	}
}

func TestLoadKeyFromEnvWritesNoFile(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "s.db.key")
	if _, err := credentials.LoadKey(env(hex.EncodeToString(newKey(t))), keyFile); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(keyFile); !os.IsNotExist(err) {
		t.Errorf("stat key file: got %v, want it absent", err)
	}
}

func TestLoadKeyBadEnv(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	for _, tc := range []struct{ name, text, says string }{
		{"blank", "   ", "blank"},
		{"63 hex digits", hex.EncodeToString(key)[1:], "63 hexadecimal digits"},
		{"31 bytes in hex", hex.EncodeToString(key[:31]), "62 hexadecimal digits"},
		{"33 bytes in hex", hex.EncodeToString(append(key, 7)), "66 hexadecimal digits"},
		{"16 bytes in base64 (AES-128)", base64.StdEncoding.EncodeToString(key[:16]), "decodes to 16 bytes"},
		{"33 bytes in base64", base64.StdEncoding.EncodeToString(append(key, 7)), "decodes to 33 bytes"},
		{"a passphrase", "correct horse battery staple", "neither hexadecimal nor base64"},
		{"base64 with a bad character", "!" + base64.StdEncoding.EncodeToString(key)[1:], "neither hexadecimal nor base64"},
	} {
		_, err := credentials.LoadKey(env(tc.text), filepath.Join(t.TempDir(), "s.db.key"))
		if err == nil {
			t.Errorf("%s: got nil, want an error", tc.name)
			continue
		}
		msg := err.Error()
		if !secusers.IsKind(err, secusers.Invalid) || !strings.Contains(msg, credentials.EnvMasterKey) || !strings.Contains(msg, tc.says) {
			t.Errorf("%s: got %q (%v), want an Invalid error naming %s and saying %q", tc.name, msg, secusers.KindOf(err), credentials.EnvMasterKey, tc.says)
		}
		if trimmed := strings.TrimSpace(tc.text); trimmed != "" && strings.Contains(msg, trimmed) {
			t.Errorf("%s: the error %q quotes the key", tc.name, msg)
		}
	}
}

// TestLoadKeyWithoutAKeyFileNeedsEnv: a database without a place for a key
// file (PostgreSQL: store.Location.KeyFile is "") needs the variable.
func TestLoadKeyWithoutAKeyFileNeedsEnv(t *testing.T) {
	t.Parallel()
	_, err := credentials.LoadKey(env(""), "")
	if !secusers.IsKind(err, secusers.Invalid) || !strings.Contains(err.Error(), credentials.EnvMasterKey) || !strings.Contains(err.Error(), "PostgreSQL") {
		t.Errorf("got %v, want an Invalid error asking for %s with PostgreSQL", err, credentials.EnvMasterKey)
	}
}

func TestLoadKeyCreatesAPrivateKeyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "secusers.db.key")
	first, err := credentials.LoadKey(env(""), keyFile)
	if err != nil {
		t.Fatalf("LoadKey: %v", err)
	}
	info, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("the key file: %v", err)
	}
	if perm := info.Mode().Perm(); runtime.GOOS != "windows" && perm != 0o600 {
		t.Errorf("key file mode: got %04o, want 0600", perm)
	}
	text, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(text))); err != nil || len(k) != credentials.KeySize {
		t.Errorf("the key file holds %d bytes (%v), want 32 in base64", len(k), err)
	}
	// The next load reads the file it made.
	again, err := credentials.LoadKey(env(""), keyFile)
	if err != nil {
		t.Fatalf("LoadKey again: %v", err)
	}
	sameKey(t, first, again)
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want the key file alone (no temporary file left)", len(entries))
	}
}

// TestLoadKeyConcurrentCreation starts many LoadKeys on a new database at
// once, as several processes starting together would: they must agree.
func TestLoadKeyConcurrentCreation(t *testing.T) {
	t.Parallel()
	for range 20 {
		dir := t.TempDir()
		keyFile := filepath.Join(dir, "secusers.db.key")
		boxes := make([]*credentials.Box, 32)
		errs := make([]error, len(boxes))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range boxes {
			wg.Go(func() {
				<-start
				boxes[i], errs[i] = credentials.LoadKey(env(""), keyFile)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("LoadKey %d: %v", i, err)
			}
			sameKey(t, boxes[0], boxes[i])
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("the directory holds %d entries, want the key file alone", len(entries))
		}
	}
}

func TestLoadKeyRefusesAnOpenKeyFile(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no group and other mode bits")
	}
	for _, tc := range []struct {
		mode os.FileMode
		ok   bool
	}{
		{0o600, true}, {0o400, true},
		{0o640, false}, {0o604, false}, {0o644, false}, {0o620, false}, {0o602, false}, {0o660, false}, {0o666, false},
	} {
		keyFile := filepath.Join(t.TempDir(), "s.db.key")
		writeKeyFile(t, keyFile, base64.StdEncoding.EncodeToString(newKey(t))+"\n", tc.mode)
		_, err := credentials.LoadKey(env(""), keyFile)
		switch {
		case tc.ok && err != nil:
			t.Errorf("mode %04o: %v", tc.mode, err)
		case !tc.ok && (!secusers.IsKind(err, secusers.Invalid) || !strings.Contains(err.Error(), "chmod 600")):
			t.Errorf("mode %04o: got %v, want an Invalid error saying chmod 600", tc.mode, err)
		}
	}
}

func TestLoadKeyBadKeyFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, content string }{
		{"empty", ""},
		{"a short key", base64.StdEncoding.EncodeToString(make([]byte, 16))},
		{"not a key", "hello, world"},
	} {
		keyFile := filepath.Join(t.TempDir(), "s.db.key")
		writeKeyFile(t, keyFile, tc.content, 0o600)
		_, err := credentials.LoadKey(env(""), keyFile)
		if !secusers.IsKind(err, secusers.Invalid) || !strings.Contains(err.Error(), keyFile) {
			t.Errorf("%s: got %v, want an Invalid error naming the file", tc.name, err)
		}
	}
	keyFile := filepath.Join(t.TempDir(), "s.db.key")
	if err := os.Mkdir(keyFile, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := credentials.LoadKey(env(""), keyFile); err == nil {
		t.Errorf("a directory as the key file: got nil, want an error")
	}
	if _, err := credentials.LoadKey(env(""), filepath.Join(t.TempDir(), "missing", "s.db.key")); err == nil {
		t.Errorf("a database in a missing directory: got nil, want an error")
	}
}

func writeKeyFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is masked by the umask
		t.Fatal(err)
	}
}
