//! The workflow rules a change must pass beyond its value: who may write a table or a field
//! (the catalogue's writers: campaigns and re-check samples are the township's), and a
//! procedure step's role, order, dates and contents under the area's policy
//! (`fangpin_domain::procedure::check_step`, the same function the device runs before it saves).

use fangpin_catalogue as catalogue;
use fangpin_domain::procedure::{check_step, Procedure, Step};
use fangpin_sync::wire::{Refusal, RefusalCode};
use fangpin_sync::{Change, Op, ALIVE};

use super::{refuse, Facts, Pusher};

/// The table of 纳入监测 and 风险消除 procedures.
pub const PROCEDURE: &str = "procedure";

/// Refuses a change its author's role may not write, or a procedure step the area's policy
/// does not allow now.
pub fn check(
    p: &Pusher<'_>,
    change: &Change,
    facts: &Facts<'_>,
    village: &str,
) -> Result<(), Box<Refusal>> {
    if !catalogue::may_write(&change.row.table, &change.field, p.role) {
        let what = catalogue::table(&change.row.table).map_or("", |t| t.label_zh);
        let mut r = refuse(
            change,
            RefusalCode::NotPermitted,
            format!(
                "a {} may not write {}.{} (a {what} is the township's to write)",
                p.role.as_str(),
                change.row.table,
                change.field
            ),
        );
        r.reason_zh = Some(format!(
            "{}由镇、县填写，{}不能修改。",
            what,
            p.role.label_zh()
        ));
        return Err(r);
    }
    if change.row.table != PROCEDURE || change.field == ALIVE {
        return Ok(());
    }
    let Some(step) = Step::of_field(&change.field) else {
        return Ok(());
    };
    let Op::Set { value } = &change.op else {
        return Ok(());
    };
    if value.is_null() {
        return Ok(());
    }
    let views: Vec<(String, serde_json::Value)> = facts
        .row
        .map(|r| {
            r.registers
                .iter()
                .filter_map(|(f, reg)| reg.view().map(|v| (f.clone(), v.value)))
                .collect()
        })
        .unwrap_or_default();
    let procedure = Procedure::from_fields(views.iter().map(|(k, v)| (k.as_str(), v)));
    let settings = p.policy.settings(village).procedure;
    check_step(&settings, p.role, &procedure, step, value).map_err(|e| {
        let code = match e.code() {
            "wrong_role" => RefusalCode::NotPermitted,
            "out_of_order" | "procedure_ended" | "not_started" => RefusalCode::InvalidTransition,
            _ => RefusalCode::InvalidValue,
        };
        let mut r = refuse(change, code, format!("{e} ({})", e.message_zh()));
        r.reason_zh = Some(format!("{}。", e.message_zh()));
        r
    })
}
