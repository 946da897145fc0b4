package rules

import (
	"time"

	"github.com/secusers/secusers/internal/graph"
	"github.com/secusers/secusers/internal/secusers"
)

// ToUser maps a Graph user to the stored user with status, following
// sync.md's field mapping: firstName ← givenName, lastName ← surname,
// location ← officeLocation, mobile ← mobilePhone, officePhone ←
// businessPhones[0], company ← companyName, countryRegion ← country; the
// other fields keep their names. Text goes through CleanText (null → "").
// lastPasswordChangeDateTime is kept (in UTC) so that the API derives age
// at response time; null becomes the zero time.
//
// The id becomes its canonical lower-case GUID. An id that is not a GUID is
// kept as it came (cleaned), and the result then fails Validate: the caller
// skips or fails such a user, which Graph never sends.
//
// The partner's fields are not Graph's: the TestUser bit is cleared from
// status and IsTestUser, StartDate and EndDate are left zero, for
// KeepPartnerFields to restore from the stored user. Bits beyond the
// defined statuses are dropped.
func ToUser(u graph.User, status secusers.StatusSet) secusers.User {
	id, ok := secusers.ParseGUID(u.ID)
	if !ok {
		id = CleanText(&u.ID)
	}
	out := secusers.User{
		ID:                id,
		UserPrincipalName: CleanText(u.UserPrincipalName),
		Mail:              CleanText(u.Mail),
		DisplayName:       CleanText(u.DisplayName),
		FirstName:         CleanText(u.GivenName),
		LastName:          CleanText(u.Surname),
		EmployeeID:        CleanText(u.EmployeeID),
		Location:          CleanText(u.OfficeLocation),
		Department:        CleanText(u.Department),
		Mobile:            CleanText(u.MobilePhone),
		JobTitle:          CleanText(u.JobTitle),
		Company:           CleanText(u.CompanyName),
		CountryRegion:     CleanText(u.Country),
		Status:            status & secusers.AllStatusBits &^ secusers.StatusSetOf(secusers.TestUser),
	}
	if len(u.BusinessPhones) > 0 {
		out.OfficePhone = CleanText(&u.BusinessPhones[0])
	}
	if t := u.LastPasswordChangeDateTime; t != nil {
		out.LastPasswordChange = t.UTC()
	}
	return out
}

// KeepPartnerFields returns fresh, a user just mapped from Graph, with the
// partner's fields of stored, the same user as the store holds it from an
// earlier import or run: isTestUser with its TestUser status bit, startDate
// and endDate (sync.md: "a sync keeps them for every user it still finds").
// The caller pairs the two by id; a user new to the store has nothing to
// keep and needs no call.
func KeepPartnerFields(fresh, stored secusers.User) secusers.User {
	return secusers.KeepPartnerFields(fresh, stored)
}

// DeletedUser maps a user of read 6 (soft-deleted): while PendingDeletion
// holds at now it is a security user with PendingDeletion alone (the
// partner's TestUser bit is added back by KeepPartnerFields); after that it
// is not one, and ok is false.
func DeletedUser(u graph.User, now time.Time) (user secusers.User, ok bool) {
	if !PendingDeletion(u, now) {
		return secusers.User{}, false
	}
	return ToUser(u, secusers.StatusSetOf(secusers.PendingDeletion)), true
}
