-- Client certificates (private_key_jwt), the record of client assertions
-- already used, the audit trail, and the sync run's deadline and skipped
-- users.

-- +goose Up
-- thumbprint is the upper-case hex SHA-1 of der; the store upper-cases it on
-- the way in, so that the unique index refuses one certificate twice whatever
-- case it was given in. Two apps may trust the same certificate.
CREATE TABLE client_certificates (
    client_id         TEXT    NOT NULL REFERENCES apps (client_id),
    thumbprint        TEXT    NOT NULL,
    thumbprint_sha256 TEXT    NOT NULL,
    subject           TEXT    NOT NULL,
    der               BLOB    NOT NULL,
    not_before        INTEGER NOT NULL,
    not_after         INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    UNIQUE (client_id, thumbprint)
) STRICT;
CREATE INDEX client_certificates_by_app ON client_certificates (client_id, created_at, thumbprint);

-- A record lives until its assertion's own expiry; the index lets a use
-- delete a bounded number of expired records without scanning the table.
-- No foreign key: the token service records an assertion only after it
-- authenticated the app, and the records are gone within minutes.
CREATE TABLE assertion_ids (
    client_id  TEXT    NOT NULL,
    jti        TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
) STRICT;
CREATE INDEX assertion_ids_by_expiry ON assertion_ids (expires_at);

-- AUTOINCREMENT, so that an id is never used twice even after the newest
-- events were deleted: ids order the trail.
CREATE TABLE audit_events (
    id     INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL,
    detail TEXT    NOT NULL
) STRICT;
CREATE INDEX audit_events_by_time ON audit_events (at);
-- audit list --target: one object's history, newest first.
CREATE INDEX audit_events_by_target ON audit_events (target, id);

-- A run recorded before its deadline was kept has deadline 0, long past:
-- a run left running then no longer keeps a new one from starting.
ALTER TABLE sync_runs ADD COLUMN deadline INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_runs ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE sync_runs DROP COLUMN skipped;
ALTER TABLE sync_runs DROP COLUMN deadline;
DROP TABLE audit_events;
DROP TABLE assertion_ids;
DROP TABLE client_certificates;
