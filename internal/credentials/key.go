package credentials

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/secusers/secusers/internal/secusers"
)

// EnvMasterKey names the environment variable that holds the master key.
const EnvMasterKey = "SECUSERS_MASTER_KEY"

// LoadKey returns the Box of the master key. The key comes from
// SECUSERS_MASTER_KEY when it is set (64 hexadecimal digits, or base64 —
// standard or URL alphabet, padded or not — of 32 bytes). Otherwise it
// lives in keyFile, the key file of the database (store.Location.KeyFile:
// PATH.key beside an SQLite database), created on first use; see
// loadKeyFile. keyFile is "" for a PostgreSQL database, which then needs
// SECUSERS_MASTER_KEY: several servers share it, and a key file on one of
// them would be no key at all for the others.
//
// Errors name the variable or the file and what is wrong, never the key.
func LoadKey(getenv func(string) string, keyFile string) (*Box, error) {
	var key []byte
	switch text := getenv(EnvMasterKey); {
	case text != "":
		k, err := parseKey(text)
		if err != nil {
			return nil, secusers.Errorf(secusers.Invalid, "%s %s", EnvMasterKey, err)
		}
		key = k
	case keyFile == "":
		return nil, secusers.Errorf(secusers.Invalid,
			"%s is required with a PostgreSQL database (every server needs the same key): set it to 32 random bytes, e.g. the output of openssl rand -base64 32", EnvMasterKey)
	default:
		k, err := loadKeyFile(keyFile)
		if err != nil {
			return nil, err
		}
		key = k
	}
	defer clear(key)
	return NewBox(key)
}

// hexDigits matches a string that can only be meant as hexadecimal. Such a
// string is read as hex whatever its length, so that a hex key one digit
// short is reported as such, not taken for base64 by chance.
var hexDigits = regexp.MustCompile(`^[0-9A-Fa-f]+$`)

// parseKey decodes a written key. Its errors complete a sentence that
// starts with where the key came from, and never quote the text.
func parseKey(text string) ([]byte, error) {
	t := strings.TrimSpace(text)
	const want = "must be 32 bytes, written as 64 hexadecimal digits or in base64 (openssl rand -base64 32)"
	switch {
	case t == "":
		return nil, errors.New("is blank: it " + want)
	case hexDigits.MatchString(t):
		if len(t) != 2*KeySize {
			return nil, fmt.Errorf("has %d hexadecimal digits: it %s", len(t), want)
		}
		return hex.DecodeString(t)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		k, err := enc.DecodeString(t)
		if err != nil {
			continue
		}
		if len(k) != KeySize {
			clear(k)
			return nil, fmt.Errorf("decodes to %d bytes: it %s", len(k), want)
		}
		return k, nil
	}
	return nil, errors.New("is neither hexadecimal nor base64: it " + want)
}
