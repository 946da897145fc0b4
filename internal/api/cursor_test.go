package api

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// rawToken builds a token byte by byte, so that tests can make the ones
// encodeCursor never makes.
func rawToken(format byte, check uint32, version int64, id string, sortKey string) string {
	b := []byte{format}
	b = binary.BigEndian.AppendUint32(b, check)
	b = binary.AppendVarint(b, version)
	g, _ := guidBytes(id)
	b = append(b, g[:]...)
	b = append(b, sortKey...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// mustToken returns the skipToken after the user, made for q on the tenant.
func mustToken(tb testing.TB, tenantID string, q Query, after secusers.User, version int64) string {
	tb.Helper()
	tok, ok := encodeCursor(Cursor{After: secusers.KeyOf(after), Version: version, Check: cursorCheck(tenantID, q)})
	if !ok {
		tb.Fatalf("encodeCursor after %s: no token", after.ID)
	}
	return tok
}

// splitSkipToken returns link without its skipToken, which must be its
// last parameter, and the decoded token, nil when it has none.
func splitSkipToken(tb testing.TB, link string) (string, *Cursor) {
	tb.Helper()
	i := strings.Index(link, "&skipToken=")
	if i < 0 {
		return link, nil
	}
	c, ok := decodeCursor(link[i+len("&skipToken="):])
	if !ok {
		tb.Fatalf("nextLink %q: the skipToken does not decode", link)
	}
	return link[:i], &c
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	id := guid(6, 42)
	tests := []Cursor{
		{After: secusers.UserKey{SortKey: "", ID: id}},
		{After: secusers.UserKey{SortKey: "bob mark", ID: id}, Version: 1, Check: 1},
		{After: secusers.UserKey{SortKey: "zoë ωmega 日本", ID: "ffffffff-ffff-ffff-ffff-ffffffffffff"}, Version: math.MaxInt64, Check: math.MaxUint32},
		{After: secusers.UserKey{SortKey: "x", ID: id}, Version: -1},
		{After: secusers.UserKey{SortKey: "x", ID: id}, Version: math.MinInt64},
		// The longest displayName, of runes that case folding grows by half.
		{After: secusers.UserKey{SortKey: secusers.SortKey(strings.Repeat("Ⱥ", secusers.MaxFieldLength/2)), ID: id}, Version: 7},
	}
	for _, c := range tests {
		tok, ok := encodeCursor(c)
		if !ok {
			t.Errorf("encodeCursor(%+.40v): no token", c)
			continue
		}
		if len(tok) > maxSkipTokenLength {
			t.Errorf("encodeCursor(%+.40v): %d characters, more than %d", c, len(tok), maxSkipTokenLength)
		}
		got, ok := decodeCursor(tok)
		if !ok {
			t.Errorf("decodeCursor(%.40q): refused its own token", tok)
			continue
		}
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	}
}

// TestEncodeCursorRefuses checks the positions that get no token: the
// nextLink then goes without one and is served by pageIndex.
func TestEncodeCursorRefuses(t *testing.T) {
	t.Parallel()
	for _, k := range []secusers.UserKey{
		{SortKey: "a", ID: "not-a-guid"},
		{SortKey: "a", ID: strings.ToUpper(guid(0xab, 0xcd))},
		{SortKey: strings.Repeat("x", maxSkipTokenLength), ID: guid(6, 1)},
	} {
		if tok, ok := encodeCursor(Cursor{After: k}); ok {
			t.Errorf("encodeCursor(%.40q, %s): got %.40q, want no token", k.SortKey, k.ID, tok)
		}
	}
}

func TestDecodeCursorRefuses(t *testing.T) {
	t.Parallel()
	id := guid(6, 1)
	good := rawToken(cursorFormat, 1, 1, id, "alice")
	if _, ok := decodeCursor(good); !ok {
		t.Fatalf("decodeCursor(%q): refused a good token", good)
	}
	raw := func(b ...byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	tests := []struct{ name, token string }{
		{"empty", ""},
		{"padded", good + "="},
		{"standard alphabet +", good[:8] + "+" + good[9:]},
		{"standard alphabet /", good[:8] + "/" + good[9:]},
		{"too long", rawToken(cursorFormat, 1, 1, id, strings.Repeat("a", maxSkipTokenLength))},
		{"line break inside", good[:8] + "\n" + good[8:]},
		{"not base64", "a!b"},
		{"another format", rawToken(2, 1, 1, id, "alice")},
		{"format 0", rawToken(0, 1, 1, id, "alice")},
		{"too short for an id", raw(cursorFormat, 0, 0, 0, 0, 2, 1, 2, 3)},
		{"version varint overlong", raw(append([]byte{cursorFormat, 0, 0, 0, 0, 0x82, 0x00}, make([]byte, 16)...)...)},
		{"version varint unterminated", raw(cursorFormat, 0, 0, 0, 0, 0x80)},
		{"invalid UTF-8", rawToken(cursorFormat, 1, 1, id, "a\xffb")},
		{"NUL", rawToken(cursorFormat, 1, 1, id, "a\x00b")},
	}
	for _, tt := range tests {
		if c, ok := decodeCursor(tt.token); ok {
			t.Errorf("%s: decodeCursor(%.40q) = %+v, want it refused", tt.name, tt.token, c)
		}
	}
}

// TestCursorCheck checks that every part of the request changes the check.
func TestCursorCheck(t *testing.T) {
	t.Parallel()
	q := Query{PageIndex: 2, PageSize: 10, Statuses: 1}
	base := cursorCheck(ten1, q)
	for name, other := range map[string]uint32{
		"tenant":    cursorCheck(ten2, q),
		"pageIndex": cursorCheck(ten1, Query{PageIndex: 3, PageSize: 10, Statuses: 1}),
		"pageSize":  cursorCheck(ten1, Query{PageIndex: 2, PageSize: 11, Statuses: 1}),
		"statuses":  cursorCheck(ten1, Query{PageIndex: 2, PageSize: 10, Statuses: 3}),
	} {
		if other == base {
			t.Errorf("another %s: same check %08x", name, base)
		}
	}
	if got := cursorCheck(ten1, Query{PageIndex: 2, PageSize: 10, Statuses: 1, Cursor: &Cursor{Version: 9}}); got != base {
		t.Errorf("the cursor itself changed the check: got %08x, want %08x", got, base)
	}
}

// FuzzDecodeCursor checks that decoding never panics and that every token
// it accepts is the one encodeCursor makes of what it decoded: one
// position has one token.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(rawToken(cursorFormat, 1, 1, guid(6, 1), "alice"))
	f.Add(rawToken(cursorFormat, 0, -5, guid(6, 2), "zoë"))
	f.Add(rawToken(2, 0, 0, guid(6, 2), ""))
	f.Add("AQ")
	f.Fuzz(func(t *testing.T, token string) {
		c, ok := decodeCursor(token)
		if !ok {
			return
		}
		again, ok := encodeCursor(c)
		if !ok || again != token {
			t.Fatalf("decodeCursor(%q) = %+v, which encodes to %q (%v)", token, c, again, ok)
		}
	})
}
