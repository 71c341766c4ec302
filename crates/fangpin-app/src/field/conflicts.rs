//! Conflicts: listing and resolving them, and a conflict as the sync screen shows it.

use fangpin_store::Store;
use fangpin_sync::{Conflict, LedgerStatus, RowKey, ALIVE};
use serde_json::Value;
use uuid::Uuid;

use super::{now_ms, str_of, AppError, ConflictView, FieldApp, HeadView};
use crate::rows::HOUSEHOLD;

impl FieldApp {
    /// Open conflicts on this device.
    pub fn conflicts(&self) -> Result<Vec<ConflictView>, AppError> {
        let store = self.store()?;
        Ok(store
            .conflicts(500)?
            .iter()
            .map(|c| conflict_view(store, c, self.me()))
            .collect())
    }

    /// Resolves a conflict by keeping `value` (for a ledger status, a status object; for a
    /// deleted row, `true` keeps it and `false` confirms the deletion).
    pub fn resolve_conflict(
        &mut self,
        table: &str,
        row_id: Uuid,
        field: &str,
        value: Value,
    ) -> Result<(), AppError> {
        let key = RowKey::new(table, row_id);
        let store = self.store_mut()?;
        let now = now_ms();
        if field == ALIVE {
            match value.as_bool() {
                Some(true) => store.restore(&key, now).map(drop)?,
                Some(false) => store.delete(&key, now).map(drop)?,
                None => {
                    return Err(AppError::new(
                        "bad_value",
                        "$alive takes true or false",
                        "请选择保留或删除。",
                    ))
                }
            }
        } else if field == "status" {
            let s: LedgerStatus = serde_json::from_value(value)
                .map_err(|e| AppError::new("bad_value", e.to_string(), "状态无效。"))?;
            store.resolve_status(&key, field, s, now)?;
        } else {
            store.resolve_value(&key, field, value, now)?;
        }
        Ok(())
    }
}

/// The household a row belongs to (the household row itself, or the one its `household_id`
/// names) and how the screens name it (`张国华户`), when it is on the device.
fn household_of(store: &Store, key: &RowKey) -> (Option<Uuid>, String) {
    let id = if key.table == HOUSEHOLD {
        Some(key.id)
    } else {
        store.row(key).ok().flatten().and_then(|r| r.household_id)
    };
    let name = id
        .and_then(|id| store.row(&RowKey::new(HOUSEHOLD, id)).ok().flatten())
        .map(|h| str_of(&h.data, "head_name"))
        .filter(|n| !n.is_empty())
        .map(|n| format!("{n}户"))
        .unwrap_or_default();
    (id, name)
}

pub(super) fn conflict_view(store: &Store, c: &Conflict, me: Option<(Uuid, Uuid)>) -> ConflictView {
    let (household_id, household_zh) = household_of(store, &c.row);
    let winner = c
        .heads
        .iter()
        .find(|h| h.version == c.winner)
        .map(|h| h.value.clone())
        .unwrap_or(Value::Null);
    ConflictView {
        table: c.row.table.clone(),
        row_id: c.row.id,
        household_id,
        household_zh,
        field: c.field.clone(),
        table_zh: fangpin_catalogue::table(&c.row.table)
            .map_or("记录", |t| t.label_zh)
            .to_owned(),
        label_zh: fangpin_catalogue::label_zh(&c.row.table, &c.field).to_owned(),
        kind: serde_json::to_value(c.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        heads: c
            .heads
            .iter()
            .map(|h| HeadView {
                value: h.value.clone(),
                author: h.author.0,
                mine: me.is_some_and(|(user, _)| user == h.author.0),
                this_device: me.is_some_and(|(_, device)| device == h.version.device.0),
                at_ms: h.hlc.wall_ms,
            })
            .collect(),
        winner,
    }
}
