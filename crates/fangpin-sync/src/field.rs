//! One field's register: its versions, its heads, and how the heads resolve.

use serde::{Deserialize, Serialize};
use smallvec::SmallVec;

use crate::change::{Change, Op, Value};
use crate::clock::Hlc;
use crate::ids::{RowKey, UserId, VersionId};
use crate::schema::FieldRule;
use crate::status::LedgerStatus;

/// A stored version without its row and field (the register knows them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// Its id.
    pub id: VersionId,
    /// What it does.
    #[serde(flatten)]
    pub op: Op,
    /// The versions of the field it supersedes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parents: Vec<VersionId>,
    /// For a delete: the heads of the row's other fields that the deleter had seen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<VersionId>,
    /// Who wrote it.
    pub author: UserId,
    /// When, by the writer's clock.
    pub hlc: Hlc,
}

impl Version {
    /// The version of a change.
    pub fn from_change(c: &Change) -> Self {
        Self {
            id: c.id,
            op: c.op.clone(),
            parents: c.parents.clone(),
            covers: c.covers.clone(),
            author: c.author,
            hlc: c.hlc,
        }
    }

    /// The change again, given its row and field.
    pub fn to_change(&self, row: &RowKey, field: &str) -> Change {
        Change {
            id: self.id,
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldView {
    /// The value shown (the provisional winner's when in conflict).
    pub value: Value,
    /// The version that supplies the value.
    pub winner: VersionId,
    /// Set when the field's heads are a true conflict.
    pub conflict: Option<ConflictKind>,
}

/// The versions of one field and its heads, kept up to date as versions arrive in any order.
///
/// This is the unit of merging: a replica holds one register per (row, field), and a database
/// store can keep one serialised register per field and merge a change by loading, inserting
/// and saving it. Versions and ids are kept in sorted vectors: most fields have one or two.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    /// The merge rule.
    pub rule: FieldRule,
    /// Stored versions, sorted by id.
    versions: SmallVec<[Version; 1]>,
    /// Every version named as a parent by a version received, sorted; kept through
    /// compaction so that heads never reappear.
    #[serde(default, skip_serializing_if = "SmallVec::is_empty")]
    superseded: SmallVec<[VersionId; 2]>,
    /// Sorted.
    heads: SmallVec<[VersionId; 1]>,
}

impl Register {
    /// An empty register.
    pub fn new(rule: FieldRule) -> Self {
        Self {
            rule,
            ..Self::default()
        }
    }

    /// The stored version with this id.
    pub fn get(&self, id: &VersionId) -> Option<&Version> {
        self.versions
            .binary_search_by(|v| v.id.cmp(id))
            .ok()
            .map(|i| &self.versions[i])
    }

    /// Whether the version is stored here.
    pub fn contains(&self, id: &VersionId) -> bool {
        self.get(id).is_some()
    }

    /// Every stored version, sorted by id.
    pub fn versions(&self) -> &[Version] {
        &self.versions
    }

    /// Adds a version; false when it was already here.
    pub fn insert(&mut self, v: Version) -> bool {
        let at = match self.versions.binary_search_by(|x| x.id.cmp(&v.id)) {
            Ok(_) => return false,
            Err(at) => at,
        };
        if self.rule != FieldRule::AppendLog {
            for p in &v.parents {
                if let Err(i) = self.superseded.binary_search(p) {
                    self.superseded.insert(i, *p);
                    if let Ok(h) = self.heads.binary_search(p) {
                        self.heads.remove(h);
                    }
                }
            }
        }
        let id = v.id;
        self.versions.insert(at, v);
        if self.superseded.binary_search(&id).is_err() {
            if let Err(i) = self.heads.binary_search(&id) {
                self.heads.insert(i, id);
            }
        }
        true
    }

    /// The heads, sorted.
    pub fn heads(&self) -> &[VersionId] {
        &self.heads
    }

    /// The heads with their values, sorted by version.
    pub fn head_infos(&self) -> Vec<Head> {
        self.head_versions()
            .map(|v| Head {
                version: v.id,
                value: v.op.value(),
                author: v.author,
                hlc: v.hlc,
            })
            .collect()
    }

    fn head_versions(&self) -> impl Iterator<Item = &Version> {
        self.heads.iter().filter_map(|id| self.get(id))
    }

    /// What the field shows, or None when no version has arrived.
    pub fn view(&self) -> Option<FieldView> {
        match self.rule {
            FieldRule::AppendLog => {
                let mut entries: Vec<&Version> = self.versions.iter().collect();
                entries.sort_by_key(|v| (v.hlc, v.id));
                let winner = entries.last()?.id;
                let value = Value::Array(entries.iter().map(|v| v.op.value()).collect());
                Some(FieldView {
                    value,
                    winner,
                    conflict: None,
                })
            }
            FieldRule::Register => {
                let w = self.head_versions().max_by_key(|v| (v.hlc, v.id))?;
                let value = w.op.value();
                let agree = self.head_versions().all(|v| v.op.value() == value);
                let conflict = (!agree).then_some(ConflictKind::Value);
                Some(FieldView {
                    value,
                    winner: w.id,
                    conflict,
                })
            }
            FieldRule::Status => {
                let w = self.head_versions().max_by_key(|v| (v.hlc, v.id))?;
                let value = w.op.value();
                if self.head_versions().all(|v| v.op.value() == value) {
                    return Some(FieldView {
                        value,
                        winner: w.id,
                        conflict: None,
                    });
                }
                let moves: Option<Vec<_>> = self
                    .head_versions()
                    .map(|v| match &v.op {
                        Op::Transition { from, to } => Some((v.id, *from, *to, v.hlc)),
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
                    winner: w.id,
                    conflict: Some(ConflictKind::Status),
                })
            }
        }
    }

    /// Keeps only the heads (every entry, for an append log) and forgets which versions were
    /// superseded. For a store that receives every change after its parents, as the service
    /// does (it refuses a change naming a parent it does not hold): there no superseded version
    /// can arrive later, so the heads alone decide every later merge, and the register's size
    /// stays bounded by its heads instead of growing with the field's history.
    pub fn retain_heads(&mut self) {
        if self.rule == FieldRule::AppendLog {
            return;
        }
        let heads = &self.heads;
        self.versions.retain(|v| heads.binary_search(&v.id).is_ok());
        self.superseded.clear();
    }

    /// Drops versions that are not heads and that `acknowledged` says the server holds.
    /// Append logs keep every entry. Returns how many were dropped.
    pub fn compact(&mut self, acknowledged: &dyn Fn(&VersionId) -> bool) -> usize {
        if self.rule == FieldRule::AppendLog {
            return 0;
        }
        let heads = &self.heads;
        let before = self.versions.len();
        self.versions
            .retain(|v| heads.binary_search(&v.id).is_ok() || !acknowledged(&v.id));
        before - self.versions.len()
    }
}
