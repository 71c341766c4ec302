//! Accounts and devices, for the administrator: adding, listing and changing accounts
//! (display name, role, scope, disabled), resetting a password, listing and revoking devices.
//! Disabling an account revokes its devices; the command line uses the same functions.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::session::MAX_USERNAME;
use super::{need, AppState, Authed, Body};
use crate::error::{ApiError, ErrorBody};
use crate::model::{Device, Role, Scope, User};

/// A new account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewUser {
    /// Sign-in name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Password.
    pub password: String,
    /// Role.
    pub role: Role,
    /// Area prefixes.
    pub scope: Scope,
}

/// A change to an account; fields left out stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct UserUpdate {
    /// The name shown.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The role.
    #[serde(default)]
    pub role: Option<Role>,
    /// The area prefixes.
    #[serde(default)]
    pub scope: Option<Scope>,
    /// Disabled accounts cannot sign in or sync; disabling revokes the account's devices.
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// A new password set by the administrator.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PasswordReset {
    /// The new password, at least 8 characters.
    pub password: String,
}

/// The accounts and devices routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(users).post(create_user))
        .route("/api/v1/users/{id}", axum::routing::patch(change_user))
        .route("/api/v1/users/{id}/password", post(reset_password))
        .route("/api/v1/devices", get(devices))
        .route("/api/v1/devices/{id}/revoke", post(revoke))
}

/// Every account.
#[utoipa::path(get, path = "/api/v1/users", security(("bearer" = [])),
    responses((status = 200, body = Vec<User>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn users(State(s): State<AppState>, Authed(a): Authed) -> Result<Json<Vec<User>>, ApiError> {
    need(a.user.role.administers(), "manage accounts")?;
    Ok(Json(s.backend.users().await?))
}

/// Adds an account.
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUser, security(("bearer" = [])),
    responses((status = 201, body = User), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn create_user(
    State(s): State<AppState>,
    Authed(a): Authed,
    Body(req): Body<NewUser>,
) -> Result<impl IntoResponse, ApiError> {
    need(a.user.role.administers(), "manage accounts")?;
    let user = new_user(&s, req).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Changes an account.
#[utoipa::path(patch, path = "/api/v1/users/{id}", params(("id" = Uuid, Path)), request_body = UserUpdate, security(("bearer" = [])),
    responses((status = 200, body = User), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn change_user(
    State(s): State<AppState>,
    Authed(a): Authed,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
    Body(req): Body<UserUpdate>,
) -> Result<Json<User>, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::bad_request("malformed_path", e.body_text()))?;
    need(a.user.role.administers(), "manage accounts")?;
    Ok(Json(update_user(&s, id, req).await?))
}

/// Sets a new password for an account.
#[utoipa::path(post, path = "/api/v1/users/{id}/password", params(("id" = Uuid, Path)), request_body = PasswordReset, security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn reset_password(
    State(s): State<AppState>,
    Authed(a): Authed,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
    Body(req): Body<PasswordReset>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::bad_request("malformed_path", e.body_text()))?;
    need(a.user.role.administers(), "manage accounts")?;
    set_password(&s, id, &req.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn check_password(password: &str) -> Result<(), ApiError> {
    if password.chars().count() < 8 || password.len() > super::session::MAX_PASSWORD {
        return Err(ApiError::bad_request(
            "weak_password",
            "password: at least 8 characters, at most 1024 bytes",
        ));
    }
    Ok(())
}

fn check_scope(scope: &Scope) -> Result<(), ApiError> {
    if let Some(bad) = scope
        .areas
        .iter()
        .find(|p| p.is_empty() || p.len() > 12 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::bad_request(
            "invalid_scope",
            format!(
                "scope: {:?} is not an area code prefix",
                crate::judge::clip(bad, 20)
            ),
        ));
    }
    if scope.areas.len() > 1000 {
        return Err(ApiError::bad_request(
            "invalid_scope",
            "scope: at most 1000 areas",
        ));
    }
    Ok(())
}

/// Creates an account after checking its fields; used by the API and the command line.
pub async fn new_user(s: &AppState, req: NewUser) -> Result<User, ApiError> {
    if req.username.trim().is_empty()
        || req.username.chars().count() > MAX_USERNAME
        || req.username.trim() != req.username
    {
        return Err(ApiError::bad_request(
            "invalid_username",
            format!("username: 1 to {MAX_USERNAME} characters, no spaces around"),
        ));
    }
    check_password(&req.password)?;
    check_scope(&req.scope)?;
    let hash = hash_of(s, req.password).await?;
    let user = User {
        id: Uuid::now_v7(),
        username: req.username,
        display_name: req.display_name.chars().take(64).collect(),
        role: req.role,
        scope: req.scope,
        disabled: false,
    };
    s.backend.create_user(user.clone(), hash).await?;
    Ok(user)
}

/// Changes an account; disabling it revokes every device of it, so a departed cadre's tablet is
/// refused and cannot enrol again. Used by the API and the command line.
pub async fn update_user(s: &AppState, id: Uuid, req: UserUpdate) -> Result<User, ApiError> {
    let mut user = s
        .backend
        .user(id)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such account"))?;
    if let Some(scope) = req.scope {
        check_scope(&scope)?;
        user.scope = scope;
    }
    if let Some(name) = req.display_name {
        user.display_name = name.chars().take(64).collect();
    }
    if let Some(role) = req.role {
        user.role = role;
    }
    let disabling = req.disabled == Some(true) && !user.disabled;
    if let Some(d) = req.disabled {
        user.disabled = d;
    }
    s.backend.update_user(user.clone()).await?;
    if disabling {
        let now = s.now();
        for d in s.backend.devices(Some(id)).await? {
            if d.revoked_ms.is_none() {
                s.backend.revoke_device(d.id, now).await?;
            }
        }
    }
    Ok(user)
}

/// Sets an account's password; used by the API and the command line.
pub async fn set_password(s: &AppState, id: Uuid, password: &str) -> Result<(), ApiError> {
    check_password(password)?;
    let hash = hash_of(s, password.to_owned()).await?;
    s.backend.set_password(id, hash).await?;
    Ok(())
}

/// A password's hash, made on the bounded hashing pool.
async fn hash_of(s: &AppState, password: String) -> Result<String, ApiError> {
    s.hashing
        .hash(password)
        .await
        .and_then(Result::ok)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "hashing failed",
            )
        })
}

/// Every device.
#[utoipa::path(get, path = "/api/v1/devices", security(("bearer" = [])),
    responses((status = 200, body = Vec<Device>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn devices(
    State(s): State<AppState>,
    Authed(a): Authed,
) -> Result<Json<Vec<Device>>, ApiError> {
    need(a.user.role.administers(), "manage devices")?;
    Ok(Json(s.backend.devices(None).await?))
}
/// Revokes a device: it is refused and told to wipe its data.
#[utoipa::path(post, path = "/api/v1/devices/{id}/revoke", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke(
    State(s): State<AppState>,
    Authed(a): Authed,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::bad_request("malformed_path", e.body_text()))?;
    need(a.user.role.administers(), "manage devices")?;
    let now = s.now();
    if s.backend.revoke_device(id, now).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "no such device",
        ))
    }
}
