package userjson

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/secusers/secusers/internal/secusers"
)

// AppendBatch appends u as the reference revision's user object (spec §2):
// status as the integer bit set, age in whole days at now, the dates as
// Unix milliseconds, the country as countryRegion. It fails only when u's
// Fields are not an encoding of Encode's (a damaged row), naming the user.
func AppendBatch(dst []byte, u secusers.PageUser, now time.Time) ([]byte, error) {
	head, office, country, ok := parts(u.Fields)
	if !ok {
		return dst, fmt.Errorf("user %q: its stored JSON fields are not in the expected form", u.Key.ID)
	}
	dst = append(dst, '{')
	dst = append(dst, head...)
	dst = append(dst, `,"status":`...)
	dst = strconv.AppendUint(dst, uint64(u.Status), 10)
	dst = append(dst, `,"isTestUser":`...)
	dst = strconv.AppendBool(dst, u.Status.Has(secusers.TestUser))
	dst = append(dst, `,"age":`...)
	dst = strconv.AppendInt(dst, secusers.PasswordAgeDays(u.LastPasswordChange, now), 10)
	dst = append(dst, `,"startDate":`...)
	dst = strconv.AppendInt(dst, u.StartDate, 10)
	dst = append(dst, `,"endDate":`...)
	dst = strconv.AppendInt(dst, u.EndDate, 10)
	dst = append(dst, ',')
	dst = append(dst, office...)
	dst = append(dst, `,"countryRegion":`...)
	dst = append(dst, country...)
	return append(dst, '}'), nil
}

// batchUser is the reference revision's user object, as Decode reads it.
type batchUser struct {
	textFields
	Status     uint16 `json:"status"`
	IsTestUser bool   `json:"isTestUser"`
	StartDate  int64  `json:"startDate"`
	EndDate    int64  `json:"endDate"`
}

// Decode returns the user u stands for, as far as a page holds it (the last
// password change is u's own). It is for tests and tools that compare a
// page with the users written; the endpoint never decodes.
func Decode(u secusers.PageUser) (secusers.User, error) {
	raw, err := AppendBatch(nil, u, time.Time{})
	if err != nil {
		return secusers.User{}, err
	}
	var b batchUser
	if err := json.Unmarshal(raw, &b); err != nil {
		return secusers.User{}, fmt.Errorf("decode user %q: %w", u.Key.ID, err)
	}
	t := b.textFields
	return secusers.User{
		ID: t.ID, UserPrincipalName: t.UserPrincipalName, Mail: t.Mail,
		DisplayName: t.DisplayName, FirstName: t.FirstName, LastName: t.LastName,
		EmployeeID: t.EmployeeID, Location: t.Location, Department: t.Department,
		Mobile: t.Mobile, JobTitle: t.JobTitle, OfficePhone: t.OfficePhone,
		Company: t.Company, CountryRegion: t.CountryRegion,
		Status: secusers.StatusSet(b.Status), IsTestUser: b.IsTestUser,
		LastPasswordChange: u.LastPasswordChange, StartDate: b.StartDate, EndDate: b.EndDate,
	}, nil
}

// DecodePage decodes every user of a page, as Decode does.
func DecodePage(page secusers.UserPage) ([]secusers.User, error) {
	users := make([]secusers.User, len(page.Users))
	for i, u := range page.Users {
		var err error
		if users[i], err = Decode(u); err != nil {
			return nil, err
		}
	}
	return users, nil
}

// PageUserOf returns the page's view of u, as a store reads it back: a
// helper for tests and for stores that keep users in memory.
func PageUserOf(u secusers.User) (secusers.PageUser, error) {
	fields, err := Encode(u)
	if err != nil {
		return secusers.PageUser{}, err
	}
	return secusers.PageUser{
		Key: secusers.KeyOf(u), Status: u.Status, LastPasswordChange: u.LastPasswordChange,
		StartDate: u.StartDate, EndDate: u.EndDate, Fields: fields,
	}, nil
}
