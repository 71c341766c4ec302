//! A household's assistance measures (帮扶措施): listing them, adding one ("缺什么补什么", or
//! ahead of a decision under the 绿色通道) and marking one 已落实 or 已结束. The elimination
//! criteria count the measures in place.

use fangpin_catalogue::vocab::{MEASURES, MEASURE_STATUSES};
use fangpin_store::RowView;
use fangpin_sync::RowKey;
use serde_json::json;
use uuid::Uuid;

use super::views::MeasureView;
use super::{now_ms, str_of, AppError, FieldApp};
use crate::rows::HOUSEHOLD;

/// The table of measures.
const MEASURE: &str = "measure";

fn view(r: &RowView) -> MeasureView {
    let kind = str_of(&r.data, "kind");
    let status = str_of(&r.data, "status");
    MeasureView {
        id: r.key.id,
        kind_label: MEASURES.label(&kind).unwrap_or("其他").to_owned(),
        status_label: MEASURE_STATUSES
            .label(&status)
            .unwrap_or("计划实施")
            .to_owned(),
        kind,
        status,
        note: str_of(&r.data, "note"),
    }
}

fn bad_value(field: &str, zh: &str) -> AppError {
    let mut e = AppError::new("invalid", format!("{field}: not a known value"), zh);
    e.field = Some(field.into());
    e
}

impl FieldApp {
    /// The household's measures.
    pub fn measures(&self, household_id: Uuid) -> Result<Vec<MeasureView>, AppError> {
        let d = self.store()?.household(household_id)?.ok_or_else(|| {
            AppError::new(
                "not_found",
                format!("household {household_id}"),
                "未找到该农户。",
            )
        })?;
        Ok(d.measures.iter().filter(|m| m.alive).map(view).collect())
    }

    /// Adds a measure to a household.
    pub fn add_measure(
        &mut self,
        household_id: Uuid,
        kind: &str,
        status: &str,
        note: &str,
    ) -> Result<MeasureView, AppError> {
        if !MEASURES.contains(kind) {
            return Err(bad_value("kind", "请选择帮扶措施。"));
        }
        if !MEASURE_STATUSES.contains(status) {
            return Err(bad_value("status", "请选择落实情况。"));
        }
        let store = self.store_mut()?;
        store
            .row(&RowKey::new(HOUSEHOLD, household_id))?
            .ok_or_else(|| {
                AppError::new(
                    "not_found",
                    format!("household {household_id}"),
                    "未找到该农户。",
                )
            })?;
        let key = RowKey::new(MEASURE, Uuid::now_v7());
        let fields = [
            ("household_id", json!(household_id.to_string())),
            ("kind", json!(kind)),
            ("status", json!(status)),
            ("note", json!(note.trim())),
        ];
        store.edit(now_ms(), |e| e.create(&key, &fields))?;
        let row = store
            .row(&key)?
            .ok_or_else(|| AppError::new("not_found", "the new measure", "未找到该措施。"))?;
        Ok(view(&row))
    }

    /// Marks a measure 计划实施, 已落实 or 已结束.
    pub fn set_measure_status(&mut self, id: Uuid, status: &str) -> Result<MeasureView, AppError> {
        if !MEASURE_STATUSES.contains(status) {
            return Err(bad_value("status", "请选择落实情况。"));
        }
        let key = RowKey::new(MEASURE, id);
        let store = self.store_mut()?;
        store.edit(now_ms(), |e| e.save(&key, &[("status", json!(status))]))?;
        let row = store
            .row(&key)?
            .ok_or_else(|| AppError::new("not_found", format!("measure {id}"), "未找到该措施。"))?;
        Ok(view(&row))
    }
}
