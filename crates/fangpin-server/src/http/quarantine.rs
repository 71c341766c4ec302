//! Quarantine: the changes the service refused, with their reasons, for the township office
//! and the county; and judging a device's refused changes again once the cause is fixed (a
//! wider scope, say), so that a refusal is never a dead end.

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{need, AppState, Authed, Body};
use crate::backend::{Quarantined, ReleaseReport};
use crate::error::{ApiError, ErrorBody};
use crate::model::Role;

/// Which refused changes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct QuarantineQuery {
    /// One device's only.
    #[serde(default)]
    pub device: Option<Uuid>,
    /// At most this many, newest first (default 200, at most 5,000).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Which device's refused changes to judge again.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReleaseRequest {
    /// The device.
    pub device: Uuid,
}

/// The quarantine routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/quarantine", get(quarantine))
        .route("/api/v1/quarantine/release", post(release))
}

/// Refused changes of users whose scope overlaps the caller's, newest first.
#[utoipa::path(get, path = "/api/v1/quarantine", params(QuarantineQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<Quarantined>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn quarantine(
    State(s): State<AppState>,
    Authed(a): Authed,
    q: Result<Query<QuarantineQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<Quarantined>>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request("malformed_query", e.body_text()))?;
    need(
        a.user.role.supervises() || a.user.role == Role::Office,
        "see refused changes",
    )?;
    let limit = q.limit.unwrap_or(200).clamp(1, 5_000);
    Ok(Json(
        s.backend.quarantine(a.user.scope, q.device, limit).await?,
    ))
}

/// Judges a device's refused changes again, in their order; those accepted now join the
/// changes and reach every device at its next sync.
#[utoipa::path(post, path = "/api/v1/quarantine/release", request_body = ReleaseRequest, security(("bearer" = [])),
    responses((status = 200, body = ReleaseReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn release(
    State(s): State<AppState>,
    Authed(a): Authed,
    Body(req): Body<ReleaseRequest>,
) -> Result<Json<ReleaseReport>, ApiError> {
    need(a.user.role.supervises(), "release refused changes")?;
    let device = s.backend.device(req.device).await?.ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            "no such device",
        )
    })?;
    let owner = s.backend.user(device.device.user_id).await?;
    if !owner.is_some_and(|u| u.scope.overlaps(&a.user.scope)) {
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not_found",
            "no such device",
        ));
    }
    let now = s.now();
    Ok(Json(
        s.backend
            .release_quarantine(req.device, s.settings.policy.clone(), now)
            .await?,
    ))
}
