-- A user's identity, (tenant_id, id), moves from the table's PRIMARY KEY to
-- a UNIQUE index. It means the same, but an index can be dropped and built
-- again, which a PRIMARY KEY cannot: a large ReplaceUsers drops both of the
-- users' indexes, deletes and appends rows to the bare table, and then
-- builds each index by one sort instead of a million inserts at random
-- places (see replace.go). SQLite cannot change a table's key in place, so
-- the table is copied into a new one with the same columns.

-- +goose Up
CREATE TABLE users_new (
    tenant_id            TEXT    NOT NULL REFERENCES tenants (id),
    id                   TEXT    NOT NULL,
    sort_key             TEXT    NOT NULL,
    user_principal_name  TEXT    NOT NULL,
    mail                 TEXT    NOT NULL,
    display_name         TEXT    NOT NULL,
    first_name           TEXT    NOT NULL,
    last_name            TEXT    NOT NULL,
    employee_id          TEXT    NOT NULL,
    location             TEXT    NOT NULL,
    department           TEXT    NOT NULL,
    mobile               TEXT    NOT NULL,
    job_title            TEXT    NOT NULL,
    office_phone         TEXT    NOT NULL,
    company              TEXT    NOT NULL,
    country_region       TEXT    NOT NULL,
    status               INTEGER NOT NULL,
    last_password_change INTEGER,
    start_date           INTEGER NOT NULL,
    end_date             INTEGER NOT NULL
) STRICT;
INSERT INTO users_new SELECT * FROM users ORDER BY tenant_id, sort_key, id;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE UNIQUE INDEX users_by_id ON users (tenant_id, id);
-- As in 00001: the API's order, with status so that counting, filtering
-- and skipping read the index alone.
CREATE INDEX users_in_order ON users (tenant_id, sort_key, id, status);

-- +goose Down
CREATE TABLE users_old (
    tenant_id            TEXT    NOT NULL REFERENCES tenants (id),
    id                   TEXT    NOT NULL,
    sort_key             TEXT    NOT NULL,
    user_principal_name  TEXT    NOT NULL,
    mail                 TEXT    NOT NULL,
    display_name         TEXT    NOT NULL,
    first_name           TEXT    NOT NULL,
    last_name            TEXT    NOT NULL,
    employee_id          TEXT    NOT NULL,
    location             TEXT    NOT NULL,
    department           TEXT    NOT NULL,
    mobile               TEXT    NOT NULL,
    job_title            TEXT    NOT NULL,
    office_phone         TEXT    NOT NULL,
    company              TEXT    NOT NULL,
    country_region       TEXT    NOT NULL,
    status               INTEGER NOT NULL,
    last_password_change INTEGER,
    start_date           INTEGER NOT NULL,
    end_date             INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;
INSERT INTO users_old SELECT * FROM users;
DROP TABLE users;
ALTER TABLE users_old RENAME TO users;
CREATE INDEX users_in_order ON users (tenant_id, sort_key, id, status);
