-- Generations (spec/sync.md, "Writing a run: generations"). A replacement of
-- a tenant's users writes a new generation of them beside the current one,
-- in short transactions, and one short transaction makes it current by
-- setting tenants.users_version to its number; readers read only the users,
-- counts and blocks of that number. Every index of users therefore leads
-- with (tenant_id, generation). Making a generation current records what
-- changed against the one before in user_changes, in the order of the feed
-- that generations.seq gives, and the tenant's point of the day.
--
-- Existing data becomes each tenant's current generation, numbered by its
-- users version; its statuses become the baseline ("present") rows from
-- which status intervals start, as a first fill's would.

-- +goose Up
ALTER TABLE users ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
UPDATE users SET generation = (SELECT users_version FROM tenants WHERE tenants.id = users.tenant_id);

DROP INDEX users_by_id;
DROP INDEX users_in_order;
DROP INDEX users_with_status_0;
DROP INDEX users_with_status_1;
DROP INDEX users_with_status_2;
DROP INDEX users_with_status_3;
DROP INDEX users_with_status_4;
DROP INDEX users_with_status_5;
DROP INDEX users_with_status_6;
DROP INDEX users_with_status_7;
DROP INDEX users_with_status_8;
CREATE UNIQUE INDEX users_by_id ON users (tenant_id, generation, id);
-- As in 00001: the API's order, with status so that counting, filtering
-- and skipping read the index alone.
CREATE INDEX users_in_order ON users (tenant_id, generation, sort_key, id, status);
-- The indexes per status of 00006 are not made again: the blocks serve the
-- pages of one status (a generation has its blocks before it is current),
-- and every user written paid for them.

CREATE TABLE user_status_counts_new (
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
    generation INTEGER NOT NULL,
    status     INTEGER NOT NULL,
    users      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, generation, status)
) STRICT, WITHOUT ROWID;
INSERT INTO user_status_counts_new
    SELECT c.tenant_id, t.users_version, c.status, c.users FROM user_status_counts AS c JOIN tenants AS t ON t.id = c.tenant_id;
DROP TABLE user_status_counts;
ALTER TABLE user_status_counts_new RENAME TO user_status_counts;

CREATE TABLE user_blocks_new (
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    generation    INTEGER NOT NULL,
    filter        INTEGER NOT NULL,
    block         INTEGER NOT NULL,
    last_sort_key TEXT    NOT NULL,
    last_id       TEXT    NOT NULL,
    users         INTEGER NOT NULL,
    data          BLOB    NOT NULL,
    PRIMARY KEY (tenant_id, generation, filter, block)
) STRICT;
INSERT INTO user_blocks_new
    SELECT b.tenant_id, t.blocks_version, b.filter, b.block, b.last_sort_key, b.last_id, b.users, b.data
    FROM user_blocks AS b JOIN tenants AS t ON t.id = b.tenant_id;
DROP TABLE user_blocks;
ALTER TABLE user_blocks_new RENAME TO user_blocks;
CREATE INDEX user_blocks_by_last ON user_blocks (tenant_id, generation, filter, last_sort_key, last_id);

-- last_generation gives each replacement its number when it begins; a
-- number is never given twice, even to a replacement that failed.
ALTER TABLE tenants ADD COLUMN last_generation INTEGER NOT NULL DEFAULT 0;
UPDATE tenants SET last_generation = users_version;

-- One row per generation begun; current_at and seq are set when it
-- becomes current. seq orders the feed of changes: it is given in the
-- transaction that makes the generation current, from change_feed, so that
-- a later-current generation never has a smaller seq.
CREATE TABLE generations (
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id),
    generation INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    current_at INTEGER,
    seq        INTEGER,
    PRIMARY KEY (tenant_id, generation)
) STRICT, WITHOUT ROWID;
CREATE UNIQUE INDEX generations_by_seq ON generations (seq) WHERE seq IS NOT NULL;
INSERT INTO generations (tenant_id, generation, started_at, current_at, seq)
    SELECT id, users_version, CAST(unixepoch('subsec') * 1000 AS INTEGER), CAST(unixepoch('subsec') * 1000 AS INTEGER),
        row_number() OVER (ORDER BY id)
    FROM tenants WHERE users_version > 0;

CREATE TABLE change_feed (
    id  INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
) STRICT;
INSERT INTO change_feed (id, seq) SELECT 1, count(*) FROM generations;

-- Every status a generation added to or removed from a user (kind 1 and
-- 2), and, for a tenant's first generation, every status its users had
-- (kind 0, "present": where their status intervals start; never in the
-- feed). A user's status intervals are read from its rows here.
CREATE TABLE user_changes (
    tenant_id           TEXT    NOT NULL REFERENCES tenants (id),
    generation          INTEGER NOT NULL,
    ordinal             INTEGER NOT NULL,
    user_id             TEXT    NOT NULL,
    display_name        TEXT    NOT NULL,
    user_principal_name TEXT    NOT NULL,
    status              INTEGER NOT NULL,
    kind                INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, generation, ordinal)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_changes_by_user ON user_changes (tenant_id, user_id, status, generation);
WITH bits (b) AS (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8))
INSERT INTO user_changes (tenant_id, generation, ordinal, user_id, display_name, user_principal_name, status, kind)
    SELECT u.tenant_id, u.generation, row_number() OVER (PARTITION BY u.tenant_id ORDER BY u.id, bits.b),
        u.id, u.display_name, u.user_principal_name, bits.b, 0
    FROM users AS u JOIN bits ON (u.status >> bits.b) & 1 = 1;

-- The tenant's point of each UTC day (day: days since 1970-01-01): the
-- counts of the last generation current that day, per status (comma
-- separated, in status order) and of users with any status.
CREATE TABLE history_points (
    tenant_id      TEXT    NOT NULL REFERENCES tenants (id),
    day            INTEGER NOT NULL,
    generation     INTEGER NOT NULL,
    security_users INTEGER NOT NULL,
    counts         TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, day)
) STRICT, WITHOUT ROWID;

-- +goose Down
DROP TABLE history_points;
DROP TABLE user_changes;
DROP TABLE change_feed;
DROP TABLE generations;
ALTER TABLE tenants DROP COLUMN last_generation;
DELETE FROM users WHERE generation != (SELECT users_version FROM tenants WHERE tenants.id = users.tenant_id);
DELETE FROM user_status_counts WHERE generation != (SELECT users_version FROM tenants WHERE tenants.id = user_status_counts.tenant_id);
DELETE FROM user_blocks WHERE generation != (SELECT blocks_version FROM tenants WHERE tenants.id = user_blocks.tenant_id);
CREATE TABLE user_blocks_old (
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    filter        INTEGER NOT NULL,
    block         INTEGER NOT NULL,
    last_sort_key TEXT    NOT NULL,
    last_id       TEXT    NOT NULL,
    users         INTEGER NOT NULL,
    data          BLOB    NOT NULL,
    PRIMARY KEY (tenant_id, filter, block)
) STRICT;
INSERT INTO user_blocks_old SELECT tenant_id, filter, block, last_sort_key, last_id, users, data FROM user_blocks;
DROP TABLE user_blocks;
ALTER TABLE user_blocks_old RENAME TO user_blocks;
CREATE INDEX user_blocks_by_last ON user_blocks (tenant_id, filter, last_sort_key, last_id);
CREATE TABLE user_status_counts_old (
    tenant_id TEXT    NOT NULL REFERENCES tenants (id),
    status    INTEGER NOT NULL,
    users     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, status)
) STRICT, WITHOUT ROWID;
INSERT INTO user_status_counts_old SELECT tenant_id, status, users FROM user_status_counts;
DROP TABLE user_status_counts;
ALTER TABLE user_status_counts_old RENAME TO user_status_counts;
DROP INDEX users_by_id;
DROP INDEX users_in_order;
DROP INDEX users_with_status_0;
DROP INDEX users_with_status_1;
DROP INDEX users_with_status_2;
DROP INDEX users_with_status_3;
DROP INDEX users_with_status_4;
DROP INDEX users_with_status_5;
DROP INDEX users_with_status_6;
DROP INDEX users_with_status_7;
DROP INDEX users_with_status_8;
ALTER TABLE users DROP COLUMN generation;
CREATE UNIQUE INDEX users_by_id ON users (tenant_id, id);
CREATE INDEX users_in_order ON users (tenant_id, sort_key, id, status);
CREATE INDEX users_with_status_0 ON users (tenant_id, sort_key, id, status) WHERE (status & 1) != 0;
CREATE INDEX users_with_status_1 ON users (tenant_id, sort_key, id, status) WHERE (status & 2) != 0;
CREATE INDEX users_with_status_2 ON users (tenant_id, sort_key, id, status) WHERE (status & 4) != 0;
CREATE INDEX users_with_status_3 ON users (tenant_id, sort_key, id, status) WHERE (status & 8) != 0;
CREATE INDEX users_with_status_4 ON users (tenant_id, sort_key, id, status) WHERE (status & 16) != 0;
CREATE INDEX users_with_status_5 ON users (tenant_id, sort_key, id, status) WHERE (status & 32) != 0;
CREATE INDEX users_with_status_6 ON users (tenant_id, sort_key, id, status) WHERE (status & 64) != 0;
CREATE INDEX users_with_status_7 ON users (tenant_id, sort_key, id, status) WHERE (status & 128) != 0;
CREATE INDEX users_with_status_8 ON users (tenant_id, sort_key, id, status) WHERE (status & 256) != 0;
