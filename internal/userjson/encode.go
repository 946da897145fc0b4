package userjson

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/secusers/secusers/internal/secusers"
)

// sep separates the parts of an encoding. encoding/json escapes every byte
// below 0x20 inside a string, and writes none between tokens, so the unit
// separator can only be a separator: splitting needs no parsing.
const sep = 0x1f

// textFields are a user's text fields in the order of the wire (spec §2),
// which Encode cuts into parts at officePhone and at the country.
type textFields struct {
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
	OfficePhone       string `json:"officePhone"`
	Company           string `json:"company"`
	CountryRegion     string `json:"countryRegion"`
}

// The keys where Encode cuts. Inside a JSON string a quote is always
// escaped, so these sequences occur only as the keys themselves.
var (
	officePhoneKey = []byte(`,"officePhone":`)
	countryKey     = []byte(`,"countryRegion":`)
)

// Encode returns the stored encoding of u's text fields:
//
//	"id":…,…,"jobTitle":… 0x1f "officePhone":…,"company":… 0x1f "country"
//
// each string escaped as encoding/json escapes it, HTML escaping off (the
// body is JSON, never HTML; the endpoint has always written it so).
func Encode(u secusers.User) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(textFields{
		ID: u.ID, UserPrincipalName: u.UserPrincipalName, Mail: u.Mail,
		DisplayName: u.DisplayName, FirstName: u.FirstName, LastName: u.LastName,
		EmployeeID: u.EmployeeID, Location: u.Location, Department: u.Department,
		Mobile: u.Mobile, JobTitle: u.JobTitle,
		OfficePhone: u.OfficePhone, Company: u.Company, CountryRegion: u.CountryRegion,
	})
	if err != nil {
		return nil, fmt.Errorf("encode user %q: %w", u.ID, err)
	}
	obj := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	// obj is {…}; its keys are this package's, so both cuts exist.
	phone := bytes.Index(obj, officePhoneKey)
	country := bytes.Index(obj, countryKey)
	out := make([]byte, 0, len(obj))
	out = append(out, obj[1:phone]...)
	out = append(out, sep)
	out = append(out, obj[phone+1:country]...)
	out = append(out, sep)
	out = append(out, obj[country+len(countryKey):len(obj)-1]...)
	return out, nil
}

// parts splits an encoding into its three parts; ok is false when it is not
// one of Encode's.
func parts(fields []byte) (head, office, country []byte, ok bool) {
	head, rest, ok := bytes.Cut(fields, []byte{sep})
	if !ok {
		return nil, nil, nil, false
	}
	office, country, ok = bytes.Cut(rest, []byte{sep})
	if !ok || len(head) == 0 || len(office) == 0 || len(country) < 2 || bytes.IndexByte(country, sep) >= 0 {
		return nil, nil, nil, false
	}
	return head, office, country, true
}
