//! Writes the office makes through the service rather than from a device: a campaign and its
//! villages' assignments, a re-check sample, a problem entered by the township (巡视, 审计), a
//! step recorded at the office. Each is a change of the service's own device with the office
//! user as its author, judged by the same rules as a device's push (role, scope, catalogue,
//! procedure steps), and one write is all or nothing. Devices receive them at their next pull
//! like any other change.

use std::collections::HashMap;

use fangpin_catalogue as catalogue;
use fangpin_sync::{
    Change, DeviceId, FieldRule, Hlc, LedgerStatus, Op, RowKey, UserId, VersionId, ALIVE,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::backend::BackendError;
use crate::state::RowState;

/// One row's fields to write; `create` makes the row (it must not exist yet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficeWrite {
    /// The row.
    pub row: RowKey,
    /// Whether the row is new.
    pub create: bool,
    /// The fields and their values, in order; a ledger status is a move to that status, an
    /// append-only field gets the value as a new entry.
    pub fields: Vec<(String, Value)>,
}

/// The changes of a set of writes: numbered from `first_seq` on the service's device, each
/// field's parents its current heads (none for a new row), in the order given.
pub fn office_changes(
    author: UserId,
    device: DeviceId,
    first_seq: u64,
    writes: &[OfficeWrite],
    rows: &HashMap<RowKey, RowState>,
    now_ms: i64,
) -> Result<Vec<Change>, BackendError> {
    let wall_ms = u64::try_from(now_ms).unwrap_or(0);
    let mut out: Vec<Change> = Vec::new();
    for w in writes {
        let state = rows.get(&w.row);
        if w.create && state.is_some() {
            return Err(BackendError::Exists(format!("row {}", w.row)));
        }
        if !w.create && !state.is_some_and(|s| s.record.alive) {
            return Err(BackendError::NotFound(format!("row {}", w.row)));
        }
        let table = catalogue::table(&w.row.table)
            .ok_or_else(|| BackendError::NotFound(format!("table {}", w.row.table)))?;
        let mut ops: Vec<(String, Op, Vec<VersionId>)> = Vec::new();
        if w.create {
            ops.push((
                ALIVE.to_owned(),
                Op::Set {
                    value: Value::Bool(true),
                },
                Vec::new(),
            ));
        }
        for (field, value) in &w.fields {
            let register = state.and_then(|s| s.register(field));
            let heads = register.map(|r| r.heads().to_vec()).unwrap_or_default();
            let rule = table
                .field(field)
                .map(|f| f.rule)
                .ok_or_else(|| BackendError::NotFound(format!("field {}.{field}", w.row.table)))?;
            let op = match rule {
                FieldRule::Register => Op::Set {
                    value: value.clone(),
                },
                FieldRule::AppendLog => Op::Append {
                    value: value.clone(),
                },
                FieldRule::Status => {
                    let to: LedgerStatus = serde_json::from_value(value.clone())
                        .map_err(|e| BackendError::InvalidResolution(format!("{field}: {e}")))?;
                    let from: Option<LedgerStatus> = register
                        .and_then(|r| r.view())
                        .and_then(|v| serde_json::from_value(v.value).ok());
                    Op::Transition { from, to }
                }
            };
            let parents = if rule == FieldRule::AppendLog {
                Vec::new()
            } else {
                heads
            };
            ops.push((field.clone(), op, parents));
        }
        for (field, op, parents) in ops {
            let seq = first_seq + out.len() as u64;
            out.push(Change {
                id: VersionId { device, seq },
                row: w.row.clone(),
                field,
                op,
                parents,
                covers: Vec::new(),
                author,
                hlc: Hlc {
                    wall_ms,
                    counter: u32::try_from(out.len()).unwrap_or(u32::MAX),
                },
            });
        }
    }
    Ok(out)
}

/// The writes that record a procedure's step at the office: the step, and with an approved
/// 县级审定 the household fields it changes (`fangpin_domain::procedure::decision_effects`), in
/// one write. `procedure` is the procedure's row as the read model holds it.
pub fn step_writes(
    procedure: &crate::state::RowRecord,
    step: fangpin_domain::procedure::Step,
    value: Value,
) -> Vec<OfficeWrite> {
    use fangpin_domain::procedure::{decision_effects, Decision, Procedure, Step};
    let mut out = vec![OfficeWrite {
        row: procedure.key.clone(),
        create: false,
        fields: vec![(step.field().to_owned(), value.clone())],
    }];
    let current = Procedure::from_fields(procedure.data.iter().map(|(k, v)| (k.as_str(), v)));
    let decision = (step == Step::CountyDecision)
        .then(|| serde_json::from_value::<Decision>(value).ok())
        .flatten();
    if let (Some(d), Some(kind), Some(h)) = (decision, current.kind, procedure.household_id) {
        let fields: Vec<(String, Value)> = decision_effects(kind, &d)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        if !fields.is_empty() {
            out.push(OfficeWrite {
                row: RowKey::new(catalogue::HOUSEHOLD, h),
                create: false,
                fields,
            });
        }
    }
    out
}

/// The refusals of a planned office write, one per line, for [`BackendError::Refused`].
pub fn refusal_text(plan: &crate::plan::Plan) -> String {
    plan.refused
        .iter()
        .map(|(_, r, _)| format!("{}.{}: {}", r.row, r.field, r.reason))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What an office write did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfficeReport {
    /// The changes written, in order.
    pub changes: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use fangpin_domain::procedure::Step;
    use serde_json::json;
    use uuid::Uuid;

    #[test]
    fn an_approved_decision_at_the_office_also_changes_the_household() {
        let h = Uuid::from_u128(7);
        let mut data = serde_json::Map::new();
        data.insert("household_id".into(), json!(h.to_string()));
        data.insert("kind".into(), json!("identification"));
        let row = crate::state::RowRecord {
            key: RowKey::new("procedure", Uuid::from_u128(8)),
            village: "530325101201".into(),
            household_id: Some(h),
            alive: true,
            conflicts: 0,
            updated_ms: 0,
            data,
            covered: Vec::new(),
        };
        let decision = json!({"on": "2026-03-12", "approved": true, "document": "x号", "monitoring_type": "marginal_at_risk"});
        let w = step_writes(&row, Step::CountyDecision, decision.clone());
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].fields, vec![("county_decision".to_owned(), decision)]);
        assert_eq!(w[1].row, RowKey::new("household", h));
        assert!(w[1]
            .fields
            .contains(&("household_type".to_owned(), json!("monitored"))));
        assert!(w[1]
            .fields
            .contains(&("monitoring_type".to_owned(), json!("marginal_at_risk"))));
        let review = json!({"on": "2026-03-10", "by": "王", "approved": true});
        assert_eq!(step_writes(&row, Step::TownshipReview, review).len(), 1);
        let refused = json!({"on": "2026-03-12", "approved": false, "document": ""});
        assert_eq!(step_writes(&row, Step::CountyDecision, refused).len(), 1);
    }
}
