package userjson

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secusers/secusers/internal/secusers"
)

// wireUser is the reference revision's user object as the endpoint wrote it
// before the encoding was stored: a struct through encoding/json. AppendBatch
// must write exactly its bytes.
type wireUser struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`
	Mail              string `json:"mail"`
	DisplayName       string `json:"displayName"`
	FirstName         string `json:"firstName"`
	LastName          string `json:"lastName"`
	EmployeeID        string `json:"employeeId"`
	Location          string `json:"location"`
	Department        string `json:"department"`
	Mobile            string `json:"mobile"`
	JobTitle          string `json:"jobTitle"`
	Status            uint16 `json:"status"`
	IsTestUser        bool   `json:"isTestUser"`
	Age               int64  `json:"age"`
	StartDate         int64  `json:"startDate"`
	EndDate           int64  `json:"endDate"`
	OfficePhone       string `json:"officePhone"`
	Company           string `json:"company"`
	CountryRegion     string `json:"countryRegion"`
}

func structEncoding(t testing.TB, u secusers.User, now time.Time) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(wireUser{
		ID: u.ID, UserPrincipalName: u.UserPrincipalName, Mail: u.Mail, DisplayName: u.DisplayName,
		FirstName: u.FirstName, LastName: u.LastName, EmployeeID: u.EmployeeID, Location: u.Location,
		Department: u.Department, Mobile: u.Mobile, JobTitle: u.JobTitle, Status: uint16(u.Status),
		IsTestUser: u.IsTestUser, Age: u.PasswordAgeDays(now), StartDate: u.StartDate, EndDate: u.EndDate,
		OfficePhone: u.OfficePhone, Company: u.Company, CountryRegion: u.CountryRegion,
	})
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestAppendBatchWritesWhatTheStructEncodingWrote(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	full := secusers.User{
		ID: "6c5a1d0e-0000-4000-8000-000000000001", UserPrincipalName: "ada@contoso.example",
		Mail: "ada@contoso.example", DisplayName: "Ada Lovelace", FirstName: "Ada", LastName: "Lovelace",
		EmployeeID: "E1", Location: "London", Department: "Engines", Mobile: "+44 1", JobTitle: "Analyst",
		OfficePhone: "+44 2", Company: "Contoso", CountryRegion: "GB",
		Status: secusers.StatusSetOf(secusers.MFADisabled, secusers.HighRisk, secusers.TestUser), IsTestUser: true,
		LastPasswordChange: now.Add(-100*24*time.Hour - time.Second), StartDate: 1700000000000, EndDate: 1800000000000,
	}
	hostile := full
	hostile.DisplayName = `"},{"id":"x` + "\x00\x01\x1f\n\t\\ <script>&amp; \u2028\u2029 \u202e"
	hostile.OfficePhone = `,"officePhone":"fake"`
	hostile.CountryRegion = `,"countryRegion":` + "\x1f"
	hostile.Company = "\xff invalid UTF-8"
	empty := secusers.User{ID: "id-only", Status: secusers.StatusSetOf(secusers.Inactive)}
	for name, u := range map[string]secusers.User{"full": full, "hostile": hostile, "empty": empty} {
		t.Run(name, func(t *testing.T) {
			pu, err := PageUserOf(u)
			if err != nil {
				t.Fatal(err)
			}
			got, err := AppendBatch([]byte("prefix"), pu, now)
			if err != nil {
				t.Fatal(err)
			}
			want := append([]byte("prefix"), structEncoding(t, u, now)...)
			if !bytes.Equal(got, want) {
				t.Errorf("AppendBatch:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestDecodeRoundTrips(t *testing.T) {
	u := secusers.User{
		ID: "u1", DisplayName: `Zoë "Q" \ Smith`, JobTitle: "\x1f", CountryRegion: "NL",
		Status: secusers.StatusSetOf(secusers.PendingDeletion), StartDate: 5, EndDate: 6,
		LastPasswordChange: time.UnixMilli(1_600_000_000_123).UTC(),
	}
	pu, err := PageUserOf(u)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(pu)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(u, got); diff != "" {
		t.Errorf("Decode(PageUserOf(u)) differs (-want +got):\n%s", diff)
	}
}

func TestAppendBatchRefusesDamagedFields(t *testing.T) {
	for _, fields := range []string{"", `"id":"a"`, "\"id\":\"a\"\x1f\"officePhone\":\"\",\"company\":\"\"", "\x1f\x1f\"\"", "a\x1fb\x1f\"\"\x1f"} {
		_, err := AppendBatch(nil, secusers.PageUser{Key: secusers.UserKey{ID: "u9"}, Fields: []byte(fields)}, time.Time{})
		if err == nil || !strings.Contains(err.Error(), `"u9"`) {
			t.Errorf("AppendBatch(%q) = %v, want an error naming the user", fields, err)
		}
	}
}

// FuzzEncode checks that any text a directory or an import file can hold
// survives the stored encoding: what AppendBatch assembles is the struct
// encoding's bytes, and it decodes to the same user.
func FuzzEncode(f *testing.F) {
	f.Add("ada", `,"officePhone":`, "\x1f", `"}`, int64(0))
	f.Add("", "", "", "", int64(-1))
	f.Fuzz(func(t *testing.T, id, display, phone, country string, start int64) {
		u := secusers.User{ID: id, DisplayName: display, OfficePhone: phone, CountryRegion: country,
			Status: secusers.StatusSetOf(secusers.HighRisk), StartDate: start}
		pu, err := PageUserOf(u)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AppendBatch(nil, pu, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if want := structEncoding(t, u, time.Time{}); !bytes.Equal(got, want) {
			t.Fatalf("AppendBatch:\n got %q\nwant %q", got, want)
		}
		if !json.Valid(got) {
			t.Fatalf("not JSON: %q", got)
		}
	})
}
