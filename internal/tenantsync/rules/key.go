package rules

import (
	"encoding/hex"
	"strings"

	"github.com/secusers/secusers/internal/secusers"
)

// userKey is a user id as its 16 bytes. Facts keys its sets by it rather
// than by the id string because a tenant can flag hundreds of thousands of
// users, and 16 bytes in the map beat a string header plus a 36-byte copy.
type userKey [16]byte

// keyOf returns the key of a Graph object id. Only GUIDs have one: Entra ids
// are always GUIDs, and a user whose id is not one cannot be stored
// (secusers.User.Validate), so a record naming a non-GUID can flag no one.
func keyOf(id string) (userKey, bool) {
	var k userKey
	canon, ok := secusers.ParseGUID(id)
	if !ok {
		return k, false
	}
	hexDigits := strings.ReplaceAll(canon, "-", "")
	if _, err := hex.Decode(k[:], []byte(hexDigits)); err != nil {
		return k, false // unreachable after ParseGUID, but never trust a cast
	}
	return k, true
}
