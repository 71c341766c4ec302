//! The national system's 监测对象信息 workbook: one row per member of every monitoring object,
//! the household's columns then the member's, in the layout a clerk fills when entering
//! households (design notes, "The national system's workbooks"): a title block on rows 1 and 2,
//! the column names on row 3, households joined by 户编号 and people by 证件号码.
//!
//! The sheet is written in constant memory, strictly top to bottom and left to right, so a
//! county's households stream through [`NationalWriter::add`] a page at a time. Values are the
//! Chinese terms of the catalogue's vocabularies, never codes; amounts are numbers in yuan with
//! two decimals, converted from fen only as the cell is written; dates are date cells.
//!
//! The export goes into the national system, so it carries full identity numbers; it is not a
//! public notice. It never carries a phone number.

use std::collections::HashMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use fangpin_catalogue::vocab::{
    EDUCATIONS, ELIMINATION_METHODS, HOUSEHOLD_TYPES, LABOUR_CAPACITIES, MONITORING_TYPES,
    RELATIONS, RISK_TYPES, SEXES, STUDENT_STATUSES,
};
use fangpin_domain::income::per_capita;
use fangpin_domain::member::Health;
use fangpin_domain::{Fen, IdNumber};
use fangpin_server::state::RowRecord;
use rust_xlsxwriter::{
    ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::quality::facts;
use crate::{HouseholdBundle, ReportHeader};

/// What making a report can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The XLSX writer failed (including writing the file).
    #[error("xlsx: {0}")]
    Xlsx(#[from] XlsxError),
    /// Reading the rows from the read model failed (the backend's error, as text).
    #[error("reading the read model: {0}")]
    Source(String),
    /// The sheet would pass Excel's row limit (1,048,576 rows).
    #[error("the sheet would pass Excel's limit of {limit} rows")]
    TooManyRows {
        /// Excel's limit.
        limit: u32,
    },
}

/// What [`NationalWriter::finish`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NationalSummary {
    /// Monitoring objects written.
    pub households: u64,
    /// Members written (one row each).
    pub members: u64,
    /// Data rows written: one per member, and one for a household without members.
    pub rows: u64,
    /// Households given to [`NationalWriter::add`] and left out: not monitoring objects, or
    /// without a live household row.
    pub skipped: u64,
}

/// The sheet's title (row 1).
pub const TITLE: &str = "防止返贫监测对象信息";

/// Which of this project's measure codes ([`fangpin_catalogue::vocab::MEASURES`]) mark each
/// measure column 是, in the columns' order:
///
/// | column | codes |
/// | --- | --- |
/// | 产业帮扶 | 01 产业帮扶 |
/// | 就业帮扶 | 02 就业帮扶 |
/// | 公益岗位帮扶 | 04 公益岗位 |
/// | 金融帮扶 | 03 金融帮扶（小额信贷） |
/// | 健康帮扶 | 05 健康帮扶 |
/// | 教育帮扶 | 06 义务教育保障, 07 其他教育帮扶 |
/// | 综合保障 | 08 综合保障（低保、特困） |
/// | 社会帮扶 | 11 社会帮扶 |
/// | 搬迁 | 12 搬迁 |
/// | 基础设施建设 | 14 基础设施建设 |
/// | 生产生活条件改善 | 13 生产生活条件改善 |
///
/// 09 住房安全保障 and 10 饮水安全保障 have no column in this layout (the national system keeps
/// them with 三保障); only measures whose status is not `ended` count.
pub const MEASURE_COLUMNS: [(&str, &[&str]); 11] = [
    ("产业帮扶", &["01"]),
    ("就业帮扶", &["02"]),
    ("公益岗位帮扶", &["04"]),
    ("金融帮扶", &["03"]),
    ("健康帮扶", &["05"]),
    ("教育帮扶", &["06", "07"]),
    ("综合保障", &["08"]),
    ("社会帮扶", &["11"]),
    ("搬迁", &["12"]),
    ("基础设施建设", &["14"]),
    ("生产生活条件改善", &["13"]),
];

/// The household's columns before the measure columns, with their widths.
const HOUSEHOLD_COLUMNS: [(&str, f64); 24] = [
    ("县", 12.0),
    ("乡镇", 12.0),
    ("村", 12.0),
    ("户编号", 22.0),
    ("户主姓名", 10.0),
    ("户类型", 10.0),
    ("监测对象类别", 16.0),
    ("识别监测时间", 12.0),
    ("致贫/返贫风险1", 14.0),
    ("致贫/返贫风险2", 14.0),
    ("致贫/返贫风险3", 14.0),
    ("致贫/返贫风险4", 14.0),
    ("致贫/返贫风险5", 14.0),
    ("风险是否已消除", 10.0),
    ("风险消除方式", 12.0),
    ("消除监测时间", 12.0),
    ("人均纯收入（元）", 14.0),
    ("工资性收入（元）", 14.0),
    ("生产经营性收入（元）", 14.0),
    ("财产性收入（元）", 14.0),
    ("转移性收入（元）", 14.0),
    ("合规自付支出（元）", 14.0),
    ("是否危房户", 10.0),
    ("耕地面积（亩）", 10.0),
];

/// The column after the measure columns.
const NO_LABOUR_COLUMN: &str = "整户无劳动能力兜底保障户";

/// The member's columns, with their widths.
const MEMBER_COLUMNS: [(&str, f64); 17] = [
    ("姓名", 10.0),
    ("与户主关系", 12.0),
    ("证件类型", 12.0),
    ("证件号码", 21.0),
    ("性别", 6.0),
    ("民族", 8.0),
    ("出生日期", 12.0),
    ("文化程度", 14.0),
    ("在校生状况", 12.0),
    ("健康状况", 12.0),
    ("劳动技能", 18.0),
    ("是否参加城乡居民基本医疗保险", 12.0),
    ("城镇职工基本医疗保险", 12.0),
    ("大病保险", 10.0),
    ("城乡居民基本养老保险", 12.0),
    ("享受低保政策情况", 10.0),
    ("享受特困供养政策情况", 10.0),
];

/// The number of household columns (before the member's).
const HOUSEHOLD_WIDTH: usize = HOUSEHOLD_COLUMNS.len() + MEASURE_COLUMNS.len() + 1;

/// Excel's last row, 0-based.
const LAST_ROW: u32 = 1_048_575;

/// The row (0-based) of the column names.
const HEADER_ROW: u32 = 2;

/// Every column name with its width, in order.
fn columns() -> Vec<(&'static str, f64)> {
    let mut cols: Vec<(&str, f64)> = HOUSEHOLD_COLUMNS.to_vec();
    cols.extend(MEASURE_COLUMNS.iter().map(|(name, _)| (*name, 9.0)));
    cols.push((NO_LABOUR_COLUMN, 12.0));
    cols.extend(MEMBER_COLUMNS);
    cols
}

/// A cell's value before it is written.
enum Cell {
    Empty,
    Text(String),
    Term(&'static str),
    Yuan(Fen),
    HundredthsMu(i64),
    Month(NaiveDate),
    Day(NaiveDate),
}

impl Cell {
    fn text(s: Option<&str>) -> Cell {
        s.map_or(Cell::Empty, |s| Cell::Text(s.to_owned()))
    }

    fn term(s: Option<&'static str>) -> Cell {
        s.map_or(Cell::Empty, Cell::Term)
    }

    fn yes_no(b: Option<bool>) -> Cell {
        Cell::term(b.map(|b| if b { "是" } else { "否" }))
    }
}

struct Formats {
    title: Format,
    subtitle: Format,
    header: Format,
    yuan: Format,
    mu: Format,
    month: Format,
    day: Format,
}

impl Formats {
    fn new() -> Self {
        Formats {
            title: Format::new()
                .set_bold()
                .set_font_size(16)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            subtitle: Format::new().set_align(FormatAlign::Left),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color(0xDDEBF7),
            yuan: Format::new().set_num_format("0.00"),
            mu: Format::new().set_num_format("0.00"),
            month: Format::new().set_num_format("yyyy-mm"),
            day: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

/// Writes the 监测对象信息 workbook, one household at a time.
pub struct NationalWriter {
    workbook: Workbook,
    formats: Formats,
    names: HashMap<String, String>,
    next_row: u32,
    summary: NationalSummary,
}

impl std::fmt::Debug for NationalWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NationalWriter")
            .field("next_row", &self.next_row)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

impl NationalWriter {
    /// Starts the workbook: the title block on rows 1 and 2 (the area and the day), the column
    /// names on row 3, frozen below row 3, A4 landscape, one page wide, the title block and
    /// column names repeated on every printed page. `names` maps 12-digit area codes (county
    /// `xxxxxx000000`, township `xxxxxxxxx000`, village) to their names; a code without a
    /// name is written as the code.
    pub fn new(
        header: &ReportHeader,
        names: Option<&HashMap<String, String>>,
    ) -> Result<Self, ReportError> {
        let mut workbook = Workbook::new();
        let formats = Formats::new();
        let cols = columns();
        let last_col = u16::try_from(cols.len() - 1).unwrap_or(u16::MAX);
        let ws = workbook.add_worksheet_with_constant_memory();
        ws.set_name("监测对象信息")?;
        ws.set_paper_size(9); // A4
        ws.set_landscape();
        ws.set_print_fit_to_pages(1, 0);
        ws.set_repeat_rows(0, HEADER_ROW)?;
        ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
        for (i, (_, width)) in cols.iter().enumerate() {
            ws.set_column_width(u16::try_from(i).unwrap_or(u16::MAX), *width)?;
        }

        ws.set_row_height(0, 30)?;
        ws.merge_range(0, 0, 0, last_col, TITLE, &formats.title)?;
        let d = header.made_on;
        let subtitle = format!(
            "地区：{}（{}）　　导出日期：{}年{}月{}日",
            header.area_name,
            header.area_code,
            d.year(),
            d.month(),
            d.day()
        );
        ws.merge_range(1, 0, 1, last_col, &subtitle, &formats.subtitle)?;
        ws.set_row_height(HEADER_ROW, 45)?;
        for (i, (name, _)) in cols.iter().enumerate() {
            let col = u16::try_from(i).unwrap_or(u16::MAX);
            ws.write_string_with_format(HEADER_ROW, col, *name, &formats.header)?;
        }

        Ok(NationalWriter {
            workbook,
            formats,
            names: names.cloned().unwrap_or_default(),
            next_row: HEADER_ROW + 1,
            summary: NationalSummary::default(),
        })
    }

    /// Writes one household: a row per live member, the household's columns then the member's
    /// (a household without members gets one row with the member's columns empty).
    /// `line_fen` is the monitoring line of the household's area and year; it is not written,
    /// and is taken so the export and [`crate::quality::check`] read the same facts. A
    /// household that is not a monitoring object (neither of type 监测户 nor with a
    /// 监测对象类别), or without a live household row, is skipped and counted.
    pub fn add(&mut self, bundle: &HouseholdBundle, line_fen: Fen) -> Result<(), ReportError> {
        let _ = line_fen;
        let Some(h) = facts::household(bundle) else {
            self.summary.skipped += 1;
            return Ok(());
        };
        if !facts::is_monitoring_object(h) {
            self.summary.skipped += 1;
            return Ok(());
        }
        let household = self.household_cells(bundle, h);
        let members: Vec<Vec<Cell>> = facts::members(bundle).map(member_cells).collect();
        let rows = u32::try_from(members.len().max(1)).unwrap_or(u32::MAX);
        if self.next_row.saturating_add(rows - 1) > LAST_ROW {
            return Err(ReportError::TooManyRows {
                limit: LAST_ROW + 1,
            });
        }

        let ws = self.workbook.worksheet_from_index(0)?;
        if members.is_empty() {
            write_row(ws, &self.formats, self.next_row, &household, &[])?;
            self.next_row += 1;
        }
        for member in &members {
            write_row(ws, &self.formats, self.next_row, &household, member)?;
            self.next_row += 1;
        }
        self.summary.households += 1;
        self.summary.members += members.len() as u64;
        self.summary.rows += u64::from(rows);
        Ok(())
    }

    /// Saves the workbook to `path` and says what it holds.
    pub fn finish(mut self, path: &Path) -> Result<NationalSummary, ReportError> {
        self.workbook.save(path)?;
        Ok(self.summary)
    }

    /// An area's name, or its code.
    fn area(&self, code: String) -> Cell {
        match self.names.get(&code) {
            Some(name) => Cell::Text(name.clone()),
            None => Cell::Text(code),
        }
    }

    /// The household's columns, in order.
    fn household_cells(&self, bundle: &HouseholdBundle, h: &RowRecord) -> Vec<Cell> {
        let village = facts::village(h);
        let (county, township) = match (village.get(..6), village.get(..9)) {
            (Some(c), Some(t)) if village.len() == 12 => (format!("{c}000000"), format!("{t}000")),
            _ => (village.to_owned(), village.to_owned()),
        };
        let mut cells = vec![
            self.area(county),
            self.area(township),
            self.area(village.to_owned()),
            Cell::text(facts::text(h, "hubianhao")),
            Cell::text(facts::text(h, "head_name")),
            Cell::term(facts::text(h, "household_type").and_then(|v| HOUSEHOLD_TYPES.label(v))),
            Cell::term(facts::text(h, "monitoring_type").and_then(|v| MONITORING_TYPES.label(v))),
            facts::date(h, "monitoring_since").map_or(Cell::Empty, Cell::Month),
        ];
        let risks = facts::risk_types(h);
        for i in 0..5 {
            cells.push(Cell::term(
                risks.get(i).and_then(|code| RISK_TYPES.label(code)),
            ));
        }
        let eliminated_on = facts::date(h, "risk_eliminated_on");
        cells.push(Cell::yes_no(Some(eliminated_on.is_some())));
        cells.push(Cell::term(
            facts::text(h, "elimination_method").and_then(|v| ELIMINATION_METHODS.label(v)),
        ));
        cells.push(eliminated_on.map_or(Cell::Empty, Cell::Month));

        let size = facts::household_size(bundle);
        match facts::current_income(bundle) {
            Some(income) => {
                cells.push(if size == 0 {
                    Cell::Empty
                } else {
                    Cell::Yuan(per_capita(income.net_income(), size))
                });
                cells.push(Cell::Yuan(income.wage_fen));
                cells.push(Cell::Yuan(income.business_fen));
                cells.push(Cell::Yuan(income.property_fen));
                cells.push(Cell::Yuan(income.transfer_fen));
                cells.push(Cell::Yuan(income.medical_out_of_pocket_fen));
            }
            None => cells.extend((0..6).map(|_| Cell::Empty)),
        }
        cells.push(Cell::yes_no(
            facts::text(h, "house_safety").map(|r| matches!(r, "C" | "D")),
        ));
        cells.push(
            facts::int(h, "cultivated_land_hundredths_mu").map_or(Cell::Empty, Cell::HundredthsMu),
        );

        let measures = facts::active_measures(bundle);
        for (_, codes) in MEASURE_COLUMNS {
            cells.push(Cell::yes_no(Some(
                codes.iter().any(|c| measures.contains(c)),
            )));
        }
        let mut members = facts::members(bundle).peekable();
        let no_labour = members.peek().is_some()
            && members.all(|m| matches!(facts::text(m, "labour_capacity"), Some("lost" | "none")));
        cells.push(Cell::yes_no(Some(no_labour)));
        debug_assert_eq!(cells.len(), HOUSEHOLD_WIDTH);
        cells
    }
}

/// The member's columns, in order.
fn member_cells(m: &RowRecord) -> Vec<Cell> {
    let id_text = facts::text(m, "id_number");
    let id: Option<IdNumber> = id_text.and_then(|s| s.parse().ok());
    let sex = facts::text(m, "sex")
        .and_then(|v| SEXES.label(v))
        .or_else(|| id.as_ref().map(|id| id.sex().name_zh()));
    let health = member_health(m);
    let medical = facts::text(m, "medical_insurance");
    let cells = vec![
        Cell::text(facts::text(m, "name")),
        Cell::term(facts::text(m, "relation").and_then(|v| RELATIONS.label(v))),
        Cell::term(id_text.map(|_| "居民身份证")),
        Cell::text(id_text),
        Cell::term(sex),
        Cell::text(facts::text(m, "ethnicity")),
        id.map_or(Cell::Empty, |id| Cell::Day(id.birth_date())),
        Cell::term(facts::text(m, "education").and_then(|v| EDUCATIONS.label(v))),
        Cell::term(facts::text(m, "student_status").and_then(|v| STUDENT_STATUSES.label(v))),
        Cell::term(health.as_ref().map(health_term)),
        Cell::term(facts::text(m, "labour_capacity").and_then(|v| LABOUR_CAPACITIES.label(v))),
        Cell::yes_no(medical.map(|v| v == "resident")),
        Cell::yes_no(medical.map(|v| v == "employee")),
        Cell::yes_no(facts::boolean(m, "serious_illness_insurance")),
        Cell::yes_no(facts::text(m, "pension_insurance").map(|v| v == "resident")),
        // 低保 and 特困 default to no, as in the domain's `Member`.
        Cell::yes_no(Some(facts::boolean(m, "dibao").unwrap_or(false))),
        Cell::yes_no(Some(facts::boolean(m, "tekun").unwrap_or(false))),
    ];
    debug_assert_eq!(cells.len(), MEMBER_COLUMNS.len());
    cells
}

/// A member's health; one with no health recorded is healthy, as in the domain's `Member`.
pub(crate) fn member_health(m: &RowRecord) -> Option<Health> {
    match m.data.get("health") {
        None | Some(serde_json::Value::Null) => Some(Health::default()),
        Some(v) => serde_json::from_value::<Health>(v.clone()).ok(),
    }
}

/// 健康状况 as one term: a member who is several at once is written as the first of 残疾,
/// 大病, 长期慢性病 (the order the national system's filling instructions give).
pub(crate) fn health_term(h: &Health) -> &'static str {
    if h.disability.is_some() {
        "残疾"
    } else if h.serious_illness {
        "大病"
    } else if h.chronic_illness {
        "长期慢性病"
    } else {
        "健康"
    }
}

/// Writes one data row, left to right.
fn write_row(
    ws: &mut Worksheet,
    formats: &Formats,
    row: u32,
    household: &[Cell],
    member: &[Cell],
) -> Result<(), XlsxError> {
    for (i, cell) in household.iter().chain(member).enumerate() {
        let col = u16::try_from(i).unwrap_or(u16::MAX);
        match cell {
            Cell::Empty => {}
            Cell::Text(s) => {
                ws.write_string(row, col, s)?;
            }
            Cell::Term(s) => {
                ws.write_string(row, col, *s)?;
            }
            // Yuan as a float only here, at the cell: fen / 100 is exact to the fen in f64
            // for every amount the catalogue accepts.
            Cell::Yuan(fen) => {
                ws.write_number_with_format(row, col, fen.0 as f64 / 100.0, &formats.yuan)?;
            }
            Cell::HundredthsMu(h) => {
                ws.write_number_with_format(row, col, *h as f64 / 100.0, &formats.mu)?;
            }
            Cell::Month(d) => write_date(ws, row, col, *d, &formats.month)?,
            Cell::Day(d) => write_date(ws, row, col, *d, &formats.day)?,
        }
    }
    Ok(())
}

/// A date cell; a date Excel cannot hold (before 1900) is written as text.
fn write_date(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    d: NaiveDate,
    format: &Format,
) -> Result<(), XlsxError> {
    let excel = u16::try_from(d.year())
        .ok()
        .and_then(|y| ExcelDateTime::from_ymd(y, d.month() as u8, d.day() as u8).ok());
    match excel {
        Some(dt) if d.year() >= 1900 => {
            ws.write_datetime_with_format(row, col, dt, format)?;
        }
        _ => {
            ws.write_string(row, col, d.format("%Y-%m-%d").to_string())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use fangpin_catalogue::vocab::MEASURES;

    #[test]
    fn every_measure_but_housing_and_water_has_one_column() {
        for (code, _) in MEASURES.entries {
            let n = MEASURE_COLUMNS
                .iter()
                .filter(|(_, codes)| codes.contains(code))
                .count();
            let expected = usize::from(!matches!(*code, "09" | "10"));
            assert_eq!(n, expected, "measure {code}");
        }
    }

    #[test]
    fn column_count() {
        assert_eq!(columns().len(), HOUSEHOLD_WIDTH + MEMBER_COLUMNS.len());
        assert_eq!(columns().len(), 53);
    }

    #[test]
    fn health_precedence() {
        let mut h = Health::default();
        assert_eq!(health_term(&h), "健康");
        h.chronic_illness = true;
        assert_eq!(health_term(&h), "长期慢性病");
        h.serious_illness = true;
        assert_eq!(health_term(&h), "大病");
        h.disability = Some(fangpin_domain::member::Disability {
            kind: fangpin_domain::member::DisabilityKind::Physical,
            grade: 2,
        });
        assert_eq!(health_term(&h), "残疾");
    }
}
