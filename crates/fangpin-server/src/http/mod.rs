//! The HTTP API: each handler parses, checks the role, calls the backend once, and maps errors.
//!
//! One module per resource, each with its handlers, their request types and its `routes()`:
//! `accounts` (enrolment, sign-in, accounts, devices), `sync` (push, pull), `conflicts`
//! (conflicts, history, progress) and `attachments`. [`router`] merges them and applies the
//! limits; [`ApiDoc`] is the OpenAPI document of them all.

mod accounts;
mod areas;
mod attachments;
mod conflicts;
mod progress;
mod quarantine;
mod session;
mod sync;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;

use crate::auth::{self, RateLimit};
use crate::backend::Backend;
use crate::error::ApiError;
use crate::model::Actor;

pub use accounts::{new_user, set_password, update_user, NewUser, PasswordReset, UserUpdate};
pub use areas::AreaName;
pub use attachments::ChunkQuery;
pub use conflicts::{HistoryQuery, ResolveRequest};
pub use quarantine::{QuarantineQuery, ReleaseRequest};
pub use session::{ClientAddr, Enrolment, Me, Renewal, SignIn, MAX_PASSWORD, MAX_USERNAME};

// The document names each handler bare, as before the split: a module path in `paths(...)`
// would become the operation's tag.
use accounts::{
    __path_change_user, __path_create_user, __path_devices, __path_reset_password, __path_revoke,
    __path_users,
};
use areas::__path_areas;
use attachments::{__path_attachment_status, __path_get_attachment, __path_put_attachment};
use conflicts::{__path_conflicts, __path_history, __path_resolve};
use progress::__path_progress;
use quarantine::{__path_quarantine, __path_release};
use session::{__path_enrol, __path_login, __path_me, __path_renew};
use sync::{__path_pull, __path_push, __path_sync_state};

/// Settings of the service.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a field device's credential lasts, ms.
    pub device_ttl_ms: i64,
    /// How long a console session lasts, ms.
    pub console_ttl_ms: i64,
    /// Attachment sizes, quotas and how long unfinished uploads are kept.
    pub quota: crate::attachment::Quota,
    /// About the most bytes of changes one pull answer carries.
    pub max_pull_bytes: usize,
    /// The largest request body, bytes.
    pub max_body: usize,
    /// The longest a request may take.
    pub timeout: Duration,
    /// The built console (ui/console/dist), served under `/console/`.
    pub console_dir: Option<std::path::PathBuf>,
    /// The policy settings: the procedures' steps and limits, the re-check and rating.
    pub policy: Arc<fangpin_domain::PolicyBook>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            device_ttl_ms: 365 * 24 * 3600 * 1000,
            console_ttl_ms: 12 * 3600 * 1000,
            quota: crate::attachment::Quota::default(),
            max_pull_bytes: crate::pull::MAX_PULL_BYTES,
            max_body: 16 * 1024 * 1024,
            timeout: Duration::from_secs(60),
            console_dir: None,
            policy: Arc::new(fangpin_domain::PolicyBook::seed()),
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
    /// The sign-in back-off.
    pub limits: Arc<RateLimit>,
    /// Password hashing, off the async workers on a bounded pool.
    pub hashing: Arc<auth::Hashing>,
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
            hashing: Arc::new(auth::Hashing::default()),
            clock: Arc::new(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64)
            }),
        }
    }

    pub(crate) fn now(&self) -> i64 {
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
            // Too large is 413; a body that cannot be read (corrupt gzip, a cut upload) is 400.
            Err(JsonRejection::BytesRejection(e))
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    e.body_text(),
                ))
            }
            Err(JsonRejection::BytesRejection(e)) => {
                Err(ApiError::bad_request("malformed_body", e.body_text()))
            }
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
        let user = state
            .backend
            .user(stored.device.user_id)
            .await?
            .ok_or_else(|| ApiError::unauthenticated("bad_credential", "the user is gone"))?;
        if stored.device.revoked_ms.is_some() {
            // Say why: a departed cadre's account was disabled, or this one device revoked.
            let mut e = if user.disabled {
                ApiError::unauthenticated(
                    "user_disabled",
                    "the account is disabled and its devices revoked",
                )
            } else {
                ApiError::unauthenticated("device_revoked", "this device was revoked")
            };
            e.body.wipe = true;
            return Err(e);
        }
        if stored.device.expires_ms <= state.now() {
            return Err(ApiError::unauthenticated(
                "credential_expired",
                "the credential has expired",
            ));
        }
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
            policy: state.settings.policy.clone(),
        }))
    }
}

fn need(ok: bool, what: &str) -> Result<(), ApiError> {
    if ok {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!("this role may not {what}")))
    }
}

/// The OpenAPI document of this API.
#[derive(OpenApi)]
#[openapi(
    info(title = "fangpin sync service", description = "Sync, accounts and supervision for 防止返贫监测."),
    paths(enrol, login, me, renew, sync_state, push, pull, conflicts, resolve, history, progress, quarantine, release, areas, put_attachment, attachment_status, get_attachment, users, create_user, change_user, reset_password, devices, revoke),
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

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take that method",
    )
}

/// The service's routes with their limits.
pub fn router(state: AppState) -> Router {
    let max_body = state.settings.max_body;
    let timeout = state.settings.timeout;
    let console = state.settings.console_dir.clone();
    let mut app = Router::new()
        .merge(session::routes())
        .merge(accounts::routes())
        .merge(sync::routes())
        .merge(conflicts::routes())
        .merge(progress::routes())
        .merge(quarantine::routes())
        .merge(areas::routes())
        .merge(attachments::routes())
        .route("/api/v1/openapi.json", get(openapi))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    if let Some(dir) = console {
        // The console is a single-page app: an unknown path under it is the app's own route.
        let index = dir.join("index.html");
        app = app
            .nest_service(
                "/console",
                tower_http::services::ServeDir::new(dir)
                    .fallback(tower_http::services::ServeFile::new(index)),
            )
            .route(
                "/",
                get(|| async { axum::response::Redirect::permanent("/console/") }),
            );
    }
    app.layer(DefaultBodyLimit::max(max_body))
        .layer(RequestDecompressionLayer::new())
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .with_state(state)
}
