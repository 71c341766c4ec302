//! A simulation of replicas that edit offline and exchange changes over a faulty network, with
//! a ground truth of causality kept apart from the engine: each write records the set of
//! versions its replica had received, and the oracle derives heads and conflicts from those sets
//! alone, never from the parents the engine wrote.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use fangpin_sync::status::LedgerState::*;
use fangpin_sync::*;
use serde_json::json;
use uuid::Uuid;

/// One step of a schedule. Indices are taken modulo what exists.
#[derive(Debug, Clone)]
pub enum Step {
    /// Set a register field.
    Edit {
        r: usize,
        row: usize,
        field: usize,
        value: u8,
    },
    /// Delete a row.
    Delete { r: usize, row: usize },
    /// Restore a deleted row.
    Restore { r: usize, row: usize },
    /// Move the ledger status to one of the allowed next states.
    Transition { r: usize, pick: usize },
    /// Append to the visit notes.
    Append { r: usize, row: usize, value: u8 },
    /// Resolve one conflict the replica sees.
    Resolve { r: usize, pick: usize },
    /// Send a random part of one replica's changes to another, shuffled, some twice.
    Deliver { from: usize, to: usize, seed: u64 },
    /// Drop versions the server holds and that are not heads.
    Compact { r: usize },
}

const FIELDS: [&str; 3] = ["head_name", "phone", "income_fen"];

#[derive(Debug, Clone)]
struct Write {
    change: Change,
    /// Versions the writer had received before writing.
    seen: HashSet<VersionId>,
}

struct Node {
    replica: Replica,
    writer: Writer,
    received: HashSet<VersionId>,
    skew_ms: u64,
}

/// The simulated world. Replica 0 plays the server: it never compacts.
pub struct World {
    nodes: Vec<Node>,
    rows: Vec<RowKey>,
    ledger: RowKey,
    writes: Vec<Write>,
    wall: u64,
}

fn rng(seed: &mut u64) -> u64 {
    // xorshift64*
    *seed ^= *seed >> 12;
    *seed ^= *seed << 25;
    *seed ^= *seed >> 27;
    seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

impl World {
    /// `n` replicas; replica 1 creates two households and a ledger item and everyone receives
    /// them. `skews` gives some devices clocks ahead.
    pub fn new(n: usize, skews: &[u64]) -> Self {
        let mut nodes: Vec<Node> = (0..n)
            .map(|i| Node {
                replica: Replica::new(super::test_schema()),
                writer: Writer::new(
                    DeviceId(Uuid::from_u128(i as u128 + 1)),
                    UserId(Uuid::from_u128(1000 + i as u128)),
                ),
                received: HashSet::new(),
                skew_ms: skews.get(i).copied().unwrap_or(0),
            })
            .collect();
        let rows = vec![
            RowKey::new("household", Uuid::from_u128(0xA1)),
            RowKey::new("household", Uuid::from_u128(0xA2)),
        ];
        let ledger = RowKey::new("ledger_item", Uuid::from_u128(0xB1));
        let mut world = World {
            nodes: Vec::new(),
            rows,
            ledger,
            writes: Vec::new(),
            wall: 1_000,
        };
        let seed = &mut nodes[1 % n];
        let mut seed_changes = Vec::new();
        for row in world.rows.clone() {
            seed_changes.extend(seed.writer.create(
                &mut seed.replica,
                &row,
                &[
                    ("head_name", json!("户主")),
                    ("phone", json!("0")),
                    ("income_fen", json!(0)),
                ],
                1_000,
            ));
        }
        seed_changes.extend(
            seed.writer
                .create(&mut seed.replica, &world.ledger, &[], 1_000),
        );
        seed_changes.push(
            seed.writer
                .transition(
                    &mut seed.replica,
                    &world.ledger,
                    "status",
                    LedgerStatus::NEW,
                    1_000,
                )
                .expect("creating a ledger item"),
        );
        for c in &seed_changes {
            world.writes.push(Write {
                change: c.clone(),
                seen: HashSet::new(),
            });
        }
        for node in nodes.iter_mut() {
            for c in &seed_changes {
                node.replica.apply(c);
                node.received.insert(c.id);
            }
        }
        world.nodes = nodes;
        world
    }

    fn record(&mut self, r: usize, result: Result<Change, WriteError>, seen: HashSet<VersionId>) {
        if let Ok(c) = result {
            self.nodes[r].received.insert(c.id);
            self.writes.push(Write { change: c, seen });
        }
    }

    /// Runs one step; steps that make no sense in the replica's state do nothing.
    pub fn step(&mut self, step: &Step) {
        self.wall += 7;
        let n = self.nodes.len();
        match *step {
            Step::Edit {
                r,
                row,
                field,
                value,
            } => {
                let r = r % n;
                let row = self.rows[row % self.rows.len()].clone();
                let field = FIELDS[field % FIELDS.len()];
                let wall = self.wall + self.nodes[r].skew_ms;
                let node = &mut self.nodes[r];
                let seen = node.received.clone();
                let res = node
                    .writer
                    .set(&mut node.replica, &row, field, json!(value % 3), wall);
                self.record(r, res, seen);
            }
            Step::Delete { r, row } => {
                let r = r % n;
                let row = self.rows[row % self.rows.len()].clone();
                let wall = self.wall + self.nodes[r].skew_ms;
                let node = &mut self.nodes[r];
                if node.replica.is_alive(&row) {
                    let seen = node.received.clone();
                    let c = node.writer.delete(&mut node.replica, &row, wall);
                    self.record(r, Ok(c), seen);
                }
            }
            Step::Restore { r, row } => {
                let r = r % n;
                let row = self.rows[row % self.rows.len()].clone();
                let wall = self.wall + self.nodes[r].skew_ms;
                let node = &mut self.nodes[r];
                if !node.replica.is_alive(&row) {
                    let seen = node.received.clone();
                    let c = node.writer.restore(&mut node.replica, &row, wall);
                    self.record(r, Ok(c), seen);
                }
            }
            Step::Transition { r, pick } => {
                let r = r % n;
                let wall = self.wall + self.nodes[r].skew_ms;
                let ledger = self.ledger.clone();
                let node = &mut self.nodes[r];
                let Some(cur) = node
                    .replica
                    .value(&ledger, "status")
                    .and_then(|v| serde_json::from_value::<LedgerStatus>(v).ok())
                else {
                    return;
                };
                let options: Vec<LedgerStatus> = [
                    LedgerStatus::new(cur.round, InProgress),
                    LedgerStatus::new(cur.round, Rectified),
                    LedgerStatus::new(cur.round, Closed),
                    LedgerStatus::new(cur.round + 1, Found),
                ]
                .into_iter()
                .filter(|to| LedgerStatus::check(Some(cur), *to).is_ok())
                .collect();
                if options.is_empty() {
                    return;
                }
                let to = options[pick % options.len()];
                let seen = node.received.clone();
                let res = node
                    .writer
                    .transition(&mut node.replica, &ledger, "status", to, wall);
                self.record(r, res, seen);
            }
            Step::Append { r, row, value } => {
                let r = r % n;
                let row = self.rows[row % self.rows.len()].clone();
                let wall = self.wall + self.nodes[r].skew_ms;
                let node = &mut self.nodes[r];
                let seen = node.received.clone();
                let res =
                    node.writer
                        .append(&mut node.replica, &row, "visit_notes", json!(value), wall);
                self.record(r, res, seen);
            }
            Step::Resolve { r, pick } => {
                let r = r % n;
                let wall = self.wall + self.nodes[r].skew_ms;
                let node = &mut self.nodes[r];
                let conflicts = node.replica.conflicts();
                if conflicts.is_empty() {
                    return;
                }
                let c = &conflicts[pick % conflicts.len()];
                let head = &c.heads[pick % c.heads.len()];
                let seen = node.received.clone();
                let res = match c.kind {
                    ConflictKind::Value => node.writer.set(
                        &mut node.replica,
                        &c.row,
                        &c.field,
                        head.value.clone(),
                        wall,
                    ),
                    ConflictKind::Status => match serde_json::from_value(head.value.clone()) {
                        Ok(s) => {
                            node.writer
                                .resolve_status(&mut node.replica, &c.row, &c.field, s, wall)
                        }
                        Err(_) => return,
                    },
                    ConflictKind::EditDelete => Ok(if pick % 2 == 0 {
                        node.writer.restore(&mut node.replica, &c.row, wall)
                    } else {
                        node.writer.delete(&mut node.replica, &c.row, wall)
                    }),
                };
                self.record(r, res, seen);
            }
            Step::Deliver { from, to, mut seed } => {
                let (from, to) = (from % n, to % n);
                if from == to {
                    return;
                }
                let mut batch: Vec<Change> = self.nodes[from]
                    .replica
                    .changes()
                    .into_iter()
                    .filter(|_| rng(&mut seed) % 4 != 0) // a quarter is lost
                    .collect();
                for i in (1..batch.len()).rev() {
                    let j = (rng(&mut seed) % (i as u64 + 1)) as usize;
                    batch.swap(i, j);
                }
                let wall = self.wall + self.nodes[to].skew_ms;
                let node = &mut self.nodes[to];
                for c in &batch {
                    node.replica.apply(c);
                    if rng(&mut seed) % 5 == 0 {
                        assert_eq!(node.replica.apply(c), Applied::Duplicate);
                    }
                    let _ = node.writer.clock.observe(c.hlc, wall);
                    node.received.insert(c.id);
                }
            }
            Step::Compact { r } => {
                let r = r % n;
                if r == 0 {
                    return;
                }
                let server: HashSet<VersionId> = self.nodes[0].received.clone();
                let before = self.nodes[r].replica.state_hash();
                self.nodes[r].replica.compact(|id| server.contains(id));
                assert_eq!(
                    self.nodes[r].replica.state_hash(),
                    before,
                    "compaction changed the state"
                );
            }
        }
    }

    /// Every replica sends everything to every other until nothing new moves.
    pub fn full_exchange(&mut self) {
        let n = self.nodes.len();
        loop {
            let mut moved = false;
            for from in 0..n {
                let batch = self.nodes[from].replica.changes();
                for to in 0..n {
                    if to == from {
                        continue;
                    }
                    for c in &batch {
                        if self.nodes[to].replica.apply(c) == Applied::New {
                            moved = true;
                        }
                    }
                }
            }
            if !moved {
                break;
            }
        }
    }

    /// Checks the three guarantees after a full exchange.
    pub fn check(&self) -> Result<(), String> {
        // Convergence.
        let hashes: BTreeSet<String> = self.nodes.iter().map(|n| n.replica.state_hash()).collect();
        if hashes.len() != 1 {
            return Err(format!("replicas diverged: {hashes:?}"));
        }
        // Nothing lost: every saved value is on every replica, in its field's history.
        for w in &self.writes {
            for (i, node) in self.nodes.iter().enumerate() {
                let c = &w.change;
                if !node
                    .replica
                    .history(&c.row, &c.field)
                    .iter()
                    .any(|h| h == c)
                {
                    return Err(format!("replica {i} lost {:?}", c.id));
                }
            }
        }
        // Conflicts are exactly the ground truth.
        let truth = self.truth_conflicts();
        for (i, node) in self.nodes.iter().enumerate() {
            let got: BTreeMap<(RowKey, String), (ConflictKind, BTreeSet<VersionId>)> = node
                .replica
                .conflicts()
                .into_iter()
                .map(|c| {
                    (
                        (c.row, c.field),
                        (c.kind, c.heads.iter().map(|h| h.version).collect()),
                    )
                })
                .collect();
            if got != truth {
                return Err(format!(
                    "replica {i} conflicts {got:#?}\n!= truth {truth:#?}"
                ));
            }
        }
        // Values outside conflicts are the truth's single head value.
        for ((row, field), heads) in self.truth_heads() {
            if truth.contains_key(&(row.clone(), field.clone())) || field == "visit_notes" {
                continue;
            }
            let values: BTreeSet<String> = heads
                .iter()
                .map(|w| w.change.op.value().to_string())
                .collect();
            let got = self.nodes[0]
                .replica
                .value(&row, &field)
                .map(|v| v.to_string());
            let status_rule = field == "status";
            if !status_rule && (values.len() != 1 || got.as_ref() != values.iter().next()) {
                return Err(format!(
                    "{row}.{field} shows {got:?}, truth heads {values:?}"
                ));
            }
        }
        Ok(())
    }

    fn truth_heads(&self) -> BTreeMap<(RowKey, String), Vec<&Write>> {
        let mut by_field: BTreeMap<(RowKey, String), Vec<&Write>> = BTreeMap::new();
        for w in &self.writes {
            by_field
                .entry((w.change.row.clone(), w.change.field.clone()))
                .or_default()
                .push(w);
        }
        let mut out = BTreeMap::new();
        for (key, ws) in by_field {
            let heads: Vec<&Write> = if key.1 == "visit_notes" {
                ws.clone()
            } else {
                ws.iter()
                    .filter(|w| {
                        !ws.iter()
                            .any(|o| o.change.id != w.change.id && o.seen.contains(&w.change.id))
                    })
                    .copied()
                    .collect()
            };
            out.insert(key, heads);
        }
        out
    }

    /// The conflicts that the generator's knowledge implies, independent of the engine.
    fn truth_conflicts(&self) -> BTreeMap<(RowKey, String), (ConflictKind, BTreeSet<VersionId>)> {
        let heads = self.truth_heads();
        let mut out = BTreeMap::new();
        let ids = |ws: &[&Write]| ws.iter().map(|w| w.change.id).collect::<BTreeSet<_>>();
        for ((row, field), hs) in &heads {
            if field == "visit_notes" {
                continue;
            }
            let values: BTreeSet<String> =
                hs.iter().map(|w| w.change.op.value().to_string()).collect();
            if values.len() < 2 {
                continue;
            }
            let kind = if field == "status" {
                let forward = hs.iter().all(|w| match w.change.op {
                    Op::Transition { from, to } => LedgerStatus::is_forward(from, to),
                    _ => false,
                });
                if forward {
                    continue;
                }
                ConflictKind::Status
            } else {
                ConflictKind::Value
            };
            out.insert((row.clone(), field.clone()), (kind, ids(hs)));
        }
        // Edit against delete: every alive head is a delete, and a head of another field was
        // seen by none of the row's deletes.
        let rows: BTreeSet<RowKey> = heads.keys().map(|(r, _)| r.clone()).collect();
        for row in rows {
            let Some(alive) = heads.get(&(row.clone(), ALIVE.to_owned())) else {
                continue;
            };
            if !alive.iter().all(|w| w.change.op.value() == json!(false)) {
                continue;
            }
            let deletes: Vec<&Write> = self
                .writes
                .iter()
                .filter(|w| {
                    w.change.row == row
                        && w.change.field == ALIVE
                        && w.change.op.value() == json!(false)
                })
                .collect();
            let mut conflict = ids(alive);
            let mut uncovered = false;
            for ((r, f), hs) in &heads {
                if *r != row || f == ALIVE || f == "visit_notes" {
                    continue;
                }
                for h in hs {
                    if !deletes.iter().any(|d| d.seen.contains(&h.change.id)) {
                        conflict.insert(h.change.id);
                        uncovered = true;
                    }
                }
            }
            if uncovered {
                out.insert(
                    (row, ALIVE.to_owned()),
                    (ConflictKind::EditDelete, conflict),
                );
            }
        }
        out
    }
}

/// A count of distinct kinds seen across cases, so the test can show the schedules were rich.
pub fn kinds(world: &World) -> HashMap<ConflictKind, usize> {
    let mut m = HashMap::new();
    for c in world.nodes[0].replica.conflicts() {
        *m.entry(c.kind).or_insert(0) += 1;
    }
    m
}
