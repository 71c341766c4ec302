//! Conflicts: the open ones in the caller's scope, their resolution by a supervisor, and a
//! field's history (the audit trail).

use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use fangpin_sync::{Change, Conflict, RowKey};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{need, AppState, Authed, Body};
use crate::backend::{AuditEntry, Resolution};
use crate::error::{ApiError, ErrorBody};

/// A supervisor's resolution of one conflict.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResolveRequest {
    /// The row.
    pub row: RowKey,
    /// The field (`$alive` for an edit-against-delete conflict).
    pub field: String,
    /// What to keep.
    pub resolution: Resolution,
}

/// Which field's history.
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// The table.
    pub table: String,
    /// The row id.
    pub id: Uuid,
    /// The field.
    pub field: String,
}

/// The supervision routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/conflicts", get(conflicts))
        .route("/api/v1/conflicts/resolve", post(resolve))
        .route("/api/v1/history", get(history))
}

/// Open conflicts in the caller's scope.
#[utoipa::path(get, path = "/api/v1/conflicts", security(("bearer" = [])),
    responses((status = 200, body = Vec<Conflict>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn conflicts(
    State(s): State<AppState>,
    Authed(a): Authed,
) -> Result<Json<Vec<Conflict>>, ApiError> {
    need(a.user.role.supervises(), "see conflicts")?;
    Ok(Json(s.backend.conflicts(a.user.scope).await?))
}

/// Resolves a conflict; the resolution syncs like any change.
#[utoipa::path(post, path = "/api/v1/conflicts/resolve", request_body = ResolveRequest, security(("bearer" = [])),
    responses((status = 200, body = Change), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn resolve(
    State(s): State<AppState>,
    Authed(a): Authed,
    Body(req): Body<ResolveRequest>,
) -> Result<Json<Change>, ApiError> {
    need(a.user.role.supervises(), "resolve conflicts")?;
    let now = s.now();
    Ok(Json(
        s.backend
            .resolve(a, req.row, req.field, req.resolution, now)
            .await?,
    ))
}

/// Every version of a field: who changed what, when, on which device.
#[utoipa::path(get, path = "/api/v1/history", params(HistoryQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditEntry>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn history(
    State(s): State<AppState>,
    Authed(a): Authed,
    q: Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad_request("malformed_query", e.body_text()))?;
    need(a.user.role.supervises(), "read the audit trail")?;
    Ok(Json(
        s.backend
            .history(a.user.scope, RowKey::new(q.table, q.id), q.field)
            .await?,
    ))
}
