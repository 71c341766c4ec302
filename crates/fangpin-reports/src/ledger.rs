//! 问题台账: the problem ledger of an area, one row per problem, with filters for its state,
//! its source and overdue items, in the layout the township reports to the 镇扶贫办.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use fangpin_catalogue::vocab::{LEDGER_SOURCES, LEDGER_STATES, PROBLEM_TYPES};
use fangpin_domain::ledger::{is_overdue, LedgerStatus};
use fangpin_server::backend::{Backend, RowQuery};
use fangpin_server::state::RowRecord;
use fangpin_server::Scope;
use serde_json::Value;
use uuid::Uuid;

use crate::national::ReportError;
use crate::source::Pages;
use crate::table::{Cell, Column, Output, Table};
use crate::ReportHeader;

/// Which problems to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerFilter {
    /// Only items in this state (found, in_progress, rectified, closed).
    pub state: Option<String>,
    /// Only items from this source (self_check, inspection, audit …).
    pub source: Option<String>,
    /// Only items open past their deadline on the report's day.
    pub overdue: bool,
}

impl LedgerFilter {
    /// The filter in Chinese, for the sheet's header.
    pub fn describe_zh(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.state {
            parts.push(format!("状态：{}", LEDGER_STATES.label(s).unwrap_or(s)));
        }
        if let Some(s) = &self.source {
            parts.push(format!("来源：{}", LEDGER_SOURCES.label(s).unwrap_or(s)));
        }
        if self.overdue {
            parts.push("仅逾期未销号".to_owned());
        }
        parts.join("，")
    }
}

/// The ledger's columns.
pub const COLUMNS: &[Column] = &[
    ("序号", 6.0),
    ("村", 10.0),
    ("户主", 8.0),
    ("户编号", 18.0),
    ("问题来源", 8.0),
    ("问题类型", 10.0),
    ("问题描述", 30.0),
    ("整改措施", 30.0),
    ("责任单位", 12.0),
    ("责任人", 8.0),
    ("整改时限", 11.0),
    ("整改状态", 8.0),
    ("销号日期", 11.0),
    ("验收人", 8.0),
    ("是否逾期", 8.0),
];

/// What a ledger report wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LedgerSummary {
    /// Problems listed.
    pub rows: u64,
    /// Of them, open past their deadline.
    pub overdue: u64,
}

fn text<'a>(m: &'a serde_json::Map<String, Value>, k: &str) -> &'a str {
    m.get(k).and_then(Value::as_str).unwrap_or("")
}

fn date(m: &serde_json::Map<String, Value>, k: &str) -> Option<NaiveDate> {
    m.get(k)
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

/// Whether a problem passes the filter on `today`; and whether it is overdue.
pub fn passes(item: &RowRecord, f: &LedgerFilter, today: NaiveDate) -> (bool, bool) {
    let status: Option<LedgerStatus> = item
        .data
        .get("status")
        .and_then(|v| serde_json::from_value(v.clone()).ok());
    let overdue = date(&item.data, "deadline").is_some_and(|d| is_overdue(status, d, today));
    let state = status.map(|s| {
        serde_json::to_value(s.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    });
    let ok = f.state.as_ref().is_none_or(|s| state.as_deref() == Some(s))
        && f.source
            .as_ref()
            .is_none_or(|s| text(&item.data, "source") == s)
        && (!f.overdue || overdue);
    (ok, overdue)
}

/// Writes the ledger of `scope` (already narrowed to the area) to `path`.
pub async fn write(
    backend: Arc<dyn Backend>,
    scope: Scope,
    filter: &LedgerFilter,
    header: &ReportHeader,
    names: &HashMap<String, String>,
    path: &Path,
) -> Result<LedgerSummary, ReportError> {
    let mut table = Table::create(
        path,
        Output::of(path),
        "问题台账",
        header,
        &filter.describe_zh(),
        COLUMNS,
    )?;
    let mut summary = LedgerSummary::default();
    let mut pages = Pages::new(backend.clone(), scope.clone(), "ledger_item");
    while let Some(page) = pages.next().await.map_err(backend_err)? {
        let ids: Vec<Uuid> = page.iter().filter_map(|r| r.household_id).collect();
        let heads: HashMap<Uuid, RowRecord> = backend
            .rows_page(
                scope.clone(),
                RowQuery {
                    households: Some(ids),
                    ..RowQuery::all("household")
                },
            )
            .await
            .map_err(backend_err)?
            .into_iter()
            .map(|h| (h.key.id, h))
            .collect();
        for item in &page {
            let (ok, overdue) = passes(item, filter, header.made_on);
            if !ok {
                continue;
            }
            summary.rows += 1;
            summary.overdue += u64::from(overdue);
            let d = &item.data;
            let h = item.household_id.and_then(|id| heads.get(&id));
            let status: Option<LedgerStatus> = d
                .get("status")
                .and_then(|v| serde_json::from_value(v.clone()).ok());
            table.row(&[
                Cell::Int(i64::try_from(summary.rows).unwrap_or(i64::MAX)),
                Cell::from(
                    names
                        .get(&item.village)
                        .cloned()
                        .unwrap_or_else(|| item.village.clone()),
                ),
                Cell::from(h.map_or("", |h| text(&h.data, "head_name"))),
                Cell::from(h.map_or("", |h| text(&h.data, "hubianhao"))),
                Cell::from(LEDGER_SOURCES.label(text(d, "source")).unwrap_or("")),
                Cell::from(PROBLEM_TYPES.label(text(d, "problem_type")).unwrap_or("")),
                Cell::from(text(d, "description")),
                Cell::from(text(d, "measure")),
                Cell::from(text(d, "responsible_unit")),
                Cell::from(text(d, "responsible_person")),
                date(d, "deadline").map_or(Cell::Empty, Cell::Date),
                Cell::from(status.map_or("", |s| s.state.label_zh())),
                date(d, "closed_on").map_or(Cell::Empty, Cell::Date),
                Cell::from(text(d, "checked_by")),
                Cell::from(if overdue { "是" } else { "否" }),
            ])?;
        }
    }
    table.finish()?;
    Ok(summary)
}

fn backend_err(e: fangpin_server::backend::BackendError) -> ReportError {
    ReportError::Source(e.to_string())
}
