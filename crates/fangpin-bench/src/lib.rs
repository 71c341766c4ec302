//! Benchmarks of fangpin's merge engine on one seeded workload shaped like the screening work,
//! beside the Automerge crate (one document per household) and a last-writer-wins emulation of
//! the cr-sqlite rule (per-column counter, then value, then site id).
//!
//! The workload is deterministic for a seed: the same households, the same offline edits per
//! device, so every engine merges exactly the same saved values.
//! `fangpin-merge-bench` runs each engine in its own child process, so peak memory is each
//! engine's own, and prints the figures with their ratios.

pub mod automerge_run;
pub mod engine_run;
pub mod lww;
pub mod workload;

use serde::{Deserialize, Serialize};

/// How many times each merge is timed; the best time is reported.
pub const REPEATS: usize = 3;

/// What one engine measured on one workload.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Figures {
    /// The engine's name.
    pub engine: String,
    /// The share of households touched by two or more devices, in percent.
    pub overlap_pct: u32,
    /// Field changes the devices saved.
    pub changes: u64,
    /// Seconds to load the base state into the merging replica.
    pub load_secs: f64,
    /// Seconds to merge every device's changes into the loaded replica.
    pub merge_secs: f64,
    /// Field changes merged per second.
    pub merge_per_sec: f64,
    /// Bytes per change on the wire (uncompressed).
    pub wire_bytes_per_change: f64,
    /// Bytes per change on the wire, gzip-compressed.
    pub wire_gz_bytes_per_change: f64,
    /// Peak resident memory above the workload itself, in MiB.
    pub peak_mib: f64,
    /// Saved values no longer visible nor kept anywhere after the merge.
    pub values_lost: u64,
    /// Conflicts the engine shows.
    pub conflicts: u64,
}

/// Resident set size and its peak, in KiB, from /proc/self/status (0 where unavailable).
pub fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Gzip-compressed size of some bytes.
pub fn gz_len(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = e.write_all(bytes);
    e.finish().map(|v| v.len()).unwrap_or(0)
}
