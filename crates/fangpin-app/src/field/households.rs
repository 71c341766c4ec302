//! Households: the list with its search, one household with everything in it, and the list
//! items that the tasks' households-to-visit reuse.

use chrono::{Datelike, NaiveDate};
use fangpin_domain::IdNumber;
use fangpin_store::{HouseholdSearch, RowView, Store};
use serde_json::Value;
use uuid::Uuid;

use super::conflicts::conflict_view;
use super::ledger::ledger_view;
use super::screening::{base_of, form_of, record_of};
use super::{
    str_of, today, AppError, FieldApp, FieldErrorView, HouseholdListItem, HouseholdQuery,
    HouseholdView, VisitView,
};

impl FieldApp {
    /// Households on this device, by village and group, with search.
    pub fn households(&self, q: &HouseholdQuery) -> Result<Vec<HouseholdListItem>, AppError> {
        let store = self.store()?;
        let names = store.area_names()?;
        let mut out = Vec::new();
        for s in self.summaries(q, 200)? {
            out.push(self.list_item(store, &names, s)?);
        }
        Ok(out)
    }

    /// The store's search, filtered by group.
    pub(super) fn summaries(
        &self,
        q: &HouseholdQuery,
        limit: usize,
    ) -> Result<Vec<fangpin_store::HouseholdSummary>, AppError> {
        let text = q
            .text
            .as_ref()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        let villages = q.village.iter().cloned().collect::<Vec<_>>();
        let found = self.store()?.households(&HouseholdSearch {
            villages,
            text,
            limit,
            offset: 0,
        })?;
        Ok(found
            .into_iter()
            .filter(|s| {
                q.group
                    .as_ref()
                    .is_none_or(|g| s.group.as_deref() == Some(g.as_str()))
            })
            .collect())
    }

    /// One household of a list, with its members counted and its assessment's category.
    pub(super) fn list_item(
        &self,
        store: &Store,
        names: &std::collections::BTreeMap<String, String>,
        s: fangpin_store::HouseholdSummary,
    ) -> Result<HouseholdListItem, AppError> {
        let detail = store.household(s.id)?;
        let (members, screened, category) = match &detail {
            Some(d) => {
                let category = record_of(d)
                    .ok()
                    .and_then(|r| self.assess_record(&r).ok())
                    .and_then(|a| {
                        a.pointer("/category/category")
                            .and_then(Value::as_str)
                            .map(str::to_owned)
                    });
                (
                    d.members.iter().filter(|m| m.alive).count() as u32,
                    screened_this_year(&d.household),
                    category,
                )
            }
            None => (0, false, None),
        };
        let masked = s
            .head_id_number
            .as_deref()
            .and_then(|n| n.parse::<IdNumber>().ok())
            .map(|n| n.masked())
            .unwrap_or_default();
        Ok(HouseholdListItem {
            id: s.id,
            hubianhao: s.hubianhao.unwrap_or_default(),
            head_name: s.head_name.unwrap_or_default(),
            head_id_masked: masked,
            village_name: s
                .village_code
                .as_ref()
                .and_then(|c| names.get(c))
                .cloned()
                .unwrap_or_default(),
            village_code: s.village_code.unwrap_or_default(),
            group_name: s.group.unwrap_or_default(),
            member_count: members,
            screened,
            category,
            conflicted: s.conflicted,
        })
    }

    /// One household with everything in it, and its assessment.
    pub fn household(&self, id: Uuid) -> Result<HouseholdView, AppError> {
        let store = self.store()?;
        let d = store.household(id)?.ok_or_else(|| {
            AppError::new("not_found", format!("household {id}"), "未找到该农户。")
        })?;
        let mut form = form_of(&d);
        if let Some(o) = form.as_object_mut() {
            o.insert("base".into(), base_of(store, &d)?);
        }
        let (assessment, errors) = match record_of(&d) {
            Ok(r) => match self.assess_record(&r) {
                Ok(a) => (Some(a), Vec::new()),
                Err(e) => (None, e),
            },
            Err(e) => (
                None,
                vec![FieldErrorView {
                    field: String::new(),
                    code: "incomplete".into(),
                    message_zh: format!("档案不完整：{e}"),
                }],
            ),
        };
        let head = str_of(&d.household.data, "head_name");
        Ok(HouseholdView {
            id,
            form,
            assessment,
            errors,
            ledger: d
                .ledger_items
                .iter()
                .filter(|r| r.alive)
                .map(|r| ledger_view(r, &head))
                .collect(),
            conflicts: d
                .conflicts
                .iter()
                .map(|c| conflict_view(store, c, self.me()))
                .collect(),
            visits: d.visits.iter().map(visit_view).collect(),
        })
    }
}

/// A visit row as the record lists it.
fn visit_view(v: &RowView) -> VisitView {
    let d = &v.data;
    VisitView {
        id: v.key.id,
        visited_on: str_of(d, "visited_on"),
        visitor: str_of(d, "visitor"),
        note: str_of(d, "note"),
        photos: d
            .get("photos")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        signature: d
            .get("signature")
            .and_then(Value::as_str)
            .map(str::to_owned),
    }
}

pub(super) fn screened_this_year(h: &RowView) -> bool {
    h.data
        .get("screened_on")
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .is_some_and(|d| d.year() == today().year())
}
