//! The township's 回访核查 on the device: the households drawn for a second visit, in the
//! order of the draw, and recording what one re-check found.
//!
//! Only the roles the catalogue lets write a re-check's result (镇扶贫办, 县级管理员, 办事处)
//! record it; the device refuses anyone else before anything is sent, as the service would.
//! Values the re-check finds wrong are corrected through the screening form like any other
//! change; the result names which fields differed.

use std::collections::{BTreeMap, HashMap};

use fangpin_catalogue as catalogue;
use fangpin_domain::recheck::RecheckResult;
use fangpin_store::{RowView, Store};
use fangpin_sync::RowKey;
use serde_json::{json, Value};
use uuid::Uuid;

use super::tasks::CAMPAIGN;
use super::{now_ms, str_of, AppError, FieldApp, RecheckView};
use crate::rows::HOUSEHOLD;

/// The table of re-checks.
const RECHECK: &str = "recheck";
/// The re-check's result field.
const RESULT: &str = "result";

fn not_found(id: Uuid) -> AppError {
    AppError::new("not_found", format!("recheck {id}"), "未找到该回访核查。")
}

impl FieldApp {
    /// The households drawn for 回访核查 on this device, in the order of the draw.
    pub fn rechecks(&self) -> Result<Vec<RecheckView>, AppError> {
        let store = self.store()?;
        let names = store.area_names()?;
        let may_record = self.may_record_recheck();
        let mut campaigns = HashMap::new();
        store
            .rechecks()?
            .iter()
            .map(|r| recheck_view(store, &names, &mut campaigns, r, may_record))
            .collect()
    }

    /// Records what a re-check found, after the result's own checks; only the township's
    /// roles and the 办事处 may.
    pub fn record_recheck(
        &mut self,
        id: Uuid,
        result: RecheckResult,
    ) -> Result<RecheckView, AppError> {
        let key = RowKey::new(RECHECK, id);
        self.store()?
            .row(&key)?
            .filter(|r| r.alive)
            .ok_or_else(|| not_found(id))?;
        if !self.may_record_recheck() {
            let who = catalogue::table(RECHECK)
                .and_then(|t| t.field(RESULT))
                .map(|f| {
                    f.written_by
                        .iter()
                        .map(|r| r.label_zh())
                        .collect::<Vec<_>>()
                        .join("、")
                })
                .unwrap_or_default();
            return Err(AppError::new(
                "wrong_role",
                format!("recheck.result: this role may not record a re-check's result ({who})"),
                format!("回访核查结果只能由{who}登记。"),
            ));
        }
        if let Err(errors) = result.validate() {
            if let Some(e) = errors.iter().next() {
                let mut a = AppError::new("invalid", e.to_string(), format!("{}。", e.message_zh));
                a.field = Some(e.field.clone());
                return Err(a);
            }
        }
        let value = json!(result);
        self.store_mut()?
            .edit(now_ms(), |e| e.save(&key, &[(RESULT, value)]))?;
        let store = self.store()?;
        let names = store.area_names()?;
        let row = store
            .row(&key)?
            .filter(|r| r.alive)
            .ok_or_else(|| not_found(id))?;
        recheck_view(
            store,
            &names,
            &mut HashMap::new(),
            &row,
            self.may_record_recheck(),
        )
    }

    /// Whether the signed-in user's role may record a re-check's result.
    fn may_record_recheck(&self) -> bool {
        self.role()
            .is_some_and(|r| catalogue::may_write(RECHECK, RESULT, r))
    }
}

/// A re-check row as the list shows it, with its household and its campaign's name (looked up
/// once per campaign).
fn recheck_view(
    store: &Store,
    names: &BTreeMap<String, String>,
    campaigns: &mut HashMap<Uuid, Option<String>>,
    r: &RowView,
    may_record: bool,
) -> Result<RecheckView, AppError> {
    let household_id = r
        .household_id
        .or_else(|| Uuid::parse_str(&str_of(&r.data, "household_id")).ok())
        .unwrap_or_default();
    let household = store.row(&RowKey::new(HOUSEHOLD, household_id))?;
    let h = |k: &str| {
        household
            .as_ref()
            .map(|h| str_of(&h.data, k))
            .unwrap_or_default()
    };
    let village_code = Some(h("village_code"))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| str_of(&r.data, "village_code"));
    let campaign_name = match Uuid::parse_str(&str_of(&r.data, "campaign_id")) {
        Ok(cid) => match campaigns.get(&cid) {
            Some(n) => n.clone(),
            None => {
                let n = campaign_name(store, cid)?;
                campaigns.insert(cid, n.clone());
                n
            }
        },
        Err(_) => None,
    };
    Ok(RecheckView {
        id: r.key.id,
        household_id,
        head_name: h("head_name"),
        hubianhao: h("hubianhao"),
        village_name: names.get(&village_code).cloned().unwrap_or_default(),
        village_code,
        group_name: h("group"),
        rank: r
            .data
            .get("rank")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok()),
        campaign_name,
        result: r
            .data
            .get(RESULT)
            .filter(|v| !v.is_null())
            .and_then(|v| serde_json::from_value(v.clone()).ok()),
        may_record,
    })
}

/// A campaign's name: its own row's where the device holds it, else an assignment's copy.
fn campaign_name(store: &Store, id: Uuid) -> Result<Option<String>, AppError> {
    let own = store
        .row(&RowKey::new(CAMPAIGN, id))?
        .filter(|r| r.alive)
        .map(|r| str_of(&r.data, "name"))
        .filter(|n| !n.is_empty());
    if own.is_some() {
        return Ok(own);
    }
    let id = id.to_string();
    Ok(store
        .assignments(None)?
        .iter()
        .filter(|a| str_of(&a.data, "campaign_id") == id)
        .map(|a| str_of(&a.data, "campaign_name"))
        .find(|n| !n.is_empty()))
}
