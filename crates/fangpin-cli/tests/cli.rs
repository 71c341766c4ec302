//! The `fangpin` binary, run as a user would: the JSON form round-trips,
//! good input gives the expected category, bad input exits non-zero with
//! the field named on stderr.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use fangpin_domain::HouseholdRecord;
use serde_json::Value;

const EXAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/examples/household.json"
));

fn example_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/household.json"
    ))
}

fn policy_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/policy.json"
    ))
}

/// Runs `fangpin` with `args`, feeding `stdin`.
fn fangpin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fangpin"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let written = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    // The binary may exit before reading its input (usage errors, a bad
    // policy file): a closed pipe is then expected.
    if let Err(e) = written {
        assert_eq!(
            e.kind(),
            std::io::ErrorKind::BrokenPipe,
            "writing stdin: {e}"
        );
    }
    child.wait_with_output().expect("the binary finishes")
}

fn assess_stdin(json: &str, extra: &[&str]) -> Output {
    let mut args = vec!["assess", "-", "--today", "2025-11-20"];
    args.extend_from_slice(extra);
    fangpin(&args, json)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout_json(o: &Output) -> Value {
    assert!(o.status.success(), "failed: {}", stderr(o));
    serde_json::from_slice(&o.stdout).expect("stdout is JSON")
}

fn example_value() -> Value {
    serde_json::from_str(EXAMPLE).expect("example is JSON")
}

/// Asserts a failure whose stderr names `field` and contains `why`.
fn assert_rejected(o: &Output, field: &str, why: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert!(o.stdout.is_empty(), "nothing on stdout");
    assert!(err.contains(field), "stderr does not name {field}: {err}");
    assert!(err.contains(why), "stderr does not say {why:?}: {err}");
    assert!(err.starts_with("error: "), "{err}");
}

#[test]
fn the_json_form_round_trips() {
    let parsed: HouseholdRecord = serde_json::from_str(EXAMPLE).expect("parses");
    let text = serde_json::to_string(&parsed).expect("serialises");
    let again: HouseholdRecord = serde_json::from_str(&text).expect("parses again");
    assert_eq!(parsed, again);
    assert_eq!(
        serde_json::to_value(&again).expect("value"),
        example_value()
    );
}

#[test]
fn the_example_is_a_formerly_poor_household_near_the_line() {
    let path = example_path();
    let o = fangpin(
        &[
            "assess",
            path.to_str().expect("utf-8 path"),
            "--today",
            "2025-11-20",
        ],
        "",
    );
    let a = stdout_json(&o);
    assert_eq!(a["category"]["category"], "unstable_formerly_poor");
    assert_eq!(a["income"]["net_income_fen"], 3_400_000);
    assert_eq!(a["income"]["per_capita_net_income_fen"], 680_000);
    assert_eq!(a["findings"][0]["rule"], "near_line");
    assert_eq!(a["findings"][0]["figures"]["line_fen"], 650_000);
    assert_eq!(a["measures"][0]["code"], "01");
    assert_eq!(a["risk_types"][0]["code"], "01");
}

#[test]
fn a_policy_file_changes_the_line() {
    let policy = policy_path();
    let o = assess_stdin(EXAMPLE, &["--policy", policy.to_str().expect("utf-8 path")]);
    let a = stdout_json(&o);
    assert_eq!(a["policy"]["line_fen"], 870_000);
    assert_eq!(a["policy"]["overrides_applied"][0], "53");
    assert_eq!(a["findings"][0]["rule"], "below_line");
    assert_eq!(a["category"]["category"], "unstable_formerly_poor");
}

#[test]
fn an_ordinary_household_with_large_medical_spending_is_a_sudden_hardship() {
    let mut v = example_value();
    v["household"]["household_type"] = "ordinary".into();
    v["income"]["current"]["wage_fen"] = 6_000_000.into();
    v["income"]["current"]["medical_out_of_pocket_fen"] = 3_000_000.into();
    let a = stdout_json(&assess_stdin(&v.to_string(), &[]));
    assert_eq!(a["category"]["category"], "sudden_hardship");
    assert_eq!(a["category"]["reasons"][0]["rule"], "medical_spending");
    assert_eq!(
        a["category"]["reasons"][0]["figures"]["threshold_fen"],
        2_600_000
    );
    // An ordinary household below the line is 边缘易致贫户.
    v["income"]["current"]["wage_fen"] = 0.into();
    v["income"]["current"]["medical_out_of_pocket_fen"] = 0.into();
    let a = stdout_json(&assess_stdin(&v.to_string(), &[]));
    assert_eq!(a["category"]["category"], "marginal_at_risk");
}

#[test]
fn a_wrong_check_digit_names_the_member_field() {
    let bad = EXAMPLE.replace("530325198007250429", "530325198007250423");
    let o = assess_stdin(&bad, &[]);
    assert_rejected(
        &o,
        "error: members[1].id_number: check digit is wrong (expected 9, found 3)",
        "校验码",
    );
}

#[test]
fn every_invalid_field_is_reported() {
    let mut v = example_value();
    v["household"]["area"]["code"] = "530025101201".into();
    v["members"][2]["id_number"] = "5303252007051802".into();
    v["members"][4]["health"]["disability"] = serde_json::json!({"kind": "physical", "grade": 7});
    v["income"]["current"]["wage_fen"] = (-100).into();
    let o = assess_stdin(&v.to_string(), &[]);
    for field in [
        "household.area.code",
        "members[2].id_number",
        "members[4].health.disability.grade",
        "income.current.wage_fen",
    ] {
        assert_rejected(&o, &format!("error: {field}: "), "4 invalid field(s)");
    }
}

#[test]
fn an_unknown_enum_value_names_its_path() {
    let mut v = example_value();
    v["members"][3]["student_status"] = "at_school".into();
    let o = assess_stdin(&v.to_string(), &[]);
    assert_rejected(
        &o,
        "members[3].student_status",
        "unknown variant `at_school`",
    );
}

#[test]
fn a_computed_field_in_the_input_is_rejected() {
    let mut v = example_value();
    v["income"]["current"]["net_income_fen"] = 1.into();
    let o = assess_stdin(&v.to_string(), &[]);
    assert_rejected(&o, "income.current", "unknown field `net_income_fen`");
}

#[test]
fn broken_json_is_rejected() {
    let o = assess_stdin("{\"household\": ", &[]);
    assert_rejected(&o, "standard input", "invalid JSON");
    let o = assess_stdin(&format!("{EXAMPLE} {{}}"), &[]);
    assert_rejected(&o, "standard input", "invalid JSON after the value");
}

#[test]
fn a_year_without_a_line_is_explained() {
    let mut v = example_value();
    v["income"]["current"]["year"] = 2024.into();
    v["income"]["previous"] = Value::Null;
    let o = assess_stdin(&v.to_string(), &[]);
    assert_rejected(
        &o,
        "income.current.year",
        "no monitoring line covers area 530325101201 in 2024",
    );
}

#[test]
fn an_invalid_policy_file_names_its_fields() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("cli-bad-policy.json");
    std::fs::write(
        &path,
        r#"{"lines":[{"area_prefix":"5","year":2025,"amount_fen":650000,"document":""}]}"#,
    )
    .expect("write policy");
    let o = assess_stdin(EXAMPLE, &["--policy", path.to_str().expect("utf-8 path")]);
    assert_rejected(&o, "error: lines[0].area_prefix: ", "cli-bad-policy.json");
    assert_rejected(&o, "error: lines[0].document: ", "2 invalid field(s)");
}

#[test]
fn a_missing_file_is_named() {
    let o = fangpin(
        &["assess", "no-such-household.json", "--today", "2025-11-20"],
        "",
    );
    assert_rejected(&o, "no-such-household.json", "reading the household");
}

#[test]
fn a_bad_today_is_a_usage_error() {
    let o = fangpin(&["assess", "-", "--today", "2025-13-01"], EXAMPLE);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--today"), "{}", stderr(&o));
}

#[test]
fn a_birth_after_today_is_rejected() {
    // The son was born on 2010-09-01.
    let o = fangpin(&["assess", "-", "--today", "2010-08-31"], EXAMPLE);
    assert_rejected(&o, "members[3].id_number", "is after today (2010-08-31)");
}

/// The township's workflow from the command line on a demo database: the demo's campaign
/// shows its progress per 办事处, village and person; the re-check sample is drawn once from a
/// recorded seed; ratings print with their computation; a cadre may not create a campaign; a
/// step of a procedure the office cannot see is refused.
#[test]
fn a_campaign_is_followed_sampled_and_rated_from_the_command_line() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("server.db");
    let db = db.to_str().expect("path");
    let o = fangpin(
        &["demo", "--db", db, "--households", "150", "--seed", "3"],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("campaign "))
        .and_then(|l| l.split(':').next())
        .expect("the demo names its campaign")
        .to_owned();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--db", db]);
        fangpin(&all, "")
    };
    let o = run(&["campaign", "progress", "--as", "zhen", "--campaign", &id]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = String::from_utf8_lossy(&o.stdout).to_string();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    let total = rows
        .iter()
        .find(|r| r[0] == "全镇")
        .expect("the township's line");
    assert_eq!(total[2], "150", "every household is to be visited: {table}");
    let sum = |kind: &str, col: usize| -> u32 {
        rows.iter()
            .filter(|r| r[0] == kind)
            .map(|r| r[col].parse::<u32>().unwrap())
            .sum()
    };
    for col in [2, 3, 4, 7, 8, 9] {
        assert_eq!(
            sum("村", col),
            total[col].parse::<u32>().unwrap(),
            "villages add up in column {col}"
        );
        assert_eq!(
            sum("办事处", col),
            total[col].parse::<u32>().unwrap(),
            "offices add up in column {col}"
        );
    }
    let screened: u32 = total[4].parse().unwrap();
    assert!(
        screened > 50 && screened < 150,
        "about two in three are screened: {screened}"
    );
    assert_eq!(
        rows.iter().filter(|r| r[0] == "责任人").count(),
        rows.iter().filter(|r| r[0] == "村").count()
    );

    let o = run(&[
        "campaign",
        "sample",
        "--as",
        "zhen",
        "--campaign",
        &id,
        "--seed",
        "42",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let drawn: u32 = String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("drew N households");
    assert!(drawn >= 5, "at least five a village: {drawn}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("seed 42"));
    let again = run(&[
        "campaign",
        "sample",
        "--as",
        "zhen",
        "--campaign",
        &id,
        "--seed",
        "42",
    ]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already has a re-check sample"),
        "{}",
        stderr(&again)
    );

    let o = run(&["campaign", "ratings", "--as", "zhen", "--campaign", &id]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ratings = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(
        ratings.lines().count(),
        rows.iter().filter(|r| r[0] == "村").count()
    );
    assert!(
        ratings
            .lines()
            .all(|l| l.contains("星") && l.contains("合计")),
        "{ratings}"
    );

    // The 通报: progress per 办事处 and village, and the ratings as the command line prints them.
    let briefing = dir.path().join("briefing.xlsx");
    let o = run(&[
        "report",
        "briefing",
        "--as",
        "zhen",
        "--area",
        "530325101",
        "--campaign",
        &id,
        "--out",
        briefing.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let book = read_xlsx(&briefing);
    let offices = book["办事处进度通报"]["rows"].as_array().unwrap();
    assert_eq!(offices[2][1], "单位");
    let total = offices.last().unwrap();
    assert_eq!(total[1], "合计");
    assert_eq!(total[2], 150);
    let villages = book["村进度通报"]["rows"].as_array().unwrap();
    assert_eq!(
        villages.len() - 3,
        rows.iter().filter(|r| r[0] == "村").count()
    );
    let stars: Vec<String> = book["村星级评定"]["rows"].as_array().unwrap()[3..]
        .iter()
        .map(|r| r[8].as_str().unwrap().to_owned())
        .collect();
    let printed: Vec<String> = ratings
        .lines()
        .map(|l| l.split('\t').nth(2).unwrap().to_owned())
        .collect();
    assert_eq!(stars, printed, "the briefing's stars are the ratings'");

    let file = dir.path().join("campaign.json");
    std::fs::write(
        &file,
        r#"{"name": "村里自己的行动", "area_code": "530325101000",
            "phases": [
              {"phase": "plan", "from": "2026-03-01", "to": "2026-03-05"},
              {"phase": "screening", "from": "2026-03-06", "to": "2026-04-30"},
              {"phase": "recheck", "from": "2026-05-01", "to": "2026-05-31"},
              {"phase": "consolidation", "from": "2026-06-01", "to": "2026-06-30"}],
            "assignments": []}"#,
    )
    .unwrap();
    let o = run(&[
        "campaign",
        "create",
        "--as",
        "cadre01",
        file.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("outside the user's scope"),
        "{}",
        stderr(&o)
    );
    let o = run(&["campaign", "create", "--as", "zhen", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));

    // The township enters a problem found by 巡视 for a household; the read model holds it
    // with its source, and a household outside the user's scope is refused.
    let household: String = {
        let c = rusqlite::Connection::open(db).unwrap();
        let id: Vec<u8> = c
            .query_row("SELECT id FROM rm_household ORDER BY id LIMIT 1", [], |r| {
                r.get(0)
            })
            .unwrap();
        uuid::Uuid::from_slice(&id).unwrap().to_string()
    };
    let o = run(&[
        "ledger",
        "add",
        "--as",
        "zhen",
        "--household",
        &household,
        "--source",
        "inspection",
        "--problem-type",
        "housing",
        "--description",
        "巡视发现房屋漏雨未整改",
        "--deadline",
        "2026-12-31",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let c = rusqlite::Connection::open(db).unwrap();
    let n: i64 = c
        .query_row(
            "SELECT count(*) FROM rm_ledger_item WHERE json_extract(data, '$.source') = 'inspection'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
    let o = run(&[
        "ledger",
        "add",
        "--as",
        "zhen",
        "--household",
        "00000000-0000-0000-0000-000000000002",
        "--source",
        "audit",
        "--problem-type",
        "policy",
        "--description",
        "x",
        "--deadline",
        "2026-12-31",
    ]);
    assert!(!o.status.success());

    let o = run(&[
        "procedure",
        "step",
        "--as",
        "zhen",
        "--procedure",
        "00000000-0000-0000-0000-000000000001",
        "--step",
        "township_review",
        "--value",
        r#"{"on": "2026-03-10", "by": "王", "approved": true}"#,
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not found"), "{}", stderr(&o));
}

/// Reads an XLSX back with openpyxl (a different reader than the writer): every sheet's rows
/// as lists of cell values (dates as ISO text), plus the frozen pane and the orientation.
fn read_xlsx(path: &std::path::Path) -> Value {
    let script = r#"
import json, sys, datetime
try:
    import openpyxl
except ImportError:
    sys.exit("openpyxl is missing: run python3 -m pip install --user openpyxl")
wb = openpyxl.load_workbook(sys.argv[1])
out = {}
for ws in wb.worksheets:
    rows = [[(c.isoformat() if isinstance(c, (datetime.date, datetime.datetime)) else c) for c in r] for r in ws.iter_rows(values_only=True)]
    out[ws.title] = {"rows": rows, "freeze": ws.freeze_panes, "orientation": ws.page_setup.orientation,
                     "merged": [str(m) for m in ws.merged_cells.ranges]}
print(json.dumps(out, ensure_ascii=False))
"#;
    let o = std::process::Command::new("python3")
        .args(["-c", script, path.to_str().unwrap()])
        .output()
        .expect("python3 runs");
    assert!(
        o.status.success(),
        "openpyxl: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("json")
}

/// The paperwork from the command line on a demo database: the 问题台账 as XLSX read back by
/// openpyxl (title block, headers, one row per problem in scope, dates as dates) and as CSV with
/// a byte-order mark; a cadre's export holds their village only and another area is refused;
/// the national export is refused while households fail the data-quality check, and the check
/// lists them.
#[test]
fn the_paperwork_is_written_for_what_the_user_may_see() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("server.db");
    let db = db.to_str().expect("path");
    let o = fangpin(
        &["demo", "--db", db, "--households", "120", "--seed", "5"],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--db", db, "--today", "2026-12-02"]);
        fangpin(&all, "")
    };
    let live: i64 = rusqlite::Connection::open(db)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM rm_ledger_item WHERE alive = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(live > 0);

    let xlsx = dir.path().join("ledger.xlsx");
    let o = run(&[
        "report",
        "ledger",
        "--as",
        "zhen",
        "--area",
        "530325101",
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let book = read_xlsx(&xlsx);
    let sheet = &book["问题台账"];
    let rows = sheet["rows"].as_array().unwrap();
    assert_eq!(rows[0][0], "问题台账");
    assert!(
        rows[1][0].as_str().unwrap().contains("示范镇"),
        "{}",
        rows[1][0]
    );
    let headers: Vec<&str> = rows[2]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        headers,
        [
            "序号",
            "村",
            "户主",
            "户编号",
            "问题来源",
            "问题类型",
            "问题描述",
            "整改措施",
            "责任单位",
            "责任人",
            "整改时限",
            "整改状态",
            "销号日期",
            "验收人",
            "是否逾期"
        ]
    );
    assert_eq!(rows.len() as i64 - 3, live, "one row per problem");
    assert_eq!(sheet["freeze"], "A4");
    assert_eq!(sheet["orientation"], "landscape");
    assert!(sheet["merged"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m.as_str().unwrap().starts_with("A1:")));
    for r in &rows[3..] {
        assert!(
            r[10].as_str().unwrap().len() >= 10,
            "整改时限 is a date: {}",
            r[10]
        );
        assert!(
            r[4].as_str()
                .unwrap()
                .chars()
                .all(|c| !c.is_ascii_alphabetic()),
            "source in Chinese: {}",
            r[4]
        );
    }

    let csv = dir.path().join("ledger.csv");
    let o = run(&[
        "report",
        "ledger",
        "--as",
        "zhen",
        "--area",
        "530325101",
        "--out",
        csv.to_str().unwrap(),
        "--overdue",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&csv).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 with a byte-order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("序号,村,户主"));
    assert!(
        text.lines().skip(1).all(|l| l.ends_with(",是")),
        "only overdue problems"
    );

    // A village cadre's export holds their village only; another area is refused.
    let mine = dir.path().join("mine.xlsx");
    let o = run(&[
        "report",
        "ledger",
        "--as",
        "cadre01",
        "--area",
        "530325101",
        "--out",
        mine.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let villages: std::collections::BTreeSet<String> =
        read_xlsx(&mine)["问题台账"]["rows"].as_array().unwrap()[3..]
            .iter()
            .map(|r| r[1].as_str().unwrap().to_owned())
            .collect();
    assert_eq!(villages.len(), 1, "{villages:?}");
    let o = run(&[
        "report",
        "ledger",
        "--as",
        "cadre01",
        "--area",
        "530325102",
        "--out",
        mine.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("outside cadre01's scope"),
        "{}",
        stderr(&o)
    );

    // The 排查表: the area as offices file it, and one household as the paper form.
    let area = dir.path().join("screening.xlsx");
    let o = run(&[
        "report",
        "screening",
        "--as",
        "zhen",
        "--area",
        "530325101",
        "--out",
        area.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let c = rusqlite::Connection::open(db).unwrap();
    let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    let book = read_xlsx(&area);
    assert_eq!(
        book["排查表（户）"]["rows"].as_array().unwrap().len() as i64 - 3,
        count("SELECT count(*) FROM rm_household WHERE alive = 1")
    );
    assert_eq!(
        book["排查表（人）"]["rows"].as_array().unwrap().len() as i64 - 3,
        count("SELECT count(*) FROM rm_member WHERE alive = 1")
    );
    let (id, head): (Vec<u8>, String) = c
        .query_row(
            "SELECT id, json_extract(data, '$.head_name') FROM rm_household ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let id = uuid::Uuid::from_slice(&id).unwrap().to_string();
    let form = dir.path().join("form.xlsx");
    let o = run(&[
        "report",
        "screening",
        "--as",
        "zhen",
        "--area",
        "530325101",
        "--household",
        &id,
        "--out",
        form.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let book = read_xlsx(&form);
    let sheet = &book["排查表"];
    assert_eq!(sheet["rows"][0][0], "防止返贫监测帮扶排查表");
    assert!(sheet["merged"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m == "A1:H1"));
    let cells = serde_json::to_string(&sheet["rows"]).unwrap();
    for part in [
        "一、家庭基本情况",
        "二、家庭成员",
        "三、家庭收支（元）",
        "四、两不愁三保障及饮水安全",
        "五、风险与帮扶措施",
        "六、签字",
        &head,
    ] {
        assert!(cells.contains(part), "{part} in the form");
    }
    let o = run(&[
        "report",
        "screening",
        "--as",
        "cadre02",
        "--area",
        "530325101",
        "--household",
        &id,
        "--out",
        form.to_str().unwrap(),
    ]);
    let cadre_village_has_it = o.status.success();
    assert!(
        cadre_village_has_it || stderr(&o).contains("not found"),
        "{}",
        stderr(&o)
    );

    // The national export waits for the data-quality check.
    let q = dir.path().join("quality.xlsx");
    let o = run(&[
        "report",
        "quality",
        "--as",
        "zhen",
        "--area",
        "530325101",
        "--out",
        q.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let issues = read_xlsx(&q)["数据质量校验"]["rows"]
        .as_array()
        .unwrap()
        .len()
        - 3;
    let national = dir.path().join("national.xlsx");
    let o = run(&[
        "report",
        "national",
        "--as",
        "zhen",
        "--area",
        "530325101",
        "--out",
        national.to_str().unwrap(),
    ]);
    if issues > 0 {
        assert!(!o.status.success());
        assert!(
            stderr(&o).contains("fail the data-quality check"),
            "{}",
            stderr(&o)
        );
        assert!(!national.exists(), "nothing is written");
        let o = run(&[
            "report",
            "national",
            "--as",
            "zhen",
            "--area",
            "530325101",
            "--out",
            national.to_str().unwrap(),
            "--allow-issues",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    } else {
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let book = read_xlsx(&national);
    let rows = book["监测对象信息"]["rows"].as_array().unwrap();
    assert_eq!(rows[2][3], "户编号");
    assert!(!serde_json::to_string(&book).unwrap().contains("联系电话"));
}
