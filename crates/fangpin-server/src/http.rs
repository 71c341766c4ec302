//! The HTTP API: each handler parses, checks the role, calls the backend once, and maps errors.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use fangpin_sync::wire::{
    check_protocol, PullRequest, PullResponse, PushRequest, PushResponse, MAX_BATCH,
};
use fangpin_sync::{Change, Conflict, RowKey};
use serde::{Deserialize, Serialize};
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use crate::auth::{self, RateLimit};
use crate::backend::{AttachmentStatus, AuditEntry, Backend, Resolution, VillageProgress};
use crate::error::{ApiError, ErrorBody};
use crate::model::{Actor, Device, DeviceKind, Role, Scope, User};

/// Settings of the service.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a field device's credential lasts, ms.
    pub device_ttl_ms: i64,
    /// How long a console session lasts, ms.
    pub console_ttl_ms: i64,
    /// The largest attachment, bytes.
    pub max_attachment: u64,
    /// The largest request body, bytes.
    pub max_body: usize,
    /// The longest a request may take.
    pub timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            device_ttl_ms: 365 * 24 * 3600 * 1000,
            console_ttl_ms: 12 * 3600 * 1000,
            max_attachment: 20 * 1024 * 1024,
            max_body: 16 * 1024 * 1024,
            timeout: Duration::from_secs(60),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The storage.
    pub backend: Arc<dyn Backend>,
    /// Settings.
    pub settings: Arc<Settings>,
    /// The sign-in rate limit.
    pub limits: Arc<RateLimit>,
    /// The clock, ms since the epoch (replaceable in tests).
    pub clock: Arc<dyn Fn() -> i64 + Send + Sync>,
}

impl AppState {
    /// State over a backend with the system clock.
    pub fn new(backend: Arc<dyn Backend>, settings: Settings) -> Self {
        Self {
            backend,
            settings: Arc::new(settings),
            limits: Arc::new(RateLimit::new()),
            clock: Arc::new(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64)
            }),
        }
    }

    fn now(&self) -> i64 {
        (self.clock)()
    }
}

/// JSON body that answers malformed input with a JSON error naming what is wrong.
pub struct Body<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(JsonRejection::BytesRejection(e)) => Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                e.body_text(),
            )),
            Err(e) => Err(ApiError::bad_request("malformed_json", e.body_text())),
        }
    }
}

/// The authenticated caller.
pub struct Authed(pub Actor);

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                ApiError::unauthenticated("unauthenticated", "missing bearer credential")
            })?;
        let (id, secret) = auth::parse_credential(header)
            .ok_or_else(|| ApiError::unauthenticated("bad_credential", "malformed credential"))?;
        let stored = state
            .backend
            .device(id)
            .await?
            .filter(|d| auth::same_hash(&auth::secret_hash(secret), &d.secret_hash))
            .ok_or_else(|| ApiError::unauthenticated("bad_credential", "unknown credential"))?;
        if stored.device.revoked_ms.is_some() {
            let mut e = ApiError::unauthenticated("device_revoked", "this device was revoked");
            e.body.wipe = true;
            return Err(e);
        }
        if stored.device.expires_ms <= state.now() {
            return Err(ApiError::unauthenticated(
                "credential_expired",
                "the credential has expired",
            ));
        }
        let user = state
            .backend
            .user(stored.device.user_id)
            .await?
            .ok_or_else(|| ApiError::unauthenticated("bad_credential", "the user is gone"))?;
        if user.disabled {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "user_disabled",
                "the account is disabled",
            ));
        }
        Ok(Authed(Actor {
            user,
            device: stored.device,
        }))
    }
}

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
pub struct HistoryQuery {
    /// The table.
    pub table: String,
    /// The row id.
    pub id: Uuid,
    /// The field.
    pub field: String,
}

/// Where a chunk goes.
#[derive(Debug, Clone, Serialize, Deserialize, IntoParams, ToSchema)]
pub struct ChunkQuery {
    /// The whole attachment's size in bytes.
    pub size: u64,
    /// Where this chunk starts.
    pub offset: u64,
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

fn need(ok: bool, what: &str) -> Result<(), ApiError> {
    if ok {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!("this role may not {what}")))
    }
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

/// Households and conflicts per village in the caller's scope.
#[utoipa::path(get, path = "/api/v1/progress", security(("bearer" = [])),
    responses((status = 200, body = Vec<VillageProgress>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn progress(
    State(s): State<AppState>,
    Authed(a): Authed,
) -> Result<Json<Vec<VillageProgress>>, ApiError> {
    need(
        a.user.role.supervises() || a.user.role == Role::Office,
        "see progress",
    )?;
    Ok(Json(s.backend.progress(a.user.scope).await?))
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
    responses((status = 200, body = AttachmentStatus), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody)))]
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
    if q.size > s.settings.max_attachment {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "attachment_too_large",
            format!(
                "attachments are at most {} bytes",
                s.settings.max_attachment
            ),
        ));
    }
    if q.offset
        .checked_add(bytes.len() as u64)
        .is_none_or(|end| end > q.size)
    {
        return Err(ApiError::bad_request(
            "chunk_past_end",
            "the chunk runs past the attachment's size",
        ));
    }
    Ok(Json(
        s.backend
            .put_attachment(sha256, q.size, q.offset, bytes.to_vec())
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
    let st = s.backend.attachment_status(sha256).await?;
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
    let bytes = s.backend.attachment(sha256).await?;
    bytes
        .map(|b| ([(header::CONTENT_TYPE, "application/octet-stream")], b))
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such attachment"))
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

/// The OpenAPI document of this API.
#[derive(OpenApi)]
#[openapi(
    info(title = "fangpin sync service", description = "Sync, accounts and supervision for 防止返贫监测."),
    paths(enrol, login, me, push, pull, conflicts, resolve, history, progress, put_attachment, attachment_status, get_attachment, users, create_user, devices, revoke),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

/// The service's routes with their limits.
pub fn router(state: AppState) -> Router {
    let max_body = state.settings.max_body;
    let timeout = state.settings.timeout;
    Router::new()
        .route("/api/v1/enrol", post(enrol))
        .route("/api/v1/login", post(login))
        .route("/api/v1/me", get(me))
        .route("/api/v1/sync/push", post(push))
        .route("/api/v1/sync/pull", post(pull))
        .route("/api/v1/conflicts", get(conflicts))
        .route("/api/v1/conflicts/resolve", post(resolve))
        .route("/api/v1/history", get(history))
        .route("/api/v1/progress", get(progress))
        .route(
            "/api/v1/attachments/{sha256}",
            put(put_attachment).get(get_attachment),
        )
        .route(
            "/api/v1/attachments/{sha256}/status",
            get(attachment_status),
        )
        .route("/api/v1/users", get(users).post(create_user))
        .route("/api/v1/devices", get(devices))
        .route("/api/v1/devices/{id}/revoke", post(revoke))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(RequestDecompressionLayer::new())
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .with_state(state)
}
