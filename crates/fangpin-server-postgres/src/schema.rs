//! The schema; versions only move forward. A released migration is never edited.
//!
//! From version 2 every key and unique index of the tables that hold household data begins
//! with the county code (the first six digits of the village code), so the schema distributes
//! on Citus with `county` as the distribution column (docs/scale.md); accounts, devices, their
//! acknowledgements, uploads in progress and `meta` are small tables kept whole on every node.
//! A test checks that the migrated schema keeps this rule and that the read model's columns are
//! exactly the record catalogue's.

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

/// Version 2: county-first keys; the read model (one `rm_` table per synced table with the
/// catalogue's search columns, and every field's heads); the service's epoch and own device;
/// quarantine by county; uploads that belong to their device; attachments by county and the
/// rows that name them. The read model is then rebuilt from the changes.
pub const V2: &str = r#"
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE areas(code TEXT PRIMARY KEY, name TEXT NOT NULL);

ALTER TABLE changes ADD COLUMN county TEXT;
UPDATE changes SET county = substr(village, 1, 6);
ALTER TABLE changes ALTER COLUMN county SET NOT NULL;
ALTER TABLE changes DROP CONSTRAINT changes_pkey;
ALTER TABLE changes DROP CONSTRAINT changes_device_dseq_key;
ALTER TABLE changes ADD PRIMARY KEY (county, seq);
ALTER TABLE changes ADD CONSTRAINT changes_device_dseq UNIQUE (county, device, dseq);
CREATE INDEX changes_by_device ON changes(device, dseq);
DROP INDEX changes_by_row;
CREATE INDEX changes_by_row ON changes(row_id, seq);

ALTER TABLE quarantine ADD COLUMN county TEXT NOT NULL DEFAULT '000000';
ALTER TABLE quarantine DROP CONSTRAINT quarantine_pkey;
ALTER TABLE quarantine ADD PRIMARY KEY (county, device, dseq);
CREATE INDEX quarantine_by_device ON quarantine(device, dseq);
CREATE INDEX quarantine_by_time ON quarantine(received_ms);

ALTER TABLE villages ADD COLUMN county TEXT;
UPDATE villages SET county = substr(village, 1, 6);
ALTER TABLE villages ALTER COLUMN county SET NOT NULL;
ALTER TABLE villages DROP CONSTRAINT villages_pkey;
ALTER TABLE villages ADD PRIMARY KEY (county, village);

DROP TABLE conflicts;
CREATE TABLE conflicts(
    county TEXT NOT NULL,
    row_table TEXT NOT NULL,
    row_id UUID NOT NULL,
    field TEXT NOT NULL,
    village TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY(county, row_table, row_id, field)
);
CREATE INDEX conflicts_by_village ON conflicts(village);
CREATE INDEX conflicts_by_row ON conflicts(row_id);

CREATE TABLE field_state(
    county TEXT NOT NULL,
    row_table TEXT NOT NULL,
    row_id UUID NOT NULL,
    field TEXT NOT NULL,
    register TEXT NOT NULL,
    PRIMARY KEY(county, row_table, row_id, field)
);
CREATE INDEX field_state_by_row ON field_state(row_id);

DROP TABLE attachment_chunks;
DROP TABLE attachments;
CREATE TABLE attachments(
    county TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    user_id UUID NOT NULL,
    PRIMARY KEY(county, sha256)
);
CREATE INDEX attachments_by_hash ON attachments(sha256);
CREATE INDEX attachments_by_user ON attachments(user_id);
CREATE TABLE attachment_chunks(
    county TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    "offset" BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY(county, sha256, "offset")
);
CREATE TABLE attachment_refs(
    county TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    row_table TEXT NOT NULL,
    row_id UUID NOT NULL,
    field TEXT NOT NULL,
    village TEXT NOT NULL,
    PRIMARY KEY(county, sha256, row_table, row_id, field)
);
CREATE INDEX attachment_refs_by_hash ON attachment_refs(sha256);
CREATE INDEX attachment_refs_by_row ON attachment_refs(row_id);
CREATE TABLE uploads(
    device UUID NOT NULL,
    sha256 TEXT NOT NULL,
    user_id UUID NOT NULL,
    size BIGINT NOT NULL,
    received BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY(device, sha256)
);
CREATE TABLE upload_chunks(
    device UUID NOT NULL,
    sha256 TEXT NOT NULL,
    "offset" BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY(device, sha256, "offset")
);

CREATE TABLE rm_household(
    county TEXT NOT NULL, id UUID NOT NULL, village TEXT NOT NULL, household_id UUID,
    alive BOOLEAN NOT NULL, conflicts INT NOT NULL, updated_ms BIGINT NOT NULL, covered TEXT,
    data TEXT NOT NULL,
    hubianhao TEXT, village_code TEXT, group_name TEXT, household_type TEXT,
    monitoring_type TEXT, head_name TEXT, head_id_number TEXT, head_id_rev TEXT,
    screened_on TEXT,
    PRIMARY KEY(county, id)
);
CREATE INDEX rm_household_id ON rm_household(id);
CREATE INDEX rm_household_progress ON rm_household(county, village, alive, household_type, screened_on);
CREATE INDEX rm_household_hubianhao ON rm_household(hubianhao);
CREATE INDEX rm_household_head_id ON rm_household(head_id_number);
CREATE INDEX rm_household_head_id_rev ON rm_household(head_id_rev text_pattern_ops);
CREATE INDEX rm_household_head_name ON rm_household(head_name);
CREATE TABLE rm_member(
    county TEXT NOT NULL, id UUID NOT NULL, village TEXT NOT NULL, household_id UUID,
    alive BOOLEAN NOT NULL, conflicts INT NOT NULL, updated_ms BIGINT NOT NULL, covered TEXT,
    data TEXT NOT NULL,
    name TEXT, id_number TEXT, id_rev TEXT, relation TEXT,
    PRIMARY KEY(county, id)
);
CREATE INDEX rm_member_id ON rm_member(id);
CREATE INDEX rm_member_household ON rm_member(household_id);
CREATE INDEX rm_member_village ON rm_member(village);
CREATE INDEX rm_member_id_number ON rm_member(id_number);
CREATE INDEX rm_member_id_rev ON rm_member(id_rev text_pattern_ops);
CREATE INDEX rm_member_name ON rm_member(name);
CREATE TABLE rm_income_year(
    county TEXT NOT NULL, id UUID NOT NULL, village TEXT NOT NULL, household_id UUID,
    alive BOOLEAN NOT NULL, conflicts INT NOT NULL, updated_ms BIGINT NOT NULL, covered TEXT,
    data TEXT NOT NULL,
    year BIGINT,
    PRIMARY KEY(county, id)
);
CREATE INDEX rm_income_year_id ON rm_income_year(id);
CREATE INDEX rm_income_year_household ON rm_income_year(household_id);
CREATE INDEX rm_income_year_village ON rm_income_year(village);
CREATE TABLE rm_ledger_item(
    county TEXT NOT NULL, id UUID NOT NULL, village TEXT NOT NULL, household_id UUID,
    alive BOOLEAN NOT NULL, conflicts INT NOT NULL, updated_ms BIGINT NOT NULL, covered TEXT,
    data TEXT NOT NULL,
    village_code TEXT, deadline TEXT, status_state TEXT, status_round BIGINT, closed_on TEXT,
    PRIMARY KEY(county, id)
);
CREATE INDEX rm_ledger_item_id ON rm_ledger_item(id);
CREATE INDEX rm_ledger_item_household ON rm_ledger_item(household_id);
CREATE INDEX rm_ledger_item_status ON rm_ledger_item(village, status_state, deadline);
CREATE TABLE rm_visit(
    county TEXT NOT NULL, id UUID NOT NULL, village TEXT NOT NULL, household_id UUID,
    alive BOOLEAN NOT NULL, conflicts INT NOT NULL, updated_ms BIGINT NOT NULL, covered TEXT,
    data TEXT NOT NULL,
    village_code TEXT, visited_on TEXT,
    PRIMARY KEY(county, id)
);
CREATE INDEX rm_visit_id ON rm_visit(id);
CREATE INDEX rm_visit_household ON rm_visit(household_id);
CREATE INDEX rm_visit_village ON rm_visit(village, visited_on);
CREATE TABLE rm_indicator(
    county TEXT NOT NULL, id UUID NOT NULL, village TEXT NOT NULL, household_id UUID,
    alive BOOLEAN NOT NULL, conflicts INT NOT NULL, updated_ms BIGINT NOT NULL, covered TEXT,
    data TEXT NOT NULL,
    indicator TEXT, status TEXT,
    PRIMARY KEY(county, id)
);
CREATE INDEX rm_indicator_id ON rm_indicator(id);
CREATE INDEX rm_indicator_household ON rm_indicator(household_id);
CREATE INDEX rm_indicator_village ON rm_indicator(village);
CREATE TABLE rm_risk(
    county TEXT NOT NULL, id UUID NOT NULL, village TEXT NOT NULL, household_id UUID,
    alive BOOLEAN NOT NULL, conflicts INT NOT NULL, updated_ms BIGINT NOT NULL, covered TEXT,
    data TEXT NOT NULL,
    risk_type TEXT,
    PRIMARY KEY(county, id)
);
CREATE INDEX rm_risk_id ON rm_risk(id);
CREATE INDEX rm_risk_household ON rm_risk(household_id);
CREATE INDEX rm_risk_village ON rm_risk(village);
CREATE TABLE rm_measure(
    county TEXT NOT NULL, id UUID NOT NULL, village TEXT NOT NULL, household_id UUID,
    alive BOOLEAN NOT NULL, conflicts INT NOT NULL, updated_ms BIGINT NOT NULL, covered TEXT,
    data TEXT NOT NULL,
    kind TEXT, status TEXT,
    PRIMARY KEY(county, id)
);
CREATE INDEX rm_measure_id ON rm_measure(id);
CREATE INDEX rm_measure_household ON rm_measure(household_id);
CREATE INDEX rm_measure_village ON rm_measure(village);
CREATE TABLE rm_procedure(
    county TEXT NOT NULL, id UUID NOT NULL, village TEXT NOT NULL, household_id UUID,
    alive BOOLEAN NOT NULL, conflicts INT NOT NULL, updated_ms BIGINT NOT NULL, covered TEXT,
    data TEXT NOT NULL,
    kind TEXT,
    PRIMARY KEY(county, id)
);
CREATE INDEX rm_procedure_id ON rm_procedure(id);
CREATE INDEX rm_procedure_household ON rm_procedure(household_id);
CREATE INDEX rm_procedure_village ON rm_procedure(village);
CREATE TABLE rm_warning(
    county TEXT NOT NULL, id UUID NOT NULL, village TEXT NOT NULL, household_id UUID,
    alive BOOLEAN NOT NULL, conflicts INT NOT NULL, updated_ms BIGINT NOT NULL, covered TEXT,
    data TEXT NOT NULL,
    village_code TEXT, kind TEXT, state TEXT, raised_on TEXT,
    PRIMARY KEY(county, id)
);
CREATE INDEX rm_warning_id ON rm_warning(id);
CREATE INDEX rm_warning_household ON rm_warning(household_id);
CREATE INDEX rm_warning_state ON rm_warning(village, state);
CREATE TABLE rm_verification_task(
    county TEXT NOT NULL, id UUID NOT NULL, village TEXT NOT NULL, household_id UUID,
    alive BOOLEAN NOT NULL, conflicts INT NOT NULL, updated_ms BIGINT NOT NULL, covered TEXT,
    data TEXT NOT NULL,
    village_code TEXT, assignee TEXT, state TEXT, due_on TEXT,
    PRIMARY KEY(county, id)
);
CREATE INDEX rm_verification_task_id ON rm_verification_task(id);
CREATE INDEX rm_verification_task_household ON rm_verification_task(household_id);
CREATE INDEX rm_verification_task_state ON rm_verification_task(village, state, due_on);
"#;

/// Version 3: the workflow's records (campaigns, their villages' assignments, re-checks) in the
/// read model; new tables, so nothing is rebuilt.
pub const V3: &str = r#"
CREATE TABLE rm_campaign(
    county TEXT NOT NULL, id UUID NOT NULL, village TEXT NOT NULL, household_id UUID,
    alive BOOLEAN NOT NULL, conflicts INT NOT NULL, updated_ms BIGINT NOT NULL, covered TEXT,
    data TEXT NOT NULL,
    PRIMARY KEY(county, id)
);
CREATE INDEX rm_campaign_id ON rm_campaign(id);
CREATE INDEX rm_campaign_village ON rm_campaign(village);
CREATE TABLE rm_assignment(
    county TEXT NOT NULL, id UUID NOT NULL, village TEXT NOT NULL, household_id UUID,
    alive BOOLEAN NOT NULL, conflicts INT NOT NULL, updated_ms BIGINT NOT NULL, covered TEXT,
    data TEXT NOT NULL,
    village_code TEXT, person_id TEXT,
    PRIMARY KEY(county, id)
);
CREATE INDEX rm_assignment_id ON rm_assignment(id);
CREATE INDEX rm_assignment_village ON rm_assignment(village);
CREATE INDEX rm_assignment_person ON rm_assignment(person_id);
CREATE TABLE rm_recheck(
    county TEXT NOT NULL, id UUID NOT NULL, village TEXT NOT NULL, household_id UUID,
    alive BOOLEAN NOT NULL, conflicts INT NOT NULL, updated_ms BIGINT NOT NULL, covered TEXT,
    data TEXT NOT NULL,
    village_code TEXT,
    PRIMARY KEY(county, id)
);
CREATE INDEX rm_recheck_id ON rm_recheck(id);
CREATE INDEX rm_recheck_household ON rm_recheck(household_id);
CREATE INDEX rm_recheck_village ON rm_recheck(village);
CREATE INDEX rm_household_page ON rm_household(village, id);
CREATE INDEX rm_ledger_item_page ON rm_ledger_item(village, id);
CREATE INDEX rm_procedure_page ON rm_procedure(village, id);
"#;

/// Version 2's last step: the v1 table of rows is replaced by the read model.
pub const V2_AFTER: &str = "DROP TABLE rows;";

/// Every schema version in order: its SQL, whether the read model is rebuilt after it, and
/// SQL that runs after that.
pub const MIGRATIONS: &[(&str, bool, &str)] =
    &[(V1, false, ""), (V2, true, V2_AFTER), (V3, false, "")];

/// The tables kept whole on every node of a distributed deployment (Citus reference tables):
/// every other table's keys begin with the county.
pub const REFERENCE_TABLES: &[&str] = &[
    "users",
    "devices",
    "device_acks",
    "meta",
    "areas",
    "uploads",
    "upload_chunks",
    "schema_version",
];
