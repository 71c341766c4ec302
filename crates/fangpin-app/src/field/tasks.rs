//! My tasks: households to visit, ledger items due soon, verification tasks from warnings.

use chrono::NaiveDate;
use fangpin_sync::RowKey;
use serde_json::Value;

use super::households::screened_this_year;
use super::{today, AppError, FieldApp, HouseholdQuery, LedgerItemView, Tasks};
use crate::rows::HOUSEHOLD;

impl FieldApp {
    /// My tasks: households to visit, ledger items due, verification tasks.
    pub fn tasks(&self) -> Result<Tasks, AppError> {
        let store = self.store()?;
        let names = store.area_names()?;
        // Which households are not yet screened needs only their row; the list shows the
        // first 50 with their details.
        let mut to_visit = Vec::new();
        let mut to_visit_count = 0u32;
        for s in self.summaries(&HouseholdQuery::default(), 100_000)? {
            let screened = store
                .row(&RowKey::new(HOUSEHOLD, s.id))?
                .is_some_and(|r| screened_this_year(&r));
            if screened {
                continue;
            }
            to_visit_count += 1;
            if to_visit.len() < 50 {
                to_visit.push(self.list_item(store, &names, s)?);
            }
        }
        let soon = today() + chrono::Days::new(7);
        let due_ledger: Vec<LedgerItemView> = self
            .ledger(None)?
            .into_iter()
            .filter(|l| {
                let open = l
                    .status
                    .as_ref()
                    .is_none_or(|s| s.state != "closed" && s.state != "rectified");
                let due =
                    NaiveDate::parse_from_str(&l.deadline, "%Y-%m-%d").is_ok_and(|d| d <= soon);
                open && due
            })
            .collect();
        let verification = self
            .store()?
            .open_tasks(&self.villages(), None)?
            .into_iter()
            .map(|r| Value::Object(r.data))
            .collect();
        Ok(Tasks {
            to_visit_count,
            to_visit,
            due_ledger,
            verification,
        })
    }
}
