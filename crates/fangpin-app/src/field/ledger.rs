//! The problem ledger (问题台账): listing it, adding a problem, moving an item along its
//! lifecycle, evidence, and the item as the screens show it.

use chrono::NaiveDate;
use fangpin_domain::ledger;
use fangpin_store::RowView;
use fangpin_sync::{LedgerState, LedgerStatus, RowKey};
use serde_json::{json, Value};
use uuid::Uuid;

use super::{
    now_ms, str_of, today, AppError, FieldApp, LedgerItemView, MoveView, NewLedgerItem, StatusView,
};
use crate::rows::{HOUSEHOLD, LEDGER_ITEM};

impl FieldApp {
    /// The ledger, optionally in one state.
    pub fn ledger(&self, state: Option<&str>) -> Result<Vec<LedgerItemView>, AppError> {
        let state: Option<LedgerState> = match state {
            Some(s) => Some(serde_json::from_value(json!(s)).map_err(|_| {
                AppError::new(
                    "bad_state",
                    format!("unknown state {s}"),
                    "未知的台账状态。",
                )
            })?),
            None => None,
        };
        let store = self.store()?;
        let rows = store.ledger(&self.villages(), state)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let head = match r.household_id {
                Some(h) => store
                    .row(&RowKey::new(HOUSEHOLD, h))?
                    .map(|v| str_of(&v.data, "head_name"))
                    .unwrap_or_default(),
                None => String::new(),
            };
            out.push(ledger_view(r, &head));
        }
        Ok(out)
    }

    /// Adds a problem to the ledger for a household, as found (发现).
    pub fn add_ledger_item(
        &mut self,
        household_id: Uuid,
        item: &NewLedgerItem,
    ) -> Result<LedgerItemView, AppError> {
        for (field, value, zh) in [
            ("description", &item.description, "问题描述"),
            ("measure", &item.measure, "整改措施"),
            ("deadline", &item.deadline, "整改时限"),
        ] {
            if value.trim().is_empty() {
                let mut e = AppError::new(
                    "required",
                    format!("{field}: required"),
                    format!("请填写{zh}。"),
                );
                e.field = Some(field.into());
                return Err(e);
            }
        }
        if NaiveDate::parse_from_str(&item.deadline, "%Y-%m-%d").is_err() {
            let mut e = AppError::new(
                "bad_date",
                "deadline: expected YYYY-MM-DD",
                "整改时限应为日期（年-月-日）。",
            );
            e.field = Some("deadline".into());
            return Err(e);
        }
        let store = self.store_mut()?;
        let household = store
            .row(&RowKey::new(HOUSEHOLD, household_id))?
            .ok_or_else(|| {
                AppError::new(
                    "not_found",
                    format!("household {household_id}"),
                    "未找到该农户。",
                )
            })?;
        let key = RowKey::new(LEDGER_ITEM, Uuid::now_v7());
        let fields = [
            ("household_id", json!(household_id.to_string())),
            (
                "village_code",
                household
                    .data
                    .get("village_code")
                    .cloned()
                    .unwrap_or(Value::Null),
            ),
            ("source", json!(item.source)),
            ("problem_type", json!(item.problem_type)),
            ("description", json!(item.description)),
            ("measure", json!(item.measure)),
            ("responsible_unit", json!(item.responsible_unit)),
            ("responsible_person", json!(item.responsible_person)),
            ("deadline", json!(item.deadline)),
        ];
        store.edit(now_ms(), |e| {
            e.create(&key, &fields)?;
            e.transition(&key, "status", LedgerStatus::NEW)
        })?;
        let view = store
            .row(&key)?
            .ok_or_else(|| AppError::new("not_found", "the new item", "未找到台账。"))?;
        Ok(ledger_view(&view, &str_of(&household.data, "head_name")))
    }

    /// Moves a ledger item along its lifecycle. Closing it (已销号) records who checked the
    /// rectification (验收人, required) and the day.
    pub fn move_ledger_item(
        &mut self,
        id: Uuid,
        to: StatusView,
        checked_by: Option<String>,
    ) -> Result<LedgerItemView, AppError> {
        let state: LedgerState = serde_json::from_value(json!(to.state)).map_err(|_| {
            AppError::new(
                "bad_state",
                format!("unknown state {}", to.state),
                "未知的台账状态。",
            )
        })?;
        let status = LedgerStatus::new(to.round, state);
        let more = ledger::closing_fields(status, checked_by.as_deref(), today()).map_err(|e| {
            let mut a = AppError::new(
                e.code.as_str(),
                e.to_string(),
                format!("{}。", e.message_zh),
            );
            a.field = Some(e.field.clone());
            a
        })?;
        let key = RowKey::new(LEDGER_ITEM, id);
        let store = self.store_mut()?;
        store.edit(now_ms(), |e| {
            e.transition(&key, "status", status)?;
            if !more.is_empty() {
                let fields: Vec<(&str, Value)> = more.iter().map(|(f, v)| (*f, json!(v))).collect();
                e.save(&key, &fields)?;
            }
            Ok(())
        })?;
        self.ledger_item(id)
    }

    /// Attaches evidence (a photo or a signature) to a ledger item: an entry of an
    /// append-only field, so photos two devices add at once are both kept.
    pub fn add_evidence(
        &mut self,
        ledger_id: Uuid,
        sha256: &str,
    ) -> Result<LedgerItemView, AppError> {
        let key = RowKey::new(LEDGER_ITEM, ledger_id);
        let store = self.store_mut()?;
        let row = store.row(&key)?.ok_or_else(|| {
            AppError::new(
                "not_found",
                format!("ledger item {ledger_id}"),
                "未找到台账。",
            )
        })?;
        if !evidence_of(&row.data).iter().any(|h| h == sha256) {
            store.append(&key, "evidence", json!(sha256), now_ms())?;
        }
        self.ledger_item(ledger_id)
    }

    /// One ledger item as the ledger shows it, with its household's head.
    fn ledger_item(&self, id: Uuid) -> Result<LedgerItemView, AppError> {
        let store = self.store()?;
        let view = store.row(&RowKey::new(LEDGER_ITEM, id))?.ok_or_else(|| {
            AppError::new("not_found", format!("ledger item {id}"), "未找到台账。")
        })?;
        let head = match view.household_id {
            Some(h) => store
                .row(&RowKey::new(HOUSEHOLD, h))?
                .map(|v| str_of(&v.data, "head_name"))
                .unwrap_or_default(),
            None => String::new(),
        };
        Ok(ledger_view(&view, &head))
    }
}

/// The attachments an item's evidence names, in order, once each. Items written before the
/// evidence became append-only hold lists as entries; their hashes are read in place.
fn evidence_of(d: &serde_json::Map<String, Value>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |v: &Value| {
        if let Some(h) = v.as_str() {
            if !out.iter().any(|x| x == h) {
                out.push(h.to_owned());
            }
        }
    };
    for entry in d
        .get("evidence")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match entry {
            Value::Array(list) => list.iter().for_each(&mut add),
            other => add(other),
        }
    }
    out
}

pub(super) fn ledger_view(r: &RowView, head: &str) -> LedgerItemView {
    let d = &r.data;
    let status: Option<StatusView> = d.get("status").and_then(|v| {
        Some(StatusView {
            round: v.get("round")?.as_u64()? as u32,
            state: v.get("state")?.as_str()?.to_owned(),
        })
    });
    let deadline = str_of(d, "deadline");
    let current: Option<LedgerStatus> = d
        .get("status")
        .and_then(|v| serde_json::from_value(v.clone()).ok());
    let overdue = NaiveDate::parse_from_str(&deadline, "%Y-%m-%d")
        .is_ok_and(|dl| ledger::is_overdue(current, dl, today()));
    let moves = if current.is_some() {
        LedgerStatus::moves(current)
            .into_iter()
            .map(|m| MoveView {
                to: StatusView {
                    round: m.to.round,
                    state: serde_json::to_value(m.to.state)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                },
                label_zh: m.label_zh.to_owned(),
            })
            .collect()
    } else {
        Vec::new()
    };
    LedgerItemView {
        id: r.key.id,
        household_id: r.household_id,
        head_name: head.to_owned(),
        problem_type: str_of(d, "problem_type"),
        description: str_of(d, "description"),
        measure: str_of(d, "measure"),
        responsible_unit: str_of(d, "responsible_unit"),
        responsible_person: str_of(d, "responsible_person"),
        deadline,
        status,
        overdue,
        evidence: evidence_of(d),
        closed_on: d
            .get("closed_on")
            .and_then(Value::as_str)
            .map(str::to_owned),
        checked_by: d
            .get("checked_by")
            .and_then(Value::as_str)
            .map(str::to_owned),
        moves,
    }
}
