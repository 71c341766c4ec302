//! The push planner: given a batch and the stored state it touches, decide every change
//! (accept, duplicate, refuse) and compute what to write: new rows, updated registers, and the
//! open conflicts of each touched row. Pure, so every backend writes the same plan.

use std::collections::{BTreeMap, HashMap, HashSet};

use fangpin_sync::wire::Refusal;
use fangpin_sync::{
    row_conflicts, Change, Conflict, DeviceId, FieldRule, Hlc, LedgerStatus, Op, Register, RowKey,
    Schema, UserId, Version, VersionId, ALIVE,
};

use crate::backend::{BackendError, Resolution};
use crate::judge::{batch_villages, judge};
use crate::model::{Actor, Role, Scope};

/// What the backend knows of a stored row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowInfo {
    /// Its village.
    pub village: String,
    /// How many open conflicts it has.
    pub conflicts: u32,
    /// Whether it shows as deleted.
    pub deleted: bool,
}

/// The stored state a batch touches, loaded by the backend.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// Ids of the batch already stored (accepted or quarantined).
    pub stored: HashSet<VersionId>,
    /// Stored rows of the batch, and the households their `household_id` changes name.
    pub rows: HashMap<RowKey, RowInfo>,
    /// Every stored register of every stored row of the batch (the server rebuilds them from
    /// the accepted changes of the row).
    pub registers: HashMap<RowKey, BTreeMap<String, Register>>,
}

/// The open conflicts of one touched row, to replace what is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RowConflicts {
    /// The row.
    pub row: RowKey,
    /// Its village.
    pub village: String,
    /// Its open conflicts now.
    pub conflicts: Vec<Conflict>,
    /// Whether it shows as deleted.
    pub deleted: bool,
}

/// What to write for a batch.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Accepted changes with their village, in batch order.
    pub accepted: Vec<(Change, String)>,
    /// Refused changes with the reason, in batch order.
    pub refused: Vec<(Change, Refusal)>,
    /// How many were already stored.
    pub duplicates: u32,
    /// Rows the batch creates, with their village.
    pub new_rows: Vec<(RowKey, String)>,
    /// Touched rows whose open conflicts or deletion changed, to write.
    pub conflicts: Vec<RowConflicts>,
}

/// The rows whose stored state a batch needs: its rows and the households its child rows name.
pub fn rows_to_load(changes: &[Change]) -> Vec<RowKey> {
    let mut out: Vec<RowKey> = changes.iter().map(|c| c.row.clone()).collect();
    for c in changes {
        if c.field == crate::judge::HOUSEHOLD_ID {
            if let fangpin_sync::Op::Set { value } = &c.op {
                if let Some(id) = value.as_str().and_then(|s| s.parse().ok()) {
                    out.push(RowKey::new(crate::judge::HOUSEHOLD, id));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Decides a batch.
pub fn plan_push(
    role: Role,
    scope: &Scope,
    schema: &Schema,
    changes: &[Change],
    mut loaded: Loaded,
) -> Plan {
    let villages = batch_villages(changes, |row| {
        loaded.rows.get(row).map(|r| r.village.clone())
    });
    let mut plan = Plan::default();
    let mut seen: HashSet<VersionId> = HashSet::new();
    let mut touched: Vec<RowKey> = Vec::new();
    for change in changes {
        if loaded.stored.contains(&change.id) || !seen.insert(change.id) {
            plan.duplicates += 1;
            continue;
        }
        let village = loaded
            .rows
            .get(&change.row)
            .map(|r| r.village.clone())
            .or_else(|| villages.get(&change.row).cloned());
        let regs = loaded.registers.entry(change.row.clone()).or_default();
        let verdict = judge(
            role,
            scope,
            schema,
            change,
            village.as_deref(),
            regs.get(&change.field),
        );
        match verdict {
            Err(refusal) => plan.refused.push((change.clone(), refusal)),
            Ok(village) => {
                if !loaded.rows.contains_key(&change.row) {
                    loaded.rows.insert(
                        change.row.clone(),
                        RowInfo {
                            village: village.clone(),
                            conflicts: 0,
                            deleted: false,
                        },
                    );
                    plan.new_rows.push((change.row.clone(), village.clone()));
                }
                regs.entry(change.field.clone())
                    .or_insert_with(|| Register::new(schema.rule(&change.row.table, &change.field)))
                    .insert(Version::from_change(change));
                if !touched.contains(&change.row) {
                    touched.push(change.row.clone());
                }
                plan.accepted.push((change.clone(), village));
            }
        }
    }
    for row in touched {
        let regs = &loaded.registers[&row];
        let conflicts = row_conflicts(&row, regs.iter().map(|(f, r)| (f.as_str(), r)));
        let deleted = regs
            .get(ALIVE)
            .and_then(Register::view)
            .is_some_and(|v| v.value == serde_json::Value::Bool(false));
        let info = &loaded.rows[&row];
        // A row that had and has no conflict, and whose deletion did not change, needs no write.
        if conflicts.is_empty() && info.conflicts == 0 && info.deleted == deleted {
            continue;
        }
        plan.conflicts.push(RowConflicts {
            row,
            village: info.village.clone(),
            conflicts,
            deleted,
        });
    }
    plan
}

/// The device's acknowledged sequence after a push: from what was acknowledged before, move
/// on while the next sequence number is stored.
pub fn acknowledged_through(before: u64, mut stored: impl FnMut(u64) -> bool) -> u64 {
    let mut through = before;
    while stored(through + 1) {
        through += 1;
    }
    through
}

/// A supervisor's decision on one conflicted field.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    /// The row.
    pub row: &'a RowKey,
    /// The field.
    pub field: &'a str,
    /// What to keep.
    pub resolution: Resolution,
}

/// The change that carries a decision, written by the actor's device with sequence `seq` at
/// `now_ms`: its parents are all the field's heads, and confirming a deletion covers every head
/// of the row's other fields. `registers` are the row's.
pub fn resolution_change(
    actor: &Actor,
    schema: &Schema,
    decision: Decision<'_>,
    registers: &BTreeMap<String, Register>,
    seq: u64,
    now_ms: i64,
) -> Result<Change, BackendError> {
    let Decision {
        row,
        field,
        resolution,
    } = decision;
    let register = registers
        .get(field)
        .ok_or_else(|| BackendError::NotFound(field.to_owned()))?;
    let (op, covers) = match (resolution, schema.rule(&row.table, field)) {
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
                for (f, reg) in registers {
                    if f != ALIVE && reg.rule != FieldRule::AppendLog {
                        covers.extend_from_slice(reg.heads());
                    }
                }
                covers.sort();
            }
            (
                Op::Set {
                    value: serde_json::Value::Bool(keep),
                },
                covers,
            )
        }
        _ => {
            return Err(BackendError::InvalidResolution(format!(
                "that resolution does not fit {field}"
            )))
        }
    };
    Ok(Change {
        id: VersionId {
            device: DeviceId(actor.device.id),
            seq,
        },
        row: row.clone(),
        field: field.to_owned(),
        op,
        parents: register.heads().to_vec(),
        covers,
        author: UserId(actor.user.id),
        hlc: Hlc {
            wall_ms: now_ms.max(0) as u64,
            counter: 0,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use fangpin_sync::{DeviceId, Replica, UserId, Writer};
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn a_batch_is_planned_once_per_change_and_conflicts_follow_the_registers() {
        let mut r = Replica::new(Schema::fangpin());
        let mut w = Writer::new(DeviceId(Uuid::from_u128(1)), UserId(Uuid::from_u128(2)));
        let h = RowKey::new("household", Uuid::from_u128(10));
        let mut batch = w.create(&mut r, &h, &[("village_code", json!("530325101201"))], 1);
        batch.push(batch[0].clone());
        let scope = Scope::new(["530325101"]);
        let schema = Schema::fangpin();
        let plan = plan_push(
            Role::VillageCadre,
            &scope,
            &schema,
            &batch,
            Loaded::default(),
        );
        assert_eq!(plan.accepted.len(), 2);
        assert_eq!(
            plan.duplicates, 1,
            "a change repeated inside a batch counts once"
        );
        assert_eq!(plan.new_rows, vec![(h.clone(), "530325101201".to_owned())]);
        assert!(
            plan.conflicts.is_empty(),
            "a new row without conflicts needs no conflict write"
        );

        // A concurrent write against the stored registers becomes a conflict.
        let mut other = Writer::new(DeviceId(Uuid::from_u128(3)), UserId(Uuid::from_u128(4)));
        let mut r2 = Replica::new(Schema::fangpin());
        for c in &batch[..2] {
            r2.apply(c);
        }
        let mine = w
            .set(&mut r, &h, "village_code", json!("530325101201"), 2)
            .unwrap();
        let theirs = other.set(&mut r2, &h, "phone", json!("1"), 2).unwrap();
        let theirs2 = w.set(&mut r, &h, "phone", json!("2"), 3).unwrap();
        let mut loaded = Loaded::default();
        loaded.rows.insert(
            h.clone(),
            RowInfo {
                village: "530325101201".into(),
                conflicts: 0,
                deleted: false,
            },
        );
        let regs = loaded.registers.entry(h.clone()).or_default();
        for c in &batch[..2] {
            regs.entry(c.field.clone())
                .or_insert_with(|| Register::new(Default::default()))
                .insert(Version::from_change(c));
        }
        loaded.stored = batch[..2].iter().map(|c| c.id).collect();
        let plan = plan_push(
            Role::VillageCadre,
            &scope,
            &schema,
            &[mine, theirs, theirs2],
            loaded,
        );
        assert_eq!(plan.accepted.len(), 3);
        assert!(plan.new_rows.is_empty());
        assert_eq!(plan.conflicts[0].conflicts.len(), 1);
        assert_eq!(plan.conflicts[0].conflicts[0].field, "phone");
    }

    #[test]
    fn acknowledgement_stops_at_the_first_gap() {
        let stored = [1, 2, 3, 5];
        assert_eq!(acknowledged_through(0, |s| stored.contains(&s)), 3);
        assert_eq!(acknowledged_through(3, |s| stored.contains(&s)), 3);
    }
}
