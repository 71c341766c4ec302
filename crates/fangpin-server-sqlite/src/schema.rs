//! The schema and its forward-only migrations, numbered by `PRAGMA user_version`.
//! A released migration is never edited: a change is a new migration at the end, and a test
//! checks that the migrated read model has exactly the columns the record catalogue declares.

use rusqlite::Connection;

use fangpin_server::BackendError;

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

/// Version 2: the read model (every row's current values in one table per synced table, with
/// the catalogue's search columns, and every field's heads), the service's epoch and own
/// device, quarantine that can be released, uploads that belong to their device, and the
/// attachments rows name. The data step rebuilds the read model from the changes.
const V2: &str = r#"
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE areas(code TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE field_state(
    row_table TEXT NOT NULL,
    row_id BLOB NOT NULL,
    field TEXT NOT NULL,
    register TEXT NOT NULL,
    PRIMARY KEY(row_table, row_id, field)
) WITHOUT ROWID;
CREATE INDEX changes_by_row_seq ON changes(row_table, row_id, seq);
DROP INDEX changes_by_row;
ALTER TABLE quarantine ADD COLUMN county TEXT NOT NULL DEFAULT '000000';
CREATE INDEX quarantine_by_time ON quarantine(received_ms);
CREATE TABLE attachment_refs(
    sha256 TEXT NOT NULL,
    row_table TEXT NOT NULL,
    row_id BLOB NOT NULL,
    field TEXT NOT NULL,
    village TEXT NOT NULL,
    PRIMARY KEY(sha256, row_table, row_id, field)
) WITHOUT ROWID;
CREATE INDEX attachment_refs_by_row ON attachment_refs(row_id);
CREATE TABLE uploads(
    device BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    user_id BLOB NOT NULL,
    size INTEGER NOT NULL,
    received INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY(device, sha256)
) WITHOUT ROWID;
CREATE TABLE upload_chunks(
    device BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    offset INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY(device, sha256, offset)
) WITHOUT ROWID;
DELETE FROM attachments WHERE complete = 0;
ALTER TABLE attachments ADD COLUMN user_id BLOB;
CREATE INDEX attachments_by_user ON attachments(user_id);

CREATE TABLE rm_household(
    id BLOB PRIMARY KEY, village TEXT NOT NULL, household_id BLOB, alive INTEGER NOT NULL,
    conflicts INTEGER NOT NULL, updated_ms INTEGER NOT NULL, covered TEXT, data TEXT NOT NULL,
    hubianhao TEXT, village_code TEXT, group_name TEXT, household_type TEXT,
    monitoring_type TEXT, head_name TEXT, head_id_number TEXT, head_id_rev TEXT,
    screened_on TEXT
) WITHOUT ROWID;
CREATE INDEX rm_household_progress ON rm_household(village, alive, household_type, screened_on);
CREATE INDEX rm_household_hubianhao ON rm_household(hubianhao);
CREATE INDEX rm_household_head_id ON rm_household(head_id_number);
CREATE INDEX rm_household_head_id_rev ON rm_household(head_id_rev);
CREATE INDEX rm_household_head_name ON rm_household(head_name);
CREATE TABLE rm_member(
    id BLOB PRIMARY KEY, village TEXT NOT NULL, household_id BLOB, alive INTEGER NOT NULL,
    conflicts INTEGER NOT NULL, updated_ms INTEGER NOT NULL, covered TEXT, data TEXT NOT NULL,
    name TEXT, id_number TEXT, id_rev TEXT, relation TEXT
) WITHOUT ROWID;
CREATE INDEX rm_member_household ON rm_member(household_id);
CREATE INDEX rm_member_village ON rm_member(village);
CREATE INDEX rm_member_id_number ON rm_member(id_number);
CREATE INDEX rm_member_id_rev ON rm_member(id_rev);
CREATE INDEX rm_member_name ON rm_member(name);
CREATE TABLE rm_income_year(
    id BLOB PRIMARY KEY, village TEXT NOT NULL, household_id BLOB, alive INTEGER NOT NULL,
    conflicts INTEGER NOT NULL, updated_ms INTEGER NOT NULL, covered TEXT, data TEXT NOT NULL,
    year INTEGER
) WITHOUT ROWID;
CREATE INDEX rm_income_year_household ON rm_income_year(household_id);
CREATE INDEX rm_income_year_village ON rm_income_year(village);
CREATE TABLE rm_ledger_item(
    id BLOB PRIMARY KEY, village TEXT NOT NULL, household_id BLOB, alive INTEGER NOT NULL,
    conflicts INTEGER NOT NULL, updated_ms INTEGER NOT NULL, covered TEXT, data TEXT NOT NULL,
    village_code TEXT, deadline TEXT, status_state TEXT, status_round INTEGER, closed_on TEXT
) WITHOUT ROWID;
CREATE INDEX rm_ledger_item_household ON rm_ledger_item(household_id);
CREATE INDEX rm_ledger_item_status ON rm_ledger_item(village, status_state, deadline);
CREATE TABLE rm_visit(
    id BLOB PRIMARY KEY, village TEXT NOT NULL, household_id BLOB, alive INTEGER NOT NULL,
    conflicts INTEGER NOT NULL, updated_ms INTEGER NOT NULL, covered TEXT, data TEXT NOT NULL,
    village_code TEXT, visited_on TEXT
) WITHOUT ROWID;
CREATE INDEX rm_visit_household ON rm_visit(household_id);
CREATE INDEX rm_visit_village ON rm_visit(village, visited_on);
CREATE TABLE rm_indicator(
    id BLOB PRIMARY KEY, village TEXT NOT NULL, household_id BLOB, alive INTEGER NOT NULL,
    conflicts INTEGER NOT NULL, updated_ms INTEGER NOT NULL, covered TEXT, data TEXT NOT NULL,
    indicator TEXT, status TEXT
) WITHOUT ROWID;
CREATE INDEX rm_indicator_household ON rm_indicator(household_id);
CREATE INDEX rm_indicator_village ON rm_indicator(village);
CREATE TABLE rm_risk(
    id BLOB PRIMARY KEY, village TEXT NOT NULL, household_id BLOB, alive INTEGER NOT NULL,
    conflicts INTEGER NOT NULL, updated_ms INTEGER NOT NULL, covered TEXT, data TEXT NOT NULL,
    risk_type TEXT
) WITHOUT ROWID;
CREATE INDEX rm_risk_household ON rm_risk(household_id);
CREATE INDEX rm_risk_village ON rm_risk(village);
CREATE TABLE rm_measure(
    id BLOB PRIMARY KEY, village TEXT NOT NULL, household_id BLOB, alive INTEGER NOT NULL,
    conflicts INTEGER NOT NULL, updated_ms INTEGER NOT NULL, covered TEXT, data TEXT NOT NULL,
    kind TEXT, status TEXT
) WITHOUT ROWID;
CREATE INDEX rm_measure_household ON rm_measure(household_id);
CREATE INDEX rm_measure_village ON rm_measure(village);
CREATE TABLE rm_procedure(
    id BLOB PRIMARY KEY, village TEXT NOT NULL, household_id BLOB, alive INTEGER NOT NULL,
    conflicts INTEGER NOT NULL, updated_ms INTEGER NOT NULL, covered TEXT, data TEXT NOT NULL,
    kind TEXT
) WITHOUT ROWID;
CREATE INDEX rm_procedure_household ON rm_procedure(household_id);
CREATE INDEX rm_procedure_village ON rm_procedure(village);
CREATE TABLE rm_warning(
    id BLOB PRIMARY KEY, village TEXT NOT NULL, household_id BLOB, alive INTEGER NOT NULL,
    conflicts INTEGER NOT NULL, updated_ms INTEGER NOT NULL, covered TEXT, data TEXT NOT NULL,
    village_code TEXT, kind TEXT, state TEXT, raised_on TEXT
) WITHOUT ROWID;
CREATE INDEX rm_warning_household ON rm_warning(household_id);
CREATE INDEX rm_warning_state ON rm_warning(village, state);
CREATE TABLE rm_verification_task(
    id BLOB PRIMARY KEY, village TEXT NOT NULL, household_id BLOB, alive INTEGER NOT NULL,
    conflicts INTEGER NOT NULL, updated_ms INTEGER NOT NULL, covered TEXT, data TEXT NOT NULL,
    village_code TEXT, assignee TEXT, state TEXT, due_on TEXT
) WITHOUT ROWID;
CREATE INDEX rm_verification_task_household ON rm_verification_task(household_id);
CREATE INDEX rm_verification_task_state ON rm_verification_task(village, state, due_on);
"#;

/// Version 3: the workflow's records (campaigns, their villages' assignments, re-checks) in the
/// read model; they are new tables, so nothing is rebuilt. And the (village, id) indexes the
/// paperwork pages the households, the ledger and the procedures by.
const V3: &str = r#"
CREATE TABLE rm_campaign(
    id BLOB PRIMARY KEY, village TEXT NOT NULL, household_id BLOB, alive INTEGER NOT NULL,
    conflicts INTEGER NOT NULL, updated_ms INTEGER NOT NULL, covered TEXT, data TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX rm_campaign_village ON rm_campaign(village);
CREATE TABLE rm_assignment(
    id BLOB PRIMARY KEY, village TEXT NOT NULL, household_id BLOB, alive INTEGER NOT NULL,
    conflicts INTEGER NOT NULL, updated_ms INTEGER NOT NULL, covered TEXT, data TEXT NOT NULL,
    village_code TEXT, person_id TEXT
) WITHOUT ROWID;
CREATE INDEX rm_assignment_village ON rm_assignment(village);
CREATE INDEX rm_assignment_person ON rm_assignment(person_id);
CREATE TABLE rm_recheck(
    id BLOB PRIMARY KEY, village TEXT NOT NULL, household_id BLOB, alive INTEGER NOT NULL,
    conflicts INTEGER NOT NULL, updated_ms INTEGER NOT NULL, covered TEXT, data TEXT NOT NULL,
    village_code TEXT
) WITHOUT ROWID;
CREATE INDEX rm_recheck_household ON rm_recheck(household_id);
CREATE INDEX rm_recheck_village ON rm_recheck(village);
CREATE INDEX rm_household_page ON rm_household(village, id);
CREATE INDEX rm_ledger_item_page ON rm_ledger_item(village, id);
CREATE INDEX rm_procedure_page ON rm_procedure(village, id);
"#;

/// Version 2's last step: the v1 table of rows is replaced by the read model.
const V2_AFTER: &str = "DROP TABLE rows;";

/// A migration's data step, run inside its transaction.
type Step = fn(&Connection) -> Result<(), BackendError>;

/// Every schema version in order: SQL, a data step, more SQL.
const MIGRATIONS: &[(&str, Option<Step>, &str)] = &[
    (V1, None, ""),
    (V2, Some(crate::readmodel::rebuild_in), V2_AFTER),
    (V3, None, ""),
];

/// The schema version this build writes.
pub const VERSION: usize = MIGRATIONS.len();

/// Brings a database to the current version, each migration in its own transaction.
pub fn migrate(conn: &mut Connection) -> Result<(), BackendError> {
    let db = |e: rusqlite::Error| BackendError::Database(e.to_string());
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(db)?;
    // A push is acknowledged only once it is on disk: a power cut must not lose what a
    // device was told the service holds (FULL syncs the WAL at every commit).
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(db)?;
    conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
    let version: usize = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(db)?;
    if version > VERSION {
        return Err(BackendError::Database(format!(
            "the database is at schema version {version}, newer than this build's {VERSION}"
        )));
    }
    for (i, (sql, step, after)) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction().map_err(db)?;
        tx.execute_batch(sql).map_err(db)?;
        if let Some(step) = step {
            step(&tx)?;
        }
        tx.execute_batch(after).map_err(db)?;
        tx.pragma_update(None, "user_version", i + 1).map_err(db)?;
        tx.commit().map_err(db)?;
    }
    Ok(())
}
