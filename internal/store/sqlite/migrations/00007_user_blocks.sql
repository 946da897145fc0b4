-- The pages of the filters most requests use (every security user, and each
-- single status) kept as blocks of consecutive users in the API's order
-- (secusers.UsersPerBlock each, encoded by secusers.AppendBlockUser), so
-- that a page is a read of one or two blocks instead of a hundred rows.
-- blocks_version is the users version the tenant's blocks were built at:
-- a page reads the blocks only when it equals users_version, so a tenant
-- written before this migration, or by a server of the previous release
-- during a rolling upgrade, is read row by row until its next import or
-- sync builds them.

-- +goose Up
CREATE TABLE user_blocks (
    tenant_id      TEXT    NOT NULL REFERENCES tenants (id),
    filter         INTEGER NOT NULL,
    block          INTEGER NOT NULL,
    last_sort_key TEXT    NOT NULL,
    last_id        TEXT    NOT NULL,
    users          INTEGER NOT NULL,
    data           BLOB    NOT NULL,
    PRIMARY KEY (tenant_id, filter, block)
) STRICT;
CREATE INDEX user_blocks_by_last ON user_blocks (tenant_id, filter, last_sort_key, last_id);
ALTER TABLE tenants ADD COLUMN blocks_version INTEGER NOT NULL DEFAULT -1;

-- +goose Down
ALTER TABLE tenants DROP COLUMN blocks_version;
DROP TABLE user_blocks;
