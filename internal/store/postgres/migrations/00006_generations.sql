-- Generations (spec/sync.md, "Writing a run: generations"). A replacement
-- of a tenant's users (an import or a sync run) writes a new generation of
-- them beside the current one, a few thousand users a transaction, and one
-- short transaction then makes it current by setting tenants.users_version
-- to its number; readers read only the users, counts and blocks of that
-- number. Every index of users, user_status_counts and user_blocks
-- therefore leads with (tenant_id, generation). Making a generation current
-- records what changed against the one before in user_changes, in the
-- order of the feed that generations.seq gives, and the tenant's point of
-- the day in history_points.
--
-- Existing data becomes each tenant's current generation, numbered by its
-- users version; its statuses become the baseline ("present") rows that
-- status intervals start from, as a first fill's would.
--
-- A server of an earlier release must not run against this schema: it
-- would read every generation of a tenant at once. Its writes fail rather
-- than go unseen: users.generation has no default.

-- +goose Up

-- The indexes of users are rebuilt with generation; dropping them first
-- spares the UPDATE below their upkeep.
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

ALTER TABLE users ADD COLUMN generation bigint NOT NULL DEFAULT 0;
UPDATE users SET generation = t.users_version FROM tenants AS t WHERE t.id = users.tenant_id;
ALTER TABLE users ALTER COLUMN generation DROP DEFAULT;

-- A unique key, which 00001 left out on purpose: there, a replacement
-- re-inserted each key beside its deleted old row, and the index had to
-- visit those. A generation's keys are new (the generation is part of
-- them), so the key costs its own inserts only. It finds a repeated id,
-- which the store no longer tracks in memory (a million ids would be tens
-- of megabytes), and it is how the comparison of two generations and the
-- cleanup of old ones find a generation's users in id order.
CREATE UNIQUE INDEX users_by_id ON users (tenant_id, generation, id);
-- As in 00001: the API's order, status included so that finding a page's
-- positions is an index-only scan.
CREATE INDEX users_in_order ON users (tenant_id, generation, sort_key, id) INCLUDE (status);
-- As in 00004: one index per status, of the users that have it.
CREATE INDEX users_with_status_0 ON users (tenant_id, generation, sort_key, id) INCLUDE (status) WHERE (status & 1) <> 0; -- MFADisabled
CREATE INDEX users_with_status_1 ON users (tenant_id, generation, sort_key, id) INCLUDE (status) WHERE (status & 2) <> 0; -- SignInBlocked
CREATE INDEX users_with_status_2 ON users (tenant_id, generation, sort_key, id) INCLUDE (status) WHERE (status & 4) <> 0; -- PasswordExpired
CREATE INDEX users_with_status_3 ON users (tenant_id, generation, sort_key, id) INCLUDE (status) WHERE (status & 8) <> 0; -- HighRisk
CREATE INDEX users_with_status_4 ON users (tenant_id, generation, sort_key, id) INCLUDE (status) WHERE (status & 16) <> 0; -- MediumRisk
CREATE INDEX users_with_status_5 ON users (tenant_id, generation, sort_key, id) INCLUDE (status) WHERE (status & 32) <> 0; -- Compliance
CREATE INDEX users_with_status_6 ON users (tenant_id, generation, sort_key, id) INCLUDE (status) WHERE (status & 64) <> 0; -- Inactive
CREATE INDEX users_with_status_7 ON users (tenant_id, generation, sort_key, id) INCLUDE (status) WHERE (status & 128) <> 0; -- PendingDeletion
CREATE INDEX users_with_status_8 ON users (tenant_id, generation, sort_key, id) INCLUDE (status) WHERE (status & 256) <> 0; -- TestUser
-- A tenant's rows are (after the cleanup that follows each replacement)
-- almost all of one generation. Without this the planner multiplies the
-- selectivity of tenant_id = $1 by that of generation = $2, as if they were
-- unrelated, and thinks a million-user tenant's page reads a few hundred
-- rows.
CREATE STATISTICS users_generation_of_tenant (dependencies) ON tenant_id, generation FROM users;

ALTER TABLE user_status_counts ADD COLUMN generation bigint NOT NULL DEFAULT 0;
UPDATE user_status_counts SET generation = t.users_version FROM tenants AS t WHERE t.id = user_status_counts.tenant_id;
ALTER TABLE user_status_counts ALTER COLUMN generation DROP DEFAULT;
ALTER TABLE user_status_counts DROP CONSTRAINT user_status_counts_pkey;
ALTER TABLE user_status_counts ADD PRIMARY KEY (tenant_id, generation, status);

-- Blocks belong to the generation they were built from: blocks_version,
-- which is the users version unless the tenant was last written by an
-- older release (then the blocks are stale, not read, and deleted with the
-- next replacement's old generations).
ALTER TABLE user_blocks ADD COLUMN generation bigint NOT NULL DEFAULT 0;
UPDATE user_blocks SET generation = t.blocks_version FROM tenants AS t WHERE t.id = user_blocks.tenant_id;
ALTER TABLE user_blocks ALTER COLUMN generation DROP DEFAULT;
ALTER TABLE user_blocks DROP CONSTRAINT user_blocks_pkey;
ALTER TABLE user_blocks ADD PRIMARY KEY (tenant_id, generation, filter, block);
DROP INDEX user_blocks_by_last;
CREATE INDEX user_blocks_by_last ON user_blocks (tenant_id, generation, filter, last_sort_key, last_id);

-- users_version is the current generation's number (0: never filled);
-- last_generation gives each replacement its number when it begins, so a
-- number is never given twice, even to a replacement that failed.
ALTER TABLE tenants ADD COLUMN last_generation bigint NOT NULL DEFAULT 0;
UPDATE tenants SET last_generation = users_version;

-- One row per generation begun; current_at (Unix ms) and seq are set by
-- the transaction that makes it current. seq orders the feed of changes:
-- it comes from change_feed, whose row that transaction updates, so that
-- flips take their seqs one at a time, in commit order, and a reader that
-- sees a seq sees every smaller one.
CREATE TABLE generations (
    tenant_id  text COLLATE "C" NOT NULL REFERENCES tenants (id),
    generation bigint           NOT NULL,
    started_at bigint           NOT NULL,
    current_at bigint,
    seq        bigint,
    PRIMARY KEY (tenant_id, generation)
);
CREATE UNIQUE INDEX generations_by_seq ON generations (seq) WHERE seq IS NOT NULL;
-- The feed's read: a few tenants' generations made current after a
-- position, each tenant's a range of this index, however long its history
-- (a tenant synced hourly has thousands of generations in 400 days).
CREATE INDEX generations_feed ON generations (tenant_id, seq) INCLUDE (current_at) WHERE seq IS NOT NULL;
INSERT INTO generations (tenant_id, generation, started_at, current_at, seq)
    SELECT id, users_version, (extract(epoch FROM now()) * 1000)::bigint, (extract(epoch FROM now()) * 1000)::bigint,
        row_number() OVER (ORDER BY id)
    FROM tenants WHERE users_version > 0;

CREATE TABLE change_feed (
    id  integer NOT NULL PRIMARY KEY CHECK (id = 1),
    seq bigint  NOT NULL
);
INSERT INTO change_feed (id, seq) SELECT 1, count(*) FROM generations;

-- Every status a generation added to a user or removed from it (kind 1
-- and 2), and for a tenant's first generation every status its users had
-- (kind 0, "present": where their status intervals start; never in the
-- feed). ordinal numbers a generation's rows from 1. A user's status
-- intervals are read from its rows (user_changes_by_user). No foreign key:
-- a generation's rows are written by COPY and deleted in batches, and the
-- store deletes them before, or with, their generation.
CREATE TABLE user_changes (
    tenant_id           text COLLATE "C" NOT NULL,
    generation          bigint           NOT NULL,
    ordinal             bigint           NOT NULL,
    user_id             text COLLATE "C" NOT NULL,
    display_name        text             NOT NULL,
    user_principal_name text             NOT NULL,
    status              smallint         NOT NULL,
    kind                smallint         NOT NULL CHECK (kind IN (0, 1, 2)),
    PRIMARY KEY (tenant_id, generation, ordinal)
);
CREATE INDEX user_changes_by_user ON user_changes (tenant_id, user_id, status, generation);
-- The feed's rows alone. A first fill of a million users has millions of
-- present rows and no change; the feed's read, which walks each
-- generation's changes in ordinal order, and the pruning of old changes
-- then pass it by instead of reading through them.
CREATE INDEX user_changes_feed ON user_changes (tenant_id, generation, ordinal) WHERE kind <> 0;
INSERT INTO user_changes (tenant_id, generation, ordinal, user_id, display_name, user_principal_name, status, kind)
    SELECT u.tenant_id, u.generation, row_number() OVER (PARTITION BY u.tenant_id ORDER BY u.id, s.n),
        u.id, u.display_name, u.user_principal_name, s.n, 0
    FROM users AS u
    JOIN tenants AS t ON t.id = u.tenant_id AND t.users_version = u.generation
    CROSS JOIN generate_series(0, 8) AS s (n) -- the statuses, 0 to secusers.NumStatuses - 1
    WHERE t.users_version > 0 AND (u.status & (1 << s.n)) <> 0;

-- The tenant's point of each UTC day (day: days since 1970-01-01, as
-- secusers.DayNumber): the counts of the last generation current that day,
-- per status (secusers.EncodeCounts) and of users with any status.
CREATE TABLE history_points (
    tenant_id      text COLLATE "C" NOT NULL REFERENCES tenants (id),
    day            bigint           NOT NULL,
    generation     bigint           NOT NULL,
    security_users bigint           NOT NULL,
    counts         text             NOT NULL,
    PRIMARY KEY (tenant_id, day)
);

-- +goose Down
DROP TABLE history_points;
DROP TABLE user_changes;
DROP TABLE change_feed;
DROP TABLE generations;
ALTER TABLE tenants DROP COLUMN last_generation;

DELETE FROM user_blocks AS b USING tenants AS t WHERE t.id = b.tenant_id AND b.generation <> t.blocks_version;
DROP INDEX user_blocks_by_last;
ALTER TABLE user_blocks DROP CONSTRAINT user_blocks_pkey;
ALTER TABLE user_blocks DROP COLUMN generation;
ALTER TABLE user_blocks ADD PRIMARY KEY (tenant_id, filter, block);
CREATE INDEX user_blocks_by_last ON user_blocks (tenant_id, filter, last_sort_key, last_id);

DELETE FROM user_status_counts AS c USING tenants AS t WHERE t.id = c.tenant_id AND c.generation <> t.users_version;
ALTER TABLE user_status_counts DROP CONSTRAINT user_status_counts_pkey;
ALTER TABLE user_status_counts DROP COLUMN generation;
ALTER TABLE user_status_counts ADD PRIMARY KEY (tenant_id, status);

DELETE FROM users AS u USING tenants AS t WHERE t.id = u.tenant_id AND u.generation <> t.users_version;
DROP STATISTICS users_generation_of_tenant;
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
CREATE INDEX users_in_order ON users (tenant_id, sort_key, id) INCLUDE (status);
CREATE INDEX users_with_status_0 ON users (tenant_id, sort_key, id) INCLUDE (status) WHERE (status & 1) <> 0;
CREATE INDEX users_with_status_1 ON users (tenant_id, sort_key, id) INCLUDE (status) WHERE (status & 2) <> 0;
CREATE INDEX users_with_status_2 ON users (tenant_id, sort_key, id) INCLUDE (status) WHERE (status & 4) <> 0;
CREATE INDEX users_with_status_3 ON users (tenant_id, sort_key, id) INCLUDE (status) WHERE (status & 8) <> 0;
CREATE INDEX users_with_status_4 ON users (tenant_id, sort_key, id) INCLUDE (status) WHERE (status & 16) <> 0;
CREATE INDEX users_with_status_5 ON users (tenant_id, sort_key, id) INCLUDE (status) WHERE (status & 32) <> 0;
CREATE INDEX users_with_status_6 ON users (tenant_id, sort_key, id) INCLUDE (status) WHERE (status & 64) <> 0;
CREATE INDEX users_with_status_7 ON users (tenant_id, sort_key, id) INCLUDE (status) WHERE (status & 128) <> 0;
CREATE INDEX users_with_status_8 ON users (tenant_id, sort_key, id) INCLUDE (status) WHERE (status & 256) <> 0;
