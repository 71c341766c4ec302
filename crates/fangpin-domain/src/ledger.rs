//! The problem ledger's rules (问题台账): the states of an item and the moves between them, the
//! moves a screen offers from each state, and what closing an item (销号) needs.
//!
//! Within one round an item moves 发现 → 整改中 → 已整改 → 已销号; a fix found on the spot may go
//! straight from 发现 to 已整改 (即知即改); a failed check sends 已整改 back to 整改中; a closed item
//! that turns out unsolved is re-opened as 发现 in a new round.
//! Forward moves are ordered by (round, state), so concurrent forward moves lie on one path and
//! merge to the furthest state; a backward move concurrent with anything else is a conflict,
//! which a supervisor resolves (the merge engine, `fangpin-sync`, applies these rules).
//! Closing names who checked the rectification (验收人) and records the day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::field_error::{ErrorCode, FieldError};

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
    pub fn to_value(self) -> serde_json::Value {
        serde_json::json!({ "round": self.round, "state": self.state })
    }

    /// The moves the state machine allows from `from` (None: the item is being created), in
    /// the order a screen offers them, each with its Chinese label.
    pub fn moves(from: Option<LedgerStatus>) -> Vec<Move> {
        use LedgerState::*;
        let m = |round, state, label_zh| Move {
            to: LedgerStatus::new(round, state),
            label_zh,
        };
        match from {
            None => vec![
                m(1, Found, "登记问题"),
                m(1, InProgress, "登记并开始整改"),
                m(1, Rectified, "登记即知即改"),
            ],
            Some(f) => {
                let r = f.round;
                match f.state {
                    Found => vec![
                        m(r, InProgress, "开始整改"),
                        m(r, Rectified, "即知即改（已整改）"),
                    ],
                    InProgress => vec![m(r, Rectified, "已整改")],
                    Rectified => vec![m(r, Closed, "核查通过，销号"), m(r, InProgress, "退回整改")],
                    Closed => match r.checked_add(1) {
                        Some(next) => vec![m(next, Found, "重新打开（新一轮）")],
                        None => Vec::new(),
                    },
                }
            }
        }
    }

    /// Whether the state machine allows moving from `from` (None: the item is being created) to
    /// `to`.
    pub fn check(from: Option<LedgerStatus>, to: LedgerStatus) -> Result<(), TransitionError> {
        let ok = LedgerStatus::moves(from).iter().any(|m| m.to == to);
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

/// A move a screen offers: where it goes and what the button says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    /// The status moved to.
    pub to: LedgerStatus,
    /// The button's label.
    pub label_zh: &'static str,
}

/// What a move writes besides the status: closing records who checked (验收人, required, at
/// most [`MAX_CHECKER`] characters) and the day (销号日期). Other moves write nothing more.
pub fn closing_fields(
    to: LedgerStatus,
    checked_by: Option<&str>,
    today: NaiveDate,
) -> Result<Vec<(&'static str, String)>, FieldError> {
    if to.state != LedgerState::Closed {
        return Ok(Vec::new());
    }
    let checker = checked_by.map(str::trim).unwrap_or_default();
    if checker.is_empty() {
        return Err(FieldError::new(
            "checked_by",
            ErrorCode::Required,
            "closing an item needs the name of who checked the rectification",
            "销号须填写验收人",
        ));
    }
    if checker.chars().count() > MAX_CHECKER {
        return Err(FieldError::new(
            "checked_by",
            ErrorCode::WrongLength,
            format!("at most {MAX_CHECKER} characters"),
            format!("验收人不超过{MAX_CHECKER}个字"),
        ));
    }
    Ok(vec![
        ("checked_by", checker.to_owned()),
        ("closed_on", today.to_string()),
    ])
}

/// The longest name of a checker, in characters (the catalogue's limit for `checked_by`).
pub const MAX_CHECKER: usize = 64;

/// Whether an item is past its deadline and not yet rectified (逾期): derived from the status,
/// the deadline and today, never stored.
pub fn is_overdue(status: Option<LedgerStatus>, deadline: NaiveDate, today: NaiveDate) -> bool {
    let open =
        status.is_none_or(|s| matches!(s.state, LedgerState::Found | LedgerState::InProgress));
    open && deadline < today
}

#[cfg(test)]
mod tests {
    use super::LedgerState::*;
    use super::*;
    use crate::ErrorCode;

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
    fn every_move_offered_is_allowed_and_nothing_else_is() {
        let all: Vec<LedgerStatus> = (1..=3)
            .flat_map(|r| [Found, InProgress, Rectified, Closed].map(|st| s(r, st)))
            .collect();
        for from in std::iter::once(None).chain(all.iter().copied().map(Some)) {
            let offered: Vec<LedgerStatus> =
                LedgerStatus::moves(from).iter().map(|m| m.to).collect();
            for to in &all {
                assert_eq!(
                    LedgerStatus::check(from, *to).is_ok(),
                    offered.contains(to),
                    "{from:?} -> {to:?}"
                );
            }
        }
        assert!(LedgerStatus::moves(Some(s(u32::MAX, Closed))).is_empty());
    }

    #[test]
    fn closing_needs_a_checker_and_records_the_day() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(closing_fields(s(1, Rectified), None, day), Ok(vec![]));
        let e = closing_fields(s(1, Closed), Some("  "), day).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("checked_by", ErrorCode::Required)
        );
        let e = closing_fields(s(1, Closed), Some(&"验".repeat(65)), day).unwrap_err();
        assert_eq!(e.code, ErrorCode::WrongLength);
        assert_eq!(
            closing_fields(s(2, Closed), Some(" 李主任 "), day),
            Ok(vec![
                ("checked_by", "李主任".to_owned()),
                ("closed_on", "2026-12-02".to_owned())
            ])
        );
    }

    #[test]
    fn overdue_is_past_the_deadline_and_not_yet_rectified() {
        let deadline = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let after = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert!(is_overdue(Some(s(1, Found)), deadline, after));
        assert!(is_overdue(Some(s(2, InProgress)), deadline, after));
        assert!(is_overdue(None, deadline, after));
        assert!(!is_overdue(Some(s(1, Rectified)), deadline, after));
        assert!(!is_overdue(Some(s(1, Closed)), deadline, after));
        assert!(
            !is_overdue(Some(s(1, Found)), deadline, deadline),
            "due today is not late"
        );
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
