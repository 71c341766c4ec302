//! `fangpin-merge-bench`: the merge engine beside Automerge and a last-writer-wins emulation on
//! one seeded workload. Each engine runs in a child process of this binary so that peak memory
//! is its own. See docs/benchmarks.md for the command and the figures.
#![allow(clippy::print_stdout)]

use std::process::Command;

use anyhow::{bail, Context, Result};
use fangpin_bench::{automerge_run, engine_run, lww, workload, Figures};

struct Args {
    households: usize,
    devices: usize,
    seed: u64,
    overlaps: Vec<u32>,
    engine: Option<String>,
}

fn parse() -> Result<Args> {
    let mut a = Args {
        households: 5_000,
        devices: 50,
        seed: 20_261_129,
        overlaps: vec![0, 5, 20],
        engine: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--households" => a.households = val()?.parse().context("--households")?,
            "--devices" => a.devices = val()?.parse().context("--devices")?,
            "--seed" => a.seed = val()?.parse().context("--seed")?,
            "--overlaps" => {
                a.overlaps = val()?.split(',').map(|s| s.parse().context("--overlaps")).collect::<Result<_>>()?
            }
            "--engine" => a.engine = Some(val()?),
            other => bail!("unknown argument {other}; use --households N --devices N --seed N --overlaps 0,5,20"),
        }
    }
    Ok(a)
}

fn main() -> Result<()> {
    let a = parse()?;
    if let Some(engine) = &a.engine {
        let overlap = a.overlaps[0];
        let w = workload::generate(a.seed, a.households, a.devices, overlap);
        let f = match engine.as_str() {
            "fangpin" => engine_run::run(&w, overlap),
            "automerge" => automerge_run::run(&w, overlap)?,
            other => bail!("unknown engine {other}"),
        };
        println!("{}", serde_json::to_string(&f)?);
        return Ok(());
    }
    println!(
        "workload: {} households, {} devices, seed {}; each engine in its own process\n",
        a.households, a.devices, a.seed
    );
    let exe = std::env::current_exe()?;
    for &overlap in &a.overlaps {
        let mut figs = Vec::new();
        for engine in ["fangpin", "automerge"] {
            let out = Command::new(&exe)
                .args(["--engine", engine, "--overlaps", &overlap.to_string()])
                .args([
                    "--households",
                    &a.households.to_string(),
                    "--devices",
                    &a.devices.to_string(),
                ])
                .args(["--seed", &a.seed.to_string()])
                .output()
                .with_context(|| format!("running the {engine} child"))?;
            if !out.status.success() {
                bail!(
                    "{engine} child failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            let f: Figures = serde_json::from_slice(&out.stdout).context("child output")?;
            figs.push(f);
        }
        let lww_lost = lww::values_lost(&workload::generate(
            a.seed,
            a.households,
            a.devices,
            overlap,
        ));
        let (ours, am) = (&figs[0], &figs[1]);
        println!(
            "overlap {overlap}%: {} field changes saved offline by {} devices",
            ours.changes, a.devices
        );
        println!(
            "  {:<10} {:>12} {:>10} {:>10} {:>9} {:>9} {:>10} {:>10} {:>7}",
            "engine",
            "merge/s",
            "merge s",
            "load s",
            "B/chg",
            "gzB/chg",
            "peak MiB",
            "conflicts",
            "lost"
        );
        for f in &figs {
            println!(
                "  {:<10} {:>12.0} {:>10.3} {:>10.3} {:>9.1} {:>9.1} {:>10.1} {:>10} {:>7}",
                f.engine,
                f.merge_per_sec,
                f.merge_secs,
                f.load_secs,
                f.wire_bytes_per_change,
                f.wire_gz_bytes_per_change,
                f.peak_mib,
                f.conflicts,
                f.values_lost
            );
        }
        println!(
            "  {:<10} {:>12} {:>10} {:>10} {:>9} {:>9} {:>10} {:>10} {:>7}",
            "lww", "-", "-", "-", "-", "-", "-", "0", lww_lost
        );
        println!(
            "  ratios fangpin/automerge: merge throughput {:.1}x, load {:.1}x faster, wire bytes {:.2}x (gzip {:.2}x), peak memory {:.2}x\n",
            ours.merge_per_sec / am.merge_per_sec.max(1e-9),
            am.load_secs / ours.load_secs.max(1e-9),
            ours.wire_bytes_per_change / am.wire_bytes_per_change.max(1e-9),
            ours.wire_gz_bytes_per_change / am.wire_gz_bytes_per_change.max(1e-9),
            ours.peak_mib / am.peak_mib.max(1e-9),
        );
    }
    Ok(())
}
