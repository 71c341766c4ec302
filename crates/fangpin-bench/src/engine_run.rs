//! The workload through fangpin's merge engine.

use std::collections::HashMap;
use std::time::Instant;

use fangpin_sync::status::LedgerState;
use fangpin_sync::wire::PushRequest;
use fangpin_sync::{Change, DeviceId, LedgerStatus, Replica, RowKey, UserId, Writer};
use uuid::Uuid;

use crate::workload::{Target, Workload};
use crate::{gz_len, Figures};

const STATES: [LedgerState; 4] = [
    LedgerState::Found,
    LedgerState::InProgress,
    LedgerState::Rectified,
    LedgerState::Closed,
];

fn writer(n: u128) -> Writer {
    Writer::new(
        DeviceId(Uuid::from_u128(n + 1)),
        UserId(Uuid::from_u128(n + 10_000)),
    )
}

/// The base changes of each household, as the import device made them.
pub fn base_changes(w: &Workload) -> Vec<Vec<Change>> {
    let mut import = writer(1_000_000);
    w.households
        .iter()
        .map(|h| {
            let mut rep = Replica::new(fangpin_catalogue::schema().clone());
            let mut out = Vec::new();
            let row = RowKey::new("household", h.id);
            let fields: Vec<_> = h.fields.iter().map(|(f, v)| (*f, v.json())).collect();
            out.extend(import.create(&mut rep, &row, &fields, 1_000));
            for (mid, mf) in &h.members {
                let fields: Vec<_> = mf.iter().map(|(f, v)| (*f, v.json())).collect();
                out.extend(import.create(&mut rep, &RowKey::new("member", *mid), &fields, 1_000));
            }
            for (lid, lf, state) in &h.ledger {
                let key = RowKey::new("ledger_item", *lid);
                let fields: Vec<_> = lf.iter().map(|(f, v)| (*f, v.json())).collect();
                out.extend(import.create(&mut rep, &key, &fields, 1_000));
                for s in STATES.iter().take(*state as usize + 1) {
                    // Steps along the allowed path; the import knows it is valid.
                    if let Ok(c) =
                        import.transition(&mut rep, &key, "status", LedgerStatus::new(1, *s), 1_000)
                    {
                        out.push(c);
                    }
                }
            }
            out
        })
        .collect()
}

/// Each device's change log after its offline edits.
pub fn device_logs(w: &Workload, base: &[Vec<Change>]) -> Vec<Vec<Change>> {
    (0..w.devices.len())
        .map(|d| {
            let mut rep = Replica::new(fangpin_catalogue::schema().clone());
            for h in w.touched(d) {
                for c in &base[h] {
                    rep.apply(c);
                }
            }
            let mut wr = writer(d as u128);
            let mut log = Vec::new();
            for (i, e) in w.devices[d].iter().enumerate() {
                let wall = 2_000 + i as u64;
                let hh = &w.households[e.household];
                let result = match &e.target {
                    Target::Household => wr
                        .set(
                            &mut rep,
                            &RowKey::new("household", hh.id),
                            e.field,
                            e.value.json(),
                            wall,
                        )
                        .map(|c| vec![c]),
                    Target::Member(m) => wr
                        .set(
                            &mut rep,
                            &RowKey::new("member", hh.members[*m].0),
                            e.field,
                            e.value.json(),
                            wall,
                        )
                        .map(|c| vec![c]),
                    Target::LedgerStatus(l) => {
                        let key = RowKey::new("ledger_item", hh.ledger[*l].0);
                        let cur: Option<LedgerStatus> = rep
                            .value(&key, "status")
                            .and_then(|v| serde_json::from_value(v).ok());
                        match cur
                            .and_then(|c| STATES.iter().position(|s| *s == c.state).map(|i| (c, i)))
                        {
                            Some((c, i)) if i + 1 < STATES.len() => wr
                                .transition(
                                    &mut rep,
                                    &key,
                                    "status",
                                    LedgerStatus::new(c.round, STATES[i + 1]),
                                    wall,
                                )
                                .map(|c| vec![c]),
                            _ => Ok(Vec::new()),
                        }
                    }
                    Target::NewMember(id) => Ok(wr.create(
                        &mut rep,
                        &RowKey::new("member", *id),
                        &[
                            ("household_id", serde_json::json!(hh.id.to_string())),
                            ("name", e.value.json()),
                        ],
                        wall,
                    )),
                };
                if let Ok(cs) = result {
                    log.extend(cs);
                }
            }
            log
        })
        .collect()
}

/// Runs the workload and measures.
pub fn run(w: &Workload, overlap_pct: u32) -> Figures {
    let (rss_before, _) = crate::memory_kib();
    let base = base_changes(w);
    let logs = device_logs(w, &base);

    // The server receives owned changes, as decoded from the wire; copying them is not merging.
    let incoming_base: Vec<Change> = base.iter().flatten().cloned().collect();
    let incoming: Vec<Change> = logs.iter().flatten().cloned().collect();
    let changes = incoming.len() as u64;

    let mut server = Replica::new(fangpin_catalogue::schema().clone());
    let t = Instant::now();
    for c in incoming_base {
        server.apply_owned(c);
    }
    let load_secs = t.elapsed().as_secs_f64();

    // The best of a few runs on fresh copies of the loaded server: this machine is noisy.
    let mut merge_secs = f64::INFINITY;
    for _ in 0..crate::REPEATS {
        let mut copy = server.clone();
        let batch = incoming.clone();
        let t = Instant::now();
        for c in batch {
            copy.apply_owned(c);
        }
        merge_secs = merge_secs.min(t.elapsed().as_secs_f64());
    }
    for c in incoming {
        server.apply_owned(c);
    }
    let (_, peak) = crate::memory_kib();

    let (mut bytes, mut gz) = (0usize, 0usize);
    for (d, log) in logs.iter().enumerate() {
        for chunk in log.chunks(1_000) {
            let req = PushRequest::new(DeviceId(Uuid::from_u128(d as u128 + 1)), chunk.to_vec());
            let body = serde_json::to_vec(&req).unwrap_or_default();
            bytes += body.len();
            gz += gz_len(&body);
        }
    }

    // Lost: a device's last saved value of a field that is neither shown nor a conflict head,
    // or any saved change missing from the server's history.
    let mut last: HashMap<(RowKey, String), Vec<serde_json::Value>> = HashMap::new();
    let mut values_lost = 0;
    for log in &logs {
        let mut mine: HashMap<(RowKey, String), serde_json::Value> = HashMap::new();
        for c in log {
            if !server.contains(c) {
                values_lost += 1;
            }
            mine.insert((c.row.clone(), c.field.clone()), c.op.value());
        }
        for (k, v) in mine {
            last.entry(k).or_default().push(v);
        }
    }
    for ((row, field), values) in &last {
        let heads: Vec<serde_json::Value> = server
            .head_infos(row, field)
            .into_iter()
            .map(|h| h.value)
            .collect();
        let shown = server.value(row, field);
        for v in values {
            if shown.as_ref() != Some(v) && !heads.contains(v) {
                values_lost += 1;
            }
        }
    }

    Figures {
        engine: "fangpin".into(),
        overlap_pct,
        changes,
        load_secs,
        merge_secs,
        merge_per_sec: changes as f64 / merge_secs.max(1e-9),
        wire_bytes_per_change: bytes as f64 / changes.max(1) as f64,
        wire_gz_bytes_per_change: gz as f64 / changes.max(1) as f64,
        peak_mib: peak.saturating_sub(rss_before) as f64 / 1024.0,
        values_lost,
        conflicts: server.conflicts().len() as u64,
    }
}
