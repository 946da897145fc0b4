package sqlite

import (
	"database/sql"

	"github.com/secusers/secusers/internal/secusers"
	"github.com/secusers/secusers/internal/userjson"
)

// userColumns are the users table's columns as scanUser reads them. The
// insert writes tenant_id, generation, sort_key and fields in front of them.
const userColumns = `id, user_principal_name, mail, display_name, first_name, last_name, employee_id,
	location, department, mobile, job_title, office_phone, company, country_region,
	status, last_password_change, start_date, end_date`

const insertUser = `INSERT INTO users (tenant_id, generation, sort_key, fields, ` + userColumns + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// userArgs returns the insert's arguments for u. The sort key is computed
// here, in Go, so that every store orders users exactly alike; the fields
// are the JSON the API serves, encoded once, here (package userjson).
func userArgs(tenantID string, generation int64, u secusers.User) ([]any, error) {
	fields, err := userjson.Encode(u)
	if err != nil {
		return nil, err
	}
	var changed sql.NullInt64
	if !u.LastPasswordChange.IsZero() {
		changed = sql.NullInt64{Int64: u.LastPasswordChange.UnixMilli(), Valid: true}
	}
	return []any{
		tenantID, generation, secusers.SortKey(u.DisplayName), fields,
		u.ID, u.UserPrincipalName, u.Mail, u.DisplayName, u.FirstName, u.LastName, u.EmployeeID,
		u.Location, u.Department, u.Mobile, u.JobTitle, u.OfficePhone, u.Company, u.CountryRegion,
		int64(u.Status), changed, u.StartDate, u.EndDate,
	}, nil
}

// scanUser reads the userColumns of one row.
func scanUser(row scanner) (secusers.User, error) {
	var u secusers.User
	var status int64
	var changed sql.NullInt64
	err := row.Scan(&u.ID, &u.UserPrincipalName, &u.Mail, &u.DisplayName, &u.FirstName, &u.LastName,
		&u.EmployeeID, &u.Location, &u.Department, &u.Mobile, &u.JobTitle, &u.OfficePhone, &u.Company,
		&u.CountryRegion, &status, &changed, &u.StartDate, &u.EndDate)
	u.Status = secusers.StatusSet(status)
	u.IsTestUser = u.Status.Has(secusers.TestUser)
	if changed.Valid {
		u.LastPasswordChange = secusers.FromMillis(changed.Int64)
	}
	return u, err
}
