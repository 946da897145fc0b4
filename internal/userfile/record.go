package userfile

import (
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// record is one line of the file. The fields are in the API's order
// (security-users-api.md §2), so exported files read like API responses and
// diff cleanly; the extra lastPasswordChangeDateTime comes last.
type record struct {
	ID                         string `json:"id"`
	UserPrincipalName          string `json:"userPrincipalName"`
	Mail                       string `json:"mail"`
	DisplayName                string `json:"displayName"`
	FirstName                  string `json:"firstName"`
	LastName                   string `json:"lastName"`
	EmployeeID                 string `json:"employeeId"`
	Location                   string `json:"location"`
	Department                 string `json:"department"`
	Mobile                     string `json:"mobile"`
	JobTitle                   string `json:"jobTitle"`
	Status                     uint16 `json:"status"`
	IsTestUser                 bool   `json:"isTestUser"`
	StartDate                  int64  `json:"startDate"`
	EndDate                    int64  `json:"endDate"`
	OfficePhone                string `json:"officePhone"`
	Company                    string `json:"company"`
	CountryRegion              string `json:"countryRegion"`
	LastPasswordChangeDateTime string `json:"lastPasswordChangeDateTime,omitempty"`
}

// fromUser returns the record of u. The password change time is written in
// UTC with as many fractional digits as it has, so reading it back yields
// the same instant.
func fromUser(u secusers.User) record {
	r := record{
		ID: u.ID, UserPrincipalName: u.UserPrincipalName, Mail: u.Mail, DisplayName: u.DisplayName,
		FirstName: u.FirstName, LastName: u.LastName, EmployeeID: u.EmployeeID, Location: u.Location,
		Department: u.Department, Mobile: u.Mobile, JobTitle: u.JobTitle, Status: uint16(u.Status),
		IsTestUser: u.IsTestUser, StartDate: u.StartDate, EndDate: u.EndDate, OfficePhone: u.OfficePhone,
		Company: u.Company, CountryRegion: u.CountryRegion,
	}
	if !u.LastPasswordChange.IsZero() {
		r.LastPasswordChangeDateTime = u.LastPasswordChange.UTC().Format(time.RFC3339Nano)
	}
	return r
}

// toUser returns the user of a record whose fields were already checked.
func (r record) toUser(lastChange time.Time) secusers.User {
	return secusers.User{
		ID: r.ID, UserPrincipalName: r.UserPrincipalName, Mail: r.Mail, DisplayName: r.DisplayName,
		FirstName: r.FirstName, LastName: r.LastName, EmployeeID: r.EmployeeID, Location: r.Location,
		Department: r.Department, Mobile: r.Mobile, JobTitle: r.JobTitle, Status: secusers.StatusSet(r.Status),
		IsTestUser: r.IsTestUser, StartDate: r.StartDate, EndDate: r.EndDate, OfficePhone: r.OfficePhone,
		Company: r.Company, CountryRegion: r.CountryRegion, LastPasswordChange: lastChange,
	}
}
