//! Likely duplicate people: the same identity number on two member rows.
//!
//! Two tablets may each add the same person as a new member row; the rows have different ids,
//! so the merge keeps both, and this check reports them for a supervisor instead of merging.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::RowKey;
use crate::replica::Replica;

/// Member rows that share an identity number within one scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duplicate {
    /// The shared identity number.
    pub key: String,
    /// Where they collide: `household:<id>` or `village:<code>`.
    pub scope: String,
    /// The rows, sorted.
    pub rows: Vec<RowKey>,
}

/// Groups rows by (scope, key) and returns every group with more than one row, sorted.
pub fn find_duplicates(rows: impl IntoIterator<Item = (RowKey, String, String)>) -> Vec<Duplicate> {
    let mut groups: BTreeMap<(String, String), Vec<RowKey>> = BTreeMap::new();
    for (row, key, scope) in rows {
        groups.entry((scope, key)).or_default().push(row);
    }
    groups
        .into_iter()
        .filter(|(_, rows)| rows.len() > 1)
        .map(|((scope, key), mut rows)| {
            rows.sort();
            Duplicate { key, scope, rows }
        })
        .collect()
}

impl Replica {
    /// Live `member` rows that share an `id_number` in one household, or across households of
    /// one village (the household's `village_code`).
    pub fn duplicate_members(&self) -> Vec<Duplicate> {
        let mut entries = Vec::new();
        for row in self.alive_rows("member") {
            let Some(id_number) = self
                .value(&row, "id_number")
                .and_then(|v| v.as_str().map(str::to_owned))
            else {
                continue;
            };
            if id_number.is_empty() {
                continue;
            }
            let household = self
                .value(&row, "household_id")
                .and_then(|v| v.as_str().map(str::to_owned));
            if let Some(h) = &household {
                entries.push((row.clone(), id_number.clone(), format!("household:{h}")));
                let village = h
                    .parse()
                    .ok()
                    .map(|id| RowKey::new("household", id))
                    .and_then(|k| self.value(&k, "village_code"))
                    .and_then(|v| v.as_str().map(str::to_owned));
                if let Some(v) = village {
                    entries.push((row, id_number, format!("village:{v}")));
                }
            }
        }
        let found = find_duplicates(entries);
        // A pair already reported within one household is not reported again for its village.
        let in_households: Vec<Vec<RowKey>> = found
            .iter()
            .filter(|d| d.scope.starts_with("household:"))
            .map(|d| d.rows.clone())
            .collect();
        found
            .into_iter()
            .filter(|d| d.scope.starts_with("household:") || !in_households.contains(&d.rows))
            .collect()
    }
}
