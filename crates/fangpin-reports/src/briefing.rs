//! 通报: a campaign's progress per 办事处 and per village, and each village's star rating with
//! its computation, as one workbook of three sheets, from the campaign's figures
//! (`fangpin_server::campaign`). The figures are computed over the township's rows in memory
//! (a township is thousands of households, not a county).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use fangpin_domain::PolicyBook;
use fangpin_server::backend::Backend;
use fangpin_server::campaign::{progress, ratings, Campaign, ProgressLine, Rows};
use fangpin_server::Scope;

use crate::national::ReportError;
use crate::table::{Cell, Column, Output, Table};
use crate::ReportHeader;

const PROGRESS: &[Column] = &[
    ("序号", 6.0),
    ("单位", 16.0),
    ("应访户数", 10.0),
    ("已走访", 10.0),
    ("走访率", 10.0),
    ("已排查", 10.0),
    ("排查率", 10.0),
    ("台账未销号", 10.0),
    ("已销号", 10.0),
    ("逾期未整改", 10.0),
    ("监测程序逾期", 12.0),
];

const RATING: &[Column] = &[
    ("序号", 6.0),
    ("村", 12.0),
    ("排查覆盖率", 11.0),
    ("核查准确率", 11.0),
    ("问题整改率", 11.0),
    ("按期整改率", 11.0),
    ("逾期扣分", 10.0),
    ("得分", 9.0),
    ("星级", 9.0),
    ("计算过程", 90.0),
];

/// What a briefing held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BriefingSummary {
    /// 办事处 listed.
    pub offices: usize,
    /// Villages listed.
    pub villages: usize,
}

fn percent(n: u32, d: u32) -> Cell {
    if d == 0 {
        return Cell::from("—");
    }
    let bp = (u64::from(n) * 10_000 + u64::from(d) / 2) / u64::from(d);
    Cell::from(format!("{}.{:02}%", bp / 100, bp % 100))
}

/// Points (basis points of 100) as text with two decimals, exactly.
fn points(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    let a = bp.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

fn progress_row(t: &mut Table, i: usize, l: &ProgressLine) -> Result<(), ReportError> {
    t.row(&[
        Cell::Int(i as i64 + 1),
        Cell::from(l.label.as_str()),
        Cell::Int(i64::from(l.to_visit)),
        Cell::Int(i64::from(l.visited)),
        percent(l.visited, l.to_visit),
        Cell::Int(i64::from(l.screened)),
        percent(l.screened, l.to_visit),
        Cell::Int(i64::from(l.ledger_open)),
        Cell::Int(i64::from(l.ledger_closed)),
        Cell::Int(i64::from(l.ledger_overdue)),
        Cell::Int(i64::from(l.procedures_overdue)),
    ])
}

/// Writes the campaign's 通报 (XLSX: three sheets).
#[allow(clippy::too_many_arguments)]
pub async fn write(
    backend: Arc<dyn Backend>,
    scope: Scope,
    campaign: &Campaign,
    policy: &PolicyBook,
    names: &HashMap<String, String>,
    header: &ReportHeader,
    path: &Path,
) -> Result<BriefingSummary, ReportError> {
    if Output::of(path) == Output::Csv {
        return Err(ReportError::Source(
            "the briefing has three tables: write it as .xlsx".into(),
        ));
    }
    let get = |t: &'static str| backend.rows(scope.clone(), t.to_owned());
    let err = |e: fangpin_server::backend::BackendError| ReportError::Source(e.to_string());
    let rows = Rows {
        households: get("household").await.map_err(err)?,
        visits: get("visit").await.map_err(err)?,
        ledger: get("ledger_item").await.map_err(err)?,
        procedures: get("procedure").await.map_err(err)?,
        assignments: get("assignment").await.map_err(err)?,
        rechecks: get("recheck").await.map_err(err)?,
    };
    let p = progress(campaign, &rows, policy, names, header.made_on);
    let r = ratings(campaign, &rows, policy, names, header.made_on);
    let note = format!(
        "{}（全面排查自 {} 起）",
        campaign.name,
        campaign.screening_from()
    );
    let mut t = Table::create(
        path,
        Output::Xlsx,
        "办事处进度通报",
        header,
        &note,
        PROGRESS,
    )?;
    for (i, l) in p.offices.iter().enumerate() {
        progress_row(&mut t, i, l)?;
    }
    progress_row(
        &mut t,
        p.offices.len(),
        &ProgressLine {
            label: "合计".into(),
            ..p.total.clone()
        },
    )?;
    t.sheet("村进度通报", &note, PROGRESS)?;
    for (i, l) in p.villages.iter().enumerate() {
        progress_row(&mut t, i, l)?;
    }
    t.sheet("村星级评定", &note, RATING)?;
    for (i, v) in r.iter().enumerate() {
        let part = |n: usize| {
            v.rating.parts.get(n).map_or(Cell::Empty, |p| {
                let bp = p.rate_bp.0;
                Cell::from(format!("{}.{:02}%", bp / 100, bp % 100))
            })
        };
        let overdue_points = v.rating.parts.get(4).map_or(0, |p| p.points_bp);
        t.row(&[
            Cell::Int(i as i64 + 1),
            Cell::from(v.name.as_str()),
            part(0),
            part(1),
            part(2),
            part(3),
            Cell::from(points(overdue_points)),
            Cell::from(points(v.rating.score_bp)),
            Cell::from(format!("{}星", v.rating.stars)),
            Cell::from(v.rating.explanation_zh.as_str()),
        ])?;
    }
    t.finish()?;
    Ok(BriefingSummary {
        offices: p.offices.len(),
        villages: p.villages.len(),
    })
}
