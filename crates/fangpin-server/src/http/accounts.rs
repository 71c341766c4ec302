//! Accounts and devices: enrolling a field device, console sign-in, who is calling, and the
//! administrator's accounts and devices.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{need, AppState, Authed, Body};
use crate::auth;
use crate::error::{ApiError, ErrorBody};
use crate::model::{Device, DeviceKind, Role, Scope, User};

/// Sign-in to enrol a device or open a console session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SignIn {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
    /// A name for the device (field devices only).
    #[serde(default)]
    pub device_name: String,
}

/// A new credential.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Enrolment {
    /// The device id, also the sync protocol's device id.
    pub device_id: Uuid,
    /// The credential to send as `Authorization: Bearer …`; shown once.
    pub credential: String,
    /// When it expires, ms since the epoch.
    pub expires_ms: i64,
    /// The signed-in user.
    pub user: User,
}

/// The caller.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Me {
    /// The user.
    pub user: User,
    /// The device or session.
    pub device: Device,
}

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

/// The accounts and devices routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/enrol", post(enrol))
        .route("/api/v1/login", post(login))
        .route("/api/v1/me", get(me))
        .route("/api/v1/users", get(users).post(create_user))
        .route("/api/v1/devices", get(devices))
        .route("/api/v1/devices/{id}/revoke", post(revoke))
}

async fn sign_in(state: &AppState, req: &SignIn) -> Result<User, ApiError> {
    let now = state.now();
    if let Some(wait) = state.limits.wait(&req.username, now) {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many failed sign-ins",
        );
        e.body.retry_after_ms = Some(wait);
        return Err(e);
    }
    let stored = state.backend.user_by_name(req.username.clone()).await?;
    let ok = match &stored {
        Some(s) => auth::verify_password(&req.password, &s.password_hash),
        None => {
            // Spend the same time as a real check, so names cannot be probed.
            auth::verify_password(&req.password, DUMMY_HASH);
            false
        }
    };
    match stored {
        Some(s) if ok && !s.user.disabled => {
            state.limits.succeeded(&req.username);
            Ok(s.user)
        }
        Some(s) if ok => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "user_disabled",
            format!("{} is disabled", s.user.username),
        )),
        _ => {
            state.limits.failed(&req.username, now);
            Err(ApiError::unauthenticated(
                "wrong_password",
                "wrong user name or password",
            ))
        }
    }
}

const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$N3mGJG0y7nYwB0b2YpYpM2XrZ1yXyWz9p2y1O5q0Q0c";

async fn issue(
    state: &AppState,
    user: User,
    name: String,
    kind: DeviceKind,
) -> Result<Enrolment, ApiError> {
    let now = state.now();
    let ttl = match kind {
        DeviceKind::Field => state.settings.device_ttl_ms,
        DeviceKind::Console => state.settings.console_ttl_ms,
    };
    let id = Uuid::now_v7();
    let (credential, hash) = auth::new_credential(id);
    let device = Device {
        id,
        user_id: user.id,
        name,
        kind,
        created_ms: now,
        expires_ms: now + ttl,
        revoked_ms: None,
    };
    state.backend.create_device(device, hash).await?;
    Ok(Enrolment {
        device_id: id,
        credential,
        expires_ms: now + ttl,
        user,
    })
}

/// Enrols a field device: the one moment a signal is needed.
#[utoipa::path(post, path = "/api/v1/enrol", request_body = SignIn,
    responses((status = 201, body = Enrolment), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn enrol(
    State(s): State<AppState>,
    Body(req): Body<SignIn>,
) -> Result<impl IntoResponse, ApiError> {
    let user = sign_in(&s, &req).await?;
    if !user.role.syncs() {
        return Err(ApiError::forbidden(
            "this role does not sync household data",
        ));
    }
    let name = if req.device_name.trim().is_empty() {
        "field device".to_owned()
    } else {
        req.device_name
    };
    Ok((
        StatusCode::CREATED,
        Json(issue(&s, user, name, DeviceKind::Field).await?),
    ))
}

/// Opens a console session.
#[utoipa::path(post, path = "/api/v1/login", request_body = SignIn,
    responses((status = 200, body = Enrolment), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
async fn login(
    State(s): State<AppState>,
    Body(req): Body<SignIn>,
) -> Result<Json<Enrolment>, ApiError> {
    let user = sign_in(&s, &req).await?;
    Ok(Json(
        issue(&s, user, "console".into(), DeviceKind::Console).await?,
    ))
}

/// Who is calling.
#[utoipa::path(get, path = "/api/v1/me", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn me(Authed(a): Authed) -> Json<Me> {
    Json(Me {
        user: a.user,
        device: a.device,
    })
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

/// Creates an account after checking its fields; used by the API and the command line.
pub async fn new_user(s: &AppState, req: NewUser) -> Result<User, ApiError> {
    if req.username.trim().is_empty() || req.username.len() > 64 {
        return Err(ApiError::bad_request(
            "invalid_username",
            "username: 1 to 64 characters",
        ));
    }
    if req.password.chars().count() < 8 {
        return Err(ApiError::bad_request(
            "weak_password",
            "password: at least 8 characters",
        ));
    }
    if let Some(bad) = req
        .scope
        .areas
        .iter()
        .find(|p| p.is_empty() || p.len() > 12 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::bad_request(
            "invalid_scope",
            format!("scope: {bad:?} is not an area code prefix"),
        ));
    }
    let hash = auth::hash_password(&req.password)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e))?;
    let user = User {
        id: Uuid::now_v7(),
        username: req.username,
        display_name: req.display_name,
        role: req.role,
        scope: req.scope,
        disabled: false,
    };
    s.backend.create_user(user.clone(), hash).await?;
    Ok(user)
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
