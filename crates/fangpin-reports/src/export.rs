//! The national system's export and its data-quality check over an area, streamed from the
//! read model a page of households at a time: the check lists every failing household with
//! its rule so the office fixes them first; the export refuses to run while any fail, unless
//! asked to.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use chrono::Datelike;
use fangpin_domain::{AreaCode, Fen, PolicyBook};
use fangpin_server::backend::Backend;
use fangpin_server::Scope;

use crate::national::{NationalSummary, NationalWriter, ReportError};
use crate::quality::{check, QualityIssue};
use crate::source::{bundles, Pages};
use crate::table::{Cell, Column, Output, Table};
use crate::{HouseholdBundle, ReportHeader};

/// The monitoring line for a household: its village's, for the year of its current income
/// (else the report's year); zero where no line covers it (the check then does not judge
/// income).
fn line_for(policy: &PolicyBook, bundle: &HouseholdBundle, year: i32) -> Fen {
    let Some(h) = &bundle.household else {
        return Fen::ZERO;
    };
    let year = crate::quality::facts::current_income(bundle).map_or(year, |i| i.year);
    AreaCode::parse(&h.village)
        .ok()
        .and_then(|a| policy.resolve(&a, year).ok())
        .map_or(Fen::ZERO, |p| p.line.amount_fen)
}

async fn each_page(
    backend: &Arc<dyn Backend>,
    scope: &Scope,
    mut f: impl FnMut(&[HouseholdBundle]) -> Result<(), ReportError>,
) -> Result<(), ReportError> {
    let mut pages = Pages::new(backend.clone(), scope.clone(), "household");
    while let Some(page) = pages.next().await.map_err(source_err)? {
        let page = bundles(backend, scope, page).await.map_err(source_err)?;
        f(&page)?;
    }
    Ok(())
}

/// Every failing household of the area, with its rule.
pub async fn quality(
    backend: Arc<dyn Backend>,
    scope: Scope,
    policy: &PolicyBook,
    year: i32,
) -> Result<Vec<QualityIssue>, ReportError> {
    let mut out = Vec::new();
    each_page(&backend, &scope, |page| {
        for b in page {
            out.extend(check(b, line_for(policy, b, year)));
        }
        Ok(())
    })
    .await?;
    Ok(out)
}

/// The check's columns.
pub const QUALITY_COLUMNS: &[Column] = &[
    ("序号", 6.0),
    ("村", 12.0),
    ("户编号", 18.0),
    ("户主", 8.0),
    ("校验规则", 24.0),
    ("问题说明", 50.0),
];

/// Writes the issues as a list the office works through.
pub fn write_quality(
    issues: &[QualityIssue],
    header: &ReportHeader,
    names: &HashMap<String, String>,
    path: &Path,
) -> Result<u64, ReportError> {
    let mut t = Table::create(
        path,
        Output::of(path),
        "数据质量校验",
        header,
        "报送全国防止返贫监测信息系统前须逐户改正",
        QUALITY_COLUMNS,
    )?;
    for (i, q) in issues.iter().enumerate() {
        t.row(&[
            Cell::Int(i as i64 + 1),
            Cell::from(
                names
                    .get(&q.village)
                    .cloned()
                    .unwrap_or_else(|| q.village.clone()),
            ),
            Cell::from(q.hubianhao.as_str()),
            Cell::from(q.head_name.as_str()),
            Cell::from(q.rule.label_zh()),
            Cell::from(q.message_zh.as_str()),
        ])?;
    }
    t.finish()
}

/// Why the national export did not run.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Households fail the data-quality check.
    #[error("{} households fail the data-quality check: fix them first (or allow the issues)", .0.len())]
    Quality(Vec<QualityIssue>),
    /// Writing failed.
    #[error(transparent)]
    Report(#[from] ReportError),
}

/// The national workbook of the area's monitoring objects; runs the check first and refuses
/// while any household fails, unless `allow_issues`.
pub async fn national(
    backend: Arc<dyn Backend>,
    scope: Scope,
    policy: &PolicyBook,
    header: &ReportHeader,
    names: &HashMap<String, String>,
    allow_issues: bool,
    path: &Path,
) -> Result<NationalSummary, ExportError> {
    let year = header.made_on.year();
    if !allow_issues {
        let issues = quality(backend.clone(), scope.clone(), policy, year).await?;
        if !issues.is_empty() {
            return Err(ExportError::Quality(issues));
        }
    }
    let mut writer = NationalWriter::new(header, Some(names))?;
    each_page(&backend, &scope, |page| {
        for b in page {
            writer.add(b, line_for(policy, b, year))?;
        }
        Ok(())
    })
    .await?;
    Ok(writer.finish(path)?)
}

fn source_err(e: fangpin_server::backend::BackendError) -> ReportError {
    ReportError::Source(e.to_string())
}
