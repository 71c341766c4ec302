//! The rules of a pull that both backends share: where the feed starts (the cursor, the
//! service's epoch, a scope that grew), which rows leave the device when its scope shrank,
//! and where a batch is cut (by count and by bytes). Pure: the backends keep only their SQL.

use fangpin_sync::wire::{Epoch, PullRequest};

use crate::model::Scope;

/// The most bytes of change JSON one pull answer carries (at least one change is always sent).
pub const MAX_PULL_BYTES: usize = 4 * 1024 * 1024;

/// Where a pull starts and what it must tell the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullStart {
    /// The global sequence number the answer follows.
    pub from: u64,
    /// The feed restarts from the beginning: the device's scope grew.
    pub reset: bool,
    /// The scope the device held rows of, when the user's scope lost areas since: the backend
    /// removes the rows of villages in it and not in the user's scope.
    pub shrunk_from: Option<Scope>,
}

/// Decides where a pull starts. `held` is the scope the device says it holds rows of (protocol
/// 2), else the one the service recorded at its last pull; `now` the user's scope.
pub fn start(req: &PullRequest, held: Option<&Scope>, now: &Scope, epoch: &Epoch) -> PullStart {
    let mut from = req.cursor;
    if req.epoch.as_deref().is_some_and(|e| e != epoch.id) {
        // The service lost changes past `base` (a restored backup): what the device saw past
        // it may since have been numbered again.
        from = from.min(epoch.base);
    }
    let Some(old) = held.filter(|old| *old != now) else {
        return PullStart {
            from,
            reset: false,
            shrunk_from: None,
        };
    };
    let grew = now.areas.iter().filter(|p| !p.is_empty()).any(|p| {
        !old.areas
            .iter()
            .any(|o| !o.is_empty() && p.starts_with(o.as_str()))
    });
    let shrank = old.areas.iter().filter(|o| !o.is_empty()).any(|o| {
        !now.areas
            .iter()
            .any(|p| !p.is_empty() && o.starts_with(p.as_str()))
    });
    PullStart {
        from: if grew { 0 } else { from },
        reset: grew,
        shrunk_from: shrank.then(|| old.clone()),
    }
}

/// Whether a row of `village` left the device: it was in the scope the device held and is
/// not in the user's scope now.
pub fn removed(old: &Scope, now: &Scope, village: &str) -> bool {
    old.contains(village) && !now.contains(village)
}

/// How many of the fetched changes (their JSON sizes, in order) one answer takes: at most
/// `limit`, and no more bytes than `max_bytes` unless the first alone is larger.
pub fn cut(sizes: impl IntoIterator<Item = usize>, limit: usize, max_bytes: usize) -> usize {
    let mut bytes = 0usize;
    let mut n = 0;
    for size in sizes {
        if n == limit || (n > 0 && bytes.saturating_add(size) > max_bytes) {
            break;
        }
        bytes = bytes.saturating_add(size);
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch() -> Epoch {
        Epoch {
            id: "e2".into(),
            base: 50,
        }
    }

    fn req(cursor: u64, epoch: Option<&str>) -> PullRequest {
        PullRequest {
            epoch: epoch.map(str::to_owned),
            ..PullRequest::new(cursor, 100)
        }
    }

    #[test]
    fn a_new_epoch_starts_from_its_base_and_a_grown_scope_from_the_beginning() {
        let s = Scope::new(["530325101201"]);
        assert_eq!(start(&req(80, Some("e2")), Some(&s), &s, &epoch()).from, 80);
        assert_eq!(start(&req(80, Some("e1")), Some(&s), &s, &epoch()).from, 50);
        assert_eq!(start(&req(30, Some("e1")), Some(&s), &s, &epoch()).from, 30);
        assert_eq!(start(&req(80, None), None, &s, &epoch()).from, 80);
        let wider = Scope::new(["530325101"]);
        let st = start(&req(80, Some("e2")), Some(&s), &wider, &epoch());
        assert_eq!((st.from, st.reset, st.shrunk_from), (0, true, None));
        let st = start(&req(80, Some("e2")), Some(&wider), &s, &epoch());
        assert_eq!((st.from, st.reset), (80, false));
        assert_eq!(st.shrunk_from, Some(wider.clone()));
        assert!(removed(&wider, &s, "530325101202"));
        assert!(!removed(&wider, &s, "530325101201"));
    }

    #[test]
    fn batches_are_cut_by_count_and_bytes() {
        assert_eq!(cut([10, 10, 10], 2, 100), 2);
        assert_eq!(cut([10, 10, 10], 5, 25), 2);
        assert_eq!(
            cut([500, 10], 5, 100),
            1,
            "one oversized change still moves"
        );
        assert_eq!(cut([], 5, 100), 0);
    }
}
