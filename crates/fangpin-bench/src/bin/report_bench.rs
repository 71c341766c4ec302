//! `fangpin-report-bench`: the paperwork at county size. It fills a service database's read
//! model with a county (300,000 households with their members and incomes, 100,000 ledger
//! items by default), then, each in its own child process so that peak memory is its own,
//! writes the national workbook, the area's 排查表 and the 问题台账, and, as the baseline, the
//! same member rows as plain CSV through the same paging. It prints the time and the peak
//! resident memory of each, and each time as a ratio of the baseline's. See docs/benchmarks.md.
#![allow(clippy::print_stdout)]

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use fangpin_domain::PolicyBook;
use fangpin_reports::ledger::LedgerFilter;
use fangpin_reports::source::{bundles, Pages};
use fangpin_reports::ReportHeader;
use fangpin_server::Backend;
use fangpin_server::Scope;
use fangpin_server_sqlite::SqliteBackend;
use rusqlite::params;
use serde_json::json;
use uuid::Uuid;

const COUNTY: &str = "530325";

fn village(i: usize) -> String {
    // 10 townships of 20 villages each.
    format!("{COUNTY}{:03}{:03}", 101 + (i / 20) % 10, 201 + i % 20)
}

/// Fills the read model directly (the reports read nothing else): households with members,
/// a current income each, a measure for monitored ones, and ledger items.
fn fill(db: &Path, households: usize, ledger: usize) -> Result<()> {
    drop(SqliteBackend::open(db).context("open")?);
    let mut c = rusqlite::Connection::open(db)?;
    c.pragma_update(None, "synchronous", "OFF")?;
    let tx = c.transaction()?;
    {
        let mut h = tx.prepare(
            "INSERT INTO rm_household(id, village, household_id, alive, conflicts, updated_ms, data) VALUES (?1, ?2, ?1, 1, 0, 0, ?3)",
        )?;
        let mut m = tx.prepare(
            "INSERT INTO rm_member(id, village, household_id, alive, conflicts, updated_ms, data) VALUES (?1, ?2, ?3, 1, 0, 0, ?4)",
        )?;
        let mut y = tx.prepare(
            "INSERT INTO rm_income_year(id, village, household_id, alive, conflicts, updated_ms, data) VALUES (?1, ?2, ?3, 1, 0, 0, ?4)",
        )?;
        let mut me = tx.prepare(
            "INSERT INTO rm_measure(id, village, household_id, alive, conflicts, updated_ms, data) VALUES (?1, ?2, ?3, 1, 0, 0, ?4)",
        )?;
        let mut l = tx.prepare(
            "INSERT INTO rm_ledger_item(id, village, household_id, alive, conflicts, updated_ms, data) VALUES (?1, ?2, ?3, 1, 0, 0, ?4)",
        )?;
        let mut ids = Vec::with_capacity(households);
        for i in 0..households {
            let id = Uuid::from_u128(0x1000_0000 + i as u128);
            let v = village(i / 1500);
            let monitored = i % 10 == 0;
            let data = json!({
                "village_code": v, "hubianhao": format!("{v}{i:06}"), "head_name": format!("户主{i}"),
                "head_id_number": "11010519491231002X", "group": "3组", "phone": "13900000000",
                "household_type": if monitored { "monitored" } else { "formerly_poor" },
                "monitoring_type": if monitored { json!("sudden_hardship") } else { json!(null) },
                "monitoring_since": if monitored { json!("2025-03-12") } else { json!(null) },
                "risk_types": if monitored { json!(["01"]) } else { json!([]) },
                "house_safety": "B", "screened_on": "2026-11-01", "screened_by": "村干部",
                "basic_needs": {"food_secure": true, "clothing_secure": true},
            });
            h.execute(params![id, v, data.to_string()])?;
            for k in 0..(2 + i % 4) {
                let mid = Uuid::from_u128(0x9000_0000_0000 + (i as u128) * 8 + k as u128);
                let md = json!({
                    "household_id": id.to_string(), "position": k, "name": format!("成员{i}-{k}"),
                    "sex": if k % 2 == 0 { "male" } else { "female" }, "id_number": "11010519491231002X",
                    "relation": if k == 0 { "head" } else { "son" }, "education": "primary",
                    "labour_capacity": "ordinary", "medical_insurance": "resident",
                });
                m.execute(params![mid, v, id, md.to_string()])?;
            }
            let yd = json!({"household_id": id.to_string(), "period": "current", "year": 2026,
                "wage_fen": 3_000_000, "business_fen": 500_000, "property_fen": 0, "transfer_fen": 120_000,
                "business_spending_fen": 100_000, "medical_out_of_pocket_fen": 80_000});
            y.execute(params![
                Uuid::from_u128(0x5000_0000_0000 + i as u128),
                v,
                id,
                yd.to_string()
            ])?;
            if monitored {
                let md =
                    json!({"household_id": id.to_string(), "kind": "05", "status": "in_place"});
                me.execute(params![
                    Uuid::from_u128(0x6000_0000_0000 + i as u128),
                    v,
                    id,
                    md.to_string()
                ])?;
            }
            ids.push((id, v));
        }
        for j in 0..ledger {
            let (h, v) = &ids[(j * 7) % ids.len()];
            let ld = json!({"household_id": h.to_string(), "village_code": v, "source": "self_check",
                "problem_type": "housing", "description": "厨房漏雨", "measure": "维修屋顶",
                "responsible_unit": "村委会", "responsible_person": "王主任", "deadline": "2026-12-20",
                "status": {"round": 1, "state": if j % 3 == 0 { "closed" } else { "found" }}});
            l.execute(params![
                Uuid::from_u128(0x7000_0000_0000 + j as u128),
                v,
                h,
                ld.to_string()
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

fn header() -> ReportHeader {
    ReportHeader {
        area_name: "富源县".into(),
        area_code: COUNTY.into(),
        made_on: "2026-12-02".parse().expect("date"),
    }
}

/// One report, in this process; prints `ms peak_kib rows`.
async fn child(kind: &str, db: &Path, out: &Path) -> Result<()> {
    let backend: Arc<dyn Backend> = Arc::new(SqliteBackend::open(db)?);
    let scope = Scope::new([COUNTY]);
    let names = HashMap::new();
    let t0 = Instant::now();
    let rows: u64 = match kind {
        "csv" => {
            // The baseline: the same member rows through the same paging, as plain CSV.
            let mut w =
                csv::Writer::from_writer(std::io::BufWriter::new(std::fs::File::create(out)?));
            let mut pages = Pages::new(backend.clone(), scope.clone(), "household");
            let mut n = 0u64;
            while let Some(page) = pages.next().await? {
                for b in bundles(&backend, &scope, page).await? {
                    let h = b.household.as_ref().expect("household");
                    let text = |r: &fangpin_server::state::RowRecord, k: &str| {
                        r.data
                            .get(k)
                            .and_then(|v| v.as_str())
                            .unwrap_or("")
                            .to_owned()
                    };
                    for m in &b.members {
                        w.write_record([
                            text(h, "hubianhao"),
                            text(h, "head_name"),
                            text(m, "name"),
                            text(m, "id_number"),
                        ])?;
                        n += 1;
                    }
                }
            }
            w.flush()?;
            n
        }
        "national" => {
            let s = fangpin_reports::export::national(
                backend,
                scope,
                &PolicyBook::seed(),
                &header(),
                &names,
                true,
                out,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            s.rows
        }
        "screening" => {
            let s = fangpin_reports::screening::write_area(backend, scope, &header(), &names, out)
                .await?;
            s.households + s.members
        }
        "ledger" => {
            let s = fangpin_reports::ledger::write(
                backend,
                scope,
                &LedgerFilter::default(),
                &header(),
                &names,
                out,
            )
            .await?;
            s.rows
        }
        other => bail!("unknown report {other}"),
    };
    let ms = t0.elapsed().as_millis();
    let (_, peak) = fangpin_bench::memory_kib();
    println!("{ms} {peak} {rows}");
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let rt = tokio::runtime::Runtime::new()?;
        return rt.block_on(child(&args[2], Path::new(&args[3]), Path::new(&args[4])));
    }
    let mut households = 300_000usize;
    let mut ledger = 100_000usize;
    let mut it = args.iter().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--households" => households = val()?.parse()?,
            "--ledger" => ledger = val()?.parse()?,
            other => bail!("unknown argument {other}; use --households N --ledger N"),
        }
    }
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("county.db");
    let t0 = Instant::now();
    fill(&db, households, ledger)?;
    println!(
        "filled the read model: {households} households, {ledger} ledger items in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let exe = std::env::current_exe()?;
    let mut results: Vec<(String, u128, u64, u64, u64)> = Vec::new();
    for (kind, file) in [
        ("csv", "members.csv"),
        ("national", "national.xlsx"),
        ("screening", "screening.xlsx"),
        ("ledger", "ledger.xlsx"),
    ] {
        let out: PathBuf = dir.path().join(file);
        let o = Command::new(&exe)
            .args([
                "--child",
                kind,
                db.to_str().expect("path"),
                out.to_str().expect("path"),
            ])
            .output()?;
        if !o.status.success() {
            bail!("{kind}: {}", String::from_utf8_lossy(&o.stderr));
        }
        let line = String::from_utf8_lossy(&o.stdout).trim().to_owned();
        let v: Vec<u64> = line.split(' ').map(|s| s.parse().unwrap_or(0)).collect();
        let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        results.push((kind.to_owned(), u128::from(v[0]), v[1], v[2], size));
    }
    let base = results[0].1.max(1) as f64;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "report      rows       time ms  × plain CSV  peak RSS MiB  file MiB"
    )?;
    for (kind, ms, peak, rows, size) in &results {
        writeln!(
            out,
            "{kind:<10} {rows:>9} {ms:>12} {:>11.2} {:>13.1} {:>9.1}",
            *ms as f64 / base,
            *peak as f64 / 1024.0,
            *size as f64 / 1_048_576.0
        )?;
    }
    Ok(())
}
