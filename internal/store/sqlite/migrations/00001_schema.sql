-- The first schema. Conventions:
--   ids are the domain's canonical (lower-case) GUID strings;
--   times are Unix milliseconds in INTEGER columns (the API's own unit),
--   so both stores round-trip them identically;
--   STRICT tables refuse values of the wrong type instead of coercing them.

-- +goose Up
CREATE TABLE partners (
    id         TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE customers (
    id           TEXT    NOT NULL PRIMARY KEY,
    partner_id   TEXT    NOT NULL REFERENCES partners (id),
    organization TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX customers_by_partner ON customers (partner_id, created_at, id);

CREATE TABLE customer_groups (
    id         TEXT    NOT NULL PRIMARY KEY,
    partner_id TEXT    NOT NULL REFERENCES partners (id),
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX customer_groups_by_partner ON customer_groups (partner_id, created_at, id);

-- position keeps the members in the order the group was created with.
CREATE TABLE group_members (
    group_id    TEXT    NOT NULL REFERENCES customer_groups (id),
    customer_id TEXT    NOT NULL REFERENCES customers (id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (group_id, customer_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX group_members_by_customer ON group_members (customer_id, group_id);

CREATE TABLE tenants (
    id          TEXT    NOT NULL PRIMARY KEY,
    customer_id TEXT    NOT NULL REFERENCES customers (id),
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX tenants_by_customer ON tenants (customer_id, created_at, id);

-- permissions and scope_ids are JSON arrays of strings: they are read and
-- written whole with the app, never queried by element. The scope's ids are
-- checked against customers and customer_groups (same partner) in Go, inside
-- the creating transaction; nothing is ever deleted, so they cannot dangle.
CREATE TABLE apps (
    client_id   TEXT    NOT NULL PRIMARY KEY,
    partner_id  TEXT    NOT NULL REFERENCES partners (id),
    name        TEXT    NOT NULL,
    permissions TEXT    NOT NULL,
    scope_kind  TEXT    NOT NULL CHECK (scope_kind IN ('all', 'customers', 'groups')),
    scope_ids   TEXT    NOT NULL,
    disabled    INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX apps_by_partner ON apps (partner_id, created_at, client_id);

CREATE TABLE client_secrets (
    id         TEXT    NOT NULL PRIMARY KEY,
    client_id  TEXT    NOT NULL REFERENCES apps (client_id),
    hash       BLOB    NOT NULL,
    hint       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX client_secrets_by_app ON client_secrets (client_id, created_at, id);

-- retired_at is 0 while the key is the active one. The partial unique index
-- makes "at most one active key" a fact of the database, not of the code that
-- happens to write it.
CREATE TABLE signing_keys (
    id          TEXT    NOT NULL PRIMARY KEY,
    algorithm   TEXT    NOT NULL,
    private_key BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    retired_at  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (retired_at) WHERE retired_at = 0;

-- sort_key is secusers.SortKey(display_name), computed in Go so that every
-- store orders alike; TEXT compares with the BINARY collation, i.e. by bytes,
-- as the spec's order requires. status is the wire's bit set; the TestUser
-- bit doubles as isTestUser, so that fact is stored once.
-- last_password_change is NULL when unknown.
CREATE TABLE users (
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
-- The API's order. status rides along so that counting and filtering a
-- page, and skipping an offset, read the index alone.
CREATE INDEX users_in_order ON users (tenant_id, sort_key, id, status);

-- How many of the tenant's users have each exact status set. ReplaceUsers,
-- the only writer of users, writes it in the same transaction, so a page's
-- total is a sum over at most 512 rows instead of a count over every user
-- (about 10 ms per request for 100,000 users).
CREATE TABLE user_status_counts (
    tenant_id TEXT    NOT NULL REFERENCES tenants (id),
    status    INTEGER NOT NULL,
    users     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, status)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE user_status_counts;
DROP TABLE users;
DROP TABLE signing_keys;
DROP TABLE client_secrets;
DROP TABLE apps;
DROP TABLE tenants;
DROP TABLE group_members;
DROP TABLE customer_groups;
DROP TABLE customers;
DROP TABLE partners;
