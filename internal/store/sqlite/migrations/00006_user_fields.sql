-- Each user's text fields as the JSON the API serves (package userjson),
-- encoded once when the user is written, so that a page is a narrow read
-- and a concatenation of stored bytes; and an index per status of the users
-- that have it, so that the first page of a rare status is a short range of
-- one index rather than a scan of every user until enough match.

-- +goose Up
ALTER TABLE users ADD COLUMN fields BLOB NOT NULL DEFAULT x'';

-- The users written before this migration get the encoding from SQLite's
-- JSON quoting. It escapes a few characters differently from Go's (U+2028,
-- for one), which is the same JSON to any reader.
UPDATE users SET fields = CAST('"id":' || json_quote(id) || ',"userPrincipalName":' || json_quote(user_principal_name) || ',"mail":' || json_quote(mail) || ',"displayName":' || json_quote(display_name) || ',"firstName":' || json_quote(first_name) || ',"lastName":' || json_quote(last_name) || ',"employeeId":' || json_quote(employee_id) || ',"location":' || json_quote(location) || ',"department":' || json_quote(department) || ',"mobile":' || json_quote(mobile) || ',"jobTitle":' || json_quote(job_title)
        || char(31) || '"officePhone":' || json_quote(office_phone) || ',"company":' || json_quote(company) || char(31) || json_quote(country_region) AS BLOB);

-- A server of the previous release, still running during a rolling
-- upgrade, writes users without the encoding; the row reads compute it for
-- them (pageFields in userpage.go), and their tenant has no blocks until
-- this release writes it. (A trigger filling it in cost a tenth of an
-- import's time.)

-- The page of one status reads its index (the query names it: the planner
-- cannot tell it is the smaller one). status is in it because SQLite does
-- not take the index's WHERE as the query's: without it, each entry would
-- be looked up in the table to test the status again. A user is in the
-- index of each status it has, so the indexes together hold about as many
-- entries as there are statuses set.
CREATE INDEX users_with_status_0 ON users (tenant_id, sort_key, id, status) WHERE (status & 1) != 0; -- MFADisabled
CREATE INDEX users_with_status_1 ON users (tenant_id, sort_key, id, status) WHERE (status & 2) != 0; -- SignInBlocked
CREATE INDEX users_with_status_2 ON users (tenant_id, sort_key, id, status) WHERE (status & 4) != 0; -- PasswordExpired
CREATE INDEX users_with_status_3 ON users (tenant_id, sort_key, id, status) WHERE (status & 8) != 0; -- HighRisk
CREATE INDEX users_with_status_4 ON users (tenant_id, sort_key, id, status) WHERE (status & 16) != 0; -- MediumRisk
CREATE INDEX users_with_status_5 ON users (tenant_id, sort_key, id, status) WHERE (status & 32) != 0; -- Compliance
CREATE INDEX users_with_status_6 ON users (tenant_id, sort_key, id, status) WHERE (status & 64) != 0; -- Inactive
CREATE INDEX users_with_status_7 ON users (tenant_id, sort_key, id, status) WHERE (status & 128) != 0; -- PendingDeletion
CREATE INDEX users_with_status_8 ON users (tenant_id, sort_key, id, status) WHERE (status & 256) != 0; -- TestUser

-- +goose Down
DROP INDEX users_with_status_0;
DROP INDEX users_with_status_1;
DROP INDEX users_with_status_2;
DROP INDEX users_with_status_3;
DROP INDEX users_with_status_4;
DROP INDEX users_with_status_5;
DROP INDEX users_with_status_6;
DROP INDEX users_with_status_7;
DROP INDEX users_with_status_8;
ALTER TABLE users DROP COLUMN fields;
