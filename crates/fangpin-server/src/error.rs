//! JSON errors with a stable code and an English message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::backend::BackendError;

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code the client matches on.
    pub code: String,
    /// What went wrong, in English, for logs.
    pub message: String,
    /// Set on a revoked device: wipe the local data.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wipe: bool,
    /// How long to wait before trying again, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<i64>,
    /// With `version_reused`: the device's highest sequence number the service holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stored_through: Option<u64>,
}

/// An error answered as JSON.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body.
    pub body: ErrorBody,
}

impl ApiError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody {
                code: code.into(),
                message: message.into(),
                wipe: false,
                retry_after_ms: None,
                stored_through: None,
            },
        }
    }

    /// 401 with a code.
    pub fn unauthenticated(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 403: the role may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 400 with a code naming what is wrong.
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
}

impl From<BackendError> for ApiError {
    fn from(e: BackendError) -> Self {
        match e {
            BackendError::Exists(m) => ApiError::new(StatusCode::CONFLICT, "exists", m),
            BackendError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, "not_found", m),
            BackendError::InvalidResolution(m) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_resolution", m)
            }
            BackendError::Refused(m) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "refused", m)
            }
            BackendError::Attachment { code, message } => {
                let status = match code {
                    "attachment_too_large" => StatusCode::PAYLOAD_TOO_LARGE,
                    "attachment_quota" => StatusCode::INSUFFICIENT_STORAGE,
                    "chunk_past_end" => StatusCode::BAD_REQUEST,
                    _ => StatusCode::CONFLICT,
                };
                ApiError::new(status, code, message)
            }
            BackendError::VersionReused {
                message,
                stored_through,
            } => {
                let mut e = ApiError::new(StatusCode::CONFLICT, "version_reused", message);
                e.body.stored_through = Some(stored_through);
                e
            }
            BackendError::Cancelled => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "cancelled",
                "the request took too long and was rolled back: try again",
            ),
            BackendError::Database(m) => {
                tracing::error!("database error: {m}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "database error",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
