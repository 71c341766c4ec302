//! Attachments: chunked, resumable uploads by SHA-256, their status, and downloads.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{need, AppState, Authed};
use crate::backend::{AttachmentStatus, Chunk};
use crate::error::{ApiError, ErrorBody};

/// Where a chunk goes.
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct ChunkQuery {
    /// The whole attachment's size in bytes.
    pub size: u64,
    /// Where this chunk starts.
    pub offset: u64,
}

/// The attachment routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/attachments/{sha256}",
            put(put_attachment).get(get_attachment),
        )
        .route(
            "/api/v1/attachments/{sha256}/status",
            get(attachment_status),
        )
}

fn check_hash(sha256: &str) -> Result<(), ApiError> {
    if sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "bad_hash",
            "the attachment id is a lower-case hex SHA-256",
        ))
    }
}

/// Uploads one chunk of an attachment; a cut upload resumes from the status's `received`.
#[utoipa::path(put, path = "/api/v1/attachments/{sha256}", params(("sha256" = String, Path), ChunkQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"), security(("bearer" = [])),
    responses((status = 200, body = AttachmentStatus), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 507, body = ErrorBody)))]
async fn put_attachment(
    State(s): State<AppState>,
    Authed(a): Authed,
    Path(sha256): Path<String>,
    q: Result<Query<ChunkQuery>, axum::extract::rejection::QueryRejection>,
    bytes: Bytes,
) -> Result<Json<AttachmentStatus>, ApiError> {
    need(a.user.role.syncs(), "upload attachments")?;
    check_hash(&sha256)?;
    let Query(q) = q.map_err(|e| ApiError::bad_request("malformed_query", e.body_text()))?;
    Ok(Json(
        s.backend
            .put_attachment(
                a,
                Chunk {
                    sha256,
                    size: q.size,
                    offset: q.offset,
                    bytes: bytes.to_vec(),
                },
                s.settings.quota,
                s.now(),
            )
            .await?,
    ))
}

/// Where an upload stands.
#[utoipa::path(get, path = "/api/v1/attachments/{sha256}/status", params(("sha256" = String, Path)), security(("bearer" = [])),
    responses((status = 200, body = AttachmentStatus), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn attachment_status(
    State(s): State<AppState>,
    Authed(a): Authed,
    Path(sha256): Path<String>,
) -> Result<Json<AttachmentStatus>, ApiError> {
    need(a.user.role.syncs(), "read attachments")?;
    check_hash(&sha256)?;
    let st = s.backend.attachment_status(a, sha256).await?;
    st.map(Json)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such attachment"))
}

/// A complete attachment.
#[utoipa::path(get, path = "/api/v1/attachments/{sha256}", params(("sha256" = String, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_attachment(
    State(s): State<AppState>,
    Authed(a): Authed,
    Path(sha256): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    need(a.user.role.syncs(), "read attachments")?;
    check_hash(&sha256)?;
    let bytes = s.backend.attachment(a.user.scope, sha256).await?;
    bytes
        .map(|b| ([(header::CONTENT_TYPE, "application/octet-stream")], b))
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such attachment"))
}
