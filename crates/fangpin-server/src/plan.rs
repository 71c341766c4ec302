//! The push planner: given a batch and the stored state it touches, decide every change
//! (accept, duplicate, refuse) and compute the rows of the read model to write. Pure, so every
//! backend writes the same plan; a batch costs what its changes touch (each row's current
//! state and the parents it names), never the rows' history.

use std::collections::{BTreeMap, HashMap, HashSet};

use fangpin_catalogue::{self as catalogue, Village, HOUSEHOLD};
use fangpin_sync::wire::Refusal;
use fangpin_sync::{
    Change, DeviceId, FieldRule, Hlc, LedgerStatus, Op, RowKey, UserId, Value, VersionId, ALIVE,
};

use crate::backend::{BackendError, Resolution};
use crate::judge::{judge, Facts, Pusher};
use crate::model::Scope;
use crate::state::{county_of, RowState, Touched};

/// What the backend loads for a batch.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The batch's ids the service already holds (accepted or quarantined), with the JSON it
    /// stored for each.
    pub stored: HashMap<VersionId, String>,
    /// The stored state of the batch's rows and of the households its rows name.
    pub rows: HashMap<RowKey, RowState>,
    /// Where each stored version the batch names as a parent or covered version belongs.
    pub parents: HashMap<VersionId, (RowKey, String)>,
}

/// A row of the read model to write.
#[derive(Debug, Clone)]
pub struct RowWrite {
    /// Its state after the batch.
    pub state: RowState,
    /// Whether the service had no such row before.
    pub new: bool,
    /// What changed.
    pub touched: Touched,
}

/// What to write for a batch.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Accepted changes with their village, in batch order.
    pub accepted: Vec<(Change, String)>,
    /// Refused changes with the reason and the county whose quarantine keeps them.
    pub refused: Vec<(Change, Refusal, String)>,
    /// How many were already stored.
    pub duplicates: u32,
    /// Rows of the read model to write.
    pub rows: Vec<RowWrite>,
}

/// Why a batch is refused whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// A version id the service holds came again with another content.
    #[error("version {id} was sent with another content than the service holds (the device's highest stored sequence is {stored_through})")]
    VersionReused {
        /// The id.
        id: VersionId,
        /// The device's highest sequence number the service holds, for the device to go on from.
        stored_through: u64,
    },
}

/// The rows whose stored state a batch needs: its rows and the households its rows name.
pub fn rows_to_load(changes: &[Change]) -> Vec<RowKey> {
    let mut out: Vec<RowKey> = changes.iter().map(|c| c.row.clone()).collect();
    for c in changes {
        if let Op::Set { value } = &c.op {
            if let Some(h) = catalogue::household_of(&c.row.table, &c.field, value) {
                out.push(RowKey::new(HOUSEHOLD, h));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The versions a batch names (as parents or covered versions) that are not the pushing
/// device's own: the backend looks up where each belongs.
pub fn parents_to_load(changes: &[Change], device: DeviceId) -> Vec<VersionId> {
    let mut out: Vec<VersionId> = changes
        .iter()
        .filter(|c| c.parents.len() <= fangpin_sync::wire::MAX_PARENTS)
        .flat_map(|c| c.parents.iter().chain(c.covers.iter().take(4096)))
        .filter(|v| v.device != device)
        .copied()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The villages of rows a batch creates that carry their own (a household's `village_code`, a
/// campaign's `area_code`), from those fields' changes.
fn batch_villages(changes: &[Change]) -> HashMap<RowKey, String> {
    let mut out = HashMap::new();
    for c in changes {
        let own = catalogue::table(&c.row.table)
            .is_some_and(|t| matches!(t.village, Village::Own(f) if f == c.field));
        if own {
            if let Op::Set { value } = &c.op {
                if let Some(v) = value
                    .as_str()
                    .filter(|v| v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()))
                {
                    out.entry(c.row.clone()).or_insert_with(|| v.to_owned());
                }
            }
        }
    }
    out
}

/// For a child row, the field naming its household, and the household a batch's change of
/// it names.
fn named_household(c: &Change) -> Option<Option<RowKey>> {
    let t = catalogue::table(&c.row.table)?;
    match t.village {
        Village::Household(f) if f == c.field => Some(match &c.op {
            Op::Set { value } => value
                .as_str()
                .and_then(|s| s.parse().ok())
                .map(|id| RowKey::new(HOUSEHOLD, id)),
            _ => None,
        }),
        _ => None,
    }
}

/// The county whose quarantine keeps a refused change: its row's, else the pusher's first.
fn quarantine_county(village: Option<&str>, scope: &Scope) -> String {
    village
        .or_else(|| scope.areas.first().map(String::as_str))
        .filter(|v| v.len() >= 6)
        .map_or_else(|| "000000".to_owned(), |v| county_of(v).to_owned())
}

/// Decides a batch.
pub fn plan_push(p: &Pusher<'_>, changes: &[Change], loaded: Loaded) -> Result<Plan, PlanError> {
    let Loaded {
        stored,
        rows,
        mut parents,
    } = loaded;
    let created = batch_villages(changes);
    let mut households: HashMap<&RowKey, RowKey> = HashMap::new();
    for c in changes {
        if let Some(Some(h)) = named_household(c) {
            households.entry(&c.row).or_insert(h);
        }
    }
    let mut states: HashMap<RowKey, PlanRow> = rows
        .into_iter()
        .map(|(k, s)| (k, PlanRow::new(s, false)))
        .collect();
    let mut order: Vec<RowKey> = Vec::new();
    let mut plan = Plan::default();
    let mut seen: HashSet<VersionId> = HashSet::new();
    for change in changes {
        if let Some(body) = stored.get(&change.id) {
            if serde_json::to_string(change).ok().as_deref() != Some(body.as_str()) {
                return Err(PlanError::VersionReused {
                    id: change.id,
                    stored_through: 0,
                });
            }
            plan.duplicates += 1;
            continue;
        }
        if !seen.insert(change.id) {
            plan.duplicates += 1;
            continue;
        }
        // Judging a row's deletion asks whether the row shows an edit-against-delete
        // conflict: the row's earlier changes in this batch are settled first.
        if change.field == ALIVE {
            if let Some(row) = states.get_mut(&change.row) {
                row.settle();
            }
        }
        let village_of = |key: &RowKey| -> Option<String> {
            states
                .get(key)
                .map(|r| r.state.record.village.clone())
                .or_else(|| created.get(key).cloned())
        };
        let named = named_household(change);
        let village = match states.get(&change.row) {
            Some(r) => Some(r.state.record.village.clone()),
            None if catalogue::table(&change.row.table)
                .is_some_and(|t| matches!(t.village, Village::Own(_))) =>
            {
                created.get(&change.row).cloned()
            }
            None => households.get(&change.row).and_then(village_of),
        };
        let household_village: Option<Option<String>> =
            named.map(|h| h.and_then(|h| village_of(&h)));
        let row_state = states.get(&change.row).map(|r| &r.state);
        let lookup = |v: &VersionId| parents.get(v).cloned();
        let facts = Facts {
            row: row_state,
            village: village.as_deref(),
            household_village: household_village.as_ref().map(|v| v.as_deref()),
            parent: &lookup,
        };
        match judge(p, change, &facts) {
            Err(refusal) => {
                let county = quarantine_county(village.as_deref(), p.scope);
                plan.refused.push((change.clone(), *refusal, county));
            }
            Ok(village) => {
                states
                    .entry(change.row.clone())
                    .or_insert_with(|| {
                        PlanRow::new(RowState::new(change.row.clone(), village.clone()), true)
                    })
                    .merge(change);
                if !order.contains(&change.row) {
                    order.push(change.row.clone());
                }
                parents.insert(change.id, (change.row.clone(), change.field.clone()));
                plan.accepted.push((change.clone(), village));
            }
        }
    }
    for key in order {
        if let Some(mut row) = states.remove(&key) {
            row.settle();
            let PlanRow {
                state,
                new,
                mut touched,
                before,
                ..
            } = row;
            if let Some((conflicts, refs)) = before {
                touched.conflicts = conflicts != state.conflicts;
                touched.attachments = refs != state.attachments();
            }
            if new || !touched.fields.is_empty() {
                plan.rows.push(RowWrite {
                    state,
                    new,
                    touched,
                });
            }
        }
    }
    Ok(plan)
}

/// A row's open conflicts and the attachments it names, before a batch changed it.
type Before = (Vec<fangpin_sync::Conflict>, Vec<(String, String)>);

/// A row while a batch is planned: its changes are merged one by one and the row recomputed
/// once, when something needs its values (see [`RowState::merge`]).
struct PlanRow {
    state: RowState,
    new: bool,
    touched: Touched,
    /// The conflicts and attachments before the batch's first change to the row.
    before: Option<Before>,
    /// Changes merged since the last recompute.
    dirty: bool,
}

impl PlanRow {
    fn new(state: RowState, new: bool) -> Self {
        Self {
            state,
            new,
            touched: Touched::default(),
            before: None,
            dirty: false,
        }
    }

    fn merge(&mut self, change: &Change) {
        if self.before.is_none() {
            self.before = Some((self.state.conflicts.clone(), self.state.attachments()));
        }
        if self.state.merge(change) {
            self.touched.fields.insert(change.field.clone());
            self.dirty = true;
        }
    }

    fn settle(&mut self) {
        if self.dirty {
            self.state.recompute();
            self.dirty = false;
        }
    }
}

/// The device's acknowledged sequence after a push: from what was acknowledged before, move
/// on while the next sequence number is stored.
pub fn acknowledged_through(before: u64, mut stored: impl FnMut(u64) -> bool) -> u64 {
    let mut through = before;
    while through < fangpin_sync::wire::MAX_SEQ && stored(through + 1) {
        through += 1;
    }
    through
}

/// The change that carries a supervisor's decision on a conflict, written by the service's
/// own device (so it never takes a sequence number a field device may still use) with the
/// supervisor as author: its parents are all the field's heads, and confirming a deletion
/// covers every head of the row's other fields.
pub fn resolution_change(
    author: UserId,
    device: DeviceId,
    seq: u64,
    row: &RowState,
    field: &str,
    resolution: Resolution,
    now_ms: i64,
) -> Result<Change, BackendError> {
    let key = &row.record.key;
    if !row.conflicts.iter().any(|c| c.field == field) {
        return Err(BackendError::InvalidResolution(format!(
            "{key}.{} has no open conflict",
            crate::judge::clip(field, 64)
        )));
    }
    let register = row
        .register(field)
        .ok_or_else(|| BackendError::NotFound(field.to_owned()))?;
    let (op, covers) = match (resolution, catalogue::schema().rule(&key.table, field)) {
        (Resolution::Value { value }, FieldRule::Register) if field != ALIVE => {
            (Op::Set { value }, Vec::new())
        }
        (Resolution::Status { status }, FieldRule::Status) => {
            let from: Option<LedgerStatus> = register
                .view()
                .and_then(|v| serde_json::from_value(v.value).ok());
            (Op::Transition { from, to: status }, Vec::new())
        }
        (Resolution::Row { keep }, _) if field == ALIVE => {
            let mut covers: Vec<VersionId> = Vec::new();
            if !keep {
                for (f, reg) in &row.registers {
                    if f != ALIVE && reg.rule != FieldRule::AppendLog {
                        covers.extend_from_slice(reg.heads());
                    }
                }
                covers.sort();
            }
            (
                Op::Set {
                    value: Value::Bool(keep),
                },
                covers,
            )
        }
        _ => {
            return Err(BackendError::InvalidResolution(format!(
                "that resolution does not fit {}",
                crate::judge::clip(field, 64)
            )))
        }
    };
    Ok(Change {
        id: VersionId { device, seq },
        row: key.clone(),
        field: field.to_owned(),
        op,
        parents: register.heads().to_vec(),
        covers,
        author,
        hlc: Hlc {
            wall_ms: u64::try_from(now_ms).unwrap_or(0),
            counter: 0,
        },
    })
}

/// A row's stored changes grouped for a rebuild: row by row, each in global order.
pub type RowChanges = BTreeMap<RowKey, (String, Vec<Change>)>;

#[cfg(test)]
mod tests {
    use fangpin_catalogue::VILLAGE_CODE;
    static POLICY: std::sync::LazyLock<fangpin_domain::PolicyBook> =
        std::sync::LazyLock::new(fangpin_domain::PolicyBook::seed);
    use super::*;
    use crate::model::Role;
    use fangpin_sync::{Replica, Writer};
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn a_batch_is_planned_once_per_change_and_a_reused_id_is_refused() {
        let schema = catalogue::schema().clone();
        let mut r = Replica::new(schema);
        let mut w = Writer::new(DeviceId(Uuid::from_u128(1)), UserId(Uuid::from_u128(2)));
        let h = RowKey::new("household", Uuid::from_u128(10));
        let m = RowKey::new("member", Uuid::from_u128(11));
        let mut batch = w.create(&mut r, &h, &[(VILLAGE_CODE, json!("530325101201"))], 1);
        batch.extend(w.create(&mut r, &m, &[("household_id", json!(h.id.to_string()))], 1));
        batch.push(batch[0].clone());
        let scope = Scope::new(["530325101"]);
        let p = Pusher {
            role: Role::VillageCadre,
            policy: &POLICY,
            scope: &scope,
            user: w.user,
            device: w.device,
            now_ms: 10,
        };
        let plan = plan_push(&p, &batch, Loaded::default()).unwrap();
        assert_eq!(plan.accepted.len(), 4);
        assert_eq!(
            plan.duplicates, 1,
            "a change repeated inside a batch counts once"
        );
        assert_eq!(plan.rows.len(), 2);
        assert!(plan
            .rows
            .iter()
            .all(|r| r.new && r.state.record.village == "530325101201"));
        assert_eq!(plan.rows[1].state.record.household_id, Some(h.id));

        let mut loaded = Loaded::default();
        loaded
            .stored
            .insert(batch[1].id, serde_json::to_string(&batch[1]).unwrap());
        let mut again = batch[1].clone();
        assert_eq!(
            plan_push(&p, &[again.clone()], loaded.clone())
                .unwrap()
                .duplicates,
            1
        );
        again.op = Op::Set {
            value: json!("530325101202"),
        };
        assert!(matches!(
            plan_push(&p, &[again], loaded),
            Err(PlanError::VersionReused { .. })
        ));
    }

    #[test]
    fn acknowledgement_stops_at_the_first_gap() {
        let stored = [1, 2, 3, 5];
        assert_eq!(acknowledged_through(0, |s| stored.contains(&s)), 3);
        assert_eq!(acknowledged_through(3, |s| stored.contains(&s)), 3);
    }
}
