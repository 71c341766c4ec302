//! `fangpin-server-bench`: the sync service's storage measured beside a baseline of the same
//! database in the same run (the machines are noisy, so ratios are what compare).
//!
//! - `ingest`: about 1,000,000 changes of a county's screening (households with their
//!   members, income years and ledger items) pushed by 50 devices at once in batches of about
//!   1,000 cut at row boundaries, through `Backend::push` with the read model kept up to date,
//!   on SQLite and on PostgreSQL, beside a plain bulk insert of the rows the push writes (the
//!   changes, one read-model row per row, one `field_state` row per field).
//! - `progress`: `Backend::progress` for a county of 300,000 households, beside a plain
//!   `SELECT COUNT(*)` of the households' read model, on SQLite and on PostgreSQL.
//! - `pull`: an incremental pull of 100 new changes with 100,000 and with 10,000,000 changes
//!   stored (SQLite); the cost must not grow with the store.
//! - `download`: the initial download of one village to an empty device over loopback.
//! - `load`: 500 devices syncing at once over loopback.
//! - `history`: a one-change push to a household after 0, 5,000 and 40,000 changes to another
//!   of its fields, on SQLite and on PostgreSQL; the cost must not grow with the history.
//!
//! See docs/benchmarks.md for the figures and the commands.
#![allow(clippy::print_stdout)]

#[path = "server_bench/common.rs"]
mod common;
#[path = "server_bench/download.rs"]
mod download;
#[path = "server_bench/history.rs"]
mod history;
#[path = "server_bench/ingest.rs"]
mod ingest;
#[path = "server_bench/load.rs"]
mod load;
#[path = "server_bench/progress.rs"]
mod progress;
#[path = "server_bench/pull.rs"]
mod pull;

use anyhow::{bail, Context, Result};

const USAGE: &str =
    "fangpin-server-bench [ingest|progress|pull|download|load|history|all] [options]
  ingest    --changes 1000000 --devices 50 --batch 1000 --townships 10 [--no-postgres]
  progress  --households 300000 --runs 11 [--no-postgres]
  pull      --small 100000 --big 10000000 --runs 30
  download
  load      --load-devices 500
  history   --pushes 101 [--no-postgres]";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let what = args.first().map(String::as_str).unwrap_or("all");
    let num = |flag: &str, default: u64| -> Result<u64> {
        match args.iter().position(|a| a == flag) {
            Some(i) => args
                .get(i + 1)
                .context("a number")?
                .parse()
                .context(flag.to_owned()),
            None => Ok(default),
        }
    };
    let postgres = !args.iter().any(|a| a == "--no-postgres");
    let ingest = ingest::Options {
        devices: num("--devices", 50)? as usize,
        changes: num("--changes", 1_000_000)? as usize,
        batch: num("--batch", 1_000)? as usize,
        townships: num("--townships", 10)?.max(1) as usize,
        postgres,
    };
    let progress = progress::Options {
        households: num("--households", 300_000)? as usize,
        runs: num("--runs", 11)?.max(1) as usize,
        postgres,
    };
    let pull_sizes = [num("--small", 100_000)?, num("--big", 10_000_000)?];
    let pull_runs = num("--runs", 30)?.max(1) as usize;
    let load_devices = num("--load-devices", 500)? as usize;
    let history = history::Options {
        runs: num("--pushes", 101)?.max(1) as usize,
        postgres,
    };
    match what {
        "ingest" => ingest::run(&ingest).await,
        "progress" => progress::run(&progress).await,
        "pull" => pull::run(&pull_sizes, pull_runs).await,
        "download" => download::run().await,
        "load" => load::run(load_devices).await,
        "history" => history::run(&history).await,
        "all" => {
            ingest::run(&ingest).await?;
            progress::run(&progress).await?;
            pull::run(&pull_sizes, 30).await?;
            download::run().await?;
            load::run(load_devices).await?;
            history::run(&history).await
        }
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown benchmark {other}\n{USAGE}"),
    }
}
