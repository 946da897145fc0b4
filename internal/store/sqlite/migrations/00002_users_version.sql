-- users_version counts the tenant's ReplaceUsers: every replacement bumps it
-- in its own transaction, and readers return it with what they read, so that
-- positions in the API's order remembered at one version (anchors for deep
-- pages) are never used against another tenant's data generation. The DEFAULT
-- gives existing tenants version 0, which no replacement ever produces.

-- +goose Up
ALTER TABLE tenants ADD COLUMN users_version INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE tenants DROP COLUMN users_version;
