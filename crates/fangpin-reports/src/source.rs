//! Where the reports' rows come from: the service's read model, a page at a time, only in the
//! part of the user's scope inside the area asked for.

use std::collections::HashMap;
use std::sync::Arc;

use fangpin_server::backend::{Backend, BackendError, RowQuery};
use fangpin_server::state::RowRecord;
use fangpin_server::Scope;
use uuid::Uuid;

use crate::HouseholdBundle;

/// How many rows one page of the read model holds.
pub const PAGE: u32 = 1000;

/// The part of `scope` inside `area` (a code prefix): the user's prefixes within the area, or
/// the area itself where one of the user's prefixes covers it. Empty: the user sees nothing of
/// it.
pub fn narrow(scope: &Scope, area: &str) -> Scope {
    let mut out: Vec<String> = Vec::new();
    for p in &scope.areas {
        if p.starts_with(area) {
            out.push(p.clone());
        } else if area.starts_with(p.as_str()) {
            out.push(area.to_owned());
        }
    }
    out.sort();
    out.dedup();
    Scope { areas: out }
}

/// Pages of a table's live rows in a scope, in (village, id) order.
pub struct Pages {
    backend: Arc<dyn Backend>,
    scope: Scope,
    table: String,
    after: Option<(String, Uuid)>,
    done: bool,
}

impl Pages {
    /// The pages of `table` in `scope`.
    pub fn new(backend: Arc<dyn Backend>, scope: Scope, table: &str) -> Self {
        Self {
            backend,
            scope,
            table: table.to_owned(),
            after: None,
            done: false,
        }
    }

    /// The next page, or None after the last.
    pub async fn next(&mut self) -> Result<Option<Vec<RowRecord>>, BackendError> {
        if self.done {
            return Ok(None);
        }
        let page = self
            .backend
            .rows_page(
                self.scope.clone(),
                RowQuery {
                    after: self.after.clone(),
                    limit: PAGE,
                    ..RowQuery::all(self.table.clone())
                },
            )
            .await?;
        if page.len() < PAGE as usize {
            self.done = true;
        }
        if page.is_empty() {
            return Ok(None);
        }
        self.after = page.last().map(|r| (r.village.clone(), r.key.id));
        Ok(Some(page))
    }
}

/// The rows of `table` belonging to `households`, grouped by household.
pub async fn children(
    backend: &Arc<dyn Backend>,
    scope: &Scope,
    table: &str,
    households: &[Uuid],
) -> Result<HashMap<Uuid, Vec<RowRecord>>, BackendError> {
    let rows = backend
        .rows_page(
            scope.clone(),
            RowQuery {
                households: Some(households.to_vec()),
                ..RowQuery::all(table)
            },
        )
        .await?;
    let mut out: HashMap<Uuid, Vec<RowRecord>> = HashMap::new();
    for r in rows {
        if let Some(h) = r.household_id {
            out.entry(h).or_default().push(r);
        }
    }
    Ok(out)
}

/// A page of households with their members, incomes, measures and procedures.
pub async fn bundles(
    backend: &Arc<dyn Backend>,
    scope: &Scope,
    households: Vec<RowRecord>,
) -> Result<Vec<HouseholdBundle>, BackendError> {
    let ids: Vec<Uuid> = households.iter().map(|h| h.key.id).collect();
    let mut members = children(backend, scope, "member", &ids).await?;
    let mut incomes = children(backend, scope, "income_year", &ids).await?;
    let mut measures = children(backend, scope, "measure", &ids).await?;
    let mut procedures = children(backend, scope, "procedure", &ids).await?;
    Ok(households
        .into_iter()
        .map(|h| {
            let id = h.key.id;
            let mut m = members.remove(&id).unwrap_or_default();
            m.sort_by_key(|r| {
                r.data
                    .get("position")
                    .and_then(|v| v.as_i64())
                    .unwrap_or(i64::MAX)
            });
            HouseholdBundle {
                household: Some(h),
                members: m,
                incomes: incomes.remove(&id).unwrap_or_default(),
                measures: measures.remove(&id).unwrap_or_default(),
                procedures: procedures.remove(&id).unwrap_or_default(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_holds_only_the_users_part_of_the_area() {
        let village = Scope::new(["530325101201"]);
        assert_eq!(narrow(&village, "530325101").areas, vec!["530325101201"]);
        assert!(narrow(&village, "530325102").areas.is_empty());
        let township = Scope::new(["530325101"]);
        assert_eq!(
            narrow(&township, "530325101202").areas,
            vec!["530325101202"]
        );
        assert_eq!(narrow(&township, "530325").areas, vec!["530325101"]);
    }
}
