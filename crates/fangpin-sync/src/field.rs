//! One field's register: its versions, its heads, and how the heads resolve.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::change::{Change, Op, Value};
use crate::clock::Hlc;
use crate::ids::{RowKey, UserId, VersionId};
use crate::schema::FieldRule;
use crate::status::LedgerStatus;

/// A stored version without its row and field (the field state knows them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Version {
    pub op: Op,
    pub parents: Vec<VersionId>,
    pub covers: Vec<VersionId>,
    pub author: UserId,
    pub hlc: Hlc,
}

impl Version {
    pub(crate) fn from_change(c: &Change) -> Self {
        Self {
            op: c.op.clone(),
            parents: c.parents.clone(),
            covers: c.covers.clone(),
            author: c.author,
            hlc: c.hlc,
        }
    }

    pub(crate) fn to_change(&self, id: VersionId, row: &RowKey, field: &str) -> Change {
        Change {
            id,
            row: row.clone(),
            field: field.to_owned(),
            op: self.op.clone(),
            parents: self.parents.clone(),
            covers: self.covers.clone(),
            author: self.author,
            hlc: self.hlc,
        }
    }
}

/// One head of a field: a value that no other version has superseded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// The version.
    pub version: VersionId,
    /// Its value.
    pub value: Value,
    /// Who wrote it.
    pub author: UserId,
    /// When, by the writer's clock.
    pub hlc: Hlc,
}

/// Why a field is in conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// Concurrent writes of different values to a register.
    Value,
    /// Concurrent ledger status moves that are not all forward along one path.
    Status,
    /// A delete concurrent with an edit of the row: the field is [`crate::ALIVE`] and the heads
    /// hold the deletes and the edits the deleters never saw.
    EditDelete,
}

/// A true conflict, as shown to a supervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The row.
    pub row: RowKey,
    /// The field.
    pub field: String,
    /// Why it is a conflict.
    pub kind: ConflictKind,
    /// Every competing head, ordered by version id.
    pub heads: Vec<Head>,
    /// The provisional winner shown until a supervisor resolves: the greatest (clock, device).
    pub winner: VersionId,
}

/// What a field shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldView {
    /// The value shown (the provisional winner's when in conflict).
    pub value: Value,
    /// The version that supplies the value.
    pub winner: VersionId,
    /// Set when the field's heads are a true conflict.
    pub conflict: Option<ConflictKind>,
}

/// The versions of one field and its heads, kept up to date as versions arrive in any order.
#[derive(Debug, Clone, Default)]
pub(crate) struct FieldState {
    pub rule: FieldRule,
    pub versions: HashMap<VersionId, Version>,
    /// Every version named as a parent by some version received, kept through compaction.
    superseded: HashSet<VersionId>,
    /// Sorted.
    heads: Vec<VersionId>,
}

impl FieldState {
    pub(crate) fn new(rule: FieldRule) -> Self {
        Self {
            rule,
            ..Self::default()
        }
    }

    /// Adds a version; false when it was already here.
    pub(crate) fn insert(&mut self, id: VersionId, v: Version) -> bool {
        if self.versions.contains_key(&id) {
            return false;
        }
        if self.rule != FieldRule::AppendLog {
            for p in &v.parents {
                if self.superseded.insert(*p) {
                    if let Ok(i) = self.heads.binary_search(p) {
                        self.heads.remove(i);
                    }
                }
            }
        }
        let is_head = !self.superseded.contains(&id);
        self.versions.insert(id, v);
        if is_head {
            if let Err(i) = self.heads.binary_search(&id) {
                self.heads.insert(i, id);
            }
        }
        true
    }

    pub(crate) fn heads(&self) -> &[VersionId] {
        &self.heads
    }

    pub(crate) fn head_infos(&self) -> Vec<Head> {
        self.heads
            .iter()
            .filter_map(|id| {
                self.versions.get(id).map(|v| Head {
                    version: *id,
                    value: v.op.value(),
                    author: v.author,
                    hlc: v.hlc,
                })
            })
            .collect()
    }

    fn head_versions(&self) -> impl Iterator<Item = (VersionId, &Version)> {
        self.heads
            .iter()
            .filter_map(|id| self.versions.get(id).map(|v| (*id, v)))
    }

    /// What the field shows, or None when no version has arrived.
    pub(crate) fn view(&self) -> Option<FieldView> {
        match self.rule {
            FieldRule::AppendLog => {
                let mut entries: Vec<_> = self.versions.iter().collect();
                entries.sort_by_key(|(id, v)| (v.hlc, **id));
                let winner = *entries.last()?.0;
                let value = Value::Array(entries.iter().map(|(_, v)| v.op.value()).collect());
                Some(FieldView {
                    value,
                    winner,
                    conflict: None,
                })
            }
            FieldRule::Register => {
                let (winner, wv) = self.head_versions().max_by_key(|(id, v)| (v.hlc, *id))?;
                let value = wv.op.value();
                let agree = self.head_versions().all(|(_, v)| v.op.value() == value);
                let conflict = (!agree).then_some(ConflictKind::Value);
                Some(FieldView {
                    value,
                    winner,
                    conflict,
                })
            }
            FieldRule::Status => {
                let (winner, wv) = self.head_versions().max_by_key(|(id, v)| (v.hlc, *id))?;
                let value = wv.op.value();
                if self.head_versions().all(|(_, v)| v.op.value() == value) {
                    return Some(FieldView {
                        value,
                        winner,
                        conflict: None,
                    });
                }
                let moves: Option<Vec<_>> = self
                    .head_versions()
                    .map(|(id, v)| match &v.op {
                        Op::Transition { from, to } => Some((id, *from, *to, v.hlc)),
                        _ => None,
                    })
                    .collect();
                if let Some(moves) = moves {
                    if moves
                        .iter()
                        .all(|(_, from, to, _)| LedgerStatus::is_forward(*from, *to))
                    {
                        let (id, _, to, _) = moves
                            .iter()
                            .max_by_key(|(id, _, to, hlc)| (*to, *hlc, *id))
                            .copied()?;
                        return Some(FieldView {
                            value: to.to_value(),
                            winner: id,
                            conflict: None,
                        });
                    }
                }
                Some(FieldView {
                    value,
                    winner,
                    conflict: Some(ConflictKind::Status),
                })
            }
        }
    }

    /// Drops versions that are not heads and that `acknowledged` says the server holds.
    pub(crate) fn compact(&mut self, acknowledged: &dyn Fn(&VersionId) -> bool) -> usize {
        if self.rule == FieldRule::AppendLog {
            return 0;
        }
        let heads = &self.heads;
        let before = self.versions.len();
        self.versions
            .retain(|id, _| heads.binary_search(id).is_ok() || !acknowledged(id));
        before - self.versions.len()
    }
}
