//! The rules a pushed change must pass, shared by every backend. Pure: the planner gives each
//! change what it needs (the row's state, its village, the parents the service holds), and
//! the judge accepts it with its village or refuses it with a code and a reason.
//!
//! In order: the role edits household data; the table, field and value fit the record
//! catalogue; the author is the pushing user; the clock is not far ahead of the service's;
//! the parents (and a delete's covers) are versions the service holds, or the device's own
//! earlier changes; the row's village is in the user's scope and is not being moved; the
//! operation fits the field's merge rule and the ledger's state machine; resolving a conflict
//! needs a supervisor; and the field keeps a bounded number of heads and entries.

use fangpin_catalogue as catalogue;
use fangpin_sync::wire::{Refusal, RefusalCode, MAX_PARENTS};
use fangpin_sync::{
    is_resolution, validate, Change, DeviceId, FieldRule, Op, RowKey, UserId, Version, VersionId,
    WriteError, ALIVE,
};

use fangpin_domain::PolicyBook;

use crate::model::{Role, Scope};

mod workflow;
use crate::state::{insert_causal, RowState};

/// The most entries an append-only field keeps.
pub const MAX_APPEND_ENTRIES: usize = 500;

/// How far ahead of the service's clock a change's clock may be, ms: a day, as devices flag.
pub const MAX_CLOCK_AHEAD_MS: u64 = fangpin_sync::HlcClock::DEFAULT_MAX_AHEAD_MS;

/// Who pushes, and when.
#[derive(Debug, Clone)]
pub struct Pusher<'a> {
    /// The user's role.
    pub role: Role,
    /// What the user may see and write.
    pub scope: &'a Scope,
    /// The user.
    pub user: UserId,
    /// The device whose changes these are.
    pub device: DeviceId,
    /// The service's clock, ms since the epoch.
    pub now_ms: i64,
    /// The policy settings, for the workflow's rules.
    pub policy: &'a PolicyBook,
}

/// What the judge needs to know about one change beyond the change itself.
pub struct Facts<'a> {
    /// The row's state (stored, or created earlier in the batch).
    pub row: Option<&'a RowState>,
    /// The row's village: the stored row's, or the one its creation in this batch names.
    pub village: Option<&'a str>,
    /// For a change of a child row's household: the village of the household it names.
    pub household_village: Option<Option<&'a str>>,
    /// Where a parent the service holds belongs: its row and field.
    pub parent: &'a dyn Fn(&VersionId) -> Option<(RowKey, String)>,
}

/// Removes control characters and clips to a length, for text put into a reason.
pub fn clip(s: &str, max: usize) -> String {
    s.chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

pub(crate) fn refuse(
    change: &Change,
    code: RefusalCode,
    reason: impl Into<String>,
) -> Box<Refusal> {
    Box::new(Refusal {
        change: change.id,
        row: RowKey::new(clip(&change.row.table, 64), change.row.id),
        field: clip(&change.field, 64),
        code,
        reason: reason.into(),
        reason_zh: None,
    })
}

/// Decides one change: the village it belongs to when accepted, or the refusal.
pub fn judge(p: &Pusher<'_>, change: &Change, facts: &Facts<'_>) -> Result<String, Box<Refusal>> {
    if !p.role.syncs() {
        return Err(refuse(
            change,
            RefusalCode::OutOfScope,
            "this role does not edit household data",
        ));
    }
    catalogue::check_change(change).map_err(|e| {
        refuse(
            change,
            RefusalCode::InvalidValue,
            e.reason(&change.row.table, &change.field),
        )
    })?;
    if change.author != p.user {
        return Err(refuse(
            change,
            RefusalCode::WrongAuthor,
            "the change names another user as its author",
        ));
    }
    let limit = u64::try_from(p.now_ms)
        .unwrap_or(0)
        .saturating_add(MAX_CLOCK_AHEAD_MS);
    if change.hlc.wall_ms > limit {
        return Err(refuse(
            change,
            RefusalCode::ClockAhead,
            format!(
                "the change's clock reads {} ms, more than a day ahead of the service's {} ms: set the device's clock",
                change.hlc.wall_ms, p.now_ms
            ),
        ));
    }
    check_history(p, change, facts)?;
    let Some(village) = facts.village else {
        return Err(refuse(
            change,
            RefusalCode::OutOfScope,
            "the row's village is unknown: a household needs its village_code, other rows a household the service holds",
        ));
    };
    if !p.scope.contains(village) {
        return Err(refuse(
            change,
            RefusalCode::OutOfScope,
            format!("village {village} is outside the user's scope"),
        ));
    }
    check_move(change, village, facts)?;
    let register = facts.row.and_then(|r| r.register(&change.field));
    let rule = catalogue::schema().rule(&change.row.table, &change.field);
    validate(register, rule, change).map_err(|e| {
        let code = match e {
            WriteError::Transition(_) => RefusalCode::InvalidTransition,
            WriteError::StaleTransition { .. } => RefusalCode::StaleTransition,
            WriteError::WrongOp { .. } => RefusalCode::WrongOp,
            WriteError::AliveNotBool | WriteError::Deleted(_) => RefusalCode::Malformed,
        };
        refuse(change, code, e.to_string())
    })?;
    let resolves = is_resolution(register, change)
        || (change.field == ALIVE
            && facts.row.is_some_and(|r| {
                r.has_edit_delete()
                    && register
                        .is_some_and(|reg| reg.heads().iter().all(|h| change.parents.contains(h)))
            }));
    if resolves && !p.role.supervises() {
        return Err(refuse(
            change,
            RefusalCode::NotPermitted,
            "only a township or county supervisor may resolve a conflict",
        ));
    }
    if !resolves {
        workflow::check(p, change, facts, village)?;
    }
    if let Some(reg) = register {
        let mut after = reg.clone();
        insert_causal(&mut after, Version::from_change(change));
        if rule == FieldRule::AppendLog && after.versions().len() > MAX_APPEND_ENTRIES {
            return Err(refuse(
                change,
                RefusalCode::InvalidValue,
                format!("the field keeps at most {MAX_APPEND_ENTRIES} entries"),
            ));
        }
        if after.heads().len() > MAX_PARENTS {
            return Err(refuse(
                change,
                RefusalCode::TooManyHeads,
                format!(
                    "the field already has {MAX_PARENTS} unresolved values: resolve them first"
                ),
            ));
        }
    }
    Ok(village.to_owned())
}

/// Parents and covers: at most [`MAX_PARENTS`] parents, none the change itself, each a version
/// of the same field the service holds, or the device's own earlier change. A delete's covers
/// name versions of the same row the same way.
fn check_history(p: &Pusher<'_>, change: &Change, facts: &Facts<'_>) -> Result<(), Box<Refusal>> {
    let unknown = |why: String| Err(refuse(change, RefusalCode::UnknownParent, why));
    if change.parents.len() > MAX_PARENTS {
        return unknown(format!(
            "{} parents: a change names at most {MAX_PARENTS}",
            change.parents.len()
        ));
    }
    let max_covers =
        catalogue::table(&change.row.table).map_or(0, |t| t.fields.len()) * MAX_PARENTS;
    if change.covers.len() > max_covers {
        return unknown(format!(
            "{} covered versions: too many",
            change.covers.len()
        ));
    }
    let own_earlier = |v: &VersionId| v.device == p.device && v.seq < change.id.seq;
    for parent in &change.parents {
        if *parent == change.id {
            return unknown("the change names itself as a parent".into());
        }
        if own_earlier(parent) {
            continue;
        }
        match (facts.parent)(parent) {
            Some((row, field)) if row == change.row && field == change.field => {}
            Some(_) => return unknown(format!("parent {parent} is a version of another field")),
            None => {
                return unknown(format!(
                    "parent {parent} is not a version the service holds"
                ))
            }
        }
    }
    for covered in &change.covers {
        if own_earlier(covered) {
            continue;
        }
        match (facts.parent)(covered) {
            Some((row, _)) if row == change.row => {}
            _ => {
                return unknown(format!(
                    "covered version {covered} is not a version of this row the service holds"
                ))
            }
        }
    }
    Ok(())
}

/// A household stays in its village, and a child row in its household's village: moving
/// either to another village is an administrative operation, never a field edit.
fn check_move(change: &Change, village: &str, facts: &Facts<'_>) -> Result<(), Box<Refusal>> {
    let Op::Set { value } = &change.op else {
        return Ok(());
    };
    let own = catalogue::table(&change.row.table)
        .is_some_and(|t| matches!(t.village, catalogue::Village::Own(f) if f == change.field));
    if own {
        if value.as_str() != Some(village) {
            return Err(refuse(
                change,
                RefusalCode::OutOfScope,
                "moving a household to another village is an administrative operation",
            ));
        }
        return Ok(());
    }
    if let Some(named) = facts.household_village {
        match named {
            Some(v) if v == village => {}
            Some(v) => {
                return Err(refuse(
                    change,
                    RefusalCode::OutOfScope,
                    format!(
                        "the row is in village {village}; moving it to a household of village {v} is an administrative operation"
                    ),
                ))
            }
            None => {
                return Err(refuse(
                    change,
                    RefusalCode::OutOfScope,
                    format!("household {} is not a household the service holds", clip(&value.to_string(), 40)),
                ))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use fangpin_catalogue::{HOUSEHOLD, VILLAGE_CODE};
    static POLICY: std::sync::LazyLock<fangpin_domain::PolicyBook> =
        std::sync::LazyLock::new(fangpin_domain::PolicyBook::seed);
    use super::*;
    use fangpin_sync::{Hlc, LedgerStatus, Replica, Writer};
    use serde_json::json;
    use uuid::Uuid;

    const V1: &str = "530325101201";

    struct Case {
        replica: Replica,
        writer: Writer,
        scope: Scope,
    }

    fn case() -> Case {
        Case {
            replica: Replica::new(catalogue::schema().clone()),
            writer: Writer::new(DeviceId(Uuid::from_u128(1)), UserId(Uuid::from_u128(2))),
            scope: Scope::new(["530325101"]),
        }
    }

    fn pusher<'a>(c: &'a Case, role: Role) -> Pusher<'a> {
        Pusher {
            role,
            policy: &POLICY,
            scope: &c.scope,
            user: c.writer.user,
            device: c.writer.device,
            now_ms: 1_000_000,
        }
    }

    fn nothing(_: &VersionId) -> Option<(RowKey, String)> {
        None
    }

    fn facts<'a>(village: Option<&'a str>) -> Facts<'a> {
        Facts {
            row: None,
            village,
            household_village: None,
            parent: &nothing,
        }
    }

    fn code(r: Result<String, Box<Refusal>>) -> RefusalCode {
        r.unwrap_err().code
    }

    #[test]
    fn values_authors_clocks_and_scope_are_checked() {
        let mut c = case();
        let h = RowKey::new(HOUSEHOLD, Uuid::from_u128(10));
        let created = c
            .writer
            .create(&mut c.replica, &h, &[(VILLAGE_CODE, json!(V1))], 1);
        let moved = c
            .writer
            .set(&mut c.replica, &h, VILLAGE_CODE, json!("530325101202"), 2)
            .unwrap();
        let p = pusher(&c, Role::VillageCadre);
        assert_eq!(judge(&p, &created[1], &facts(Some(V1))).unwrap(), V1);
        assert_eq!(
            code(judge(&p, &created[1], &facts(Some("530325102201")))),
            RefusalCode::OutOfScope
        );
        assert_eq!(
            code(judge(&p, &created[1], &facts(None))),
            RefusalCode::OutOfScope
        );
        let admin = pusher(&c, Role::SystemAdmin);
        assert_eq!(
            code(judge(&admin, &created[1], &facts(Some(V1)))),
            RefusalCode::OutOfScope
        );
        for bad in [
            json!(123_456.5),
            json!(1e300),
            json!("一千元"),
            json!(true),
            json!(-1),
        ] {
            let mut ch = created[1].clone();
            ch.field = "wage_fen".into();
            ch.row.table = "income_year".into();
            ch.op = Op::Set { value: bad.clone() };
            assert_eq!(
                code(judge(&p, &ch, &facts(Some(V1)))),
                RefusalCode::InvalidValue,
                "{bad}"
            );
        }
        let mut unknown = created[1].clone();
        unknown.row.table = "x".repeat(500_000);
        let r = judge(&p, &unknown, &facts(Some(V1))).unwrap_err();
        assert_eq!(r.code, RefusalCode::InvalidValue);
        assert!(
            r.reason.len() < 300 && r.row.table.len() <= 64,
            "names are clipped"
        );
        let mut field = created[1].clone();
        field.field = "no_such_field".into();
        assert_eq!(
            code(judge(&p, &field, &facts(Some(V1)))),
            RefusalCode::InvalidValue
        );
        let mut author = created[1].clone();
        author.author = UserId(Uuid::from_u128(99));
        assert_eq!(
            code(judge(&p, &author, &facts(Some(V1)))),
            RefusalCode::WrongAuthor
        );
        for wall_ms in [4_102_444_800_000, u64::MAX] {
            let mut ahead = created[1].clone();
            ahead.hlc = Hlc {
                wall_ms,
                counter: 0,
            };
            assert_eq!(
                code(judge(&p, &ahead, &facts(Some(V1)))),
                RefusalCode::ClockAhead
            );
        }
        assert_eq!(
            code(judge(&p, &moved, &facts(Some(V1)))),
            RefusalCode::OutOfScope
        );
    }

    #[test]
    fn parents_must_be_versions_the_service_holds() {
        let mut c = case();
        let h = RowKey::new(HOUSEHOLD, Uuid::from_u128(10));
        let created = c
            .writer
            .create(&mut c.replica, &h, &[("phone", json!("1"))], 1);
        let p = pusher(&c, Role::VillageCadre);
        let mut own = created[1].clone();
        own.id.seq = 5;
        own.parents = vec![created[1].id];
        assert!(
            judge(&p, &own, &facts(Some(V1))).is_ok(),
            "an own earlier change"
        );
        let mut itself = own.clone();
        itself.parents = vec![itself.id];
        assert_eq!(
            code(judge(&p, &itself, &facts(Some(V1)))),
            RefusalCode::UnknownParent
        );
        let mut future = own.clone();
        future.parents = vec![VersionId {
            device: DeviceId(Uuid::from_u128(7)),
            seq: 3,
        }];
        assert_eq!(
            code(judge(&p, &future, &facts(Some(V1)))),
            RefusalCode::UnknownParent
        );
        let held = |v: &VersionId| {
            (v.device.0 == Uuid::from_u128(7)).then(|| (h.clone(), "phone".to_owned()))
        };
        let f = Facts {
            parent: &held,
            ..facts(Some(V1))
        };
        assert!(
            judge(&p, &future, &f).is_ok(),
            "another device's version the service holds"
        );
        let mut other_field = future.clone();
        other_field.field = "address".into();
        assert_eq!(
            code(judge(&p, &other_field, &f)),
            RefusalCode::UnknownParent
        );
        let mut many = own.clone();
        many.parents = (0..(MAX_PARENTS as u64 + 1))
            .map(|seq| VersionId {
                device: c.writer.device,
                seq,
            })
            .collect();
        assert_eq!(
            code(judge(&p, &many, &facts(Some(V1)))),
            RefusalCode::UnknownParent
        );
    }

    #[test]
    fn only_supervisors_resolve_and_children_stay_in_their_village() {
        let mut c = case();
        let h = RowKey::new(HOUSEHOLD, Uuid::from_u128(10));
        let mut batch = c.writer.create(
            &mut c.replica,
            &h,
            &[(VILLAGE_CODE, json!(V1)), ("phone", json!("1"))],
            1,
        );
        let mut other = c.replica.clone();
        let mut w2 = Writer::new(DeviceId(Uuid::from_u128(3)), c.writer.user);
        batch.push(
            c.writer
                .set(&mut c.replica, &h, "phone", json!("2"), 2)
                .unwrap(),
        );
        batch.push(w2.set(&mut other, &h, "phone", json!("3"), 3).unwrap());
        let mut state = RowState::new(h.clone(), V1.into());
        state.apply(&batch);
        assert_eq!(state.conflicts.len(), 1);
        let heads = state.register("phone").unwrap().heads().to_vec();
        let mut resolution = batch[2].clone();
        resolution.id.seq = 10;
        resolution.parents = heads;
        resolution.op = Op::Set { value: json!("4") };
        let held = |v: &VersionId| {
            Some((
                h.clone(),
                if v.seq == 0 {
                    String::new()
                } else {
                    "phone".to_owned()
                },
            ))
        };
        let f = Facts {
            row: Some(&state),
            village: Some(V1),
            household_village: None,
            parent: &held,
        };
        assert_eq!(
            code(judge(&pusher(&c, Role::VillageCadre), &resolution, &f)),
            RefusalCode::NotPermitted
        );
        assert!(judge(&pusher(&c, Role::TownshipSupervisor), &resolution, &f).is_ok());

        let m = RowKey::new("member", Uuid::from_u128(11));
        let moved = c.writer.create(
            &mut c.replica,
            &m,
            &[("household_id", json!(Uuid::from_u128(12).to_string()))],
            4,
        );
        let f = Facts {
            row: None,
            village: Some(V1),
            household_village: Some(Some("530325101202")),
            parent: &nothing,
        };
        assert_eq!(
            code(judge(&pusher(&c, Role::TownshipSupervisor), &moved[1], &f)),
            RefusalCode::OutOfScope
        );
        let f = Facts {
            household_village: Some(None),
            ..f
        };
        assert_eq!(
            code(judge(&pusher(&c, Role::TownshipSupervisor), &moved[1], &f)),
            RefusalCode::OutOfScope
        );

        let l = RowKey::new("ledger_item", Uuid::from_u128(20));
        c.writer.create(&mut c.replica, &l, &[], 5);
        let t = c
            .writer
            .transition(&mut c.replica, &l, "status", LedgerStatus::NEW, 6)
            .unwrap();
        let mut bad = t.clone();
        bad.op = Op::Transition {
            from: None,
            to: LedgerStatus::new(1, fangpin_sync::LedgerState::Closed),
        };
        assert_eq!(
            code(judge(&pusher(&c, Role::Helper), &bad, &facts(Some(V1)))),
            RefusalCode::InvalidTransition
        );
    }
}
