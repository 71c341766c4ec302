//! The suite every backend runs, so SQLite and PostgreSQL behave the same. Each case is its
//! own function over a fresh backend, and [`crate::backend_suite!`] makes each a named test
//! in the backend's crate, so one failure does not hide the rest. Every case that writes ends
//! by checking that the read model equals a rebuild from the changes.

use std::sync::Arc;

use fangpin_sync::wire::{PullRequest, RefusalCode, PROTOCOL_VERSION};
use fangpin_sync::{
    Change, ConflictKind, DeviceId, LedgerState, LedgerStatus, Op, Replica, RowKey, UserId,
    VersionId, Writer, ALIVE,
};
use serde_json::json;
use uuid::Uuid;

use crate::attachment::{sha256_hex, Quota};
use crate::backend::{Backend, BackendError, Chunk, Resolution};
use crate::model::{Actor, Device, DeviceKind, Role, Scope, User};

/// Village codes the suite uses: two in one township, one in another.
pub const V1: &str = "530325101201";
/// A second village of the same township.
pub const V2: &str = "530325101202";
/// A village of another township.
pub const V3: &str = "530325102201";

/// Makes each case of the suite a named `#[tokio::test]`; `$with` is an async function that
/// makes a fresh backend, runs the case on it and cleans up.
#[macro_export]
macro_rules! backend_suite {
    ($with:path) => {
        $crate::backend_suite!(@cases $with;
            accounts_are_managed,
            push_is_idempotent_and_scoped,
            values_must_fit_the_catalogue,
            history_cannot_be_forged,
            a_version_id_names_one_content,
            a_push_past_its_time_limit_rolls_back_and_frees_the_writer,
            authors_and_clocks_are_checked,
            children_stay_in_their_village,
            conflicts_are_shown_and_resolved_by_supervisors_only,
            resolutions_never_take_a_devices_sequence_numbers,
            quarantine_is_visible_and_released_once_the_cause_is_fixed,
            attachments_belong_to_their_device_and_their_rows,
            attachment_quotas_count_what_the_user_and_the_device_hold,
            scope_changes_remove_and_restart_until_the_device_applies_them,
            pulls_are_cut_by_bytes,
            a_new_epoch_restarts_pulls_from_its_base,
            a_field_keeps_only_its_heads,
            progress_comes_from_the_read_model,
            the_read_model_equals_a_rebuild_after_random_pushes,
            procedure_steps_are_judged_by_the_areas_policy,
            township_records_are_written_by_the_township,
            office_writes_are_judged_and_reach_devices,
            rows_are_paged_by_village_and_id,
        );
    };
    (@cases $with:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                $with($crate::testkit::$case).await;
            }
        )*
    };
}

/// A user with one field device, and a writer for that device.
pub async fn actor(b: &dyn Backend, name: &str, role: Role, scope: &[&str]) -> (Actor, Writer) {
    let user = User {
        id: Uuid::now_v7(),
        username: name.into(),
        display_name: name.into(),
        role,
        scope: Scope::new(scope.iter().copied()),
        disabled: false,
    };
    b.create_user(user.clone(), "not-a-real-hash".into())
        .await
        .expect("create user");
    let device = Device {
        id: Uuid::now_v7(),
        user_id: user.id,
        name: format!("{name}'s tablet"),
        kind: DeviceKind::Field,
        created_ms: 0,
        expires_ms: i64::MAX,
        revoked_ms: None,
    };
    b.create_device(device.clone(), "hash".into())
        .await
        .expect("create device");
    let writer = Writer::new(DeviceId(device.id), UserId(user.id));
    (
        Actor {
            user,
            device,
            policy: std::sync::Arc::new(fangpin_domain::PolicyBook::seed()),
        },
        writer,
    )
}

fn household(n: u128) -> RowKey {
    RowKey::new("household", Uuid::from_u128(n))
}

fn replica() -> Replica {
    Replica::new(fangpin_catalogue::schema().clone())
}

const NOW: i64 = 1_800_000_000_000;

async fn push(b: &dyn Backend, a: &Actor, changes: &[Change]) -> fangpin_sync::wire::PushResponse {
    b.push(a.clone(), PROTOCOL_VERSION, changes.to_vec(), NOW)
        .await
        .expect("push")
}

fn pull_req(cursor: u64, limit: u32) -> PullRequest {
    PullRequest::new(cursor, limit)
}

/// Pulls everything for an actor into a fresh replica.
pub async fn pull_all(b: &dyn Backend, a: &Actor) -> (Replica, Vec<Change>) {
    let mut r = replica();
    let mut cursor = 0;
    let mut all = Vec::new();
    loop {
        let resp = b
            .pull(a.clone(), pull_req(cursor, 7), usize::MAX)
            .await
            .expect("pull");
        resp.verify().expect("checksum");
        assert_eq!(
            resp.more,
            resp.remaining > 0,
            "remaining counts what more promises"
        );
        for s in &resp.changes {
            assert!(s.seq > cursor, "pull returns changes after the cursor");
            r.apply(&s.change);
            all.push(s.change.clone());
        }
        cursor = resp.next_cursor;
        if !resp.more {
            break;
        }
    }
    (r, all)
}

/// Checks that the read model equals a rebuild from the changes.
pub async fn assert_read_model(b: &dyn Backend) {
    let report = b.rebuild(false).await.expect("rebuild");
    assert!(
        report.differences.is_empty(),
        "the read model differs from a rebuild: {:#?}",
        report.differences
    );
}

fn codes(r: &fangpin_sync::wire::PushResponse) -> Vec<RefusalCode> {
    r.refusals.iter().map(|r| r.code).collect()
}

mod accounts;
pub use accounts::*;
mod push;
pub use push::*;
mod conflicts;
pub use conflicts::*;
mod attachments;
pub use attachments::*;
mod pull;
pub use pull::*;
mod read_model;
pub use read_model::*;
mod procedure;
pub use procedure::*;
