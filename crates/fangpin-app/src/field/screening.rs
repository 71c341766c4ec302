//! Screening: the live assessment of a form, identity-number checks, saving a form with its
//! visit, drafts, and the conversions between a stored household and its form.

use fangpin_domain::{assess_valid, HouseholdRecord, IdNumber};
use fangpin_store::RowView;
use std::collections::{BTreeMap, HashMap};

use fangpin_sync::{RowKey, VersionId, ALIVE};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::errors::field_errors;
use super::{
    now_ms, today, AppError, AssessOutcome, BaseValue, ChangedField, FieldApp, FieldErrorView,
    FormRowIds, IdInfo, RebasedForm, SaveOutcome, VisitInput,
};
use crate::rows::{self, RecordIds, HOUSEHOLD, MEMBER};

impl FieldApp {
    pub(super) fn assess_record(
        &self,
        record: &HouseholdRecord,
    ) -> Result<Value, Vec<FieldErrorView>> {
        let valid = record.validate(today()).map_err(|e| field_errors(&e))?;
        let policy = self
            .policy
            .resolve(&valid.area, record.income.current.year)
            .map_err(|e| {
                vec![FieldErrorView {
                    field: "income.current.year".into(),
                    code: "no_policy".into(),
                    message_zh: e.message_zh().to_string(),
                }]
            })?;
        let a = assess_valid(&valid, &policy, today());
        serde_json::to_value(a).map_err(|e| {
            vec![FieldErrorView {
                field: String::new(),
                code: "internal".into(),
                message_zh: e.to_string(),
            }]
        })
    }

    /// Validates and assesses a form being filled; pure and fast.
    pub fn assess_form(&self, form: &Value) -> AssessOutcome {
        match parse_form(form) {
            Err(errors) => AssessOutcome {
                assessment: None,
                errors,
            },
            Ok(record) => match self.assess_record(&record) {
                Ok(a) => AssessOutcome {
                    assessment: Some(a),
                    errors: Vec::new(),
                },
                Err(errors) => AssessOutcome {
                    assessment: None,
                    errors,
                },
            },
        }
    }

    /// Checks one identity number as it is typed.
    pub fn check_id_number(&self, raw: &str) -> Result<IdInfo, FieldErrorView> {
        let today = today();
        IdNumber::parse(raw, today)
            .map(|n| IdInfo {
                normalized: n.as_str().to_owned(),
                sex: serde_json::to_value(n.sex())
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                birth_date: n.birth_date().to_string(),
                age: n.age_on(today),
                masked: n.masked(),
            })
            .map_err(|e| FieldErrorView {
                field: "id_number".into(),
                code: e.code().as_str().to_owned(),
                message_zh: e.message_zh(),
            })
    }

    /// Saves a screening form: every field that changed, in one transaction, marked as
    /// screened this campaign, with the visit (note, photos, signature) as a `visit` row when
    /// one is given. With invalid fields nothing is written and each is reported.
    pub fn save_form(
        &mut self,
        household_id: Option<Uuid>,
        form: &Value,
        visit: Option<&VisitInput>,
    ) -> Result<SaveOutcome, AppError> {
        let record = match parse_form(form) {
            Ok(r) => r,
            Err(errors) => {
                return Ok(SaveOutcome {
                    household_id,
                    saved_fields: 0,
                    errors,
                })
            }
        };
        if let Err(e) = record.validate(today()) {
            return Ok(SaveOutcome {
                household_id,
                saved_fields: 0,
                errors: field_errors(&e),
            });
        }
        let username = self
            .config
            .as_ref()
            .map(|c| c.user.username.clone())
            .unwrap_or_default();
        let store = self.store_mut()?;
        let existing = match household_id {
            Some(id) => store.household(id)?,
            None => None,
        };
        let ids = ids_for(form, existing.as_ref(), household_id);
        let mut doc = form.clone();
        if let Some(o) = doc.as_object_mut() {
            o.remove("row_ids");
            o.remove("base");
        }
        let row_sets = rows::to_rows(&doc, &ids)
            .map_err(|e| AppError::new("invalid_form", e.to_string(), "表单结构有误。"))?;
        let alive: std::collections::HashSet<RowKey> = existing
            .iter()
            .flat_map(|d| {
                std::iter::once(&d.household)
                    .chain(d.members.iter())
                    .chain(d.income_years.iter())
            })
            .filter(|r| r.alive)
            .map(|r| r.key.clone())
            .collect();
        // A form that names what it began from (`base`) changes only the rows it knew: a member
        // or an income year added underneath (another device's, synced) is not removed, and one
        // deleted underneath is not brought back.
        let known = base_rows(form);
        let knew = |k: &RowKey| known.as_ref().is_none_or(|b| b.contains(k));
        let mut deleted_underneath = std::collections::HashSet::new();
        for (key, _) in &row_sets {
            if !alive.contains(key)
                && known.as_ref().is_some_and(|b| b.contains(key))
                && store.row(key)?.is_some()
            {
                deleted_underneath.insert(key.clone());
            }
        }
        let removed: Vec<RowKey> = existing
            .iter()
            .flat_map(|d| d.members.iter().chain(d.income_years.iter()))
            .filter(|r| r.alive && knew(&r.key) && !row_sets.iter().any(|(k, _)| *k == r.key))
            .map(|r| r.key.clone())
            .collect();
        let today = today().to_string();
        let village = form["household"]["area"]["code"].clone();
        let (_, changes) = store.edit(now_ms(), |e| {
            for (key, mut fields) in row_sets {
                if key.table == HOUSEHOLD {
                    fields.push(("screened_on".into(), json!(today)));
                    fields.push(("screened_by".into(), json!(username)));
                }
                let fields: Vec<(&str, Value)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.clone()))
                    .collect();
                if alive.contains(&key) {
                    match row_base(form, &key) {
                        Some(base) => e.save_since(&key, &fields, &base)?,
                        None => e.save(&key, &fields)?,
                    };
                } else if deleted_underneath.contains(&key) {
                    continue;
                } else {
                    e.create(&key, &fields)?;
                }
            }
            for key in &removed {
                e.delete(key)?;
            }
            if let Some(v) = visit.filter(|v| {
                !v.note.trim().is_empty() || !v.photos.is_empty() || v.signature.is_some()
            }) {
                let row = RowKey::new("visit", Uuid::now_v7());
                let fields = [
                    ("household_id", json!(ids.household.to_string())),
                    ("village_code", village.clone()),
                    ("visited_on", json!(today)),
                    ("visitor", json!(username)),
                    ("note", json!(v.note)),
                    ("photos", json!(v.photos)),
                    ("signature", json!(v.signature)),
                ];
                e.create(&row, &fields)?;
            }
            Ok(())
        })?;
        Ok(SaveOutcome {
            household_id: Some(ids.household),
            saved_fields: changes.len() as u32,
            errors: Vec::new(),
        })
    }

    /// The fields of a household that changed on the device (another device's edit arrived
    /// by sync, or a conflict) since the form in `form` began: what a restored draft tells the
    /// cadre, with the field's Chinese name and its value now. See [`FieldApp::rebase_form`].
    pub fn changed_underneath(&self, form: &Value) -> Result<Vec<ChangedField>, AppError> {
        Ok(self.rebase_form(form)?.changed)
    }

    /// A kept form (a draft) brought up to date with what changed on the device since it
    /// began: every field shown on the form whose versions moved on is reported; where the
    /// draft still holds the value it began from (the cadre did not touch it), the form takes
    /// the new value and its versions, so the screen shows what is stored now; where the
    /// draft changed it too, the draft's value and its old versions stay (`edited`), so saving
    /// makes a conflict that a supervisor resolves, never a silent revert.
    pub fn rebase_form(&self, form: &Value) -> Result<RebasedForm, AppError> {
        let store = self.store()?;
        let mut out = form.clone();
        let Some(base) = form.get("base").and_then(Value::as_object) else {
            return Ok(RebasedForm {
                form: out,
                changed: Vec::new(),
            });
        };
        let row_ids: FormRowIds =
            serde_json::from_value(form.get("row_ids").cloned().unwrap_or(Value::Null))
                .unwrap_or_default();
        let mut heads_of: HashMap<RowKey, _> = HashMap::new();
        let mut changed = Vec::new();
        // Positions of members removed underneath, taken out of the form at the end.
        let mut gone: Vec<usize> = Vec::new();
        for (k, v) in base {
            let mut parts = k.splitn(3, '/');
            let (Some(table), Some(id), Some(field)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let Ok(id) = id.parse::<Uuid>() else { continue };
            let Ok(was) = serde_json::from_value::<BaseValue>(v.clone()) else {
                continue;
            };
            let key = RowKey::new(table, id);
            if !heads_of.contains_key(&key) {
                heads_of.insert(key.clone(), store.heads(&key)?);
            }
            let Some((now, value)) = heads_of[&key].get(field) else {
                continue;
            };
            if *now == was.versions {
                continue;
            }
            let Some(pointer) = rows::form_pointer(table, id, field, &row_ids) else {
                continue;
            };
            let drafted = out.pointer(&pointer).cloned().unwrap_or(Value::Null);
            let edited = drafted != was.value;
            if !edited {
                set_pointer(&mut out, &pointer, value.clone());
                if let Some(b) = out.pointer_mut(&format!("/base/{}", escape_pointer(k))) {
                    *b = json!(BaseValue {
                        versions: now.clone(),
                        value: value.clone(),
                    });
                }
            }
            changed.push(ChangedField {
                table: table.to_owned(),
                field: field.to_owned(),
                table_zh: fangpin_catalogue::table(table)
                    .map_or("记录", |t| t.label_zh)
                    .to_owned(),
                label_zh: fangpin_catalogue::label_zh(table, field).to_owned(),
                value: value.clone(),
                edited,
            });
        }
        // A member removed underneath leaves the form; the screen names them.
        for (i, m) in row_ids.members.iter().enumerate() {
            let Some(m) = m else { continue };
            let alive = store.row(&RowKey::new(MEMBER, *m))?.map(|r| r.alive);
            if alive != Some(false) {
                continue;
            }
            let name = form
                .pointer(&format!("/members/{i}/name"))
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or("一名成员");
            gone.push(i);
            changed.push(ChangedField {
                table: MEMBER.to_owned(),
                field: ALIVE.to_owned(),
                table_zh: fangpin_catalogue::table(MEMBER)
                    .map_or("记录", |t| t.label_zh)
                    .to_owned(),
                label_zh: name.to_owned(),
                value: Value::Bool(false),
                edited: false,
            });
        }
        for i in gone.into_iter().rev() {
            for list in ["/members", "/row_ids/members"] {
                if let Some(Value::Array(a)) = out.pointer_mut(list) {
                    if i < a.len() {
                        a.remove(i);
                    }
                }
            }
        }
        Ok(RebasedForm { form: out, changed })
    }

    /// Keeps a half-filled form.
    pub fn save_draft(&self, form_id: &str, body: &Value) -> Result<(), AppError> {
        if form_id.starts_with('$') {
            return Err(AppError::new(
                "bad_form_id",
                "form ids starting with $ are reserved",
                "表单编号无效。",
            ));
        }
        self.store()?.save_draft(form_id, body, now_ms())?;
        Ok(())
    }

    /// A kept form.
    pub fn load_draft(&self, form_id: &str) -> Result<Option<Value>, AppError> {
        if form_id.starts_with('$') {
            return Ok(None);
        }
        Ok(self.store()?.draft(form_id)?.map(|d| d.body))
    }

    /// Forgets a kept form.
    pub fn discard_draft(&self, form_id: &str) -> Result<(), AppError> {
        if form_id.starts_with('$') {
            return Ok(());
        }
        self.store()?.discard_draft(form_id)?;
        Ok(())
    }
}

fn maps(rows: &[RowView]) -> Vec<Map<String, Value>> {
    rows.iter()
        .filter(|r| r.alive)
        .map(|r| r.data.clone())
        .collect()
}

pub(super) fn record_of(
    d: &fangpin_store::HouseholdDetail,
) -> Result<HouseholdRecord, rows::RowsError> {
    rows::record_from_rows(&d.household.data, &maps(&d.members), &maps(&d.income_years))
}

/// What a form is based on: for every register field of its rows, the versions shown when it
/// opened and their value, keyed `table/row id/field`. The form keeps it (and its draft), and
/// saving writes an edited field over these versions (see `Edit::save_since`).
pub(super) fn base_of(
    store: &fangpin_store::Store,
    d: &fangpin_store::HouseholdDetail,
) -> Result<Value, AppError> {
    let mut base = BTreeMap::new();
    for row in std::iter::once(&d.household)
        .chain(d.members.iter())
        .chain(d.income_years.iter())
        .filter(|r| r.alive)
    {
        for (field, (versions, value)) in store.heads(&row.key)? {
            base.insert(
                format!("{}/{}/{field}", row.key.table, row.key.id),
                BaseValue { versions, value },
            );
        }
    }
    serde_json::to_value(base)
        .map_err(|e| AppError::new("internal", e.to_string(), "无法读取表单的版本。"))
}

/// A key as one step of a JSON pointer (RFC 6901: `~` and `/` escaped).
fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Sets the value at a JSON pointer of plain object steps and array indexes, adding a missing
/// last key to its object.
fn set_pointer(doc: &mut Value, pointer: &str, value: Value) {
    if let Some(slot) = doc.pointer_mut(pointer) {
        *slot = value;
        return;
    }
    if let Some((parent, last)) = pointer.rsplit_once('/') {
        if let Some(Value::Object(o)) = doc.pointer_mut(parent) {
            o.insert(last.replace("~1", "/").replace("~0", "~"), value);
        }
    }
}

/// The rows a form began from (those its `base` names), or `None` for a form without a base.
fn base_rows(form: &Value) -> Option<std::collections::HashSet<RowKey>> {
    let base = form.get("base")?.as_object()?;
    Some(
        base.keys()
            .filter_map(|k| {
                let mut parts = k.splitn(3, '/');
                let table = parts.next()?;
                let id = parts.next()?.parse::<Uuid>().ok()?;
                Some(RowKey::new(table, id))
            })
            .collect(),
    )
}

/// The base of one row, from a form's `base`.
fn row_base(form: &Value, key: &RowKey) -> Option<HashMap<String, (Vec<VersionId>, Value)>> {
    let base = form.get("base")?.as_object()?;
    let prefix = format!("{}/{}/", key.table, key.id);
    let out: HashMap<String, (Vec<VersionId>, Value)> = base
        .iter()
        .filter_map(|(k, v)| {
            let field = k.strip_prefix(&prefix)?;
            let b: BaseValue = serde_json::from_value(v.clone()).ok()?;
            Some((field.to_owned(), (b.versions, b.value)))
        })
        .collect();
    (!out.is_empty()).then_some(out)
}

/// The form of a stored household, with the row ids the save needs.
pub(super) fn form_of(d: &fangpin_store::HouseholdDetail) -> Value {
    let mut members: Vec<&RowView> = d.members.iter().filter(|r| r.alive).collect();
    members.sort_by_key(|m| {
        m.data
            .get("position")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX)
    });
    let incomes: Vec<&RowView> = d.income_years.iter().filter(|r| r.alive).collect();
    let mut form = rows::from_rows(&d.household.data, &maps(&d.members), &maps(&d.income_years))
        .unwrap_or(Value::Null);
    let row_ids = FormRowIds {
        household: Some(d.household.key.id),
        members: members.iter().map(|m| Some(m.key.id)).collect(),
        income: incomes
            .iter()
            .filter_map(|r| Some((r.data.get("period")?.as_str()?.to_owned(), r.key.id)))
            .collect(),
    };
    if let (Some(o), Ok(ids)) = (form.as_object_mut(), serde_json::to_value(row_ids)) {
        o.insert("row_ids".into(), ids);
    }
    form
}

/// Row ids for a save: the form's own (`row_ids`), else the stored ones, else new.
fn ids_for(
    form: &Value,
    existing: Option<&fangpin_store::HouseholdDetail>,
    household_id: Option<Uuid>,
) -> RecordIds {
    let n = form["members"].as_array().map_or(0, Vec::len);
    let parse = |v: &Value| v.as_str().and_then(|s| s.parse::<Uuid>().ok());
    let members = (0..n)
        .map(|i| parse(&form["row_ids"]["members"][i]).unwrap_or_else(Uuid::now_v7))
        .collect();
    let stored_income = |period: &str| {
        existing.and_then(|d| {
            d.income_years
                .iter()
                .find(|r| r.alive && r.data.get("period").and_then(Value::as_str) == Some(period))
                .map(|r| r.key.id)
        })
    };
    let income = ["current", "previous"]
        .iter()
        .map(|p| {
            parse(&form["row_ids"]["income"][p])
                .or_else(|| stored_income(p))
                .unwrap_or_else(Uuid::now_v7)
        })
        .collect();
    RecordIds {
        household: household_id
            .or_else(|| parse(&form["row_ids"]["household"]))
            .unwrap_or_else(Uuid::now_v7),
        members,
        income,
    }
}

/// Parses a form into a household record, naming the field of a shape error.
fn parse_form(form: &Value) -> Result<HouseholdRecord, Vec<FieldErrorView>> {
    let mut doc = form.clone();
    if let Some(o) = doc.as_object_mut() {
        o.remove("row_ids");
        o.remove("base");
    }
    serde_path_to_error::deserialize(doc).map_err(|e| {
        let field = e.path().to_string();
        vec![FieldErrorView {
            field,
            code: "invalid_value".into(),
            message_zh: format!("取值无效：{}", e.inner()),
        }]
    })
}
