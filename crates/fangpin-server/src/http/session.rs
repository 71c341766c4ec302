//! Sessions: enrolling a field device, console sign-in, who is calling, and renewing a device's
//! credential. Sign-in checks the user name's length before anything, waits out a back-off per
//! user and address, per address and per user, and verifies the password on a bounded pool off
//! the async workers.

use std::net::SocketAddr;

use axum::extract::connect_info::ConnectInfo;
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{AppState, Authed, Body};
use crate::auth::{self, Key};
use crate::error::{ApiError, ErrorBody};
use crate::model::{Device, DeviceKind, User};

/// The longest user name, in characters.
pub const MAX_USERNAME: usize = 64;
/// The longest password, in bytes.
pub const MAX_PASSWORD: usize = 1024;
/// The largest sign-in request, in bytes.
const MAX_SIGN_IN_BODY: usize = 16 * 1024;
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

/// A device's new credential.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Renewal {
    /// The credential to send from now on; the old one stops working.
    pub credential: String,
    /// When it expires, ms since the epoch.
    pub expires_ms: i64,
}

/// The caller's address, when the server was started with connection info.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string()),
        ))
    }
}

/// The session routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/enrol",
            post(enrol).layer(DefaultBodyLimit::max(MAX_SIGN_IN_BODY)),
        )
        .route(
            "/api/v1/login",
            post(login).layer(DefaultBodyLimit::max(MAX_SIGN_IN_BODY)),
        )
        .route("/api/v1/me", get(me))
        .route("/api/v1/devices/renew", post(renew))
}

async fn sign_in(state: &AppState, req: &SignIn, addr: &str) -> Result<User, ApiError> {
    let name = req.username.trim();
    if name.is_empty() || name.chars().count() > MAX_USERNAME {
        return Err(ApiError::bad_request(
            "invalid_username",
            format!("username: 1 to {MAX_USERNAME} characters"),
        ));
    }
    if req.password.len() > MAX_PASSWORD {
        return Err(ApiError::bad_request(
            "invalid_password",
            format!("password: at most {MAX_PASSWORD} bytes"),
        ));
    }
    let keys = [Key::UserAt(name, addr), Key::Address(addr), Key::User(name)];
    let now = state.now();
    if let Some(wait) = state.limits.wait(&keys, now) {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many failed sign-ins",
        );
        e.body.retry_after_ms = Some(wait);
        return Err(e);
    }
    let stored = state.backend.user_by_name(name.to_owned()).await?;
    // An unknown name spends the same time as a real check, so names cannot be probed.
    let hash = stored
        .as_ref()
        .map_or_else(|| DUMMY_HASH.to_owned(), |s| s.password_hash.clone());
    let verified = state.hashing.verify(req.password.clone(), hash).await;
    let Some(ok) = verified else {
        let mut e = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many sign-ins at once: try again shortly",
        );
        e.body.retry_after_ms = Some(1_000);
        return Err(e);
    };
    match stored {
        Some(s) if ok && !s.user.disabled => {
            state.limits.succeeded(name, addr);
            Ok(s.user)
        }
        Some(s) if ok => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "user_disabled",
            format!("{} is disabled", s.user.username),
        )),
        _ => {
            state.limits.failed(&keys, now);
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
    responses((status = 201, body = Enrolment), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn enrol(
    State(s): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Body(req): Body<SignIn>,
) -> Result<impl IntoResponse, ApiError> {
    let user = sign_in(&s, &req, &addr).await?;
    if !user.role.syncs() {
        return Err(ApiError::forbidden(
            "this role does not sync household data",
        ));
    }
    let name: String = req.device_name.trim().chars().take(64).collect();
    let name = if name.is_empty() {
        "field device".to_owned()
    } else {
        name
    };
    Ok((
        StatusCode::CREATED,
        Json(issue(&s, user, name, DeviceKind::Field).await?),
    ))
}

/// Opens a console session.
#[utoipa::path(post, path = "/api/v1/login", request_body = SignIn,
    responses((status = 200, body = Enrolment), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
async fn login(
    State(s): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Body(req): Body<SignIn>,
) -> Result<Json<Enrolment>, ApiError> {
    let user = sign_in(&s, &req, &addr).await?;
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

/// Renews the calling field device's credential before it expires: a new secret and expiry;
/// the old credential stops working. Nothing on the device is touched.
#[utoipa::path(post, path = "/api/v1/devices/renew", security(("bearer" = [])),
    responses((status = 200, body = Renewal), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn renew(State(s): State<AppState>, Authed(a): Authed) -> Result<Json<Renewal>, ApiError> {
    if a.device.kind != DeviceKind::Field {
        return Err(ApiError::forbidden(
            "only a field device renews its credential",
        ));
    }
    let (credential, hash) = auth::new_credential(a.device.id);
    let expires_ms = s.now() + s.settings.device_ttl_ms;
    if !s
        .backend
        .renew_device(a.device.id, hash, expires_ms)
        .await?
    {
        return Err(ApiError::unauthenticated(
            "device_revoked",
            "this device was revoked",
        ));
    }
    Ok(Json(Renewal {
        credential,
        expires_ms,
    }))
}
