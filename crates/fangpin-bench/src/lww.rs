//! A last-writer-wins emulation of the cr-sqlite rule: each column keeps a version counter;
//! a merge keeps the greater counter, then the greater value, then the greater site id.
//! Everything else is dropped: this counts the saved values it loses.

use std::collections::HashMap;

use crate::workload::{Target, Val, Workload};

type Cell = (u64, Val, u64);

/// How many saved values (each device's last value of each field it edited) the rule drops.
pub fn values_lost(w: &Workload) -> u64 {
    // The merged table: (row, column) -> (col_version, value, site). Base columns are version 1.
    let mut merged: HashMap<(String, &'static str), Cell> = HashMap::new();
    let mut saved: Vec<((String, &'static str), Val)> = Vec::new();
    for (d, edits) in w.devices.iter().enumerate() {
        let site = d as u64 + 1;
        let mut local: HashMap<(String, &'static str), (u64, Val)> = HashMap::new();
        for e in edits {
            let h = &w.households[e.household];
            let (row, value) = match &e.target {
                Target::Household => (h.id.to_string(), e.value.clone()),
                Target::Member(m) => (h.members[*m].0.to_string(), e.value.clone()),
                Target::LedgerStatus(l) => {
                    let key = (h.ledger[*l].0.to_string(), "status");
                    let cur = local
                        .get(&key)
                        .map_or(h.ledger[*l].2 as i64, |(_, v)| match v {
                            Val::Int(i) => *i,
                            Val::Text(_) => 0,
                        });
                    if cur >= 3 {
                        continue;
                    }
                    (key.0, Val::Int(cur + 1))
                }
                Target::NewMember(id) => (id.to_string(), e.value.clone()),
            };
            let key = (row, e.field);
            let entry = local.entry(key).or_insert((1, value.clone()));
            entry.0 += 1;
            entry.1 = value;
        }
        for (key, (version, value)) in local {
            saved.push((key.clone(), value.clone()));
            let incoming = (version, value, site);
            merged
                .entry(key)
                .and_modify(|cur| {
                    if (incoming.0, &incoming.1, incoming.2) > (cur.0, &cur.1, cur.2) {
                        *cur = incoming.clone();
                    }
                })
                .or_insert(incoming);
        }
    }
    saved
        .iter()
        .filter(|(key, v)| merged.get(key).is_some_and(|m| &m.1 != v))
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::generate;

    #[test]
    fn no_overlap_loses_nothing_and_overlap_loses_values() {
        assert_eq!(values_lost(&generate(3, 300, 10, 0)), 0);
        assert!(values_lost(&generate(3, 300, 10, 20)) > 0);
    }
}
