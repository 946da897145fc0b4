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
    tenant_id      text COLLATE "C" NOT NULL REFERENCES tenants (id),
    filter         integer          NOT NULL,
    block          bigint           NOT NULL,
    last_sort_key text COLLATE "C" NOT NULL,
    last_id        text COLLATE "C" NOT NULL,
    users          integer          NOT NULL,
    data           bytea            NOT NULL,
    PRIMARY KEY (tenant_id, filter, block)
);
-- Blocks are stored out of line but not compressed: every page read would
-- otherwise decompress its 50 KB on the database's CPU, which the load
-- harness's PostgreSQL shares with the server.
ALTER TABLE user_blocks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE INDEX user_blocks_by_last ON user_blocks (tenant_id, filter, last_sort_key, last_id);
ALTER TABLE tenants ADD COLUMN blocks_version bigint NOT NULL DEFAULT -1;

-- +goose Down
ALTER TABLE tenants DROP COLUMN blocks_version;
DROP TABLE user_blocks;
