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
use crate::notice_pdf::{render, Notice, NoticeRow};
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

/// One household on the notice, with its notice's period and place.
struct Listed {
    row: NoticeRow,
    from: NaiveDate,
    to: NaiveDate,
    place: String,
}

/// The households of `scope` whose 村级公示 for a procedure of `kind` runs on `on`.
async fn listed(
    backend: &Arc<dyn Backend>,
    scope: &Scope,
    kind: ProcedureKind,
    on: NaiveDate,
) -> Result<Vec<Listed>, ReportError> {
    let mut out = Vec::new();
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
        let members = children(backend, scope, "member", &ids)
            .await
            .map_err(source_err)?;
        for (h, notice) in on_notice {
            let Some(row) = households.get(&h) else {
                continue;
            };
            let d = &row.data;
            out.push(Listed {
                row: NoticeRow {
                    head_name: text(d, "head_name").to_owned(),
                    group: text(d, "group").to_owned(),
                    household_size: members.get(&h).map_or(0, |m| m.len() as u32),
                    category: MONITORING_TYPES
                        .label(text(d, "monitoring_type"))
                        .unwrap_or("待认定")
                        .to_owned(),
                    id_masked: mask_id(text(d, "head_id_number")),
                },
                from: notice.from,
                to: notice.to,
                place: if notice.place.is_empty() {
                    "村委会".to_owned()
                } else {
                    notice.place
                },
            });
        }
    }
    Ok(out)
}

/// Writes the notice of the procedures of `kind` in `scope` whose 村级公示 runs on `on`: a
/// `.pdf` path gets the printable notice (one period and place: several on the same day are
/// refused, to be printed one by one from the list), `.csv` CSV, anything else XLSX.
#[allow(clippy::too_many_arguments)]
pub async fn write(
    backend: Arc<dyn Backend>,
    scope: Scope,
    kind: ProcedureKind,
    on: NaiveDate,
    header: &ReportHeader,
    names: &HashMap<String, String>,
    path: &Path,
) -> Result<PublicitySummary, ReportError> {
    let title = match kind {
        ProcedureKind::Identification => "防止返贫监测对象识别村级公示",
        ProcedureKind::Elimination => "防止返贫监测对象风险消除村级公示",
    };
    let listed = listed(&backend, &scope, kind, on).await?;
    let summary = PublicitySummary {
        households: listed.len() as u64,
    };
    let is_pdf = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    if is_pdf {
        let Some(first) = listed.first() else {
            return Err(ReportError::Source(format!(
                "no household is on notice on {on}"
            )));
        };
        if listed
            .iter()
            .any(|l| (l.from, l.to, &l.place) != (first.from, first.to, &first.place))
        {
            return Err(ReportError::Source(
                "several notices run that day (different periods or places): write the list as .xlsx".into(),
            ));
        }
        let name = |code: String| names.get(&code).cloned().unwrap_or(code);
        let area = &header.area_code;
        let notice = Notice {
            title: title.to_owned(),
            village: name(format!("{area:0<12}")),
            township: name(format!("{:0<12}", area.get(..9).unwrap_or(area))),
            from: first.from,
            to: first.to,
            place: first.place.clone(),
            made_on: header.made_on,
            rows: listed.into_iter().map(|l| l.row).collect(),
        };
        std::fs::write(path, render(&notice)?)
            .map_err(|e| ReportError::Source(format!("{}: {e}", path.display())))?;
        return Ok(summary);
    }
    let mut table = Table::create(
        path,
        Output::of(path),
        title,
        header,
        "公示期内如有异议，请向村委会或乡镇人民政府反映。",
        COLUMNS,
    )?;
    for (i, l) in listed.into_iter().enumerate() {
        table.row(&[
            Cell::Int(i as i64 + 1),
            Cell::from(l.row.head_name),
            Cell::from(l.row.group),
            Cell::Int(i64::from(l.row.household_size)),
            Cell::from(l.row.category),
            Cell::from(l.row.id_masked),
            Cell::from(format!("{} 至 {}", l.from, l.to)),
            Cell::from(l.place),
        ])?;
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
