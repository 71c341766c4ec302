//! Sync: a device pushes its own changes and pulls what is new in its scope.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use fangpin_sync::wire::{
    check_protocol, PullRequest, PullResponse, PushRequest, PushResponse, MAX_BATCH,
};

use super::{need, AppState, Authed, Body};
use crate::error::{ApiError, ErrorBody};

/// The sync routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/sync/push", post(push))
        .route("/api/v1/sync/pull", post(pull))
}

/// Pushes a batch of the device's own changes.
#[utoipa::path(post, path = "/api/v1/sync/push", request_body = PushRequest, security(("bearer" = [])),
    responses((status = 200, body = PushResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
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
    let now = s.now();
    Ok(Json(s.backend.push(a, req.changes, now).await?))
}

/// Pulls what is new in the caller's scope.
#[utoipa::path(post, path = "/api/v1/sync/pull", request_body = PullRequest, security(("bearer" = [])),
    responses((status = 200, body = PullResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn pull(
    State(s): State<AppState>,
    Authed(a): Authed,
    Body(req): Body<PullRequest>,
) -> Result<Json<PullResponse>, ApiError> {
    need(a.user.role.syncs(), "sync")?;
    check_protocol(req.protocol).map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
    let limit = req.limit.clamp(1, MAX_BATCH as u32);
    Ok(Json(s.backend.pull(a, req.cursor, limit).await?))
}
