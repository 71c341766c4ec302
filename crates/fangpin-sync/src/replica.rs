//! A replica: the union of every version it has received, with the views, conflicts and state
//! hash derived from it, and the [`Writer`] that makes a device's own changes.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use rustc_hash::FxHashMap;

use sha2::{Digest, Sha256};

use crate::change::{Change, Op, Value};
use crate::clock::{Hlc, HlcClock};
use crate::field::{Conflict, ConflictKind, FieldView, Head, Register, Version};
use crate::ids::{DeviceId, RowKey, UserId, VersionId};
use crate::schema::{FieldRule, Schema};
use crate::status::{LedgerStatus, TransitionError};
use crate::ALIVE;

/// The result of applying one change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The change was new and is now merged.
    New,
    /// The replica already had it: nothing changed.
    Duplicate,
}

/// Why a change is not valid for its field. Each variant has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The operation does not fit the field's merge rule.
    #[error("field {field} takes {expected} changes")]
    WrongOp {
        /// The field.
        field: String,
        /// What the field takes.
        expected: &'static str,
    },
    /// The ledger status transition is not allowed.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The transition's `from` is not the status its parents hold.
    #[error("transition claims to start from {claimed} but its parents hold {actual}")]
    StaleTransition {
        /// What the change claims.
        claimed: String,
        /// What the parents hold.
        actual: String,
    },
    /// The row-existence field takes only true or false.
    #[error("field $alive takes true or false")]
    AliveNotBool,
    /// The row is deleted: restore it before editing.
    #[error("row {0} is deleted")]
    Deleted(String),
}

impl WriteError {
    /// A stable code for the UI and the wire.
    pub fn code(&self) -> &'static str {
        match self {
            WriteError::WrongOp { .. } => "wrong_op",
            WriteError::Transition(_) => "invalid_transition",
            WriteError::StaleTransition { .. } => "stale_transition",
            WriteError::AliveNotBool => "alive_not_bool",
            WriteError::Deleted(_) => "row_deleted",
        }
    }
}

/// The registers of one row, sorted by interned field id.
#[derive(Debug, Clone, Default)]
struct RowState {
    fields: Vec<(u32, Register)>,
}

impl RowState {
    fn get(&self, field: u32) -> Option<&Register> {
        self.fields
            .binary_search_by_key(&field, |(n, _)| *n)
            .ok()
            .map(|i| &self.fields[i].1)
    }

    /// The registers with their names, sorted by name.
    fn named<'a>(&'a self, names: &'a FieldNames) -> Vec<(&'a str, &'a Register)> {
        let mut out: Vec<(&str, &Register)> = self
            .fields
            .iter()
            .map(|(n, r)| (names.name(*n), r))
            .collect();
        out.sort_by_key(|(n, _)| *n);
        out
    }
}

/// Field names interned to small ids, so a row's registers are found by comparing integers.
#[derive(Debug, Clone, Default)]
struct FieldNames {
    ids: FxHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl FieldNames {
    fn id(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |n| n)
    }
}

/// The open conflicts of one row, given all its registers: each register's own conflict, and
/// the edit-against-delete conflict (every head of [`ALIVE`] is a delete, and some other field
/// has a head that none of the row's deletes covered). Sorted by field.
pub fn row_conflicts<'a>(
    key: &RowKey,
    fields: impl IntoIterator<Item = (&'a str, &'a Register)>,
) -> Vec<Conflict> {
    row_conflicts_covering(key, fields, &BTreeSet::new())
}

/// [`row_conflicts`] for a store that keeps only the heads of a row's existence: `covered`
/// adds the versions that deletes it no longer holds had covered.
pub fn row_conflicts_covering<'a>(
    key: &RowKey,
    fields: impl IntoIterator<Item = (&'a str, &'a Register)>,
    covered: &BTreeSet<VersionId>,
) -> Vec<Conflict> {
    let mut fields: Vec<(&str, &Register)> = fields.into_iter().collect();
    fields.sort_by_key(|(n, _)| *n);
    let mut out = Vec::new();
    for (name, f) in &fields {
        if let Some(view) = f.view() {
            if let Some(kind) = view.conflict {
                out.push(Conflict {
                    row: key.clone(),
                    field: (*name).to_owned(),
                    kind,
                    heads: f.head_infos(),
                    winner: view.winner,
                });
            }
        }
    }
    if let Some(c) = edit_delete_conflict(key, &fields, covered) {
        out.push(c);
    }
    out
}

fn edit_delete_conflict(
    key: &RowKey,
    fields: &[(&str, &Register)],
    also_covered: &BTreeSet<VersionId>,
) -> Option<Conflict> {
    let alive = fields.iter().find(|(n, _)| *n == ALIVE)?.1;
    let view = alive.view()?;
    if view.conflict.is_some() || view.value != Value::Bool(false) {
        return None;
    }
    let covered: HashSet<VersionId> = alive
        .versions()
        .iter()
        .filter(|v| v.op.value() == Value::Bool(false))
        .flat_map(|v| v.covers.iter().copied())
        .chain(also_covered.iter().copied())
        .collect();
    let mut heads = alive.head_infos();
    for (name, f) in fields {
        if *name == ALIVE || f.rule == FieldRule::AppendLog {
            continue;
        }
        heads.extend(
            f.head_infos()
                .into_iter()
                .filter(|h| !covered.contains(&h.version)),
        );
    }
    if heads.len() == alive.heads().len() {
        return None;
    }
    heads.sort_by_key(|h| h.version);
    Some(Conflict {
        row: key.clone(),
        field: ALIVE.to_owned(),
        kind: ConflictKind::EditDelete,
        heads,
        winner: view.winner,
    })
}

/// The merged state of every row a replica has seen.
#[derive(Debug, Clone, Default)]
pub struct Replica {
    schema: Schema,
    names: FieldNames,
    rows: FxHashMap<RowKey, RowState>,
    len: usize,
}

impl Replica {
    /// An empty replica with the given merge rules.
    pub fn new(schema: Schema) -> Self {
        Self {
            schema,
            names: FieldNames::default(),
            rows: FxHashMap::default(),
            len: 0,
        }
    }

    /// The merge rules.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// How many versions are stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no version is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Merges one change. Applying a change twice, or changes in any order, gives the same state.
    pub fn apply(&mut self, change: &Change) -> Applied {
        let register = self.register_mut(&change.row, &change.field);
        if register.contains(&change.id) {
            return Applied::Duplicate;
        }
        register.insert(Version::from_change(change));
        self.len += 1;
        Applied::New
    }

    /// Merges one change it takes ownership of, without copying its value.
    pub fn apply_owned(&mut self, change: Change) -> Applied {
        let Change {
            id,
            row,
            field,
            op,
            parents,
            covers,
            author,
            hlc,
        } = change;
        let register = self.register_mut(&row, &field);
        if register.insert(Version {
            id,
            op,
            parents,
            covers,
            author,
            hlc,
        }) {
            self.len += 1;
            Applied::New
        } else {
            Applied::Duplicate
        }
    }

    /// The field's register, made empty when missing.
    fn register_mut(&mut self, key: &RowKey, field: &str) -> &mut Register {
        let id = self.names.intern(field);
        if !self.rows.contains_key(key) {
            self.rows.insert(key.clone(), RowState::default());
        }
        let Some(row) = self.rows.get_mut(key) else {
            unreachable!("inserted above")
        };
        let i = match row.fields.binary_search_by_key(&id, |(n, _)| *n) {
            Ok(i) => i,
            Err(i) => {
                let rule = self.schema.rule(&key.table, field);
                row.fields.insert(i, (id, Register::new(rule)));
                i
            }
        };
        &mut row.fields[i].1
    }

    /// Whether the replica holds this version.
    pub fn contains(&self, change: &Change) -> bool {
        self.register(&change.row, &change.field)
            .is_some_and(|f| f.contains(&change.id))
    }

    /// The register of a field.
    pub fn register(&self, row: &RowKey, field: &str) -> Option<&Register> {
        self.rows.get(row)?.get(self.names.id(field)?)
    }

    /// The heads of a field, sorted.
    pub fn heads(&self, row: &RowKey, field: &str) -> Vec<VersionId> {
        self.register(row, field)
            .map(|f| f.heads().to_vec())
            .unwrap_or_default()
    }

    /// The heads of a field with their values, for a resolution screen.
    pub fn head_infos(&self, row: &RowKey, field: &str) -> Vec<Head> {
        self.register(row, field)
            .map(Register::head_infos)
            .unwrap_or_default()
    }

    /// What a field shows, if any version of it has arrived.
    pub fn view(&self, row: &RowKey, field: &str) -> Option<FieldView> {
        self.register(row, field)?.view()
    }

    /// The value a field shows.
    pub fn value(&self, row: &RowKey, field: &str) -> Option<Value> {
        self.view(row, field).map(|v| v.value)
    }

    /// Whether the row exists and is not deleted (as shown by its provisional winner).
    pub fn is_alive(&self, row: &RowKey) -> bool {
        self.value(row, ALIVE) == Some(Value::Bool(true))
    }

    /// The rows of a table that are alive, sorted.
    pub fn alive_rows(&self, table: &str) -> Vec<RowKey> {
        let mut rows: Vec<_> = self
            .rows
            .keys()
            .filter(|k| k.table == table && self.is_alive(k))
            .cloned()
            .collect();
        rows.sort();
        rows
    }

    /// Every field of a row with the value it shows, sorted by field name.
    pub fn row_values(&self, row: &RowKey) -> BTreeMap<String, Value> {
        self.rows
            .get(row)
            .map(|r| {
                r.named(&self.names)
                    .into_iter()
                    .filter_map(|(n, f)| Some((n.to_owned(), f.view()?.value)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every stored version of a field, oldest first by clock: the field's history.
    pub fn history(&self, row: &RowKey, field: &str) -> Vec<Change> {
        let Some(f) = self.register(row, field) else {
            return Vec::new();
        };
        let mut out: Vec<_> = f
            .versions()
            .iter()
            .map(|v| v.to_change(row, field))
            .collect();
        out.sort_by_key(|c| c.precedence());
        out
    }

    /// Every stored version, in a deterministic order (by row, field, then version id).
    pub fn changes(&self) -> Vec<Change> {
        let mut keys: Vec<_> = self.rows.keys().collect();
        keys.sort();
        let mut out = Vec::with_capacity(self.len);
        for key in keys {
            for (name, f) in self.rows[key].named(&self.names) {
                out.extend(f.versions().iter().map(|v| v.to_change(key, name)));
            }
        }
        out
    }

    /// The open conflicts of one row, sorted by field.
    pub fn row_conflicts(&self, key: &RowKey) -> Vec<Conflict> {
        self.rows
            .get(key)
            .map(|r| row_conflicts(key, r.named(&self.names)))
            .unwrap_or_default()
    }

    /// Every open conflict, sorted by row and field.
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut keys: Vec<_> = self.rows.keys().collect();
        keys.sort();
        keys.into_iter()
            .flat_map(|k| self.row_conflicts(k))
            .collect()
    }

    /// A SHA-256 over the visible state and the open conflicts, in hex: equal on replicas that
    /// have seen the same changes, whatever the order, duplication or compaction.
    pub fn state_hash(&self) -> String {
        let mut h = Sha256::new();
        let mut keys: Vec<_> = self.rows.keys().collect();
        keys.sort();
        for key in keys {
            let row = &self.rows[key];
            h.update(key.table.as_bytes());
            h.update([0]);
            h.update(key.id.as_bytes());
            let named = row.named(&self.names);
            for (name, f) in &named {
                h.update(name.as_bytes());
                h.update([0]);
                let hashed: Vec<&Version> = if f.rule == FieldRule::AppendLog {
                    f.versions().iter().collect()
                } else {
                    f.heads().iter().filter_map(|id| f.get(id)).collect()
                };
                for v in hashed {
                    h.update(v.id.device.0.as_bytes());
                    h.update(v.id.seq.to_le_bytes());
                    h.update(v.hlc.wall_ms.to_le_bytes());
                    h.update(v.hlc.counter.to_le_bytes());
                    // Serialising a Value sorts object keys, so this is canonical.
                    h.update(serde_json::to_vec(&v.op).unwrap_or_default());
                }
            }
            for c in row_conflicts(key, named) {
                h.update([1]);
                h.update(c.field.as_bytes());
                for head in &c.heads {
                    h.update(head.version.device.0.as_bytes());
                    h.update(head.version.seq.to_le_bytes());
                }
            }
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Drops stored versions that the server has acknowledged and that are no longer heads.
    /// Row-existence and append-only fields are kept whole. Returns how many were dropped.
    pub fn compact(&mut self, acknowledged: impl Fn(&VersionId) -> bool) -> usize {
        let mut dropped = 0;
        for row in self.rows.values_mut() {
            let alive = self.names.id(ALIVE);
            for (name, f) in row.fields.iter_mut() {
                if Some(*name) != alive {
                    dropped += f.compact(&acknowledged);
                }
            }
        }
        self.len -= dropped;
        dropped
    }

    /// Checks that a change fits its field's rule: the server refuses changes that do not.
    pub fn validate(&self, change: &Change) -> Result<(), WriteError> {
        validate(
            self.register(&change.row, &change.field),
            self.schema.rule(&change.row.table, &change.field),
            change,
        )
    }
}

/// Checks that a change fits its field's rule, given the field's register where one exists
/// (a database store loads it; the in-memory replica has it).
pub fn validate(
    register: Option<&Register>,
    rule: FieldRule,
    change: &Change,
) -> Result<(), WriteError> {
    match (&change.op, rule) {
        (Op::Set { value }, FieldRule::Register) => {
            if change.field == ALIVE && !value.is_boolean() {
                return Err(WriteError::AliveNotBool);
            }
            Ok(())
        }
        (Op::Append { .. }, FieldRule::AppendLog) => Ok(()),
        (Op::Transition { from, to }, FieldRule::Status) => {
            // A resolution of a status conflict may pick any of the competing statuses: its
            // parents are two or more of the current heads, which are concurrent moves. Parents
            // that are not all heads (an old status beside the one that superseded it) are an
            // ordinary move and must follow the state machine.
            let parents = parent_statuses(register, &change.parents);
            let all_heads = register.is_some_and(|r| {
                change
                    .parents
                    .iter()
                    .all(|p| r.heads().binary_search(p).is_ok())
            });
            let picks_a_head = change.parents.len() > 1
                && all_heads
                && parents.as_ref().is_some_and(|ps| ps.contains(to));
            if !picks_a_head {
                LedgerStatus::check(*from, *to)?;
            }
            if let Some(actual) = status_at(register, &change.parents) {
                if actual != *from {
                    return Err(WriteError::StaleTransition {
                        claimed: from.map_or_else(|| "(none)".into(), |f| f.to_string()),
                        actual: actual.map_or_else(|| "(none)".into(), |f| f.to_string()),
                    });
                }
            }
            Ok(())
        }
        (_, rule) => Err(WriteError::WrongOp {
            field: change.field.clone(),
            expected: match rule {
                FieldRule::Register => "set",
                FieldRule::Status => "transition",
                FieldRule::AppendLog => "append",
            },
        }),
    }
}

/// Whether a change resolves its field's conflict: the field shows a conflict and the change
/// supersedes two or more of its current heads. Only supervisors may resolve.
pub fn is_resolution(register: Option<&Register>, change: &Change) -> bool {
    let Some(r) = register else { return false };
    if r.view().and_then(|v| v.conflict).is_none() {
        return false;
    }
    change
        .parents
        .iter()
        .filter(|p| r.heads().binary_search(p).is_ok())
        .count()
        >= 2
}

/// The statuses the parent versions hold, if every parent is known.
fn parent_statuses(
    register: Option<&Register>,
    parents: &[VersionId],
) -> Option<Vec<LedgerStatus>> {
    let f = register?;
    parents
        .iter()
        .map(|p| match &f.get(p)?.op {
            Op::Transition { to, .. } => Some(*to),
            _ => None,
        })
        .collect()
}

/// The status that a set of parent versions holds, if every parent is known.
fn status_at(register: Option<&Register>, parents: &[VersionId]) -> Option<Option<LedgerStatus>> {
    if parents.is_empty() {
        return Some(None);
    }
    let f = register?;
    let mut sub = Register::new(FieldRule::Status);
    for p in parents {
        let mut v = f.get(p)?.clone();
        v.parents.clear();
        sub.insert(v);
    }
    let view = sub.view()?;
    serde_json::from_value(view.value).ok().map(Some)
}

/// Makes a device's own changes: ids from its sequence, clock readings, parents from the
/// replica's current heads. Every method applies the change to the replica and returns it for
/// the device's change log.
#[derive(Debug, Clone)]
pub struct Writer {
    /// The device.
    pub device: DeviceId,
    /// The user signed in.
    pub user: UserId,
    /// The device's clock.
    pub clock: HlcClock,
    /// The sequence number the next change gets.
    pub next_seq: u64,
}

impl Writer {
    /// A writer whose first change gets sequence 1.
    pub fn new(device: DeviceId, user: UserId) -> Self {
        Self {
            device,
            user,
            clock: HlcClock::default(),
            next_seq: 1,
        }
    }

    /// A change with the next sequence number; the number is taken only by [`Self::commit`].
    fn make(
        &mut self,
        row: &RowKey,
        field: &str,
        op: Op,
        parents: Vec<VersionId>,
        wall_ms: u64,
    ) -> Change {
        let id = VersionId {
            device: self.device,
            seq: self.next_seq,
        };
        Change {
            id,
            row: row.clone(),
            field: field.to_owned(),
            op,
            parents,
            covers: Vec::new(),
            author: self.user,
            hlc: self.clock.tick(wall_ms),
        }
    }

    fn commit(&mut self, replica: &mut Replica, c: Change) -> Change {
        self.next_seq += 1;
        replica.apply(&c);
        c
    }

    /// Creates a row: marks it alive and sets its first fields.
    pub fn create(
        &mut self,
        replica: &mut Replica,
        row: &RowKey,
        fields: &[(&str, Value)],
        wall_ms: u64,
    ) -> Vec<Change> {
        let mut out = vec![self.raw_set(replica, row, ALIVE, Value::Bool(true), wall_ms)];
        for (name, value) in fields {
            out.push(self.raw_set(replica, row, name, value.clone(), wall_ms));
        }
        out
    }

    fn raw_set(
        &mut self,
        replica: &mut Replica,
        row: &RowKey,
        field: &str,
        value: Value,
        wall_ms: u64,
    ) -> Change {
        let parents = replica.heads(row, field);
        let c = self.make(row, field, Op::Set { value }, parents, wall_ms);
        self.commit(replica, c)
    }

    /// Sets a register field of a live row. With the field in conflict, this is a resolution:
    /// its parents are all the heads.
    pub fn set(
        &mut self,
        replica: &mut Replica,
        row: &RowKey,
        field: &str,
        value: Value,
        wall_ms: u64,
    ) -> Result<Change, WriteError> {
        if field == ALIVE {
            return match value {
                Value::Bool(true) => Ok(self.restore(replica, row, wall_ms)),
                Value::Bool(false) => Ok(self.delete(replica, row, wall_ms)),
                _ => Err(WriteError::AliveNotBool),
            };
        }
        if !replica.is_alive(row) {
            return Err(WriteError::Deleted(row.to_string()));
        }
        let probe = Change {
            id: VersionId {
                device: self.device,
                seq: 0,
            },
            row: row.clone(),
            field: field.to_owned(),
            op: Op::Set {
                value: value.clone(),
            },
            parents: Vec::new(),
            covers: Vec::new(),
            author: self.user,
            hlc: Hlc::default(),
        };
        replica.validate(&probe)?;
        Ok(self.raw_set(replica, row, field, value, wall_ms))
    }

    /// Deletes a row, covering every head of its other fields that this replica has seen.
    pub fn delete(&mut self, replica: &mut Replica, row: &RowKey, wall_ms: u64) -> Change {
        let parents = replica.heads(row, ALIVE);
        let mut covers = Vec::new();
        if let Some(r) = replica.rows.get(row) {
            for (name, f) in r.named(&replica.names) {
                if name != ALIVE && f.rule != FieldRule::AppendLog {
                    covers.extend_from_slice(f.heads());
                }
            }
        }
        covers.sort();
        let mut c = self.make(
            row,
            ALIVE,
            Op::Set {
                value: Value::Bool(false),
            },
            parents,
            wall_ms,
        );
        c.covers = covers;
        self.commit(replica, c)
    }

    /// Restores a deleted row (also resolves an edit-against-delete conflict in favour of the
    /// edits).
    pub fn restore(&mut self, replica: &mut Replica, row: &RowKey, wall_ms: u64) -> Change {
        self.raw_set(replica, row, ALIVE, Value::Bool(true), wall_ms)
    }

    /// Moves a ledger status from what this replica shows to `to`.
    pub fn transition(
        &mut self,
        replica: &mut Replica,
        row: &RowKey,
        field: &str,
        to: LedgerStatus,
        wall_ms: u64,
    ) -> Result<Change, WriteError> {
        if !replica.is_alive(row) {
            return Err(WriteError::Deleted(row.to_string()));
        }
        let from: Option<LedgerStatus> = replica
            .value(row, field)
            .and_then(|v| serde_json::from_value(v).ok());
        LedgerStatus::check(from, to)?;
        let parents = replica.heads(row, field);
        let c = self.make(row, field, Op::Transition { from, to }, parents, wall_ms);
        replica.validate(&c)?;
        Ok(self.commit(replica, c))
    }

    /// Resolves a status conflict by picking one of the competing statuses; its parents are all
    /// the heads, so every replica that receives it sees the conflict closed.
    pub fn resolve_status(
        &mut self,
        replica: &mut Replica,
        row: &RowKey,
        field: &str,
        pick: LedgerStatus,
        wall_ms: u64,
    ) -> Result<Change, WriteError> {
        let from: Option<LedgerStatus> = replica
            .value(row, field)
            .and_then(|v| serde_json::from_value(v).ok());
        let parents = replica.heads(row, field);
        let c = self.make(
            row,
            field,
            Op::Transition { from, to: pick },
            parents,
            wall_ms,
        );
        replica.validate(&c)?;
        Ok(self.commit(replica, c))
    }

    /// Appends an entry to an append-only field.
    pub fn append(
        &mut self,
        replica: &mut Replica,
        row: &RowKey,
        field: &str,
        value: Value,
        wall_ms: u64,
    ) -> Result<Change, WriteError> {
        let c = self.make(row, field, Op::Append { value }, Vec::new(), wall_ms);
        replica.validate(&c)?;
        Ok(self.commit(replica, c))
    }
}

/// The merge rules of the crate's own tests.
#[cfg(test)]
pub(crate) fn test_schema() -> Schema {
    Schema::new().with("ledger_item", "status", FieldRule::Status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::LedgerState;
    use uuid::Uuid;

    fn writer(n: u128) -> Writer {
        Writer::new(
            DeviceId(Uuid::from_u128(n)),
            UserId(Uuid::from_u128(n + 100)),
        )
    }

    #[test]
    fn an_old_status_beside_its_successor_does_not_skip_the_state_machine() {
        let mut r = Replica::new(test_schema());
        let mut w = writer(1);
        let row = RowKey::new("ledger_item", Uuid::from_u128(9));
        w.create(&mut r, &row, &[], 1);
        let found = w
            .transition(&mut r, &row, "status", LedgerStatus::NEW, 2)
            .unwrap();
        let rectified = LedgerStatus::new(1, LedgerState::Rectified);
        w.transition(&mut r, &row, "status", rectified, 3).unwrap();
        let closed = w
            .transition(
                &mut r,
                &row,
                "status",
                LedgerStatus::new(1, LedgerState::Closed),
                4,
            )
            .unwrap();
        // Back to round 1 by naming the closed head and the old, superseded "found".
        let forged = Change {
            id: VersionId {
                device: w.device,
                seq: 99,
            },
            op: Op::Transition {
                from: Some(LedgerStatus::new(1, LedgerState::Closed)),
                to: LedgerStatus::NEW,
            },
            parents: vec![found.id, closed.id],
            ..closed.clone()
        };
        assert_eq!(
            r.validate(&forged).unwrap_err().code(),
            "invalid_transition"
        );
    }

    #[test]
    fn a_register_keeping_only_heads_merges_later_changes_alike() {
        let mut full = Register::new(FieldRule::Register);
        let (mut r, mut a, mut b) = (Replica::new(Schema::new()), writer(1), writer(2));
        let row = RowKey::new("household", Uuid::from_u128(9));
        let mut changes = a.create(&mut r, &row, &[("phone", 1.into())], 1);
        for i in 0..20 {
            changes.push(a.set(&mut r, &row, "phone", (i + 2).into(), 2 + i).unwrap());
        }
        let mut r2 = r.clone();
        changes.push(b.set(&mut r2, &row, "phone", 100.into(), 50).unwrap());
        changes.push(a.set(&mut r, &row, "phone", 200.into(), 51).unwrap());
        let mut heads_only = Register::new(FieldRule::Register);
        for c in changes.iter().filter(|c| c.field == "phone") {
            full.insert(Version::from_change(c));
            heads_only.insert(Version::from_change(c));
            heads_only.retain_heads();
            assert!(heads_only.versions().len() <= 2);
        }
        assert_eq!(full.view(), heads_only.view());
        assert_eq!(full.heads(), heads_only.heads());
        assert!(is_resolution(
            Some(&heads_only),
            &Change {
                parents: heads_only.heads().to_vec(),
                ..changes[1].clone()
            }
        ));
    }
}
