-- Tenant connections to Microsoft Graph (credentials sealed by the caller;
-- the store never sees them in the clear) and the record of sync runs.

-- +goose Up
CREATE TABLE tenant_connections (
    tenant_id       TEXT    NOT NULL PRIMARY KEY REFERENCES tenants (id),
    entra_tenant_id TEXT    NOT NULL,
    client_id       TEXT    NOT NULL,
    credentials     BLOB    NOT NULL,
    graph_url       TEXT    NOT NULL,
    login_url       TEXT    NOT NULL,
    inactive_days   INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE sync_runs (
    id             TEXT    NOT NULL PRIMARY KEY,
    tenant_id      TEXT    NOT NULL REFERENCES tenants (id),
    started_at     INTEGER NOT NULL,
    finished_at    INTEGER NOT NULL, -- 0 while running
    result         TEXT    NOT NULL,
    users          INTEGER NOT NULL,
    security_users INTEGER NOT NULL,
    unavailable    TEXT    NOT NULL, -- JSON: [{"status":N,"reason":"…"}]
    error          TEXT    NOT NULL
) STRICT;
CREATE INDEX sync_runs_latest ON sync_runs (tenant_id, started_at, id);

-- +goose Down
DROP TABLE sync_runs;
DROP TABLE tenant_connections;
