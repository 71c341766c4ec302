//! 《防止返贫监测帮扶排查表》: one household laid out as the paper form (merged header cells;
//! the household, its members, income and spending, 两不愁三保障 and water, risks and
//! measures, signatures), and a whole area as offices file it, one row per household with a
//! second sheet of one row per member, streamed a page at a time.
//! The form is internal paperwork reported to the 镇扶贫办, not a notice: it carries the
//! identity numbers, as the paper form does.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use fangpin_catalogue::vocab::{
    EDUCATIONS, HOUSEHOLD_TYPES, HOUSE_SAFETY, LABOUR_CAPACITIES, MEASURES, MEASURE_STATUSES,
    MONITORING_TYPES, RELATIONS, RISK_TYPES, ROAD_ACCESS, SEXES, WATER_LEVELS,
};
use fangpin_domain::income::per_capita;
use fangpin_domain::Fen;
use fangpin_server::backend::Backend;
use fangpin_server::state::RowRecord;
use fangpin_server::Scope;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
use serde_json::Value;

use crate::national::ReportError;
use crate::quality::facts;
use crate::source::{bundles, children, Pages};
use crate::table::{Cell, Column, Output, Table};
use crate::{HouseholdBundle, ReportHeader};

fn text<'a>(r: &'a RowRecord, k: &str) -> &'a str {
    r.data.get(k).and_then(Value::as_str).unwrap_or("")
}

fn label(v: &fangpin_catalogue::Vocabulary, code: &str) -> String {
    v.label(code).unwrap_or(code).to_owned()
}

/// The 两不愁三保障 and water lines of a household, in Chinese.
fn needs(h: &RowRecord) -> Vec<(&'static str, String)> {
    let basic = h.data.get("basic_needs");
    let yes = |k: &str| match basic.and_then(|b| b.get(k)).and_then(Value::as_bool) {
        Some(true) => "有保障".to_owned(),
        Some(false) => "无保障".to_owned(),
        None => "未填".to_owned(),
    };
    let water = h.data.get("drinking_water");
    let aspect = |k: &str| {
        water
            .and_then(|w| w.get(k))
            .and_then(Value::as_str)
            .map_or("未填".to_owned(), |c| label(&WATER_LEVELS, c))
    };
    vec![
        ("不愁吃", yes("food_secure")),
        ("不愁穿", yes("clothing_secure")),
        ("住房安全", label(&HOUSE_SAFETY, text(h, "house_safety"))),
        ("饮水：水量", aspect("quantity")),
        ("饮水：用水方便程度", aspect("convenience")),
        ("饮水：供水保证率", aspect("reliability")),
        ("饮水：水质", aspect("quality")),
        ("入户路", label(&ROAD_ACCESS, text(h, "road_access"))),
    ]
}

fn risks(h: &RowRecord) -> String {
    h.data
        .get("risk_types")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|c| label(&RISK_TYPES, c))
                .collect::<Vec<_>>()
                .join("、")
        })
        .unwrap_or_default()
}

fn measures(b: &HouseholdBundle) -> String {
    b.measures
        .iter()
        .filter(|m| m.alive)
        .map(|m| {
            format!(
                "{}（{}）",
                label(&MEASURES, text(m, "kind")),
                label(&MEASURE_STATUSES, text(m, "status"))
            )
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn per_capita_income(b: &HouseholdBundle) -> Option<Fen> {
    facts::current_income(b).map(|i| per_capita(i.net_income(), facts::household_size(b).max(1)))
}

/// The area sheet's columns (one row per household).
pub const HOUSEHOLD_COLUMNS: &[Column] = &[
    ("序号", 6.0),
    ("村", 10.0),
    ("组", 8.0),
    ("户编号", 18.0),
    ("户主", 8.0),
    ("户主身份证号", 20.0),
    ("家庭人口", 8.0),
    ("户类型", 10.0),
    ("监测对象类别", 14.0),
    ("人均纯收入（元）", 12.0),
    ("不愁吃", 7.0),
    ("不愁穿", 7.0),
    ("住房安全", 10.0),
    ("饮水安全", 24.0),
    ("致贫返贫风险", 20.0),
    ("帮扶措施", 30.0),
    ("排查日期", 11.0),
    ("排查人", 10.0),
];

/// The member sheet's columns.
pub const MEMBER_COLUMNS: &[Column] = &[
    ("序号", 6.0),
    ("村", 10.0),
    ("户编号", 18.0),
    ("户主", 8.0),
    ("姓名", 8.0),
    ("性别", 6.0),
    ("身份证号", 20.0),
    ("与户主关系", 10.0),
    ("文化程度", 12.0),
    ("劳动技能", 14.0),
];

/// What an area's 排查表 held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScreeningSummary {
    /// Households listed.
    pub households: u64,
    /// Members listed.
    pub members: u64,
}

/// Writes the area's 排查表 (XLSX: households, then members; CSV: households only).
pub async fn write_area(
    backend: Arc<dyn Backend>,
    scope: Scope,
    header: &ReportHeader,
    names: &HashMap<String, String>,
    path: &Path,
) -> Result<ScreeningSummary, ReportError> {
    let output = Output::of(path);
    let mut t = Table::create(path, output, "排查表（户）", header, "", HOUSEHOLD_COLUMNS)?;
    let mut summary = ScreeningSummary::default();
    let err = |e: fangpin_server::backend::BackendError| ReportError::Source(e.to_string());
    let village_name = |h: &RowRecord| {
        names
            .get(&h.village)
            .cloned()
            .unwrap_or_else(|| h.village.clone())
    };
    let mut pages = Pages::new(backend.clone(), scope.clone(), "household");
    while let Some(page) = pages.next().await.map_err(err)? {
        for b in bundles(&backend, &scope, page).await.map_err(err)? {
            let Some(h) = b.household.as_ref() else {
                continue;
            };
            summary.households += 1;
            let n = needs(h);
            let water = n[3..7]
                .iter()
                .map(|(k, v)| format!("{}{}", k.trim_start_matches("饮水："), v))
                .collect::<Vec<_>>()
                .join("，");
            t.row(&[
                Cell::Int(summary.households as i64),
                Cell::from(village_name(h)),
                Cell::from(text(h, "group")),
                Cell::from(text(h, "hubianhao")),
                Cell::from(text(h, "head_name")),
                Cell::from(text(h, "head_id_number")),
                Cell::Int(facts::household_size(&b) as i64),
                Cell::from(label(&HOUSEHOLD_TYPES, text(h, "household_type"))),
                Cell::from(label(&MONITORING_TYPES, text(h, "monitoring_type"))),
                per_capita_income(&b).map_or(Cell::Empty, Cell::Yuan),
                Cell::from(n[0].1.as_str()),
                Cell::from(n[1].1.as_str()),
                Cell::from(n[2].1.as_str()),
                Cell::from(water),
                Cell::from(risks(h)),
                Cell::from(measures(&b)),
                facts::date(h, "screened_on").map_or(Cell::Empty, Cell::Date),
                Cell::from(text(h, "screened_by")),
            ])?;
        }
    }
    if output == Output::Xlsx {
        // Constant memory writes one sheet after the other, so the members take a second pass
        // over the households rather than waiting in memory.
        t.sheet("排查表（人）", "", MEMBER_COLUMNS)?;
        let mut pages = Pages::new(backend.clone(), scope.clone(), "household");
        while let Some(page) = pages.next().await.map_err(err)? {
            let ids: Vec<uuid::Uuid> = page.iter().map(|h| h.key.id).collect();
            let mut members = children(&backend, &scope, "member", &ids)
                .await
                .map_err(err)?;
            for h in &page {
                let mut ms = members.remove(&h.key.id).unwrap_or_default();
                ms.sort_by_key(|m| {
                    m.data
                        .get("position")
                        .and_then(Value::as_i64)
                        .unwrap_or(i64::MAX)
                });
                for m in ms.iter().filter(|m| m.alive) {
                    summary.members += 1;
                    t.row(&[
                        Cell::Int(summary.members as i64),
                        Cell::from(village_name(h)),
                        Cell::from(text(h, "hubianhao")),
                        Cell::from(text(h, "head_name")),
                        Cell::from(text(m, "name")),
                        Cell::from(label(&SEXES, text(m, "sex"))),
                        Cell::from(text(m, "id_number")),
                        Cell::from(label(&RELATIONS, text(m, "relation"))),
                        Cell::from(label(&EDUCATIONS, text(m, "education"))),
                        Cell::from(label(&LABOUR_CAPACITIES, text(m, "labour_capacity"))),
                    ])?;
                }
            }
        }
    }
    t.finish()?;
    Ok(summary)
}

/// Writes one household's 排查表 laid out as the paper form.
pub fn write_household(
    b: &HouseholdBundle,
    header: &ReportHeader,
    village: &str,
    path: &Path,
) -> Result<(), ReportError> {
    let Some(h) = b.household.as_ref() else {
        return Err(ReportError::Source("no such household".into()));
    };
    let mut wb = Workbook::new();
    let s = wb.add_worksheet();
    s.set_name("排查表")?;
    s.set_paper_size(9);
    s.set_print_fit_to_pages(1, 0);
    s.set_margins(0.4, 0.4, 0.5, 0.5, 0.3, 0.3);
    let widths = [10.0, 8.0, 6.0, 20.0, 10.0, 12.0, 14.0, 12.0];
    for (i, w) in widths.iter().enumerate() {
        s.set_column_width(i as u16, *w)?;
    }
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let head = cell.clone().set_bold().set_background_color("EDEDED");
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let yuan = cell.clone().set_num_format("0.00");
    let last = 7u16;
    s.merge_range(0, 0, 0, last, "防止返贫监测帮扶排查表", &title)?;
    s.merge_range(
        1,
        0,
        1,
        last,
        &format!(
            "{}　{}　制表日期：{}",
            header.area_name, village, header.made_on
        ),
        &Format::new(),
    )?;
    let mut row = 2u32;
    // A label and its value across the rest of the row, two to a row.
    let pairs = |s: &mut rust_xlsxwriter::Worksheet,
                 row: &mut u32,
                 items: &[(&str, String)]|
     -> Result<(), ReportError> {
        for chunk in items.chunks(2) {
            let (k1, v1) = &chunk[0];
            s.write_string_with_format(*row, 0, *k1, &head)?;
            s.merge_range(*row, 1, *row, 3, v1, &cell)?;
            if let Some((k2, v2)) = chunk.get(1) {
                s.write_string_with_format(*row, 4, *k2, &head)?;
                s.merge_range(*row, 5, *row, last, v2, &cell)?;
            } else {
                s.merge_range(*row, 4, *row, last, "", &cell)?;
            }
            *row += 1;
        }
        Ok(())
    };
    let section = |s: &mut rust_xlsxwriter::Worksheet,
                   row: &mut u32,
                   name: &str|
     -> Result<(), ReportError> {
        s.merge_range(*row, 0, *row, last, name, &head)?;
        *row += 1;
        Ok(())
    };
    section(s, &mut row, "一、家庭基本情况")?;
    pairs(
        s,
        &mut row,
        &[
            ("户主姓名", text(h, "head_name").to_owned()),
            ("户主身份证号", text(h, "head_id_number").to_owned()),
            ("户编号", text(h, "hubianhao").to_owned()),
            ("所在组", text(h, "group").to_owned()),
            ("家庭住址", text(h, "address").to_owned()),
            ("联系电话", text(h, "phone").to_owned()),
            ("户类型", label(&HOUSEHOLD_TYPES, text(h, "household_type"))),
            (
                "监测对象类别",
                label(&MONITORING_TYPES, text(h, "monitoring_type")),
            ),
        ],
    )?;
    section(s, &mut row, "二、家庭成员")?;
    for (i, k) in [
        "姓名",
        "性别",
        "序号",
        "身份证号",
        "与户主关系",
        "文化程度",
        "劳动技能",
        "健康状况",
    ]
    .iter()
    .enumerate()
    {
        s.write_string_with_format(row, i as u16, *k, &head)?;
    }
    row += 1;
    for (i, m) in facts::members(b).enumerate() {
        let health = crate::national::member_health(m)
            .as_ref()
            .map_or("", crate::national::health_term);
        let values = [
            text(m, "name").to_owned(),
            label(&SEXES, text(m, "sex")),
            (i + 1).to_string(),
            text(m, "id_number").to_owned(),
            label(&RELATIONS, text(m, "relation")),
            label(&EDUCATIONS, text(m, "education")),
            label(&LABOUR_CAPACITIES, text(m, "labour_capacity")),
            health.to_owned(),
        ];
        for (c, v) in values.iter().enumerate() {
            s.write_string_with_format(row, c as u16, v, &cell)?;
        }
        row += 1;
    }
    section(s, &mut row, "三、家庭收支（元）")?;
    if let Some(inc) = facts::current_income(b) {
        let items = [
            ("工资性收入", inc.wage_fen),
            ("生产经营性收入", inc.business_fen),
            ("财产性收入", inc.property_fen),
            ("转移性收入", inc.transfer_fen),
            ("生产经营性支出", inc.business_spending_fen),
            ("合规自付医疗支出", inc.medical_out_of_pocket_fen),
            ("家庭纯收入", inc.net_income()),
            (
                "人均纯收入",
                per_capita(inc.net_income(), facts::household_size(b).max(1)),
            ),
        ];
        for chunk in items.chunks(2) {
            for (k, (name, fen)) in chunk.iter().enumerate() {
                let c = (k * 4) as u16;
                s.write_string_with_format(row, c, *name, &head)?;
                s.merge_range(row, c + 1, row, c + 3, "", &cell)?;
                s.write_number_with_format(row, c + 1, fen.0 as f64 / 100.0, &yuan)?;
            }
            row += 1;
        }
    } else {
        s.merge_range(row, 0, row, last, "未填写收支", &cell)?;
        row += 1;
    }
    section(s, &mut row, "四、两不愁三保障及饮水安全")?;
    let n: Vec<(&str, String)> = needs(h);
    pairs(s, &mut row, &n)?;
    section(s, &mut row, "五、风险与帮扶措施")?;
    pairs(
        s,
        &mut row,
        &[("致贫返贫风险", risks(h)), ("帮扶措施", measures(b))],
    )?;
    section(s, &mut row, "六、签字")?;
    pairs(
        s,
        &mut row,
        &[
            ("户主签字", String::new()),
            ("排查人签字", text(h, "screened_by").to_owned()),
            ("村委会（盖章）", String::new()),
            (
                "排查日期",
                facts::date(h, "screened_on")
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            ),
        ],
    )?;
    wb.save(path)?;
    Ok(())
}
