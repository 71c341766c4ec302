//! The ledger item's status (问题台账 lifecycle) as a state machine.
//!
//! Within one round an item moves 发现 → 整改中 → 已整改 → 已销号; a fix found on the spot may go
//! straight from 发现 to 已整改 (即知即改); a failed check sends 已整改 back to 整改中; a closed item
//! that turns out unsolved is re-opened as 发现 in a new round.
//! Forward moves are ordered by (round, state), so concurrent forward moves lie on one path and
//! merge to the furthest state; a backward move concurrent with anything else is a conflict.

use serde::{Deserialize, Serialize};

use crate::change::Value;

/// A state within one round of rectification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LedgerState {
    /// 发现: found and entered in the ledger.
    Found,
    /// 整改中: being rectified.
    InProgress,
    /// 已整改: rectified, waiting for the check.
    Rectified,
    /// 已销号: checked and closed.
    Closed,
}

impl LedgerState {
    /// The Chinese label shown to users.
    pub fn label_zh(self) -> &'static str {
        match self {
            LedgerState::Found => "发现",
            LedgerState::InProgress => "整改中",
            LedgerState::Rectified => "已整改",
            LedgerState::Closed => "已销号",
        }
    }
}

/// A status: the round (from 1) and the state within it. Ordered by round, then state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerStatus {
    /// The round of rectification, from 1; a re-opening starts the next round.
    pub round: u32,
    /// The state within the round.
    pub state: LedgerState,
}

/// A transition the state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ledger status cannot move from {from} to {to}")]
pub struct TransitionError {
    /// The status moved from, as text.
    pub from: String,
    /// The status asked for, as text.
    pub to: String,
}

impl std::fmt::Display for LedgerStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}(round {})", self.state.label_zh(), self.round)
    }
}

impl LedgerStatus {
    /// The status of a newly found problem.
    pub const NEW: LedgerStatus = LedgerStatus {
        round: 1,
        state: LedgerState::Found,
    };

    /// A status in a round.
    pub fn new(round: u32, state: LedgerState) -> Self {
        Self { round, state }
    }

    /// The status as a field value.
    pub fn to_value(self) -> Value {
        serde_json::json!({ "round": self.round, "state": self.state })
    }

    /// Whether the state machine allows moving from `from` (None: the item is being created) to
    /// `to`.
    pub fn check(from: Option<LedgerStatus>, to: LedgerStatus) -> Result<(), TransitionError> {
        use LedgerState::*;
        let ok = match from {
            None => to.round == 1 && matches!(to.state, Found | InProgress | Rectified),
            Some(f) if f.round == to.round => matches!(
                (f.state, to.state),
                (Found, InProgress)
                    | (Found, Rectified)
                    | (InProgress, Rectified)
                    | (Rectified, Closed)
                    | (Rectified, InProgress)
            ),
            Some(f) => f.state == Closed && to.round == f.round + 1 && to.state == Found,
        };
        if ok {
            Ok(())
        } else {
            Err(TransitionError {
                from: from.map_or_else(|| "(none)".to_owned(), |f| f.to_string()),
                to: to.to_string(),
            })
        }
    }

    /// Whether a move is forward (towards closing, or into a new round).
    pub fn is_forward(from: Option<LedgerStatus>, to: LedgerStatus) -> bool {
        from.is_none_or(|f| to > f)
    }
}

#[cfg(test)]
mod tests {
    use super::LedgerState::*;
    use super::*;

    fn s(round: u32, state: LedgerState) -> LedgerStatus {
        LedgerStatus::new(round, state)
    }

    #[test]
    fn allowed_and_refused_transitions() {
        let allowed = [
            (None, s(1, Found)),
            (None, s(1, Rectified)),
            (Some(s(1, Found)), s(1, InProgress)),
            (Some(s(1, Found)), s(1, Rectified)),
            (Some(s(1, InProgress)), s(1, Rectified)),
            (Some(s(1, Rectified)), s(1, Closed)),
            (Some(s(1, Rectified)), s(1, InProgress)),
            (Some(s(1, Closed)), s(2, Found)),
            (Some(s(3, Closed)), s(4, Found)),
        ];
        for (from, to) in allowed {
            assert!(LedgerStatus::check(from, to).is_ok(), "{from:?} -> {to:?}");
        }
        let refused = [
            (None, s(1, Closed)),
            (None, s(2, Found)),
            (Some(s(1, Found)), s(1, Closed)),
            (Some(s(1, InProgress)), s(1, Closed)),
            (Some(s(1, InProgress)), s(1, Found)),
            (Some(s(1, Closed)), s(1, Found)),
            (Some(s(1, Closed)), s(3, Found)),
            (Some(s(1, Rectified)), s(2, Found)),
            (Some(s(1, Found)), s(1, Found)),
        ];
        for (from, to) in refused {
            let e = LedgerStatus::check(from, to).unwrap_err();
            assert!(e.to_string().contains("cannot move"), "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn forward_means_towards_closing_or_a_new_round() {
        assert!(LedgerStatus::is_forward(Some(s(1, Found)), s(1, Rectified)));
        assert!(LedgerStatus::is_forward(Some(s(1, Closed)), s(2, Found)));
        assert!(!LedgerStatus::is_forward(
            Some(s(1, Rectified)),
            s(1, InProgress)
        ));
        assert!(LedgerStatus::is_forward(None, s(1, Found)));
    }
}
