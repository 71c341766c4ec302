//! The schema; versions only move forward.

pub const V1: &str = r#"
CREATE TABLE users(
    id UUID PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    scope TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash TEXT NOT NULL
);
CREATE TABLE devices(
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    revoked_ms BIGINT,
    secret_hash TEXT NOT NULL,
    seen_scope TEXT
);
CREATE TABLE changes(
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device UUID NOT NULL,
    dseq BIGINT NOT NULL,
    row_table TEXT NOT NULL,
    row_id UUID NOT NULL,
    field TEXT NOT NULL,
    village TEXT NOT NULL,
    user_id UUID NOT NULL,
    received_ms BIGINT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE(device, dseq)
);
CREATE INDEX changes_by_village ON changes(village, seq);
CREATE INDEX changes_by_row ON changes(row_id);
CREATE TABLE quarantine(
    device UUID NOT NULL,
    dseq BIGINT NOT NULL,
    user_id UUID NOT NULL,
    received_ms BIGINT NOT NULL,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY(device, dseq)
);
CREATE TABLE device_acks(device UUID PRIMARY KEY, through BIGINT NOT NULL);
CREATE TABLE rows(
    row_table TEXT NOT NULL,
    row_id UUID NOT NULL,
    village TEXT NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    conflicts BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY(row_table, row_id)
);
CREATE INDEX rows_by_village ON rows(village);
CREATE TABLE villages(village TEXT PRIMARY KEY);
CREATE TABLE conflicts(
    row_table TEXT NOT NULL,
    row_id UUID NOT NULL,
    field TEXT NOT NULL,
    village TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY(row_table, row_id, field)
);
CREATE INDEX conflicts_by_village ON conflicts(village);
CREATE TABLE attachments(
    sha256 TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    received BIGINT NOT NULL,
    complete BOOLEAN NOT NULL
);
CREATE TABLE attachment_chunks(
    sha256 TEXT NOT NULL REFERENCES attachments(sha256) ON DELETE CASCADE,
    "offset" BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY(sha256, "offset")
);
"#;

/// Every schema version in order.
pub const MIGRATIONS: &[&str] = &[V1];
