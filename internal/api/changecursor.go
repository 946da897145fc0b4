package api

import (
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"
	"math"

	"github.com/secusers/secusers/internal/secusers"
)

// A change token is what the skipToken of a changes nextLink and the
// deltaToken of its deltaLink carry: a position in the feed of status
// changes (secusers.ChangeCursor), after which the next read resumes. It is
// tiny and costs the store the same at any depth: the feed is read by
// position, never by offset.
//
// Its form, like Cursor's, is base64url (no padding) of
//
//	format (1 byte, changeTokenFormat) | Seq (uvarint) | Ordinal (uvarint) | check (4 bytes, big-endian)
//
// where check is FNV-32a of the request the token continues (changeScope)
// followed by every byte before it. A token whose bytes were changed, or
// that is pasted into another request (another tenant, other customerId
// or groupId filters), fails the check and is refused with a 400: unlike
// the users endpoint's skipToken, a position in the feed has no fallback
// that would serve the same answer, and resuming from the wrong place
// would silently skip or repeat changes.
//
// The check is no secret, and needs none: a client that forges a token
// only moves its own position in the feed. What it may read is decided
// anew by every request (the app's scope and the request's tenant or
// filters), never by the token.
const changeTokenFormat = 0x10

// maxChangeTokenLength bounds the skipToken and deltaToken parameters: the
// longest token (two ten-byte varints) is 34 characters.
const maxChangeTokenLength = 64

// minChangeTokenBytes is a token whose two varints take a byte each.
const minChangeTokenBytes = 1 + 1 + 1 + 4

// changeToken is a decoded token: the position it resumes after, and its
// bytes before the check and the check, which validFor compares with the
// request's.
type changeToken struct {
	after secusers.ChangeCursor
	body  []byte
	check uint32
}

// encodeChangeToken returns the token that resumes the request scope after
// position after.
func encodeChangeToken(scope string, after secusers.ChangeCursor) string {
	b := make([]byte, 0, 1+2*binary.MaxVarintLen64+4)
	b = append(b, changeTokenFormat)
	b = binary.AppendUvarint(b, uint64(after.Seq))
	b = binary.AppendUvarint(b, uint64(after.Ordinal))
	b = binary.BigEndian.AppendUint32(b, changeTokenCheck(scope, b))
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeChangeToken reads a token. It refuses any token encodeChangeToken
// cannot have made: too long, another alphabet or padding, another format,
// a varint that is not in its shortest form or exceeds an int64, or bytes
// after the check. The check itself is compared with the request's by the
// caller (validFor), which knows the request.
func decodeChangeToken(token string) (changeToken, bool) {
	if len(token) > maxChangeTokenLength {
		return changeToken{}, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	// The decoder skips line breaks; re-encoding refuses them.
	if err != nil || base64.RawURLEncoding.EncodeToString(b) != token {
		return changeToken{}, false
	}
	if len(b) < minChangeTokenBytes || b[0] != changeTokenFormat {
		return changeToken{}, false
	}
	rest := b[1:]
	var nums [2]int64
	for i := range nums {
		n, size := binary.Uvarint(rest)
		if size <= 0 || n > math.MaxInt64 || len(binary.AppendUvarint(nil, n)) != size {
			return changeToken{}, false
		}
		nums[i], rest = int64(n), rest[size:]
	}
	if len(rest) != 4 {
		return changeToken{}, false
	}
	return changeToken{
		after: secusers.ChangeCursor{Seq: nums[0], Ordinal: nums[1]},
		body:  b[:len(b)-4],
		check: binary.BigEndian.Uint32(rest),
	}, true
}

// changeTokenCheck sums up the request scope and the token's bytes before
// the check.
func changeTokenCheck(scope string, body []byte) uint32 {
	h := fnv.New32a()
	h.Write([]byte(scope))
	h.Write([]byte{0}) // a scope never holds NUL: it ends here
	h.Write(body)
	return h.Sum32()
}

// validFor reports whether the token was made for the request scope and
// is unchanged.
func (t changeToken) validFor(scope string) bool {
	return changeTokenCheck(scope, t.body) == t.check
}
