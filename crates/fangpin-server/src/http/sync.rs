//! Sync: a device pushes its own changes and pulls what is new in its scope.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use fangpin_sync::wire::{PullRequest, PullResponse, PushRequest, PushResponse, SyncState};

use super::{need, AppState, Authed, Body};
use crate::error::{ApiError, ErrorBody};

/// The sync routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/sync/state", get(sync_state))
        .route("/api/v1/sync/push", post(push))
        .route("/api/v1/sync/pull", post(pull))
}

/// Where the device stands: the service's epoch, the device's acknowledged changes and the
/// highest sequence number. A device asks before each sync, so after a restored backup it
/// re-sends what the service lost and pulls again from the new epoch's base.
#[utoipa::path(get, path = "/api/v1/sync/state", security(("bearer" = [])),
    responses((status = 200, body = SyncState), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn sync_state(
    State(s): State<AppState>,
    Authed(a): Authed,
) -> Result<Json<SyncState>, ApiError> {
    need(a.user.role.syncs(), "sync")?;
    Ok(Json(s.backend.sync_state(a).await?))
}

/// Protocol 1 knows no epochs: after a restored backup such a device would wait for
/// acknowledgements the service lost and skip changes numbered again below its cursor. It is
/// refused with the reason (426), keeping its data, until the app is updated.
async fn refuse_old_devices_after_a_restore(
    s: &AppState,
    a: &crate::model::Actor,
    protocol: u16,
) -> Result<(), ApiError> {
    if protocol >= 2 {
        return Ok(());
    }
    if s.backend.sync_state(a.clone()).await?.epoch.base > 0 {
        return Err(ApiError::new(
            axum::http::StatusCode::UPGRADE_REQUIRED,
            "protocol_outdated",
            "this service was restored from a backup; devices sync with protocol 2 or later: \
             update the app (its data is kept)",
        ));
    }
    Ok(())
}

/// Pushes a batch of the device's own changes.
#[utoipa::path(post, path = "/api/v1/sync/push", request_body = PushRequest, security(("bearer" = [])),
    responses((status = 200, body = PushResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 426, body = ErrorBody)))]
async fn push(
    State(s): State<AppState>,
    Authed(a): Authed,
    Body(req): Body<PushRequest>,
) -> Result<Json<PushResponse>, ApiError> {
    need(a.user.role.syncs(), "sync")?;
    if req.device.0 != a.device.id {
        return Err(ApiError::forbidden("a device pushes only its own changes"));
    }
    req.verify()
        .map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
    refuse_old_devices_after_a_restore(&s, &a, req.protocol).await?;
    let now = s.now();
    let resp = s.backend.push(a, req.protocol, req.changes, now).await?;
    if resp.accepted > 0 {
        judge_waiting_changes_again(&s, now).await;
    }
    Ok(Json(resp))
}

/// Changes quarantined for naming a version the service did not hold (another device's, sent
/// back after a restore in its own time) are judged again once versions arrive, so they are
/// not left for the office to release by hand.
async fn judge_waiting_changes_again(s: &AppState, now: i64) {
    let waiting = match s.backend.waiting_for_parents(8).await {
        Ok(w) => w,
        Err(e) => {
            tracing::warn!(error = %e, "listing changes waiting for their parents failed");
            return;
        }
    };
    for device in waiting {
        match s
            .backend
            .release_quarantine(device, s.settings.policy.clone(), now)
            .await
        {
            Ok(r) if r.accepted > 0 => {
                tracing::info!(%device, accepted = r.accepted, "changes waiting for their parents taken");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(%device, error = %e, "judging waiting changes again failed"),
        }
    }
}

/// Pulls what is new in the caller's scope.
#[utoipa::path(post, path = "/api/v1/sync/pull", request_body = PullRequest, security(("bearer" = [])),
    responses((status = 200, body = PullResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 426, body = ErrorBody)))]
async fn pull(
    State(s): State<AppState>,
    Authed(a): Authed,
    Body(req): Body<PullRequest>,
) -> Result<Json<PullResponse>, ApiError> {
    need(a.user.role.syncs(), "sync")?;
    req.verify()
        .map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
    refuse_old_devices_after_a_restore(&s, &a, req.protocol).await?;
    Ok(Json(
        s.backend.pull(a, req, s.settings.max_pull_bytes).await?,
    ))
}
