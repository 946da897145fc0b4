package userfile_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/userfile"
)

// FuzzReadUsers feeds arbitrary files to the reader: it must not panic, and
// whatever it accepts must survive a write and a second read unchanged.
func FuzzReadUsers(f *testing.F) {
	for _, seed := range []string{
		`{"id":"` + id1 + `"}`,
		`{"id":"` + id1 + `","displayName":"Zoë","status":13,"lastPasswordChangeDateTime":"2026-01-02T03:04:05.123+01:00"}`,
		`{"id":"` + id1 + `","status":256,"isTestUser":true,"startDate":1,"endDate":2}` + "\n" + `{"id":"` + id2 + `"}`,
		`{"id":"` + id1 + `","lastPasswordChangeDateTime":null}`,
		`{"id":"` + id1 + `","mail":"a\u0000"}`,
		"\uFEFF\r\n{}\n",
		`[`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var users []secusers.User
		for u, err := range userfile.ReadUsers(strings.NewReader(text)) {
			if err != nil {
				if !strings.HasPrefix(secusers.MessageOf(err), "line ") {
					t.Fatalf("got error %q, want one naming the line", err)
				}
				return
			}
			if err := u.Validate(); err != nil {
				t.Fatalf("accepted an invalid user: %v", err)
			}
			users = append(users, u)
		}
		var buf bytes.Buffer
		w := userfile.NewWriter(&buf)
		for _, u := range users {
			if err := w.Write(u); err != nil {
				t.Fatalf("Write: %v", err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		var again []secusers.User
		for u, err := range userfile.ReadUsers(&buf) {
			if err != nil {
				t.Fatalf("re-reading what was written: %v", err)
			}
			again = append(again, u)
		}
		if diff := cmp.Diff(users, again); diff != "" {
			t.Fatalf("re-read differs (-first +second):\n%s", diff)
		}
	})
}
