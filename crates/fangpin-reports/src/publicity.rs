//! 村级公示: the notice a village posts for its 纳入监测 or 风险消除 cases, with only what the
//! law lets a notice show (个人信息保护法): the head's name, the group, the household's size, the
//! category and the identity number masked to its first 6 and last 4 digits; the notice period
//! and where to object. Never a full identity number, never a phone number.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use fangpin_catalogue::vocab::MONITORING_TYPES;
use fangpin_domain::procedure::{Procedure, ProcedureKind};
use fangpin_server::backend::{Backend, RowQuery};
use fangpin_server::Scope;
use serde_json::Value;

use crate::national::ReportError;
use crate::source::{children, Pages};
use crate::table::{Cell, Column, Output, Table};
use crate::ReportHeader;

/// An identity number as a notice may show it: the first 6 and last 4 characters, the 8 or 5
/// between as asterisks (`530325********1234`); anything that is not 15 or 18 characters
/// long is masked whole.
pub fn mask_id(id: &str) -> String {
    let chars: Vec<char> = id.trim().chars().collect();
    match chars.len() {
        15 | 18 => {
            let head: String = chars[..6].iter().collect();
            let tail: String = chars[chars.len() - 4..].iter().collect();
            format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
        }
        0 => String::new(),
        n => "*".repeat(n),
    }
}

/// The notice's columns.
pub const COLUMNS: &[Column] = &[
    ("序号", 6.0),
    ("户主姓名", 10.0),
    ("组", 8.0),
    ("家庭人口", 8.0),
    ("类别", 16.0),
    ("身份证号", 22.0),
    ("公示期", 26.0),
    ("异议受理", 24.0),
];

/// What a notice listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PublicitySummary {
    /// Households listed.
    pub households: u64,
}

fn text<'a>(m: &'a serde_json::Map<String, Value>, k: &str) -> &'a str {
    m.get(k).and_then(Value::as_str).unwrap_or("")
}

/// Writes the notice of the procedures of `kind` in `scope` whose 村级公示 runs on `on`.
pub async fn write(
    backend: Arc<dyn Backend>,
    scope: Scope,
    kind: ProcedureKind,
    on: NaiveDate,
    header: &ReportHeader,
    path: &Path,
) -> Result<PublicitySummary, ReportError> {
    let title = match kind {
        ProcedureKind::Identification => "防止返贫监测对象识别村级公示",
        ProcedureKind::Elimination => "防止返贫监测对象风险消除村级公示",
    };
    let mut table = Table::create(
        path,
        Output::of(path),
        title,
        header,
        "公示期内如有异议，请向村委会或乡镇人民政府反映。",
        COLUMNS,
    )?;
    let mut summary = PublicitySummary::default();
    let mut pages = Pages::new(backend.clone(), scope.clone(), "procedure");
    while let Some(page) = pages.next().await.map_err(source_err)? {
        let mut on_notice = Vec::new();
        for p in &page {
            let proc_ = Procedure::from_fields(p.data.iter().map(|(k, v)| (k.as_str(), v)));
            if proc_.kind != Some(kind) {
                continue;
            }
            let Some(notice) = proc_.publicity.clone() else {
                continue;
            };
            if notice.from <= on && on <= notice.to {
                if let Some(h) = p.household_id {
                    on_notice.push((h, notice));
                }
            }
        }
        if on_notice.is_empty() {
            continue;
        }
        let ids: Vec<uuid::Uuid> = on_notice.iter().map(|(h, _)| *h).collect();
        let households: HashMap<uuid::Uuid, _> = backend
            .rows_page(
                scope.clone(),
                RowQuery {
                    households: Some(ids.clone()),
                    ..RowQuery::all("household")
                },
            )
            .await
            .map_err(source_err)?
            .into_iter()
            .map(|h| (h.key.id, h))
            .collect();
        let members = children(&backend, &scope, "member", &ids)
            .await
            .map_err(source_err)?;
        for (h, notice) in on_notice {
            let Some(row) = households.get(&h) else {
                continue;
            };
            summary.households += 1;
            let d = &row.data;
            let category = MONITORING_TYPES
                .label(text(d, "monitoring_type"))
                .unwrap_or("待认定");
            table.row(&[
                Cell::Int(i64::try_from(summary.households).unwrap_or(i64::MAX)),
                Cell::from(text(d, "head_name")),
                Cell::from(text(d, "group")),
                Cell::Int(members.get(&h).map_or(0, |m| m.len() as i64)),
                Cell::from(category),
                Cell::from(mask_id(text(d, "head_id_number"))),
                Cell::from(format!("{} 至 {}", notice.from, notice.to)),
                Cell::from(if notice.place.is_empty() {
                    "村委会".to_owned()
                } else {
                    notice.place.clone()
                }),
            ])?;
        }
    }
    table.finish()?;
    Ok(summary)
}

fn source_err(e: fangpin_server::backend::BackendError) -> ReportError {
    ReportError::Source(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identity_number_shows_only_its_first_six_and_last_four() {
        assert_eq!(mask_id("11010519491231002X"), "110105********002X");
        assert_eq!(mask_id("110105491231002"), "110105*****1002");
        assert_eq!(mask_id("12345"), "*****");
        assert_eq!(mask_id(""), "");
    }
}
