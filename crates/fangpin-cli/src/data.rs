//! The service's data: `fangpin rebuild` (the read model against a rebuild from the changes),
//! `fangpin quarantine` (refused changes, listed and judged again), `fangpin epoch new` (after a
//! backup is restored) and `fangpin area import` (the names of areas).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use fangpin_server::Scope;

use crate::service::{now_ms, open, Db};

#[derive(Debug, Args)]
pub struct RebuildArgs {
    #[command(flatten)]
    db: Db,
    /// Write the rebuild where the read model differs (otherwise only compare).
    #[arg(long)]
    replace: bool,
}

/// `fangpin rebuild`: rebuilds the read model from the changes and compares; exits 1 when they
/// differ and `--replace` was not given.
pub async fn rebuild(args: RebuildArgs) -> Result<()> {
    let report = open(&args.db).await?.rebuild(args.replace).await?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "replayed {} changes of {} rows: {}",
        report.changes,
        report.rows,
        if report.differences.is_empty() {
            "the read model equals the rebuild".to_owned()
        } else {
            format!("{} differences", report.differences.len())
        }
    )?;
    for d in report.differences.iter().take(100) {
        writeln!(out, "  {d}")?;
    }
    if report.replaced {
        writeln!(out, "the rebuilt rows were written")?;
    } else if !report.differences.is_empty() {
        bail!(
            "the read model differs from a rebuild; run again with --replace to write the rebuild"
        );
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum QuarantineCommand {
    /// Lists refused changes with their reasons, newest first.
    List(QuarantineList),
    /// Judges a device's refused changes again (after the cause was fixed, a wider scope say).
    Release(QuarantineRelease),
}

#[derive(Debug, Args)]
pub struct QuarantineList {
    #[command(flatten)]
    db: Db,
    /// Only one device's.
    #[arg(long)]
    device: Option<uuid::Uuid>,
    /// At most this many.
    #[arg(long, default_value_t = 100)]
    limit: u32,
}

#[derive(Debug, Args)]
pub struct QuarantineRelease {
    #[command(flatten)]
    db: Db,
    /// The device.
    #[arg(long)]
    device: uuid::Uuid,
    /// The policy the service judges under (the same file as `fangpin serve --policy`).
    #[arg(long, env = "FANGPIN_POLICY")]
    policy: Option<std::path::PathBuf>,
}

/// `fangpin quarantine …`.
pub async fn quarantine(cmd: QuarantineCommand) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match cmd {
        QuarantineCommand::List(a) => {
            let everything = Scope::new(["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
            for q in open(&a.db)
                .await?
                .quarantine(everything, a.device, a.limit)
                .await?
            {
                writeln!(
                    out,
                    "{}\t{}\t{}.{}\t{}\t{}",
                    q.change.id, q.user, q.change.row.table, q.change.field, q.code, q.reason
                )?;
            }
        }
        QuarantineCommand::Release(a) => {
            let r = open(&a.db)
                .await?
                .release_quarantine(
                    a.device,
                    crate::policy_or_seed(a.policy.as_deref())?,
                    now_ms(),
                )
                .await?;
            writeln!(
                out,
                "judged {} refused changes again: {} accepted, {} still refused",
                r.judged, r.accepted, r.still_refused
            )?;
        }
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum EpochCommand {
    /// Starts a new epoch: run it after restoring the database from a backup, so every device
    /// sends again what the backup lacks and pulls again from what it holds.
    New(Db),
}

/// `fangpin epoch …`.
pub async fn epoch(cmd: EpochCommand) -> Result<()> {
    let EpochCommand::New(db) = cmd;
    let e = open(&db).await?.new_epoch().await?;
    writeln!(
        std::io::stdout().lock(),
        "a new epoch {} begins at sequence {}",
        e.id,
        e.base
    )?;
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum AreaCommand {
    /// Imports area names from a CSV file of `code,name` lines (统计用区划代码 and 名称).
    Import(AreaImport),
}

#[derive(Debug, Args)]
pub struct AreaImport {
    #[command(flatten)]
    db: Db,
    /// The CSV file (UTF-8): `code,name` per line; a header line is skipped.
    file: PathBuf,
}

/// `fangpin area …`.
pub async fn area(cmd: AreaCommand) -> Result<()> {
    let AreaCommand::Import(a) = cmd;
    let text = std::fs::read_to_string(&a.file)
        .with_context(|| format!("reading {}", a.file.display()))?;
    let mut names = Vec::new();
    let mut rejected = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let mut parts = line.splitn(2, ',');
        let code = parts.next().unwrap_or_default().trim();
        let name = parts.next().unwrap_or_default().trim().trim_matches('"');
        if i == 0 && !code.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if code.len() != 12 || !code.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
            rejected.push(format!(
                "line {}: {line:?}: expected a 12-digit code and a name",
                i + 1
            ));
            continue;
        }
        names.push((code.to_owned(), name.chars().take(64).collect::<String>()));
    }
    let n = open(&a.db).await?.set_area_names(names).await?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "imported {n} area names; {} lines rejected",
        rejected.len()
    )?;
    for r in &rejected {
        writeln!(out, "  {r}")?;
    }
    if !rejected.is_empty() {
        bail!(
            "{} lines were rejected (listed above); fix them and import again",
            rejected.len()
        );
    }
    Ok(())
}
