//! The schema, created on open; versions only move forward.

use rusqlite::Connection;

const V1: &str = r#"
CREATE TABLE users(
    id BLOB PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    scope TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT NOT NULL
);
CREATE TABLE devices(
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    revoked_ms INTEGER,
    secret_hash TEXT NOT NULL,
    seen_scope TEXT
);
CREATE TABLE changes(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    device BLOB NOT NULL,
    dseq INTEGER NOT NULL,
    row_table TEXT NOT NULL,
    row_id BLOB NOT NULL,
    field TEXT NOT NULL,
    village TEXT NOT NULL,
    user_id BLOB NOT NULL,
    received_ms INTEGER NOT NULL,
    body TEXT NOT NULL,
    UNIQUE(device, dseq)
);
CREATE INDEX changes_by_village ON changes(village, seq);
CREATE INDEX changes_by_row ON changes(row_id);
CREATE TABLE quarantine(
    device BLOB NOT NULL,
    dseq INTEGER NOT NULL,
    user_id BLOB NOT NULL,
    received_ms INTEGER NOT NULL,
    code TEXT NOT NULL,
    reason TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY(device, dseq)
) WITHOUT ROWID;
CREATE TABLE device_acks(device BLOB PRIMARY KEY, through INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE rows(
    row_table TEXT NOT NULL,
    row_id BLOB NOT NULL,
    village TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    conflicts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY(row_table, row_id)
) WITHOUT ROWID;
CREATE INDEX rows_by_village ON rows(village);
CREATE TABLE villages(village TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE conflicts(
    row_table TEXT NOT NULL,
    row_id BLOB NOT NULL,
    field TEXT NOT NULL,
    village TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY(row_table, row_id, field)
) WITHOUT ROWID;
CREATE TABLE attachments(
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    received INTEGER NOT NULL,
    complete INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE attachment_chunks(
    sha256 TEXT NOT NULL REFERENCES attachments(sha256) ON DELETE CASCADE,
    offset INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY(sha256, offset)
);
"#;

/// Every schema version in order; a database at version n runs the scripts after n.
const MIGRATIONS: &[&str] = &[V1];

/// Brings a database to the current version.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let version: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, script) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(script)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}
