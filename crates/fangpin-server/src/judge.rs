//! The rules a pushed change must pass, shared by every backend: scope, validity, allowed
//! status transitions. Pure: the backend loads what the rules need and stores what they decide.

use std::collections::HashMap;

use fangpin_sync::wire::{Refusal, RefusalCode};
use fangpin_sync::{validate, Change, Op, Register, RowKey, Schema, WriteError};

use crate::model::{Role, Scope};

/// The table whose rows carry their own village code; every other table names its household.
pub const HOUSEHOLD: &str = "household";
/// The household's field that holds its 12-digit village code.
pub const VILLAGE_CODE: &str = "village_code";
/// The field by which other rows belong to a household.
pub const HOUSEHOLD_ID: &str = "household_id";

fn refuse(change: &Change, code: RefusalCode, reason: impl Into<String>) -> Refusal {
    Refusal {
        change: change.id,
        row: change.row.clone(),
        field: change.field.clone(),
        code,
        reason: reason.into(),
    }
}

fn is_village_code(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The villages of rows that a batch creates: a household's from its `village_code` change, a
/// child row's from its `household_id` change and that household's village (known already, or
/// created in the same batch).
pub fn batch_villages(
    changes: &[Change],
    known: impl Fn(&RowKey) -> Option<String>,
) -> HashMap<RowKey, String> {
    let mut out: HashMap<RowKey, String> = HashMap::new();
    for c in changes {
        if c.row.table == HOUSEHOLD && c.field == VILLAGE_CODE {
            if let Op::Set { value } = &c.op {
                if let Some(v) = value.as_str().filter(|v| is_village_code(v)) {
                    out.entry(c.row.clone()).or_insert_with(|| v.to_owned());
                }
            }
        }
    }
    for c in changes {
        if c.row.table != HOUSEHOLD && c.field == HOUSEHOLD_ID {
            let Op::Set { value } = &c.op else { continue };
            let Some(id) = value.as_str().and_then(|s| s.parse().ok()) else {
                continue;
            };
            let household = RowKey::new(HOUSEHOLD, id);
            if let Some(v) = known(&household).or_else(|| out.get(&household).cloned()) {
                out.entry(c.row.clone()).or_insert(v);
            }
        }
    }
    out
}

/// Decides one change: the village it belongs to when accepted, or the refusal.
///
/// `village` is the row's village (stored, or created by this batch); `register` the field's
/// register where the server has one.
pub fn judge(
    role: Role,
    scope: &Scope,
    schema: &Schema,
    change: &Change,
    village: Option<&str>,
    register: Option<&Register>,
) -> Result<String, Refusal> {
    if !role.syncs() {
        return Err(refuse(
            change,
            RefusalCode::OutOfScope,
            "this role does not edit household data",
        ));
    }
    let Some(village) = village else {
        return Err(refuse(
            change,
            RefusalCode::OutOfScope,
            "the row's village is unknown: a household needs its village_code, other rows their household_id",
        ));
    };
    if !scope.contains(village) {
        return Err(refuse(
            change,
            RefusalCode::OutOfScope,
            format!("village {village} is outside the user's scope"),
        ));
    }
    if change.row.table == HOUSEHOLD && change.field == VILLAGE_CODE {
        match &change.op {
            Op::Set { value } if value.as_str() == Some(village) => {}
            Op::Set { value } if value.as_str().is_some_and(is_village_code) => {
                return Err(refuse(
                    change,
                    RefusalCode::OutOfScope,
                    "moving a household to another village is an administrative operation",
                ))
            }
            _ => {
                return Err(refuse(
                    change,
                    RefusalCode::Malformed,
                    "village_code must be a 12-digit statistical area code",
                ))
            }
        }
    }
    validate(
        register,
        schema.rule(&change.row.table, &change.field),
        change,
    )
    .map_err(|e| {
        let code = match e {
            WriteError::Transition(_) => RefusalCode::InvalidTransition,
            WriteError::StaleTransition { .. } => RefusalCode::StaleTransition,
            WriteError::WrongOp { .. } => RefusalCode::WrongOp,
            WriteError::AliveNotBool | WriteError::Deleted(_) => RefusalCode::Malformed,
        };
        refuse(change, code, e.to_string())
    })?;
    Ok(village.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fangpin_sync::{DeviceId, LedgerStatus, Replica, UserId, Writer};
    use serde_json::json;
    use uuid::Uuid;

    fn writer() -> (Replica, Writer) {
        (
            Replica::new(Schema::fangpin()),
            Writer::new(DeviceId(Uuid::from_u128(1)), UserId(Uuid::from_u128(2))),
        )
    }

    #[test]
    fn a_batch_names_the_villages_of_the_rows_it_creates() {
        let (mut r, mut w) = writer();
        let h = RowKey::new(HOUSEHOLD, Uuid::from_u128(10));
        let m = RowKey::new("member", Uuid::from_u128(11));
        let orphan = RowKey::new("member", Uuid::from_u128(12));
        let mut batch = w.create(&mut r, &h, &[(VILLAGE_CODE, json!("530325101201"))], 1);
        batch.extend(w.create(&mut r, &m, &[(HOUSEHOLD_ID, json!(h.id.to_string()))], 1));
        batch.extend(w.create(
            &mut r,
            &orphan,
            &[(HOUSEHOLD_ID, json!(Uuid::nil().to_string()))],
            1,
        ));
        let v = batch_villages(&batch, |_| None);
        assert_eq!(v.get(&h).map(String::as_str), Some("530325101201"));
        assert_eq!(v.get(&m).map(String::as_str), Some("530325101201"));
        assert!(!v.contains_key(&orphan));
    }

    #[test]
    fn changes_outside_scope_or_invalid_are_refused_with_a_code() {
        let (mut r, mut w) = writer();
        let h = RowKey::new(HOUSEHOLD, Uuid::from_u128(10));
        let c = w.create(&mut r, &h, &[(VILLAGE_CODE, json!("530325101201"))], 1);
        let scope = Scope::new(["530325101"]);
        let schema = Schema::fangpin();
        let ok = judge(
            Role::VillageCadre,
            &scope,
            &schema,
            &c[1],
            Some("530325101201"),
            None,
        );
        assert_eq!(ok.unwrap(), "530325101201");
        let far = judge(
            Role::VillageCadre,
            &scope,
            &schema,
            &c[1],
            Some("530325102201"),
            None,
        );
        assert_eq!(far.unwrap_err().code, RefusalCode::OutOfScope);
        let none = judge(Role::VillageCadre, &scope, &schema, &c[1], None, None);
        assert_eq!(none.unwrap_err().code, RefusalCode::OutOfScope);
        let admin = judge(
            Role::SystemAdmin,
            &scope,
            &schema,
            &c[1],
            Some("530325101201"),
            None,
        );
        assert_eq!(admin.unwrap_err().code, RefusalCode::OutOfScope);
        let moved = w
            .set(&mut r, &h, VILLAGE_CODE, json!("530325101202"), 2)
            .unwrap();
        let e = judge(
            Role::VillageCadre,
            &scope,
            &schema,
            &moved,
            Some("530325101201"),
            None,
        );
        assert_eq!(e.unwrap_err().code, RefusalCode::OutOfScope);
        let junk = w.set(&mut r, &h, VILLAGE_CODE, json!("5303"), 3).unwrap();
        let e = judge(
            Role::VillageCadre,
            &scope,
            &schema,
            &junk,
            Some("530325101201"),
            None,
        );
        assert_eq!(e.unwrap_err().code, RefusalCode::Malformed);

        let l = RowKey::new("ledger_item", Uuid::from_u128(20));
        w.create(&mut r, &l, &[], 4);
        let t = w
            .transition(&mut r, &l, "status", LedgerStatus::NEW, 5)
            .unwrap();
        let mut bad = t.clone();
        bad.op = Op::Transition {
            from: None,
            to: LedgerStatus::new(1, fangpin_sync::LedgerState::Closed),
        };
        let e = judge(
            Role::Helper,
            &scope,
            &schema,
            &bad,
            Some("530325101201"),
            None,
        );
        assert_eq!(e.unwrap_err().code, RefusalCode::InvalidTransition);
    }
}
