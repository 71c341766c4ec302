//! Which merge rule each field follows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The merge rule of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldRule {
    /// A multi-value register: concurrent different values are a conflict.
    #[default]
    Register,
    /// A ledger status: concurrent forward moves merge to the furthest state.
    Status,
    /// An append-only log: every entry is kept, nothing ever conflicts.
    AppendLog,
}

/// The merge rules of the synced tables; every field not named is a [`FieldRule::Register`].
/// fangpin's own rules are declared in the record catalogue (`fangpin_catalogue::schema`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    rules: BTreeMap<(String, String), FieldRule>,
}

impl Schema {
    /// A schema where every field is a register.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the rule of `table.field`.
    pub fn with(mut self, table: &str, field: &str, rule: FieldRule) -> Self {
        self.rules
            .insert((table.to_owned(), field.to_owned()), rule);
        self
    }

    /// The rule of `table.field`.
    pub fn rule(&self, table: &str, field: &str) -> FieldRule {
        if self.rules.is_empty() {
            return FieldRule::Register;
        }
        // Avoid allocating for the lookup in the common case of few rules.
        self.rules
            .iter()
            .find(|((t, f), _)| t == table && f == field)
            .map_or(FieldRule::Register, |(_, r)| *r)
    }
}
