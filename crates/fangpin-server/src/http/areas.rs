//! Area names: the names of the villages in the caller's scope and of their township and
//! county, so no screen shows a code where a name exists.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AppState, Authed};
use crate::error::{ApiError, ErrorBody};

/// An area's code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AreaName {
    /// The 12-digit statistical area code.
    pub code: String,
    /// The name.
    pub name: String,
}

/// The area routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/areas", get(areas))
}

/// The names of the areas in the caller's scope and above them.
#[utoipa::path(get, path = "/api/v1/areas", security(("bearer" = [])),
    responses((status = 200, body = Vec<AreaName>), (status = 401, body = ErrorBody)))]
async fn areas(
    State(s): State<AppState>,
    Authed(a): Authed,
) -> Result<Json<Vec<AreaName>>, ApiError> {
    let names = s.backend.area_names(a.user.scope).await?;
    Ok(Json(
        names
            .into_iter()
            .map(|(code, name)| AreaName { code, name })
            .collect(),
    ))
}
