-- The first schema: the SQLite schema's tables, in PostgreSQL's types.
-- Conventions, shared with the SQLite store so that both round-trip alike:
--   ids are the domain's canonical (lower-case) GUID strings, COLLATE "C" so
--   that every ORDER BY on them is byte order whatever the database's
--   default collation is (and comparisons are memcmp, not strcoll);
--   times are Unix milliseconds in bigint columns (the API's own unit).

-- +goose Up
CREATE TABLE partners (
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    name       text             NOT NULL,
    created_at bigint           NOT NULL
);

CREATE TABLE customers (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    partner_id   text COLLATE "C" NOT NULL REFERENCES partners (id),
    organization text             NOT NULL,
    created_at   bigint           NOT NULL
);
CREATE INDEX customers_by_partner ON customers (partner_id, created_at, id);

CREATE TABLE customer_groups (
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    partner_id text COLLATE "C" NOT NULL REFERENCES partners (id),
    name       text             NOT NULL,
    created_at bigint           NOT NULL
);
CREATE INDEX customer_groups_by_partner ON customer_groups (partner_id, created_at, id);

-- position keeps the members in the order the group was created with.
CREATE TABLE group_members (
    group_id    text COLLATE "C" NOT NULL REFERENCES customer_groups (id),
    customer_id text COLLATE "C" NOT NULL REFERENCES customers (id),
    position    integer          NOT NULL,
    PRIMARY KEY (group_id, customer_id)
);
CREATE INDEX group_members_by_customer ON group_members (customer_id, group_id);

-- users_version counts the tenant's ReplaceUsers. Bumping it is also the
-- first write of ReplaceUsers, so the row lock it takes serializes two
-- replacements of one tenant instead of letting them collide on users' key.
CREATE TABLE tenants (
    id            text COLLATE "C" NOT NULL PRIMARY KEY,
    customer_id   text COLLATE "C" NOT NULL REFERENCES customers (id),
    name          text             NOT NULL,
    created_at    bigint           NOT NULL,
    users_version bigint           NOT NULL DEFAULT 0
);
CREATE INDEX tenants_by_customer ON tenants (customer_id, created_at, id);

-- permissions and scope_ids are read and written whole with the app, never
-- queried by element. The scope's ids are checked against customers and
-- customer_groups (same partner) in Go, inside the writing transaction;
-- nothing is ever deleted, so they cannot dangle.
CREATE TABLE apps (
    client_id   text COLLATE "C" NOT NULL PRIMARY KEY,
    partner_id  text COLLATE "C" NOT NULL REFERENCES partners (id),
    name        text             NOT NULL,
    permissions text[]           NOT NULL,
    scope_kind  text             NOT NULL CHECK (scope_kind IN ('all', 'customers', 'groups')),
    scope_ids   text[]           NOT NULL,
    disabled    boolean          NOT NULL DEFAULT false,
    created_at  bigint           NOT NULL
);
CREATE INDEX apps_by_partner ON apps (partner_id, created_at, client_id);

CREATE TABLE client_secrets (
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    client_id  text COLLATE "C" NOT NULL REFERENCES apps (client_id),
    hash       bytea            NOT NULL,
    hint       text             NOT NULL,
    created_at bigint           NOT NULL,
    expires_at bigint           NOT NULL
);
CREATE INDEX client_secrets_by_app ON client_secrets (client_id, created_at, id);

-- retired_at is 0 while the key is the active one. The partial unique index
-- makes "at most one active key" a fact of the database, and is the arbiter
-- of EnsureSigningKey's INSERT … ON CONFLICT DO NOTHING, which is what makes
-- servers that start together agree on one key.
CREATE TABLE signing_keys (
    id          text COLLATE "C" NOT NULL PRIMARY KEY,
    algorithm   text             NOT NULL,
    private_key bytea            NOT NULL,
    created_at  bigint           NOT NULL,
    retired_at  bigint           NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX signing_keys_one_active ON signing_keys (retired_at) WHERE retired_at = 0;

-- sort_key is secusers.SortKey(display_name), computed in Go so that every
-- store orders alike; COLLATE "C" compares it by bytes, as the spec's order
-- requires, on any server. status is the wire's bit set (filters test it with
-- status & mask); the TestUser bit doubles as isTestUser, so that fact is
-- stored once. last_password_change is NULL when unknown.
--
-- The table has one index, and neither a primary key nor a foreign key, on
-- purpose: ReplaceUsers, its only writer, rewrites a whole tenant at a time
-- (a million rows in one COPY), and each index and constraint is paid per
-- row. It checks and locks the tenant row first (tenants are never deleted),
-- and refuses a repeated id itself, before the row is sent, naming the
-- user's position as the SQLite store does. A unique index on (tenant_id, id)
-- would double the cost of replacing a large tenant: besides its own random
-- inserts, re-inserting a user it already holds makes it visit the deleted
-- old row of the same key in the heap (measured on 1,000,000 users: 30 s
-- with it, 16 s without). Nothing reads users by id alone.
CREATE TABLE users (
    tenant_id            text COLLATE "C" NOT NULL,
    id                   text COLLATE "C" NOT NULL,
    sort_key             text COLLATE "C" NOT NULL,
    user_principal_name  text             NOT NULL,
    mail                 text             NOT NULL,
    display_name         text             NOT NULL,
    first_name           text             NOT NULL,
    last_name            text             NOT NULL,
    employee_id          text             NOT NULL,
    location             text             NOT NULL,
    department           text             NOT NULL,
    mobile               text             NOT NULL,
    job_title            text             NOT NULL,
    office_phone         text             NOT NULL,
    company              text             NOT NULL,
    country_region       text             NOT NULL,
    status               integer          NOT NULL,
    last_password_change bigint,
    start_date           bigint           NOT NULL,
    end_date             bigint           NOT NULL
);
-- The API's order. status rides along (INCLUDE) so that finding a page's
-- positions, filtered and skipped, is an index-only scan; the page's rows
-- are then fetched by the same index, one position each.
CREATE INDEX users_in_order ON users (tenant_id, sort_key, id) INCLUDE (status);
-- Without a key, logical replication (should an operator publish this
-- table) identifies a deleted row by all its columns. It changes nothing
-- unless wal_level is logical.
ALTER TABLE users REPLICA IDENTITY FULL;
-- ReplaceUsers deletes and COPYs a whole tenant at a time: vacuum (which
-- sets the visibility map that index-only scans rely on) after a tenth of
-- the table changed, not a fifth.
ALTER TABLE users SET (autovacuum_vacuum_scale_factor = 0.1, autovacuum_vacuum_insert_scale_factor = 0.1);

-- How many of the tenant's users have each exact status set. ReplaceUsers
-- writes it in the same transaction as the users, so a page's total is a sum
-- over at most 512 rows instead of a count over every user.
CREATE TABLE user_status_counts (
    tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (id),
    status    integer          NOT NULL,
    users     bigint           NOT NULL,
    PRIMARY KEY (tenant_id, status)
);

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
