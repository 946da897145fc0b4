package api

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"strings"
	"unicode/utf8"

	"github.com/secusers/secusers/internal/secusers"
)

// Cursor is what the skipToken of a nextLink carries: the position of the
// last user of the page before, the users version that page was read at,
// and a check of the request the token was made for. With it the next page
// is a keyset read that costs the same at any depth.
type Cursor struct {
	// After is the last user of the page before.
	After secusers.UserKey
	// Version is the tenant's users version the page before was read at.
	// A cursor read at another version is not used: the page must be the
	// one pageIndex names in the users as they are now.
	Version int64
	// Check is cursorCheck of the request the token continues. A token
	// pasted into another request (another tenant, filter, pageSize or
	// pageIndex) is ignored and the page is served by pageIndex.
	Check uint32
}

// The token's form: base64url (no padding) of
//
//	format (1 byte, cursorFormat) | Check (4 bytes, big-endian) |
//	Version (zig-zag varint) | After.ID (16 bytes, a GUID) | After.SortKey (the rest)
//
// The format byte lets a later server change the form and still refuse
// (400) rather than misread an older server's tokens.
const cursorFormat = 1

// maxSkipTokenLength bounds the skipToken parameter. A token for the
// longest displayName the store accepts (1,024 bytes, which case folding
// can grow by half) is about 2,100 characters; a nextLink whose token would
// be longer goes without one.
const maxSkipTokenLength = 4096

// minCursorBytes is a token with an empty sort key and a one-byte version.
const minCursorBytes = 1 + 4 + 1 + 16

// encodeCursor returns the skipToken of c, or false when c has no token:
// its user ID is not a canonical GUID, or the token would be too long.
func encodeCursor(c Cursor) (string, bool) {
	id, ok := guidBytes(c.After.ID)
	if !ok {
		return "", false
	}
	b := make([]byte, 0, minCursorBytes+binary.MaxVarintLen64+len(c.After.SortKey))
	b = append(b, cursorFormat)
	b = binary.BigEndian.AppendUint32(b, c.Check)
	b = binary.AppendVarint(b, c.Version)
	b = append(b, id[:]...)
	b = append(b, c.After.SortKey...)
	if base64.RawURLEncoding.EncodedLen(len(b)) > maxSkipTokenLength {
		return "", false
	}
	return base64.RawURLEncoding.EncodeToString(b), true
}

// decodeCursor reads a skipToken. It refuses any token encodeCursor cannot
// have made: too long, another alphabet or padding, another format, a short or
// non-canonical field, and a sort key that is not valid UTF-8 or holds a
// NUL (which PostgreSQL's text refuses: such a token would be a 500).
func decodeCursor(token string) (Cursor, bool) {
	if len(token) > maxSkipTokenLength {
		return Cursor{}, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	// The decoder skips line breaks; re-encoding refuses them.
	if err != nil || base64.RawURLEncoding.EncodeToString(b) != token {
		return Cursor{}, false
	}
	if len(b) < minCursorBytes || b[0] != cursorFormat {
		return Cursor{}, false
	}
	c := Cursor{Check: binary.BigEndian.Uint32(b[1:5])}
	var n int
	c.Version, n = binary.Varint(b[5:])
	if n <= 0 || len(binary.AppendVarint(nil, c.Version)) != n {
		return Cursor{}, false
	}
	rest := b[5+n:]
	if len(rest) < 16 {
		return Cursor{}, false
	}
	c.After.ID = guidString([16]byte(rest[:16]))
	c.After.SortKey = string(rest[16:])
	if !utf8.ValidString(c.After.SortKey) || strings.IndexByte(c.After.SortKey, 0) >= 0 {
		return Cursor{}, false
	}
	return c, true
}

// cursorCheck sums up the request a token continues: the tenant, the
// filter, the page size and the index of the page the token is for. It is
// no secret: a client that forges a token only misleads itself, and reads
// nothing its token does not already let it read.
func cursorCheck(tenantID string, q Query) uint32 {
	h := fnv.New32a()
	h.Write([]byte(tenantID))
	var b [10]byte
	binary.BigEndian.PutUint16(b[0:], uint16(q.Statuses))
	binary.BigEndian.PutUint32(b[2:], uint32(q.PageSize))
	binary.BigEndian.PutUint32(b[6:], uint32(q.PageIndex))
	h.Write(b[:])
	return h.Sum32()
}

// guidBytes returns the 16 bytes of a canonical (lower-case) GUID.
func guidBytes(s string) ([16]byte, bool) {
	var out [16]byte
	if canon, ok := secusers.ParseGUID(s); !ok || canon != s {
		return out, false
	}
	_, err := hex.Decode(out[:], []byte(strings.ReplaceAll(s, "-", "")))
	return out, err == nil
}

// guidString returns the canonical form of a GUID's 16 bytes.
func guidString(b [16]byte) string {
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
