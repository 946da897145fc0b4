package postgres

import (
	"github.com/jackc/pgx/v5"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/userjson"
)

// userColumns are the users table's columns as scanUser reads them.
const userColumns = `id, user_principal_name, mail, display_name, first_name, last_name, employee_id,
	location, department, mobile, job_title, office_phone, company, country_region,
	status, last_password_change, start_date, end_date`

// copyColumns are the columns a replacement COPYs, in userValues' order:
// tenant_id, generation, sort_key and the fields the API serves, then
// userColumns.
var copyColumns = []string{
	"tenant_id", "generation", "sort_key", "fields",
	"id", "user_principal_name", "mail", "display_name", "first_name", "last_name", "employee_id",
	"location", "department", "mobile", "job_title", "office_phone", "company", "country_region",
	"status", "last_password_change", "start_date", "end_date",
}

// userValues appends u's row in the tenant's generation, in copyColumns'
// order, to values. The sort key is computed here, in Go, so that every
// store orders users exactly alike; the fields are the JSON the API
// serves, encoded once, here (package userjson). Each value has the Go type
// of its column (int32 for integer, int64 for bigint), so that COPY's
// binary encoding needs no conversion. (Boxing the strings costs
// an allocation each; pointers into a reused row would not, but pgx
// dereferences those through reflection, which allocates more.)
func userValues(values []any, tenantID string, generation int64, u secusers.User) ([]any, error) {
	fields, err := userjson.Encode(u)
	if err != nil {
		return values, err
	}
	var changed any // NULL when unknown
	if !u.LastPasswordChange.IsZero() {
		changed = u.LastPasswordChange.UnixMilli()
	}
	return append(values,
		tenantID, generation, secusers.SortKey(u.DisplayName), fields,
		u.ID, u.UserPrincipalName, u.Mail, u.DisplayName, u.FirstName, u.LastName, u.EmployeeID,
		u.Location, u.Department, u.Mobile, u.JobTitle, u.OfficePhone, u.Company, u.CountryRegion,
		int32(u.Status), changed, u.StartDate, u.EndDate,
	), nil
}

// scanUser reads the userColumns of one row, and then extra, if any.
func scanUser(row pgx.Row, extra ...any) (secusers.User, error) {
	var u secusers.User
	var status int32
	var changed *int64
	dest := []any{&u.ID, &u.UserPrincipalName, &u.Mail, &u.DisplayName, &u.FirstName, &u.LastName,
		&u.EmployeeID, &u.Location, &u.Department, &u.Mobile, &u.JobTitle, &u.OfficePhone, &u.Company,
		&u.CountryRegion, &status, &changed, &u.StartDate, &u.EndDate}
	err := row.Scan(append(dest, extra...)...)
	u.Status = secusers.StatusSet(status)
	u.IsTestUser = u.Status.Has(secusers.TestUser)
	if changed != nil {
		u.LastPasswordChange = secusers.FromMillis(*changed)
	}
	return u, err
}
