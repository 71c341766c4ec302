//! The workload through the Automerge crate: one document per household, members and ledger
//! items as nested maps, devices as forks, merged by `merge` (throughput) and, separately,
//! through Automerge's own sync messages (bytes on the wire).

use std::collections::HashMap;
use std::time::Instant;

use automerge::sync::{self, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjId, ObjType, ReadDoc, ScalarValue, Value, ROOT};

use crate::workload::{Target, Val, Workload};
use crate::{gz_len, Figures};

fn scalar(v: &Val) -> ScalarValue {
    match v {
        Val::Int(i) => ScalarValue::Int(*i),
        Val::Text(t) => ScalarValue::Str(t.as_str().into()),
    }
}

fn child(doc: &AutoCommit, parent: &ObjId, key: &str) -> anyhow::Result<ObjId> {
    match doc.get(parent, key)? {
        Some((Value::Object(_), id)) => Ok(id),
        _ => anyhow::bail!("no object at {key}"),
    }
}

fn base_docs(w: &Workload) -> anyhow::Result<Vec<AutoCommit>> {
    w.households
        .iter()
        .map(|h| {
            let mut doc = AutoCommit::new().with_actor(ActorId::from(vec![0xFF; 16]));
            for (f, v) in &h.fields {
                doc.put(ROOT, *f, scalar(v))?;
            }
            let members = doc.put_object(ROOT, "members", ObjType::Map)?;
            for (id, fields) in &h.members {
                let m = doc.put_object(&members, id.to_string(), ObjType::Map)?;
                for (f, v) in fields {
                    doc.put(&m, *f, scalar(v))?;
                }
            }
            let ledger = doc.put_object(ROOT, "ledger", ObjType::Map)?;
            for (id, fields, state) in &h.ledger {
                let l = doc.put_object(&ledger, id.to_string(), ObjType::Map)?;
                for (f, v) in fields {
                    doc.put(&l, *f, scalar(v))?;
                }
                doc.put(&l, "status", ScalarValue::Int(*state as i64))?;
            }
            doc.commit();
            Ok(doc)
        })
        .collect()
}

/// (household, object path, field) of a device's last saved value, and the value.
type Saved = ((usize, String, &'static str), ScalarValue);

/// Each device's documents, by household.
type DeviceDocs = Vec<Vec<(usize, AutoCommit)>>;

fn device_docs(w: &Workload, base: &mut [AutoCommit]) -> anyhow::Result<(DeviceDocs, Vec<Saved>)> {
    let mut all = Vec::new();
    let mut saved = Vec::new();
    for d in 0..w.devices.len() {
        let mut docs: HashMap<usize, AutoCommit> = HashMap::new();
        for h in w.touched(d) {
            let mut actor = vec![0u8; 16];
            actor[..8].copy_from_slice(&(d as u64 + 1).to_be_bytes());
            docs.insert(h, base[h].fork().with_actor(ActorId::from(actor)));
        }
        let mut mine: HashMap<(usize, String, &'static str), ScalarValue> = HashMap::new();
        for e in &w.devices[d] {
            let hh = &w.households[e.household];
            let Some(doc) = docs.get_mut(&e.household) else {
                continue;
            };
            match &e.target {
                Target::Household => {
                    doc.put(ROOT, e.field, scalar(&e.value))?;
                    mine.insert((e.household, String::new(), e.field), scalar(&e.value));
                }
                Target::Member(m) => {
                    let members = child(doc, &ROOT, "members")?;
                    let id = hh.members[*m].0.to_string();
                    let obj = child(doc, &members, &id)?;
                    doc.put(&obj, e.field, scalar(&e.value))?;
                    mine.insert(
                        (e.household, format!("members/{id}"), e.field),
                        scalar(&e.value),
                    );
                }
                Target::LedgerStatus(l) => {
                    let ledger = child(doc, &ROOT, "ledger")?;
                    let id = hh.ledger[*l].0.to_string();
                    let obj = child(doc, &ledger, &id)?;
                    let cur = match doc.get(&obj, "status")? {
                        Some((Value::Scalar(s), _)) => s.as_i64().unwrap_or(0),
                        _ => 0,
                    };
                    if cur < 3 {
                        doc.put(&obj, "status", ScalarValue::Int(cur + 1))?;
                        mine.insert(
                            (e.household, format!("ledger/{id}"), "status"),
                            ScalarValue::Int(cur + 1),
                        );
                    }
                }
                Target::NewMember(id) => {
                    let members = child(doc, &ROOT, "members")?;
                    let obj = doc.put_object(&members, id.to_string(), ObjType::Map)?;
                    doc.put(
                        &obj,
                        "household_id",
                        ScalarValue::Str(hh.id.to_string().into()),
                    )?;
                    doc.put(&obj, "name", scalar(&e.value))?;
                }
            }
        }
        for doc in docs.values_mut() {
            doc.commit();
        }
        let mut list: Vec<_> = docs.into_iter().collect();
        list.sort_by_key(|(h, _)| *h);
        all.push(list);
        saved.extend(mine);
    }
    Ok((all, saved))
}

fn resolve(doc: &AutoCommit, path: &str) -> anyhow::Result<ObjId> {
    let mut obj = ROOT;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        obj = child(doc, &obj, part)?;
    }
    Ok(obj)
}

/// Runs the workload and measures.
pub fn run(w: &Workload, overlap_pct: u32) -> anyhow::Result<Figures> {
    let (rss_before, _) = crate::memory_kib();
    let t = Instant::now();
    let mut base = base_docs(w)?;
    let load_secs = t.elapsed().as_secs_f64();
    let (mut devices, saved) = device_docs(w, &mut base)?;
    let changes = w.change_count();

    // Automerge's sync protocol, device to a copy of the server, for the bytes on the wire.
    let mut by_sync: Vec<AutoCommit> = base.iter_mut().map(|d| d.fork()).collect();
    let (mut bytes, mut gz) = (0usize, 0usize);
    for docs in devices.iter_mut() {
        for (h, doc) in docs.iter_mut() {
            let server = &mut by_sync[*h];
            let (mut s_dev, mut s_srv) = (sync::State::new(), sync::State::new());
            loop {
                let mut moved = false;
                if let Some(m) = doc.sync().generate_sync_message(&mut s_dev) {
                    let enc = m.encode();
                    bytes += enc.len();
                    gz += gz_len(&enc);
                    server
                        .sync()
                        .receive_sync_message(&mut s_srv, sync::Message::decode(&enc)?)?;
                    moved = true;
                }
                if let Some(m) = server.sync().generate_sync_message(&mut s_srv) {
                    let enc = m.encode();
                    bytes += enc.len();
                    gz += gz_len(&enc);
                    doc.sync()
                        .receive_sync_message(&mut s_dev, sync::Message::decode(&enc)?)?;
                    moved = true;
                }
                if !moved {
                    break;
                }
            }
        }
    }
    drop(by_sync);

    // The best of a few runs on fresh copies of the base: this machine is noisy.
    let mut merge_secs = f64::INFINITY;
    let mut server: Vec<AutoCommit> = Vec::new();
    for _ in 0..crate::REPEATS {
        server = base.iter_mut().map(|d| d.fork()).collect();
        let t = Instant::now();
        for docs in devices.iter_mut() {
            for (h, doc) in docs.iter_mut() {
                server[*h].merge(doc)?;
            }
        }
        merge_secs = merge_secs.min(t.elapsed().as_secs_f64());
    }
    drop(base);
    let (_, peak) = crate::memory_kib();

    let mut values_lost = 0;
    let mut conflicts = 0;
    let mut seen = std::collections::HashSet::new();
    for ((h, path, field), v) in &saved {
        let doc = &server[*h];
        let obj = resolve(doc, path)?;
        let all: Vec<ScalarValue> = doc
            .get_all(&obj, *field)?
            .into_iter()
            .filter_map(|(v, _)| match v {
                Value::Scalar(s) => Some(s.into_owned()),
                Value::Object(_) => None,
            })
            .collect();
        if !all.contains(v) {
            values_lost += 1;
        }
        if all.len() > 1 && seen.insert((*h, path.clone(), *field)) {
            conflicts += 1;
        }
    }

    Ok(Figures {
        engine: "automerge".into(),
        overlap_pct,
        changes,
        load_secs,
        merge_secs,
        merge_per_sec: changes as f64 / merge_secs.max(1e-9),
        wire_bytes_per_change: bytes as f64 / changes.max(1) as f64,
        wire_gz_bytes_per_change: gz as f64 / changes.max(1) as f64,
        peak_mib: peak.saturating_sub(rss_before) as f64 / 1024.0,
        values_lost,
        conflicts,
    })
}
