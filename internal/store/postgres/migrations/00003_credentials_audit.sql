-- Certificates for private_key_jwt client authentication, the record of
-- client assertions already used, the audit trail, and the sync runs'
-- deadline and count of skipped users. Times are Unix milliseconds in
-- bigint columns, as in the first schema.

-- +goose Up
-- thumbprint is the upper-case hex SHA-1 (the store upper-cases it, so that
-- the unique constraint and lookups need no case folding); seq orders
-- certificates added in the same millisecond in the order they were added.
CREATE TABLE client_certificates (
    seq               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id         text COLLATE "C" NOT NULL REFERENCES apps (client_id),
    thumbprint        text COLLATE "C" NOT NULL,
    thumbprint_sha256 text COLLATE "C" NOT NULL,
    subject           text             NOT NULL,
    der               bytea            NOT NULL,
    not_before        bigint           NOT NULL,
    not_after         bigint           NOT NULL,
    created_at        bigint           NOT NULL,
    UNIQUE (client_id, thumbprint)
);

-- The primary key is what refuses a replayed assertion, whichever server
-- sees it second. There is no foreign key to apps on purpose: the token
-- service records a jti only after it has authenticated the app, and a
-- write on the hot path of every token need not also lock the app's row.
-- expires_at serves the bounded deletion of expired records.
CREATE TABLE assertion_ids (
    client_id  text COLLATE "C" NOT NULL,
    jti        text COLLATE "C" NOT NULL,
    expires_at bigint           NOT NULL,
    PRIMARY KEY (client_id, jti)
);
CREATE INDEX assertion_ids_by_expiry ON assertion_ids (expires_at);

-- Appended in the transaction of the change each event records; id orders
-- the events, newest first when read.
CREATE TABLE audit_events (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     bigint           NOT NULL,
    actor  text             NOT NULL,
    action text COLLATE "C" NOT NULL,
    target text COLLATE "C" NOT NULL,
    detail text             NOT NULL
);
CREATE INDEX audit_events_by_time ON audit_events (at);
-- The history of one app, tenant or partner is the trail's common question.
CREATE INDEX audit_events_by_target ON audit_events (target, id);

-- deadline 0 (runs recorded before this migration) is long past: such a
-- run, if still "running", never keeps another from starting.
ALTER TABLE sync_runs
    ADD COLUMN deadline bigint  NOT NULL DEFAULT 0,
    ADD COLUMN skipped  integer NOT NULL DEFAULT 0;
-- StartSyncRun looks for the tenant's running runs on every start.
CREATE INDEX sync_runs_running ON sync_runs (tenant_id) WHERE result = 'running';

-- +goose Down
DROP INDEX sync_runs_running;
ALTER TABLE sync_runs DROP COLUMN skipped, DROP COLUMN deadline;
DROP TABLE audit_events;
DROP TABLE assertion_ids;
DROP TABLE client_certificates;
