//! Progress: the figures per village the township office and the county follow, from the read
//! model.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use super::{need, AppState, Authed};
use crate::backend::VillageProgress;
use crate::error::{ApiError, ErrorBody};
use crate::model::Role;

/// The progress routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/progress", get(progress))
}

/// Households, screened this year, by type, and open conflicts per village in the caller's
/// scope.
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
    let year = china_year(s.now());
    Ok(Json(
        s.backend
            .progress(a.user.scope, format!("{year}-01-01"))
            .await?,
    ))
}

/// The calendar year of a time in ms since the epoch, in China's time (UTC+8).
fn china_year(ms: i64) -> i32 {
    use chrono::Datelike;
    let Some(china) = chrono::FixedOffset::east_opt(8 * 3600) else {
        return 1970;
    };
    chrono::DateTime::from_timestamp_millis(ms).map_or(1970, |d| d.with_timezone(&china).year())
}
