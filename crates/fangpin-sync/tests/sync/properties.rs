//! Property tests over random schedules: 3 to 8 replicas, random edits, deletes, restores,
//! status moves, appends and resolutions, random delivery with loss, duplication, reordering
//! and partitions, and compaction; then a full exchange and the checks of [`World::check`].
//!
//! The normal run tries `FANGPIN_PROPTEST_CASES` schedules (default 2,000); set it higher for a
//! longer search.

use std::collections::HashMap;

use proptest::prelude::*;
use proptest::strategy::ValueTree;

use super::sim::{kinds, Step, World};
use fangpin_sync::ConflictKind;

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..8usize, 0..2usize, 0..3usize, 0..4u8).prop_map(|(r, row, field, value)| Step::Edit { r, row, field, value }),
        1 => (0..8usize, 0..2usize).prop_map(|(r, row)| Step::Delete { r, row }),
        1 => (0..8usize, 0..2usize).prop_map(|(r, row)| Step::Restore { r, row }),
        3 => (0..8usize, 0..4usize).prop_map(|(r, pick)| Step::Transition { r, pick }),
        1 => (0..8usize, 0..2usize, 0..4u8).prop_map(|(r, row, value)| Step::Append { r, row, value }),
        2 => (0..8usize, 0..8usize).prop_map(|(r, pick)| Step::Resolve { r, pick }),
        6 => (0..8usize, 0..8usize, any::<u64>()).prop_map(|(from, to, seed)| Step::Deliver { from, to, seed: seed | 1 }),
        1 => (0..8usize).prop_map(|r| Step::Compact { r }),
    ]
}

fn cases() -> u32 {
    std::env::var("FANGPIN_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn random_schedules_converge_lose_nothing_and_find_exactly_the_true_conflicts(
        n in 3..=8usize,
        skews in proptest::collection::vec(prop_oneof![4 => Just(0u64), 1 => 0..400u64, 1 => Just(10_000_000_000u64)], 8),
        steps in proptest::collection::vec(step(), 1..60),
    ) {
        let mut world = World::new(n, &skews);
        for s in &steps {
            world.step(s);
        }
        world.full_exchange();
        if let Err(e) = world.check() {
            return Err(TestCaseError::fail(e));
        }
    }
}

#[test]
fn the_schedules_reach_every_kind_of_conflict() {
    // Run a fixed set of schedules so this check does not depend on test order.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = (3..=8usize, proptest::collection::vec(step(), 20..60));
    let mut found: HashMap<ConflictKind, usize> = HashMap::new();
    for _ in 0..400 {
        let (n, steps) = strategy
            .new_tree(&mut runner)
            .expect("a schedule")
            .current();
        let mut world = World::new(n, &[]);
        for s in &steps {
            world.step(s);
        }
        world.full_exchange();
        world.check().expect("guarantees hold");
        for (k, v) in kinds(&world) {
            *found.entry(k).or_insert(0) += v;
        }
    }
    for k in [
        ConflictKind::Value,
        ConflictKind::Status,
        ConflictKind::EditDelete,
    ] {
        assert!(
            found.get(&k).copied().unwrap_or(0) > 0,
            "no {k:?} conflict in 400 schedules: {found:?}"
        );
    }
}
