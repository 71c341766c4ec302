//! The reports crate's tests: the 监测对象信息 workbook read back by a different reader
//! (Python's openpyxl), and every quality rule firing and not firing.
//!
//! The workbook tests need `python3` with openpyxl (`python3 -m pip install --user openpyxl`).

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use fangpin_domain::{Fen, IdNumber};
use fangpin_reports::national::{NationalSummary, NationalWriter};
use fangpin_reports::quality::{check, QualityIssue, QualityRule};
use fangpin_reports::{HouseholdBundle, ReportHeader};
use fangpin_server::state::RowRecord;
use fangpin_sync::RowKey;
use serde_json::{json, Value};
use uuid::Uuid;

// ---------------------------------------------------------------------------------------------
// Building bundles by hand.
// ---------------------------------------------------------------------------------------------

const VILLAGE: &str = "530325101201";
const OTHER_VILLAGE: &str = "530325101202";
const PHONE: &str = "13912345678";
/// The monitoring line, 6500 yuan.
const LINE: Fen = Fen(650_000);

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn id_number(birth: &str, sequence: u16) -> String {
    IdNumber::from_parts("530325", date(birth), sequence)
        .unwrap()
        .as_str()
        .to_owned()
}

fn record(table: &str, id: Uuid, village: &str, household: Uuid, data: Value) -> RowRecord {
    RowRecord {
        key: RowKey::new(table, id),
        village: village.to_owned(),
        household_id: Some(household),
        alive: true,
        conflicts: 0,
        updated_ms: 0,
        data: data.as_object().expect("an object").clone(),
        covered: Vec::new(),
    }
}

/// A bundle under construction: the household's id and village, with row builders.
struct Build {
    id: Uuid,
    village: &'static str,
    next: u128,
    bundle: HouseholdBundle,
}

impl Build {
    fn new(n: u128, village: &'static str, household: Value) -> Build {
        let id = Uuid::from_u128(n << 64);
        let mut data = household;
        data["village_code"] = json!(village);
        Build {
            id,
            village,
            next: 1,
            bundle: HouseholdBundle {
                household: Some(record("household", id, village, id, data)),
                ..HouseholdBundle::default()
            },
        }
    }

    fn row(&mut self, table: &str, mut data: Value) -> RowRecord {
        let id = Uuid::from_u128(self.id.as_u128() + self.next);
        self.next += 1;
        data["household_id"] = json!(self.id.to_string());
        record(table, id, self.village, self.id, data)
    }

    fn member(mut self, data: Value) -> Build {
        let r = self.row("member", data);
        self.bundle.members.push(r);
        self
    }

    fn income(mut self, data: Value) -> Build {
        let r = self.row("income_year", data);
        self.bundle.incomes.push(r);
        self
    }

    fn measure(mut self, kind: &str, status: &str) -> Build {
        let r = self.row("measure", json!({ "kind": kind, "status": status }));
        self.bundle.measures.push(r);
        self
    }

    fn set(mut self, field: &str, value: Value) -> Build {
        let h = self.bundle.household.as_mut().unwrap();
        if value.is_null() {
            h.data.remove(field);
        } else {
            h.data.insert(field.to_owned(), value);
        }
        self
    }

    fn done(self) -> HouseholdBundle {
        self.bundle
    }
}

fn member(name: &str, relation: &str, sex: &str, id: &str, labour: &str) -> Value {
    json!({
        "name": name,
        "relation": relation,
        "sex": sex,
        "id_number": id,
        "ethnicity": "汉族",
        "education": "junior_secondary",
        "student_status": "not_student",
        "health": null,
        "labour_capacity": labour,
        "medical_insurance": "resident",
        "serious_illness_insurance": true,
        "pension_insurance": "resident",
        "family_doctor_signed": false,
        "dibao": false,
        "tekun": false,
    })
}

fn income(period: &str, year: i64, net_parts: [i64; 6]) -> Value {
    let [wage, business, property, transfer, spending, medical] = net_parts;
    json!({
        "period": period,
        "year": year,
        "wage_fen": wage,
        "business_fen": business,
        "property_fen": property,
        "transfer_fen": transfer,
        "business_spending_fen": spending,
        "medical_out_of_pocket_fen": medical,
    })
}

/// 张三's household: a 突发严重困难户 identified in March 2025 for 因病 and 因学, three live
/// members and one deleted, a C-rated house, a phone number, measures 05 and 06 in force and
/// 01 ended. Net income 28000.00 yuan, per capita 9333.33.
fn zhang() -> HouseholdBundle {
    let mut spouse = member(
        "李四",
        "spouse",
        "female",
        &id_number("1982-07-15", 22),
        "weak",
    );
    spouse["health"] =
        json!({ "chronic_illness": true, "serious_illness": false, "disability": null });
    spouse["medical_insurance"] = json!("employee");
    spouse["dibao"] = json!(true);
    let mut daughter = member(
        "张小花",
        "daughter",
        "female",
        &id_number("2011-09-01", 42),
        "none",
    );
    daughter["education"] = json!("primary");
    daughter["student_status"] = json!("junior_secondary");
    daughter["pension_insurance"] = json!("none");
    let mut build = Build::new(
        1,
        VILLAGE,
        json!({
            "hubianhao": "5303251012010001",
            "head_name": "张三",
            "head_id_number": id_number("1980-05-02", 13),
            "household_type": "monitored",
            "monitoring_type": "sudden_hardship",
            "monitoring_since": "2025-03-15",
            "risk_types": ["01", "09"],
            "phone": PHONE,
            "house_safety": "C",
            "cultivated_land_hundredths_mu": 250,
            "group": "一组",
        }),
    )
    .member(member(
        "张三",
        "head",
        "male",
        &id_number("1980-05-02", 13),
        "skilled",
    ))
    .member(spouse)
    .member(daughter)
    .income(income("previous", 2024, [3_000_000, 0, 0, 0, 0, 0]))
    .income(income(
        "current",
        2025,
        [2_400_000, 600_000, 20_000, 380_000, 600_000, 123_456],
    ))
    .measure("05", "in_place")
    .measure("06", "planned")
    .measure("01", "ended");
    let mut gone = build.row(
        "member",
        member(
            "王五",
            "son",
            "male",
            &id_number("2005-01-01", 51),
            "ordinary",
        ),
    );
    gone.alive = false;
    build.bundle.members.push(gone);
    build.done()
}

/// 赵六's household: a 脱贫户 and 脱贫不稳定户 in another village, one member who lost labour
/// capacity, eliminated after assistance on 2025-06-30, 综合保障 in place.
fn zhao() -> HouseholdBundle {
    let mut only = member("赵六", "head", "male", &id_number("1950-02-03", 31), "lost");
    only["health"] = json!({
        "chronic_illness": true,
        "serious_illness": false,
        "disability": { "kind": "physical", "grade": 2 },
    });
    only["tekun"] = json!(true);
    only["medical_insurance"] = json!("none");
    Build::new(
        2,
        OTHER_VILLAGE,
        json!({
            "hubianhao": "5303251012020007",
            "head_name": "赵六",
            "household_type": "formerly_poor",
            "monitoring_type": "unstable_formerly_poor",
            "monitoring_since": "2024-01-10",
            "risk_types": ["03"],
            "risk_eliminated_on": "2025-06-30",
            "elimination_method": "after_assistance",
            "house_safety": "B",
        }),
    )
    .member(only)
    .income(income("current", 2025, [0, 0, 0, 1_200_000, 0, 0]))
    .measure("08", "in_place")
    .done()
}

/// An ordinary household: not a monitoring object.
fn ordinary() -> HouseholdBundle {
    Build::new(
        3,
        VILLAGE,
        json!({ "hubianhao": "5303251012010099", "head_name": "钱七", "household_type": "ordinary" }),
    )
    .member(member("钱七", "head", "male", &id_number("1970-03-03", 71), "ordinary"))
    .done()
}

// ---------------------------------------------------------------------------------------------
// Reading a workbook back with openpyxl.
// ---------------------------------------------------------------------------------------------

const READ_BACK: &str = r#"
import datetime, json, sys, zipfile
import openpyxl

path, needles = sys.argv[1], sys.argv[2:]
wb = openpyxl.load_workbook(path)
ws = wb.worksheets[0]
rows = []
for row in ws.iter_rows():
    cells = []
    for c in row:
        v = c.value
        if isinstance(v, datetime.datetime):
            v = {"date": v.date().isoformat()}
        cells.append({"v": v, "t": c.data_type, "fmt": c.number_format})
    rows.append(cells)
raw = ""
with zipfile.ZipFile(path) as z:
    for name in z.namelist():
        raw += z.read(name).decode("utf-8", "replace")
print(json.dumps({
    "sheets": wb.sheetnames,
    "freeze": ws.freeze_panes,
    "orientation": ws.page_setup.orientation,
    "paper": ws.page_setup.paperSize,
    "merged": sorted(str(r) for r in ws.merged_cells.ranges),
    "rows": rows,
    "found": [n for n in needles if n in raw],
}))
"#;

fn require_openpyxl() {
    let ok = Command::new("python3")
        .args(["-c", "import openpyxl"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "these tests read the workbook back with Python's openpyxl, which is not importable: \
         run `python3 -m pip install --user openpyxl`"
    );
}

/// The workbook as openpyxl reads it, and which of `needles` occur anywhere in its files.
fn read_back(path: &Path, needles: &[&str]) -> Value {
    require_openpyxl();
    let out = Command::new("python3")
        .arg("-c")
        .arg(READ_BACK)
        .arg(path)
        .args(needles)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "openpyxl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from the script")
}

fn header() -> ReportHeader {
    ReportHeader {
        area_name: "中安街道".to_owned(),
        area_code: "530325101000".to_owned(),
        made_on: date("2025-07-01"),
    }
}

fn names() -> HashMap<String, String> {
    [
        ("530325000000", "富源县"),
        ("530325101000", "中安街道"),
        (VILLAGE, "恩乐村"),
    ]
    .into_iter()
    .map(|(c, n)| (c.to_owned(), n.to_owned()))
    .collect()
}

fn write(
    bundles: &[HouseholdBundle],
    names: Option<&HashMap<String, String>>,
) -> (tempfile::TempDir, NationalSummary) {
    let dir = tempfile::tempdir().unwrap();
    let mut w = NationalWriter::new(&header(), names).unwrap();
    for b in bundles {
        w.add(b, LINE).unwrap();
    }
    let summary = w.finish(&dir.path().join("national.xlsx")).unwrap();
    (dir, summary)
}

const HEADERS: [&str; 53] = [
    "县",
    "乡镇",
    "村",
    "户编号",
    "户主姓名",
    "户类型",
    "监测对象类别",
    "识别监测时间",
    "致贫/返贫风险1",
    "致贫/返贫风险2",
    "致贫/返贫风险3",
    "致贫/返贫风险4",
    "致贫/返贫风险5",
    "风险是否已消除",
    "风险消除方式",
    "消除监测时间",
    "人均纯收入（元）",
    "工资性收入（元）",
    "生产经营性收入（元）",
    "财产性收入（元）",
    "转移性收入（元）",
    "合规自付支出（元）",
    "是否危房户",
    "耕地面积（亩）",
    "产业帮扶",
    "就业帮扶",
    "公益岗位帮扶",
    "金融帮扶",
    "健康帮扶",
    "教育帮扶",
    "综合保障",
    "社会帮扶",
    "搬迁",
    "基础设施建设",
    "生产生活条件改善",
    "整户无劳动能力兜底保障户",
    "姓名",
    "与户主关系",
    "证件类型",
    "证件号码",
    "性别",
    "民族",
    "出生日期",
    "文化程度",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "是否参加城乡居民基本医疗保险",
    "城镇职工基本医疗保险",
    "大病保险",
    "城乡居民基本养老保险",
    "享受低保政策情况",
    "享受特困供养政策情况",
];

/// A data row as a map from column name to cell.
fn by_name(row: &Value) -> HashMap<&'static str, Value> {
    HEADERS
        .iter()
        .zip(row.as_array().unwrap())
        .map(|(h, c)| (*h, c.clone()))
        .collect()
}

fn text(cell: &Value) -> &str {
    cell["v"]
        .as_str()
        .unwrap_or_else(|| panic!("not text: {cell}"))
}

fn assert_text(row: &HashMap<&str, Value>, col: &str, expected: &str) {
    assert_eq!(
        row[col]["v"].as_str(),
        Some(expected),
        "column {col}: {}",
        row[col]
    );
}

fn assert_yuan(row: &HashMap<&str, Value>, col: &str, fen: i64) {
    let cell = &row[col];
    assert_eq!(cell["t"], "n", "column {col} is a number: {cell}");
    assert_eq!(cell["fmt"], "0.00", "column {col} shows two decimals");
    assert_eq!(cell["v"].as_f64(), Some(fen as f64 / 100.0), "column {col}");
}

fn assert_date(row: &HashMap<&str, Value>, col: &str, iso: &str, fmt: &str) {
    let cell = &row[col];
    assert_eq!(cell["v"]["date"], iso, "column {col} is a date: {cell}");
    assert_eq!(cell["fmt"], fmt, "column {col}");
}

fn assert_empty(row: &HashMap<&str, Value>, col: &str) {
    assert!(
        row[col]["v"].is_null(),
        "column {col} is empty: {}",
        row[col]
    );
}

// ---------------------------------------------------------------------------------------------
// The national workbook.
// ---------------------------------------------------------------------------------------------

#[test]
fn national_workbook_reads_back_in_openpyxl() {
    let names = names();
    let (dir, summary) = write(&[zhang(), ordinary(), zhao()], Some(&names));
    assert_eq!(
        summary,
        NationalSummary {
            households: 2,
            members: 4,
            rows: 4,
            skipped: 1,
        }
    );
    let zhang_id = id_number("1980-05-02", 13);
    let book = read_back(
        &dir.path().join("national.xlsx"),
        &[PHONE, &zhang_id, "sudden_hardship", "formerly_poor", "钱七"],
    );

    // The sheet and its page.
    assert_eq!(book["sheets"], json!(["监测对象信息"]));
    assert_eq!(book["freeze"], "A4", "frozen below row 3");
    assert_eq!(book["orientation"], "landscape");
    assert_eq!(book["paper"], 9, "A4");

    // The title block, rows 1 and 2, each merged across every column.
    let rows = book["rows"].as_array().unwrap();
    assert_eq!(text(&rows[0][0]), "防止返贫监测对象信息");
    assert_eq!(
        text(&rows[1][0]),
        "地区：中安街道（530325101000）　　导出日期：2025年7月1日"
    );
    assert_eq!(book["merged"], json!(["A1:BA1", "A2:BA2"]));

    // The column names on row 3, in order.
    let headers: Vec<&str> = rows[2].as_array().unwrap().iter().map(text).collect();
    assert_eq!(headers, HEADERS);

    // One row per live member: 张三's three, then 赵六; the ordinary household is left out.
    let data: Vec<HashMap<&str, Value>> = rows[3..].iter().map(by_name).collect();
    assert_eq!(data.len(), 4);
    let names_written: Vec<&str> = data.iter().map(|r| text(&r["姓名"])).collect();
    assert_eq!(names_written, ["张三", "李四", "张小花", "赵六"]);

    // Household columns, repeated on each member's row.
    for r in &data[..3] {
        assert_text(r, "县", "富源县");
        assert_text(r, "乡镇", "中安街道");
        assert_text(r, "村", "恩乐村");
        assert_text(r, "户编号", "5303251012010001");
        assert_text(r, "户主姓名", "张三");
        assert_text(r, "户类型", "监测户");
        assert_text(r, "监测对象类别", "突发严重困难户");
        assert_date(r, "识别监测时间", "2025-03-15", "yyyy-mm");
        assert_text(r, "致贫/返贫风险1", "因病");
        assert_text(r, "致贫/返贫风险2", "因学");
        assert_empty(r, "致贫/返贫风险3");
        assert_empty(r, "致贫/返贫风险5");
        assert_text(r, "风险是否已消除", "否");
        assert_empty(r, "风险消除方式");
        assert_empty(r, "消除监测时间");
        // Net 2400000 + 600000 + 20000 + 380000 − 600000 = 2800000 fen over 3 live members.
        assert_yuan(r, "人均纯收入（元）", 933_333);
        assert_yuan(r, "工资性收入（元）", 2_400_000);
        assert_yuan(r, "生产经营性收入（元）", 600_000);
        assert_yuan(r, "财产性收入（元）", 20_000);
        assert_yuan(r, "转移性收入（元）", 380_000);
        assert_yuan(r, "合规自付支出（元）", 123_456);
        assert_text(r, "是否危房户", "是");
        assert_eq!(r["耕地面积（亩）"]["v"].as_f64(), Some(2.5));
        assert_eq!(r["耕地面积（亩）"]["fmt"], "0.00");
        // 05 and 06 in force; 01 ended does not count.
        assert_text(r, "产业帮扶", "否");
        assert_text(r, "健康帮扶", "是");
        assert_text(r, "教育帮扶", "是");
        assert_text(r, "综合保障", "否");
        assert_text(r, "整户无劳动能力兜底保障户", "否");
    }

    // Member columns.
    let head = &data[0];
    assert_text(head, "与户主关系", "户主");
    assert_text(head, "证件类型", "居民身份证");
    assert_text(head, "证件号码", &zhang_id);
    assert_text(head, "性别", "男");
    assert_text(head, "民族", "汉族");
    assert_date(head, "出生日期", "1980-05-02", "yyyy-mm-dd");
    assert_text(head, "文化程度", "初中");
    assert_text(head, "在校生状况", "非在校生");
    assert_text(head, "健康状况", "健康");
    assert_text(head, "劳动技能", "技能劳动力");
    assert_text(head, "是否参加城乡居民基本医疗保险", "是");
    assert_text(head, "城镇职工基本医疗保险", "否");
    assert_text(head, "大病保险", "是");
    assert_text(head, "城乡居民基本养老保险", "是");
    assert_text(head, "享受低保政策情况", "否");
    assert_text(head, "享受特困供养政策情况", "否");

    let spouse = &data[1];
    assert_text(spouse, "与户主关系", "配偶");
    assert_text(spouse, "性别", "女");
    assert_text(spouse, "健康状况", "长期慢性病");
    assert_text(spouse, "劳动技能", "弱劳动力或半劳动力");
    assert_text(spouse, "是否参加城乡居民基本医疗保险", "否");
    assert_text(spouse, "城镇职工基本医疗保险", "是");
    assert_text(spouse, "享受低保政策情况", "是");

    let daughter = &data[2];
    assert_text(daughter, "与户主关系", "之女");
    assert_date(daughter, "出生日期", "2011-09-01", "yyyy-mm-dd");
    assert_text(daughter, "文化程度", "小学");
    assert_text(daughter, "在校生状况", "初中");
    assert_text(daughter, "劳动技能", "无劳动力");
    assert_text(daughter, "城乡居民基本养老保险", "否");

    // 赵六: a village without a name is written as its code; eliminated after assistance.
    let z = &data[3];
    assert_text(z, "县", "富源县");
    assert_text(z, "乡镇", "中安街道");
    assert_text(z, "村", OTHER_VILLAGE);
    assert_text(z, "户类型", "脱贫户");
    assert_text(z, "监测对象类别", "脱贫不稳定户");
    assert_date(z, "识别监测时间", "2024-01-10", "yyyy-mm");
    assert_text(z, "致贫/返贫风险1", "因残");
    assert_text(z, "风险是否已消除", "是");
    assert_text(z, "风险消除方式", "帮扶后消除");
    assert_date(z, "消除监测时间", "2025-06-30", "yyyy-mm");
    assert_yuan(z, "人均纯收入（元）", 1_200_000);
    assert_yuan(z, "工资性收入（元）", 0);
    assert_text(z, "是否危房户", "否");
    assert_empty(z, "耕地面积（亩）");
    assert_text(z, "综合保障", "是");
    assert_text(z, "健康帮扶", "否");
    assert_text(z, "整户无劳动能力兜底保障户", "是");
    assert_text(z, "健康状况", "残疾");
    assert_text(z, "劳动技能", "丧失劳动力");
    assert_text(z, "是否参加城乡居民基本医疗保险", "否");
    assert_text(z, "城镇职工基本医疗保险", "否");
    assert_text(z, "享受特困供养政策情况", "是");

    // The full identity number is there (the national system needs it); the phone number,
    // the codes and the skipped household are nowhere in the file.
    assert_eq!(book["found"], json!([zhang_id]));
}

#[test]
fn national_skips_households_that_are_not_monitoring_objects() {
    // A 一般农户 with a 监测对象类别 is a monitoring object; without one it is not; a deleted
    // household and a bundle without a household row are left out too.
    let typed = Build::new(4, VILLAGE, json!({ "household_type": "ordinary", "monitoring_type": "marginal_at_risk", "head_name": "孙八" }))
        .member(member("孙八", "head", "male", &id_number("1966-06-06", 81), "ordinary"))
        .done();
    let mut deleted = zhang();
    deleted.household.as_mut().unwrap().alive = false;
    let (dir, summary) = write(
        &[ordinary(), typed, deleted, HouseholdBundle::default()],
        None,
    );
    assert_eq!(
        summary,
        NationalSummary {
            households: 1,
            members: 1,
            rows: 1,
            skipped: 3,
        }
    );
    let book = read_back(&dir.path().join("national.xlsx"), &[]);
    let rows = book["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let r = by_name(&rows[3]);
    assert_text(&r, "户主姓名", "孙八");
    assert_text(&r, "户类型", "一般农户");
    assert_text(&r, "监测对象类别", "边缘易致贫户");
}

#[test]
fn national_without_names_writes_codes_and_a_household_without_members_gets_one_row() {
    let empty = Build::new(
        5,
        VILLAGE,
        json!({ "hubianhao": "X1", "household_type": "monitored", "monitoring_type": "marginal_at_risk" }),
    )
    .income(income("current", 2025, [100, 0, 0, 0, 0, 0]))
    .done();
    let (dir, summary) = write(&[empty], None);
    assert_eq!(
        summary,
        NationalSummary {
            households: 1,
            members: 0,
            rows: 1,
            skipped: 0,
        }
    );
    let book = read_back(&dir.path().join("national.xlsx"), &[]);
    let rows = book["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let r = by_name(&rows[3]);
    assert_text(&r, "县", "530325000000");
    assert_text(&r, "乡镇", "530325101000");
    assert_text(&r, "村", VILLAGE);
    assert_text(&r, "户编号", "X1");
    // No members: no per-capita figure, and not a whole household without labour capacity.
    assert_empty(&r, "人均纯收入（元）");
    assert_yuan(&r, "工资性收入（元）", 100);
    assert_text(&r, "整户无劳动能力兜底保障户", "否");
    assert_empty(&r, "姓名");
    assert_empty(&r, "证件号码");
}

// ---------------------------------------------------------------------------------------------
// Quality rules.
// ---------------------------------------------------------------------------------------------

/// A monitored household that passes every rule: 3 members, per-capita income 7000 yuan,
/// identified in January 2025 for 因病, an A-rated house, 健康帮扶 in place.
fn clean() -> Build {
    Build::new(
        10,
        VILLAGE,
        json!({
            "hubianhao": "5303251012010010",
            "head_name": "周九",
            "household_type": "monitored",
            "monitoring_type": "marginal_at_risk",
            "monitoring_since": "2025-01-10",
            "risk_types": ["01"],
            "house_safety": "A",
        }),
    )
    .member(member(
        "周九",
        "head",
        "male",
        &id_number("1975-01-01", 91),
        "ordinary",
    ))
    .member(member(
        "吴十",
        "spouse",
        "female",
        &id_number("1976-01-01", 92),
        "ordinary",
    ))
    .member(member(
        "周一",
        "son",
        "male",
        &id_number("2010-01-01", 93),
        "none",
    ))
    .income(income("current", 2025, [2_100_000, 0, 0, 0, 0, 0]))
    .measure("05", "in_place")
}

fn rules(issues: &[QualityIssue]) -> Vec<QualityRule> {
    issues.iter().map(|i| i.rule).collect()
}

fn fires(bundle: &HouseholdBundle, rule: QualityRule) -> QualityIssue {
    let issues = check(bundle, LINE);
    assert_eq!(rules(&issues), [rule], "{issues:#?}");
    issues.into_iter().next().unwrap()
}

fn passes(bundle: &HouseholdBundle) {
    let issues = check(bundle, LINE);
    assert!(issues.is_empty(), "{issues:#?}");
}

#[test]
fn quality_clean_household_passes_every_rule() {
    passes(&clean().done());
    // No household row: nothing to say.
    assert!(check(&HouseholdBundle::default(), LINE).is_empty());
}

#[test]
fn quality_issue_names_the_household() {
    let issue = fires(
        &clean().set("risk_types", json!(["09"])).done(),
        QualityRule::StudyRiskWithoutEducationMeasure,
    );
    assert_eq!(issue.household_id, Uuid::from_u128(10 << 64));
    assert_eq!(issue.hubianhao, "5303251012010010");
    assert_eq!(issue.head_name, "周九");
    assert_eq!(issue.village, VILLAGE);
    assert_eq!(issue.rule.code(), "study_risk_without_education_measure");
    assert_eq!(issue.rule.label_zh(), "因学风险无教育帮扶措施");
    assert_eq!(
        serde_json::to_value(&issue).unwrap()["rule"],
        "study_risk_without_education_measure"
    );
}

#[test]
fn quality_study_risk_without_education_measure_fires() {
    let issue = fires(
        &clean().set("risk_types", json!(["01", "09"])).done(),
        QualityRule::StudyRiskWithoutEducationMeasure,
    );
    assert!(
        issue.message_zh.contains("现有措施：健康帮扶"),
        "{}",
        issue.message_zh
    );
    // An ended education measure does not count.
    fires(
        &clean()
            .set("risk_types", json!(["09"]))
            .measure("06", "ended")
            .done(),
        QualityRule::StudyRiskWithoutEducationMeasure,
    );
}

#[test]
fn quality_study_risk_with_education_measure_passes() {
    for (kind, status) in [("06", "in_place"), ("07", "planned"), ("11", "in_place")] {
        passes(
            &clean()
                .set("risk_types", json!(["09"]))
                .measure(kind, status)
                .done(),
        );
    }
}

#[test]
fn quality_disability_risk_without_support_fires() {
    let issue = fires(
        &clean()
            .set("risk_types", json!(["03"]))
            .measure("08", "ended")
            .measure("06", "in_place")
            .done(),
        QualityRule::DisabilityRiskWithoutSupport,
    );
    assert!(
        issue.message_zh.contains("健康帮扶、义务教育保障"),
        "{}",
        issue.message_zh
    );
}

#[test]
fn quality_disability_risk_with_support_passes() {
    for kind in ["08", "11"] {
        passes(
            &clean()
                .set("risk_types", json!(["03"]))
                .measure(kind, "in_place")
                .done(),
        );
    }
}

fn eliminated(method: &str, on: &str) -> Build {
    clean()
        .set("risk_eliminated_on", json!(on))
        .set("elimination_method", json!(method))
}

#[test]
fn quality_elimination_after_assistance_below_line_fires() {
    // Exactly at the line (19500 yuan for 3) is not above it.
    let issue = fires(
        &eliminated("after_assistance", "2025-09-30")
            .income(income("current", 2026, [1_950_000, 0, 0, 0, 0, 0]))
            .done(),
        QualityRule::EliminatedAfterAssistanceBelowLine,
    );
    assert_eq!(
        issue.message_zh,
        "帮扶后消除，但2026年人均纯收入6500.00元（家庭纯收入19500.00元，3人）未高于监测范围6500.00元"
    );
    // Below the line, after production spending.
    fires(
        &eliminated("after_assistance", "2025-09-30")
            .income(income(
                "current",
                2026,
                [1_000_000, 1_000_000, 0, 0, 100_000, 0],
            ))
            .done(),
        QualityRule::EliminatedAfterAssistanceBelowLine,
    );
    // No current year's income at all.
    let mut b = eliminated("after_assistance", "2025-09-30").done();
    b.incomes.clear();
    let issue = fires(&b, QualityRule::EliminatedAfterAssistanceBelowLine);
    assert!(issue.message_zh.contains("没有本年度收入数据"));
}

#[test]
fn quality_elimination_after_assistance_above_line_passes() {
    // One fen above the line in total is above it; last year's low figure does not count.
    passes(
        &eliminated("after_assistance", "2025-09-30")
            .income(income("previous", 2024, [100, 0, 0, 0, 0, 0]))
            .income(income("current", 2026, [1_950_001, 0, 0, 0, 0, 0]))
            .done(),
    );
    // A natural elimination below the line is not this rule's business.
    passes(
        &eliminated("natural", "2025-09-30")
            .income(income("current", 2026, [100, 0, 0, 0, 0, 0]))
            .done(),
    );
}

#[test]
fn quality_elimination_after_assistance_too_soon_fires() {
    // The month of identification.
    let issue = fires(
        &eliminated("after_assistance", "2025-01-31").done(),
        QualityRule::EliminatedAfterAssistanceTooSoon,
    );
    assert!(
        issue
            .message_zh
            .contains("识别监测时间2025-01，帮扶后消除于2025-01"),
        "{}",
        issue.message_zh
    );
    // The next month, across a year's end.
    fires(
        &eliminated("after_assistance", "2025-01-05")
            .set("monitoring_since", json!("2024-12-28"))
            .done(),
        QualityRule::EliminatedAfterAssistanceTooSoon,
    );
}

#[test]
fn quality_elimination_after_assistance_later_passes() {
    // Two months after identification.
    passes(&eliminated("after_assistance", "2025-03-01").done());
    // A natural elimination may come at once.
    passes(&eliminated("natural", "2025-01-20").done());
}

#[test]
fn quality_monitored_household_incomplete_fires() {
    let issue = fires(
        &clean()
            .set("monitoring_type", Value::Null)
            .set("monitoring_since", Value::Null)
            .set("risk_types", json!([]))
            .done(),
        QualityRule::MonitoredHouseholdIncomplete,
    );
    assert_eq!(
        issue.message_zh,
        "监测户未填监测对象类别、识别监测时间、致贫/返贫风险"
    );
    let issue = fires(
        &clean().set("monitoring_since", Value::Null).done(),
        QualityRule::MonitoredHouseholdIncomplete,
    );
    assert_eq!(issue.message_zh, "监测户未填识别监测时间");
}

#[test]
fn quality_monitored_household_complete_passes() {
    passes(&clean().done());
    // A 一般农户 needs none of it.
    passes(
        &clean()
            .set("household_type", json!("ordinary"))
            .set("monitoring_type", Value::Null)
            .set("monitoring_since", Value::Null)
            .set("risk_types", Value::Null)
            .done(),
    );
}

#[test]
fn quality_eliminated_without_method_fires() {
    let issue = fires(
        &clean()
            .set("risk_eliminated_on", json!("2025-09-30"))
            .done(),
        QualityRule::EliminatedWithoutMethod,
    );
    assert_eq!(
        issue.message_zh,
        "消除监测时间为2025-09-30，但未填风险消除方式（帮扶后消除或自然消除）"
    );
}

#[test]
fn quality_eliminated_with_method_passes() {
    passes(&eliminated("natural", "2025-09-30").done());
    passes(&eliminated("after_assistance", "2025-09-30").done());
}

#[test]
fn quality_unsafe_house_without_housing_measure_fires() {
    let issue = fires(
        &clean().set("house_safety", json!("C")).done(),
        QualityRule::UnsafeHouseWithoutHousingMeasure,
    );
    assert!(
        issue.message_zh.contains("C级（危房）"),
        "{}",
        issue.message_zh
    );
    fires(
        &clean()
            .set("house_safety", json!("D"))
            .measure("09", "ended")
            .done(),
        QualityRule::UnsafeHouseWithoutHousingMeasure,
    );
}

#[test]
fn quality_unsafe_house_with_housing_measure_passes() {
    passes(
        &clean()
            .set("house_safety", json!("D"))
            .measure("09", "planned")
            .done(),
    );
    passes(&clean().set("house_safety", json!("B")).done());
    passes(&clean().set("house_safety", Value::Null).done());
}

#[test]
fn quality_too_many_risk_types_fires() {
    let issue = fires(
        &clean()
            .set("risk_types", json!(["01", "0201", "04", "05", "06", "07"]))
            .done(),
        QualityRule::TooManyRiskTypes,
    );
    assert_eq!(
        issue.message_zh,
        "致贫/返贫风险6项（因病、洪涝、因缺劳动力、因意外事故、因产业项目失败、因务工就业不稳），最多5项"
    );
}

#[test]
fn quality_five_risk_types_pass() {
    passes(
        &clean()
            .set("risk_types", json!(["01", "0201", "04", "05", "06"]))
            .done(),
    );
}

#[test]
fn quality_rules_have_distinct_codes_and_labels() {
    let codes: std::collections::BTreeSet<&str> =
        QualityRule::ALL.iter().map(|r| r.code()).collect();
    let labels: std::collections::BTreeSet<&str> =
        QualityRule::ALL.iter().map(|r| r.label_zh()).collect();
    assert_eq!(codes.len(), QualityRule::ALL.len());
    assert_eq!(labels.len(), QualityRule::ALL.len());
}

// ---------------------------------------------------------------------------------------------
// 村级公示 as PDF, read back by poppler's pdftotext (Debian's poppler-utils).
// ---------------------------------------------------------------------------------------------

mod notice_pdf {
    use super::{date, id_number, PHONE};
    use fangpin_reports::national::ReportError;
    use fangpin_reports::notice_pdf::{render, render_with_fonts, Notice, NoticeRow};
    use fangpin_reports::publicity::mask_id;
    use std::path::Path;
    use std::process::Command;

    const TITLE: &str = "防止返贫监测对象识别村级公示";
    const SURNAMES: &[&str] = &["张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴"];
    const GIVEN: &[&str] = &["建国", "秀英", "志强", "桂兰", "国华", "玉梅"];
    const CATEGORIES: &[&str] = &["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"];

    fn notice(households: usize) -> Notice {
        let rows = (0..households)
            .map(|i| NoticeRow {
                head_name: format!(
                    "{}{}",
                    SURNAMES[i % SURNAMES.len()],
                    GIVEN[i / SURNAMES.len() % GIVEN.len()]
                ),
                group: format!("第{}组", i % 6 + 1),
                household_size: (i % 5 + 1) as u32,
                category: CATEGORIES[i % CATEGORIES.len()].to_owned(),
                id_masked: mask_id(&id_number("1960-01-01", 100 + i as u16)),
            })
            .collect();
        Notice {
            title: TITLE.to_owned(),
            village: "大坪村".to_owned(),
            township: "新华镇".to_owned(),
            rows,
            from: date("2026-03-02"),
            to: date("2026-03-08"),
            place: "大坪村村民委员会或新华镇人民政府".to_owned(),
            made_on: date("2026-03-01"),
        }
    }

    /// The PDF's text as `pdftotext -layout` reads it; pages are separated by form feeds.
    fn pdftotext(pdf: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("公示.pdf");
        std::fs::write(&path, pdf).unwrap();
        let out = match Command::new("pdftotext")
            .arg("-layout")
            .arg(&path)
            .arg("-")
            .output()
        {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "pdftotext is missing: install poppler-utils (apt-get install -y poppler-utils)"
            ),
            Err(e) => panic!("running pdftotext: {e}"),
        };
        assert!(
            out.status.success(),
            "pdftotext failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The lengths of the runs of ASCII digits in `text`, and every 11-digit window that reads
    /// as a mainland mobile number (1[3-9] and nine more digits).
    fn digit_runs(text: &str) -> (Vec<String>, Vec<String>) {
        let mut runs = Vec::new();
        let mut run = String::new();
        for c in text.chars().chain(std::iter::once(' ')) {
            if c.is_ascii_digit() {
                run.push(c);
            } else if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
        }
        let mobiles = runs
            .iter()
            .flat_map(|r| {
                let b = r.as_bytes();
                (0..b.len().saturating_sub(10))
                    .filter(|&i| b[i] == b'1' && (b'3'..=b'9').contains(&b[i + 1]))
                    .map(|i| r[i..i + 11].to_owned())
                    .collect::<Vec<_>>()
            })
            .collect();
        (runs, mobiles)
    }

    #[test]
    fn notice_pdf_of_sixty_households_reads_back_with_only_masked_numbers() {
        let notice = notice(60);
        let pdf = render(&notice).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = pdftotext(&pdf);

        // Sentences may wrap: read them with the line breaks and the layout's spaces taken out.
        let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(text.contains(TITLE), "no title in:\n{text}");
        for sentence in [
            "公示期：2026年3月2日至2026年3月8日",
            "如有异议，请在公示期内向大坪村村民委员会或新华镇人民政府",
            "现将以下60户农户予以公示",
            "新华镇大坪村村民委员会",
            "2026年3月1日",
        ] {
            assert!(flat.contains(sentence), "no {sentence} in:\n{text}");
        }
        for row in &notice.rows {
            assert!(text.contains(&row.head_name), "{} missing", row.head_name);
            assert!(text.contains(&row.id_masked), "{} missing", row.id_masked);
        }

        // The list breaks across pages, each page under the table's header.
        let pages: Vec<&str> = text
            .split('\u{c}')
            .filter(|p| !p.trim().is_empty())
            .collect();
        assert!(pages.len() >= 2, "60 households on {} page(s)", pages.len());
        for (i, page) in pages.iter().enumerate() {
            for header in ["序号", "户主姓名", "家庭人口", "类别", "身份证号"] {
                assert!(page.contains(header), "page {} lacks {header}", i + 1);
            }
        }

        // Read as laid out and with the spaces taken out (a number the layout split is whole).
        for read in [&text, &flat] {
            let (runs, mobiles) = digit_runs(read);
            let long: Vec<&String> = runs.iter().filter(|r| r.len() >= 15).collect();
            assert!(long.is_empty(), "full numbers on the notice: {long:?}");
            assert!(
                mobiles.is_empty(),
                "phone numbers on the notice: {mobiles:?}"
            );
            assert!(!read.contains(PHONE));
        }
    }

    #[test]
    fn notice_pdf_refuses_a_full_identity_number_or_a_phone() {
        let full = id_number("1975-06-15", 31);
        let mut leaky = notice(3);
        leaky.rows[1].id_masked = full.clone();
        match render(&leaky) {
            Err(ReportError::Source(message)) => {
                assert!(message.contains("row 2"), "{message}");
                assert!(!message.contains(&full), "the error repeats the number");
            }
            Err(e) => panic!("refused for another reason: {e}"),
            Ok(_) => panic!("a full identity number was let through"),
        }

        // An old 15-digit number, and a phone slipped into the name, are refused too.
        let mut old = notice(3);
        old.rows[0].id_masked = "530325600101311".to_owned();
        assert!(matches!(render(&old), Err(ReportError::Source(_))));
        let mut phone = notice(3);
        phone.rows[2].head_name = format!("张三{PHONE}");
        assert!(matches!(render(&phone), Err(ReportError::Source(_))));

        // Masked numbers, 18 and 15 digits long, pass.
        let mut masked = notice(2);
        masked.rows[1].id_masked = mask_id("530325600101311");
        render(&masked).unwrap();
    }

    #[test]
    fn notice_pdf_refuses_a_period_that_ends_before_it_starts() {
        let mut backwards = notice(1);
        backwards.to = date("2026-03-01");
        assert!(matches!(render(&backwards), Err(ReportError::Source(_))));
    }

    #[test]
    fn notice_pdf_in_other_fonts_and_without_fonts() {
        let serif = Path::new("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc");
        if serif.exists() {
            let pdf = render_with_fonts(&notice(3), &[serif]).unwrap();
            let text = pdftotext(&pdf);
            assert!(text.contains(TITLE) && text.contains("张建国"), "{text}");
        }
        match render_with_fonts(&notice(3), &[Path::new("/nonexistent/NotoSansCJK.ttc")]) {
            Err(ReportError::Source(message)) => {
                assert!(message.contains("fonts-noto-cjk"), "{message}")
            }
            Err(e) => panic!("refused for another reason: {e}"),
            Ok(_) => panic!("rendered without a font"),
        }
    }
}
