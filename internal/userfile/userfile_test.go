package userfile_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/userfile"
)

// readAll collects the users of a file, or the error that ended it.
func readAll(t *testing.T, text string) ([]secusers.User, error) {
	t.Helper()
	var users []secusers.User
	for u, err := range userfile.ReadUsers(strings.NewReader(text)) {
		if err != nil {
			return users, err
		}
		users = append(users, u)
	}
	return users, nil
}

const (
	id1 = "f04d7aee-341e-4ab9-9e1a-65215f92e596"
	id2 = "0b1c2d3e-4f50-4617-8899-aabbccddeeff"
)

func TestReadUsersGood(t *testing.T) {
	t.Parallel()
	full := `{"id":"F04D7AEE-341E-4AB9-9E1A-65215F92E596","userPrincipalName":"mark@contoso.onmicrosoft.com",` +
		`"mail":"mark@contoso.com","displayName":"Bob Mark","firstName":"Bob","lastName":"Mark","employeeId":"s12123",` +
		`"location":"0711","department":"09","mobile":"55444","jobTitle":"Software developer","status":269,` +
		`"isTestUser":true,"startDate":1764374400000,"endDate":1767052800000,"officePhone":"43344",` +
		`"company":"BK Company","countryRegion":"Slovenia","lastPasswordChangeDateTime":"2026-03-01T10:00:00.5+02:00"}`
	for _, tc := range []struct {
		name string
		text string
		want []secusers.User
	}{
		{"empty file", "", nil},
		{"only blank lines", "\n  \n\t\r\n", nil},
		{"every field", full + "\n", []secusers.User{{
			ID: id1, UserPrincipalName: "mark@contoso.onmicrosoft.com", Mail: "mark@contoso.com",
			DisplayName: "Bob Mark", FirstName: "Bob", LastName: "Mark", EmployeeID: "s12123", Location: "0711",
			Department: "09", Mobile: "55444", JobTitle: "Software developer",
			Status:     secusers.StatusSetOf(secusers.MFADisabled, secusers.PasswordExpired, secusers.HighRisk, secusers.TestUser),
			IsTestUser: true, StartDate: 1764374400000, EndDate: 1767052800000, OfficePhone: "43344",
			Company: "BK Company", CountryRegion: "Slovenia",
			LastPasswordChange: time.Date(2026, 3, 1, 8, 0, 0, 500_000_000, time.UTC),
		}}},
		{"only id, no final newline", `{"id":"` + id1 + `"}`, []secusers.User{{ID: id1}}},
		{"escaped name, nested spacing", ` { "i\u0064" : "` + id1 + `" , "status" : 1 } `, []secusers.User{{ID: id1, Status: 1}}},
		{"blank lines, CRLF, BOM and null date", "\uFEFF{\"id\":\"" + id1 + "\",\"lastPasswordChangeDateTime\":null}\r\n\r\n" +
			`  {"id":"` + id2 + `","lastPasswordChangeDateTime":"","displayName":"Zoë Ñuño"}  ` + "\n",
			[]secusers.User{{ID: id1}, {ID: id2, DisplayName: "Zoë Ñuño"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := readAll(t, tc.text)
			if err != nil {
				t.Fatalf("ReadUsers: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("users (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadUsersBad(t *testing.T) {
	t.Parallel()
	good := `{"id":"` + id1 + `"}` + "\n\n" // lines 1 and 2 (blank)
	for _, tc := range []struct {
		name string
		line string // the third line of the file
		want string // the error message, after "line 3: "
	}{
		{"not JSON", `hello`, "invalid JSON"},
		{"array", `[1]`, "a record must be a JSON object"},
		{"string", `"x"`, "a record must be a JSON object"},
		{"truncated", `{"id":"` + id2 + `"`, "ends early"},
		{"unknown field", `{"id":"` + id2 + `","age":3}`, `unknown field "age"`},
		{"field in another case", `{"ID":"` + id2 + `"}`, `unknown field "ID"`},
		{"duplicate escaped field", `{"id":"` + id2 + `","\u0069d":"` + id2 + `"}`, `field "id" appears twice`},
		{"null record", `null`, "a record must be a JSON object"},
		{"object value", `{"id":"` + id2 + `","mail":{"a":[1,"}"]}}`, "mail must be a string, got object"},
		{"duplicate field", `{"id":"` + id2 + `","id":"` + id2 + `"}`, `field "id" appears twice`},
		{"missing id", `{"displayName":"x"}`, "id is required"},
		{"bad id", `{"id":"42"}`, "id must be a GUID"},
		{"repeated id", `{"id":"` + strings.ToUpper(id1) + `"}`, "repeats the user of line 1"},
		{"string as number", `{"id":"` + id2 + `","status":"3"}`, "status must be an integer from 0 to 511"},
		{"negative status", `{"id":"` + id2 + `","status":-1}`, "status must be an integer"},
		{"fractional status", `{"id":"` + id2 + `","status":1.5}`, "status must be an integer"},
		{"status beyond the defined bits", `{"id":"` + id2 + `","status":512}`, "status 512 has bits beyond"},
		{"test bit without isTestUser", `{"id":"` + id2 + `","status":256}`, "must equal isTestUser"},
		{"number as string", `{"id":"` + id2 + `","mail":5}`, "mail must be a string"},
		{"null string", `{"id":"` + id2 + `","mail":null}`, "mail must be a string, not null"},
		{"bool as string", `{"id":"` + id2 + `","isTestUser":"true"}`, "isTestUser must be true or false"},
		{"startDate as date", `{"id":"` + id2 + `","startDate":"2026-01-01"}`, "startDate must be an integer"},
		{"window backwards", `{"id":"` + id2 + `","startDate":2,"endDate":1}`, "endDate is before startDate"},
		{"bad date", `{"id":"` + id2 + `","lastPasswordChangeDateTime":"2026-01-01"}`, "must be an RFC 3339 date-time"},
		{"date as number", `{"id":"` + id2 + `","lastPasswordChangeDateTime":1}`, "lastPasswordChangeDateTime must be an RFC 3339"},
		{"trailing data", `{"id":"` + id2 + `"} x`, "unexpected data after the record"},
		{"two records", `{"id":"` + id2 + `"}{"id":"` + id2 + `"}`, "unexpected data after the record"},
		{"NUL character", `{"id":"` + id2 + `","company":"a\u0000b"}`, "company contains a NUL character"},
		{"invalid UTF-8", "{\"id\":\"" + id2 + "\",\"company\":\"\xff\"}", "not valid UTF-8"},
		{"too long field", `{"id":"` + id2 + `","company":"` + strings.Repeat("x", 1025) + `"}`, "company is longer than 1024 bytes"},
		{"too long line", `{"id":"` + id2 + `","company":"` + strings.Repeat("x", userfile.MaxLineBytes) + `"}`, "longer than 1048576 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			users, err := readAll(t, good+tc.line+"\n"+`{"id":"`+id2+`"}`+"\n")
			if err == nil {
				t.Fatalf("got no error, want one naming line 3")
			}
			if !secusers.IsKind(err, secusers.Invalid) {
				t.Errorf("got kind %v, want invalid", secusers.KindOf(err))
			}
			msg := secusers.MessageOf(err)
			if !strings.HasPrefix(msg, "line 3: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("got message %q, want %q after \"line 3: \"", msg, tc.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("got a message of several lines: %q", msg)
			}
			if len(users) != 1 {
				t.Errorf("got %d users before the error, want 1", len(users))
			}
		})
	}
}

func TestReadUsersStopsEarly(t *testing.T) {
	t.Parallel()
	text := `{"id":"` + id1 + `"}` + "\n" + `{"id":"` + id2 + `"}` + "\n"
	for range userfile.ReadUsers(strings.NewReader(text)) {
		break // must not panic by yielding after the loop ended
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	ljubljana := time.FixedZone("CET", 3600)
	users := []secusers.User{
		{ID: id1},
		{
			ID: id2, UserPrincipalName: "zoe.ostergard@contoso.onmicrosoft.com", Mail: "zoe@contoso.com",
			DisplayName: "Zoë \"Zee\" Østergård <admin> & co", FirstName: "Zoë", LastName: "Østergård",
			EmployeeID: "E000001", Location: "Ljubljana", Department: "R&D", Mobile: "+386 40 123 456",
			JobTitle: "Engineer\twith a tab", OfficePhone: "+386 1 234 5678", Company: "Contoso", CountryRegion: "Slovenia",
			Status:     secusers.AllStatusBits,
			IsTestUser: true, StartDate: 1, EndDate: 1 << 50,
			LastPasswordChange: time.Date(2025, 12, 31, 23, 59, 59, 123456789, ljubljana),
		},
		{ID: "00000000-0000-4000-8000-000000000003", LastPasswordChange: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), Status: 1},
	}
	var buf bytes.Buffer
	n, err := userfile.WriteUsers(&buf, func(yield func(secusers.User, error) bool) {
		for _, u := range users {
			if !yield(u, nil) {
				return
			}
		}
	})
	if err != nil || n != len(users) {
		t.Fatalf("WriteUsers: got %d, %v; want %d, nil", n, err, len(users))
	}
	if lines := strings.Count(buf.String(), "\n"); lines != len(users) {
		t.Errorf("got %d lines, want %d", lines, len(users))
	}
	if strings.Contains(buf.String(), `\u0026`) {
		t.Errorf("got HTML-escaped output, want plain &: %s", buf.String())
	}
	got, err := readAll(t, buf.String())
	if err != nil {
		t.Fatalf("reading back: %v", err)
	}
	if diff := cmp.Diff(users, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestWriteFieldOrder(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := userfile.NewWriter(&buf)
	if err := w.Write(secusers.User{ID: id1, LastPasswordChange: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(secusers.User{ID: id2}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := `{"id":"` + id1 + `","userPrincipalName":"","mail":"","displayName":"","firstName":"","lastName":"",` +
		`"employeeId":"","location":"","department":"","mobile":"","jobTitle":"","status":0,"isTestUser":false,` +
		`"startDate":0,"endDate":0,"officePhone":"","company":"","countryRegion":"",` +
		`"lastPasswordChangeDateTime":"2026-01-02T03:04:05Z"}` + "\n" +
		`{"id":"` + id2 + `","userPrincipalName":"","mail":"","displayName":"","firstName":"","lastName":"",` +
		`"employeeId":"","location":"","department":"","mobile":"","jobTitle":"","status":0,"isTestUser":false,` +
		`"startDate":0,"endDate":0,"officePhone":"","company":"","countryRegion":""}` + "\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}
