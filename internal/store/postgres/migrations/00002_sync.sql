-- Tenant connections to Microsoft Graph (credentials sealed by the caller;
-- the store never sees them in the clear) and the record of sync runs.

-- +goose Up
CREATE TABLE tenant_connections (
    tenant_id       text COLLATE "C" NOT NULL PRIMARY KEY REFERENCES tenants (id),
    entra_tenant_id text             NOT NULL,
    client_id       text             NOT NULL,
    credentials     bytea            NOT NULL,
    graph_url       text             NOT NULL,
    login_url       text             NOT NULL,
    inactive_days   integer          NOT NULL,
    created_at      bigint           NOT NULL,
    updated_at      bigint           NOT NULL
);

CREATE TABLE sync_runs (
    id             text COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id      text COLLATE "C" NOT NULL REFERENCES tenants (id),
    started_at     bigint           NOT NULL,
    finished_at    bigint           NOT NULL, -- 0 while running
    result         text             NOT NULL,
    users          integer          NOT NULL,
    security_users integer          NOT NULL,
    unavailable    jsonb            NOT NULL, -- [{"status":N,"reason":"…"}]
    error          text             NOT NULL
);
CREATE INDEX sync_runs_latest ON sync_runs (tenant_id, started_at, id);

-- +goose Down
DROP TABLE sync_runs;
DROP TABLE tenant_connections;
