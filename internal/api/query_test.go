package api

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

func TestParseQuery(t *testing.T) {
	t.Parallel()
	s := secusers.StatusSetOf
	def := func(q Query) Query {
		if q.PageIndex == 0 {
			q.PageIndex = 1
		}
		if q.PageSize == 0 {
			q.PageSize = 100
		}
		return q
	}
	id := guid(6, 1)
	tok := rawToken(cursorFormat, 0xdeadbeef, 3, id, "zoë")
	cur := &Cursor{After: secusers.UserKey{SortKey: "zoë", ID: id}, Version: 3, Check: 0xdeadbeef}
	tests := []struct {
		raw  string
		want Query
	}{
		{"", def(Query{})},
		{"skipToken=" + tok, def(Query{Cursor: cur})},
		{"pageIndex=2&SKIPTOKEN=" + tok + "&pageSize=5", Query{PageIndex: 2, PageSize: 5, Cursor: cur}},
		{"skip%54oken=" + tok, def(Query{Cursor: cur})},
		{"skiptoken_=x&skip=y", def(Query{})},
		{"&&", def(Query{})},
		{"pageIndex=3&pageSize=50", Query{PageIndex: 3, PageSize: 50}},
		{"PAGEINDEX=3&PageSize=50", Query{PageIndex: 3, PageSize: 50}},
		{"page%49ndex=3", def(Query{PageIndex: 3})},
		{"pageIndex=2147483647&pageSize=1000", Query{PageIndex: 2147483647, PageSize: 1000}},
		{"pageIndex=+7+", def(Query{PageIndex: 7})},
		{"status=0", def(Query{Statuses: s(secusers.MFADisabled)})},
		{"status=0,3&STATUS=mediumrisk&status=+TestUser+", def(Query{Statuses: s(0, 3, 4, 8)})},
		{"status=8,7,6,5,4,3,2,1,0", def(Query{Statuses: secusers.AllStatusBits})},
		{"status=3%2C4", def(Query{Statuses: s(3, 4)})},
		{"unknown=&x&%2A=%2A&pageindexx=0&ſtatus=9", def(Query{})},
	}
	for _, tt := range tests {
		got, err := ParseQuery(tt.raw)
		if err != nil {
			t.Errorf("ParseQuery(%q): got error %v, want %+v", tt.raw, err, tt.want)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseQuery(%q) (-want +got):\n%s", tt.raw, diff)
		}
	}
}

func TestParseQueryErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw     string
		wantMsg string // a prefix of the message
	}{
		{"pageIndex=0", "pageIndex must be an integer from 1 to 2147483647"},
		{"pageIndex=2147483648", "pageIndex must be an integer from 1 to 2147483647"},
		{"pageIndex=1e3", "pageIndex must be an integer"},
		{"pageIndex=0x10", "pageIndex must be an integer"},
		{"pageIndex=", "pageIndex must be an integer"},
		{"pageIndex", "pageIndex must be an integer"},
		{"pageIndex=1&pageindex=1", "pageIndex must be given at most once"},
		{"pageSize=1001", "pageSize must be an integer from 1 to 1000"},
		{"pageSize=-5", "pageSize must be an integer from 1 to 1000"},
		{"pageSize=", "pageSize must be an integer from 1 to 1000"},
		{"pageSize=5&PAGESIZE=5", "pageSize must be given at most once"},
		{"status=", "status must be a list of status numbers 0–8 or names (MFADisabled, SignInBlocked, PasswordExpired, HighRisk, MediumRisk, Compliance, Inactive, PendingDeletion, TestUser)"},
		{"status", "status must be a list"},
		{"status=,", "status must be a list"},
		{"status=0,,1", "status must be a list"},
		{"status=,0", "status must be a list"},
		{"status=9", "status must be a list"},
		{"status=1.0", "status must be a list"},
		{"status=High Risk", "status must be a list"},
		{"skipToken=", "skipToken must be the value a nextLink carries, unchanged"},
		{"skipToken", "skipToken must be the value a nextLink carries"},
		{"skipToken=AQ", "skipToken must be the value a nextLink carries"},
		{"skipToken=" + rawToken(cursorFormat, 0, 1, guid(6, 1), "x") + "%0A", "skipToken must be the value a nextLink carries"},
		{"skipToken=" + rawToken(cursorFormat, 0, 1, guid(6, 1), "x") + "+", "skipToken must be the value a nextLink carries"},
		{"skipToken=" + strings.Repeat("A", 4097), "skipToken must be at most 4096 characters"},
		{"skipToken=AQ&skipToken=AQ", "skipToken must be the value a nextLink carries"},
		{"skipToken=" + rawToken(cursorFormat, 0, 1, guid(6, 1), "x") + "&skiptoken=x", "skipToken must be given at most once"},
		{"skipToken=%", "the query string is malformed"},
		{"status=%", "the query string is malformed"},
		{"%=1", "the query string is malformed"},
		{"a=%G0", "the query string is malformed"},
		{"pageSize=1;pageIndex=2", "the query string is malformed"},
		{";", "the query string is malformed"},
		{"pageSize=0&x=%", "the query string is malformed"},
		{strings.Repeat("&", 10000), "the query string is malformed"},
	}
	for _, tt := range tests {
		_, err := ParseQuery(tt.raw)
		if err == nil {
			t.Errorf("ParseQuery(%.40q): got no error, want %q", tt.raw, tt.wantMsg)
			continue
		}
		if k := secusers.KindOf(err); k != secusers.Invalid {
			t.Errorf("ParseQuery(%.40q): got kind %v, want invalid", tt.raw, k)
		}
		if got := err.Error(); !strings.HasPrefix(got, tt.wantMsg) {
			t.Errorf("ParseQuery(%.40q): got %q, want it to start with %q", tt.raw, got, tt.wantMsg)
		}
	}
}

// FuzzParseQuery checks that the parser never panics, that every error is
// Invalid, that a success is within the bounds, and that whatever
// url.ParseQuery refuses is refused too.
func FuzzParseQuery(f *testing.F) {
	for _, seed := range []string{
		"", "pageIndex=2&pageSize=10", "status=0,3&status=HighRisk", "status=0,,1", "PageIndex=1&pageindex=2",
		"pageSize=%zz", "a;b", "status=+3+", "pageIndex=2147483647", "status=%2C", "x=%E2%82%AC&status=TESTUSER",
		"skipToken=", "SkipToken=AQ", "skipToken=" + rawToken(cursorFormat, 7, 1, guid(6, 1), "alice") + "&pageIndex=2",
		"skipToken=" + rawToken(cursorFormat, 0, -1, guid(6, 2), "z\xc3\xab") + "&skipToken=x",
		"skipToken=" + rawToken(2, 0, 0, guid(6, 3), ""), "skipToken=" + strings.Repeat("A", 4097),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := ParseQuery(raw)
		if _, stdErr := url.ParseQuery(raw); stdErr != nil && err == nil {
			t.Fatalf("ParseQuery(%q) accepted what url.ParseQuery refuses (%v)", raw, stdErr)
		}
		if err != nil {
			if k := secusers.KindOf(err); k != secusers.Invalid {
				t.Fatalf("ParseQuery(%q): got kind %v, want invalid: %v", raw, k, err)
			}
			if secusers.MessageOf(err) == "" {
				t.Fatalf("ParseQuery(%q): error without a message", raw)
			}
			return
		}
		if q.PageIndex < 1 || q.PageIndex > maxPageIndex || q.PageSize < 1 || q.PageSize > maxPageSize || !q.Statuses.Valid() {
			t.Fatalf("ParseQuery(%q) = %+v, out of bounds", raw, q)
		}
		// A cursor that parsed is one this server could have put in a
		// nextLink: it has a token, and every store can compare its text.
		if c := q.Cursor; c != nil {
			if _, ok := encodeCursor(*c); !ok || !utf8.ValidString(c.After.SortKey) || strings.IndexByte(c.After.SortKey, 0) >= 0 {
				t.Fatalf("ParseQuery(%q) accepted the cursor %+v, which has no token or is not text", raw, *c)
			}
		}
	})
}
