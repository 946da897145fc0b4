package api

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"testing"

	"github.com/secusers/secusers/internal/secusers"
)

func TestChangeTokenRoundTrips(t *testing.T) {
	t.Parallel()
	for _, c := range []secusers.ChangeCursor{
		{}, {Seq: 1, Ordinal: 1}, {Seq: 17, Ordinal: secusers.EndOfSeq}, {Seq: math.MaxInt64, Ordinal: math.MaxInt64}, {Seq: 300, Ordinal: 128},
	} {
		for _, scope := range []string{"tenant:a/b", "all:;", "all:x,y;z"} {
			token := encodeChangeToken(scope, c)
			if len(token) > maxChangeTokenLength {
				t.Errorf("%+v: token %q is longer than %d", c, token, maxChangeTokenLength)
			}
			got, ok := decodeChangeToken(token)
			if !ok || got.after != c || !got.validFor(scope) {
				t.Errorf("%+v in %q: decoded %+v, %v, valid %v; want it back and valid", c, scope, got.after, ok, got.validFor(scope))
			}
			if got.validFor(scope + "x") {
				t.Errorf("%+v: the token of %q is valid for %q too", c, scope, scope+"x")
			}
		}
	}
}

// TestChangeTokenRefusesWhatItCannotHaveMade covers each way a token can be
// malformed: decodeChangeToken refuses it before any check.
func TestChangeTokenRefusesWhatItCannotHaveMade(t *testing.T) {
	t.Parallel()
	enc := base64.RawURLEncoding.EncodeToString
	token := func(format byte, parts ...[]byte) string {
		b := []byte{format}
		for _, p := range parts {
			b = append(b, p...)
		}
		return enc(b)
	}
	uv := func(n uint64) []byte { return binary.AppendUvarint(nil, n) }
	check := []byte{1, 2, 3, 4}
	good := token(changeTokenFormat, uv(5), uv(7), check)
	if _, ok := decodeChangeToken(good); !ok {
		t.Fatalf("the well-formed token %q is refused", good)
	}
	for name, tok := range map[string]string{
		"empty":               "",
		"another format":      token(changeTokenFormat+1, uv(5), uv(7), check),
		"users cursor format": token(cursorFormat, uv(5), uv(7), check),
		"short check":         token(changeTokenFormat, uv(5), uv(7), check[:3]),
		"bytes after":         token(changeTokenFormat, uv(5), uv(7), check, []byte{0}),
		"overlong varint":     token(changeTokenFormat, []byte{0x85, 0x00}, uv(7), check),
		"varint past int64":   token(changeTokenFormat, uv(math.MaxInt64+1), uv(7), check),
		"no ordinal":          token(changeTokenFormat, uv(5), check),
		"padding":             good + "=",
		"line break":          good[:4] + "\n" + good[4:],
		"standard alphabet":   base64.RawStdEncoding.EncodeToString([]byte{changeTokenFormat, 0xfb, 0xff, 1, 2, 3, 4}),
		"too long":            token(changeTokenFormat, uv(5), uv(7), check) + string(make([]byte, maxChangeTokenLength)),
	} {
		if _, ok := decodeChangeToken(tok); ok {
			t.Errorf("%s: %q decoded, want it refused", name, tok)
		}
	}
}
