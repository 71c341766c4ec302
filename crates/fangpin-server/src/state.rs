//! The service's read model of one row, kept up to date change by change: every field's
//! register (only its heads; every entry of an append-only field), the current values, the
//! row's village and household, whether it shows as alive, its open conflicts, the versions
//! its deletes covered, and the attachments it names. Pure: each backend loads a row's state,
//! lets [`RowState::apply`] merge the accepted changes, and writes what it returns.
//!
//! A rebuild replays a row's stored changes in their global order through the same
//! [`RowState::apply`], so the incremental read model and a rebuild are equal by construction;
//! `fangpin rebuild` and the tests check that the stored tables are too.

use std::collections::{BTreeMap, BTreeSet};

use fangpin_catalogue::{self as catalogue, Kind, Village, HOUSEHOLD};
use fangpin_sync::{
    row_conflicts_covering, Change, Conflict, FieldRule, Register, RowKey, Value, Version,
    VersionId, ALIVE,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The columns every `rm_<table>` read-model table has before the catalogue's search columns
/// (PostgreSQL puts `county` first): one list for both backends, their tests and the benchmark.
pub const ROW_COLUMNS: [&str; 8] = [
    "id",
    "village",
    "household_id",
    "alive",
    "conflicts",
    "updated_ms",
    "covered",
    "data",
];

/// The columns of a table's read model: `county` when keys begin with it, [`ROW_COLUMNS`],
/// then the catalogue's search columns.
pub fn read_model_columns(table: &str, county_first: bool) -> Vec<&'static str> {
    let mut cols = Vec::new();
    if county_first {
        cols.push("county");
    }
    cols.extend(ROW_COLUMNS);
    if let Some(t) = catalogue::table(table) {
        cols.extend(t.columns().map(|(_, c)| c.name));
    }
    cols
}

/// The county of a village: the first six digits of its code, which every key of the
/// service's household data begins with (docs/scale.md).
pub fn county_of(village: &str) -> &str {
    village.get(..6).unwrap_or(village)
}

/// The row-level part of the read model: one row of the table's `rm_` projection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowRecord {
    /// The row.
    pub key: RowKey,
    /// Its village (12 digits).
    pub village: String,
    /// The household it belongs to (itself, for a household).
    pub household_id: Option<Uuid>,
    /// Whether it shows as alive.
    pub alive: bool,
    /// How many open conflicts it has.
    pub conflicts: u32,
    /// The greatest clock reading among the values it shows, ms.
    pub updated_ms: u64,
    /// The current value of every field (the provisional winner's where in conflict).
    pub data: serde_json::Map<String, Value>,
    /// Versions of other fields that deletes of the row covered and that are still heads.
    pub covered: Vec<VersionId>,
}

/// Everything the service keeps of one row.
#[derive(Debug, Clone, PartialEq)]
pub struct RowState {
    /// The row-level record.
    pub record: RowRecord,
    /// Every field's register, heads only (append-only fields keep every entry).
    pub registers: BTreeMap<String, Register>,
    /// The open conflicts.
    pub conflicts: Vec<Conflict>,
}

/// What merging changes into a row changed, for the backend to write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// Fields whose register changed.
    pub fields: BTreeSet<String>,
    /// Whether the open conflicts changed.
    pub conflicts: bool,
    /// Whether the attachments the row names changed.
    pub attachments: bool,
}

impl RowState {
    /// A row that has no changes yet, in a village.
    pub fn new(key: RowKey, village: String) -> Self {
        let household_id = (key.table == HOUSEHOLD).then_some(key.id);
        Self {
            record: RowRecord {
                key,
                village,
                household_id,
                alive: false,
                conflicts: 0,
                updated_ms: 0,
                data: serde_json::Map::new(),
                covered: Vec::new(),
            },
            registers: BTreeMap::new(),
            conflicts: Vec::new(),
        }
    }

    /// The register of a field, if any version of it arrived.
    pub fn register(&self, field: &str) -> Option<&Register> {
        self.registers.get(field)
    }

    /// Whether the row shows an edit-against-delete conflict.
    pub fn has_edit_delete(&self) -> bool {
        self.conflicts.iter().any(|c| c.field == ALIVE)
    }

    /// Merges accepted changes, in order, and recomputes the row's values and conflicts.
    pub fn apply<'a>(&mut self, changes: impl IntoIterator<Item = &'a Change>) -> Touched {
        let mut touched = Touched::default();
        for c in changes {
            if self.merge(c) {
                touched.fields.insert(c.field.clone());
            }
        }
        if touched.fields.is_empty() {
            return touched;
        }
        let before_conflicts = self.conflicts.clone();
        let before_refs = self.attachments();
        self.recompute();
        touched.conflicts = before_conflicts != self.conflicts;
        touched.attachments = before_refs != self.attachments();
        touched
    }

    /// Merges one accepted change into its field's register only; whether the register
    /// changed. The row's values and conflicts are stale until [`RowState::recompute`]: a push
    /// merges a row's changes one by one and recomputes the row once.
    pub(crate) fn merge(&mut self, c: &Change) -> bool {
        debug_assert_eq!(c.row, self.record.key);
        let rule = catalogue::schema().rule(&c.row.table, &c.field);
        let reg = self
            .registers
            .entry(c.field.clone())
            .or_insert_with(|| Register::new(rule));
        let changed = insert_causal(reg, Version::from_change(c));
        if c.field == ALIVE && c.op.value() == Value::Bool(false) {
            let mut covered: BTreeSet<VersionId> = self.record.covered.iter().copied().collect();
            covered.extend(c.covers.iter().copied());
            self.record.covered = covered.into_iter().collect();
        }
        changed
    }

    /// Recomputes the values, aliveness, covered versions and conflicts from the registers.
    pub(crate) fn recompute(&mut self) {
        let mut data = serde_json::Map::new();
        let mut alive = false;
        let mut updated_ms = 0;
        for (field, reg) in &self.registers {
            let Some(view) = reg.view() else { continue };
            if let Some(v) = reg.get(&view.winner) {
                updated_ms = updated_ms.max(v.hlc.wall_ms);
            }
            if field == ALIVE {
                alive = view.value == Value::Bool(true);
            } else {
                data.insert(field.clone(), view.value);
            }
        }
        // A covered version that is no longer a head never becomes one again here (every
        // change arrives after its parents), so only heads need remembering.
        let heads: BTreeSet<VersionId> = self
            .registers
            .iter()
            .filter(|(f, r)| f.as_str() != ALIVE && r.rule != FieldRule::AppendLog)
            .flat_map(|(_, r)| r.heads().iter().copied())
            .collect();
        self.record.covered.retain(|v| heads.contains(v));
        if let Some(t) = catalogue::table(&self.record.key.table) {
            if let Village::Household(f) = t.village {
                self.record.household_id = data
                    .get(f)
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok());
            }
        }
        let covered: BTreeSet<VersionId> = self.record.covered.iter().copied().collect();
        self.conflicts = row_conflicts_covering(
            &self.record.key,
            self.registers.iter().map(|(f, r)| (f.as_str(), r)),
            &covered,
        );
        self.record.alive = alive;
        self.record.updated_ms = updated_ms;
        self.record.data = data;
        self.record.conflicts = self.conflicts.len() as u32;
    }

    /// The attachments the row's current values name, as `(sha256, field)`, sorted.
    pub fn attachments(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Some(t) = catalogue::table(&self.record.key.table) else {
            return out;
        };
        for f in t.fields {
            let Some(v) = self.record.data.get(f.name) else {
                continue;
            };
            let hashes: Vec<&Value> = match (&f.kind, f.rule) {
                (Kind::Attachment, FieldRule::AppendLog) | (Kind::List(Kind::Attachment, _), _) => {
                    v.as_array().map(|a| a.iter().collect()).unwrap_or_default()
                }
                (Kind::Attachment, _) => vec![v],
                _ => Vec::new(),
            };
            for h in hashes.into_iter().filter_map(Value::as_str) {
                out.push((h.to_owned(), f.name.to_owned()));
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Replays a row's stored changes, in global order, from nothing: what a rebuild expects.
    pub fn replay<'a>(
        key: RowKey,
        village: String,
        changes: impl IntoIterator<Item = &'a Change>,
    ) -> Self {
        let mut s = RowState::new(key, village);
        s.apply(changes);
        s
    }
}

/// A row as a backend read it back: its state (with the conflicts as stored, not
/// recomputed), its search columns and the attachments it names.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    /// The stored state.
    pub state: RowState,
    /// The stored search columns, in the catalogue's order.
    pub cells: Vec<catalogue::Cell>,
    /// The stored attachment references, sorted.
    pub refs: Vec<(String, String)>,
}

impl RowState {
    /// A row state from its stored record and registers, with its conflicts computed.
    pub fn from_stored(record: RowRecord, registers: BTreeMap<String, Register>) -> Self {
        let covered: BTreeSet<VersionId> = record.covered.iter().copied().collect();
        let conflicts = row_conflicts_covering(
            &record.key,
            registers.iter().map(|(f, r)| (f.as_str(), r)),
            &covered,
        );
        Self {
            record,
            registers,
            conflicts,
        }
    }

    /// The search columns' values, in the catalogue's order.
    pub fn cells(&self) -> Vec<catalogue::Cell> {
        catalogue::table(&self.record.key.table)
            .map(|t| {
                t.columns()
                    .map(|(f, c)| catalogue::cell(c, self.record.data.get(f.name)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What a backend should read back for this state.
    pub fn expected(&self) -> Stored {
        Stored {
            state: self.clone(),
            cells: self.cells(),
            refs: self.attachments(),
        }
    }
}

/// How a stored row differs from the rebuild's: one line per difference, empty when equal.
pub fn differences(expected: &RowState, stored: Option<&Stored>) -> Vec<String> {
    let key = &expected.record.key;
    let Some(stored) = stored else {
        return vec![format!("{key}: missing from the read model")];
    };
    let want = expected.expected();
    let mut out = Vec::new();
    let (a, b) = (&want.state.record, &stored.state.record);
    let show = |what: &str, a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| {
        let text = format!("{key}: {what} differ: rebuilt {a:?}, stored {b:?}");
        text.chars().take(2000).collect::<String>()
    };
    let sorted = |c: &[Conflict]| {
        let mut c = c.to_vec();
        c.sort_by(|a, b| (&a.field, a.kind).cmp(&(&b.field, b.kind)));
        c
    };
    if sorted(&want.state.conflicts) != sorted(&stored.state.conflicts) {
        out.push(show(
            "conflicts",
            &want.state.conflicts,
            &stored.state.conflicts,
        ));
    }
    for (what, same) in [
        ("village", a.village == b.village),
        ("household", a.household_id == b.household_id),
        ("alive", a.alive == b.alive),
        ("conflict count", a.conflicts == b.conflicts),
        ("updated time", a.updated_ms == b.updated_ms),
        ("covered versions", a.covered == b.covered),
        ("values", a.data == b.data),
        ("search columns", want.cells == stored.cells),
        ("attachments", want.refs == stored.refs),
    ] {
        if !same {
            out.push(format!("{key}: {what} differ"));
        }
    }
    let fields: BTreeSet<&String> = want
        .state
        .registers
        .keys()
        .chain(stored.state.registers.keys())
        .collect();
    for f in fields {
        if want.state.registers.get(f) != stored.state.registers.get(f) {
            out.push(format!("{key}: the heads of {f} differ"));
        }
    }
    out
}

/// Inserts a version into a register that keeps only its heads: a version superseded by a
/// head (its device's own later write of the field, which the device made having seen it)
/// is kept out of the heads, so a change released late from quarantine cannot reopen a
/// field. Returns whether the register changed.
pub fn insert_causal(reg: &mut Register, v: Version) -> bool {
    if reg.rule != FieldRule::AppendLog
        && reg
            .heads()
            .iter()
            .any(|h| h.device == v.id.device && h.seq > v.id.seq)
    {
        return false;
    }
    let changed = reg.insert(v);
    reg.retain_heads();
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use fangpin_sync::{DeviceId, Replica, UserId, Writer};
    use serde_json::json;

    #[test]
    fn applying_changes_matches_the_engine_and_stays_small() {
        let mut full = Replica::new(catalogue::schema().clone());
        let mut w = Writer::new(DeviceId(Uuid::from_u128(1)), UserId(Uuid::from_u128(2)));
        let key = RowKey::new("household", Uuid::from_u128(3));
        let mut changes = w.create(
            &mut full,
            &key,
            &[
                ("village_code", json!("530325101201")),
                ("phone", json!("1")),
            ],
            1,
        );
        for i in 0..50 {
            changes.push(
                w.set(&mut full, &key, "phone", json!(i.to_string()), 2 + i)
                    .unwrap(),
            );
        }
        changes.push(
            w.append(&mut full, &key, "visit_notes", json!("a"), 60)
                .unwrap(),
        );
        changes.push(
            w.append(&mut full, &key, "visit_notes", json!("b"), 61)
                .unwrap(),
        );
        let mut s = RowState::new(key.clone(), "530325101201".into());
        for c in &changes {
            s.apply([c]);
        }
        assert_eq!(s.record.data["phone"], json!("49"));
        assert_eq!(s.record.data["visit_notes"], json!(["a", "b"]));
        assert_eq!(
            Value::Object(s.record.data.clone()),
            json!(full
                .row_values(&key)
                .into_iter()
                .filter(|(k, _)| k != ALIVE)
                .collect::<serde_json::Map<_, _>>())
        );
        assert!(s.record.alive);
        assert_eq!(
            s.registers["phone"].versions().len(),
            1,
            "only the head is kept"
        );
        assert_eq!(s, RowState::replay(key, "530325101201".into(), &changes));
    }

    #[test]
    fn a_late_version_its_device_already_superseded_is_not_a_head() {
        let mut full = Replica::new(catalogue::schema().clone());
        let mut w = Writer::new(DeviceId(Uuid::from_u128(1)), UserId(Uuid::from_u128(2)));
        let key = RowKey::new("household", Uuid::from_u128(3));
        let mut cs = w.create(&mut full, &key, &[("phone", json!("1"))], 1);
        cs.push(w.set(&mut full, &key, "phone", json!("2"), 2).unwrap());
        let mut s = RowState::new(key, "530325101201".into());
        s.apply([&cs[0], &cs[2]]);
        s.apply([&cs[1]]);
        assert!(s.conflicts.is_empty());
        assert_eq!(s.record.data["phone"], json!("2"));
    }
}
