//! The view types that cross into the UI (serde for the Tauri commands, ts-rs for the
//! TypeScript bindings): what the screens show and what they send.

use std::collections::BTreeMap;

use fangpin_domain::{Assessment, HouseholdRecord};
use fangpin_sync::VersionId;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;
use uuid::Uuid;

use super::FieldErrorView;

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct UserInfo {
    /// Sign-in name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role.
    pub role: String,
    /// Area codes of the villages (or wider areas) in scope.
    pub villages: Vec<String>,
}

/// What the app shows before anything else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppStatus {
    /// Whether this device is enrolled.
    pub enrolled: bool,
    /// Whether the local data is open.
    pub unlocked: bool,
    /// The service address.
    pub server_url: Option<String>,
    /// The user.
    pub user: Option<UserInfo>,
    /// This device's id.
    pub device_id: Option<Uuid>,
    /// The signed-in user's id.
    pub user_id: Option<Uuid>,
    /// Changes waiting to be pushed (0 when locked).
    pub pending_changes: u64,
    /// When the last sync finished, ms since the epoch.
    pub last_sync_ms: Option<u64>,
    /// Whether the signed-in user may resolve conflicts (township and county supervisors).
    pub may_resolve: bool,
    /// The names of the areas on this device (area code → name, as the service sent them;
    /// empty while locked), so that screens show a village's name, not its code.
    pub area_names: BTreeMap<String, String>,
}

/// A household search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HouseholdQuery {
    /// A village code.
    pub village: Option<String>,
    /// A group (组).
    pub group: Option<String>,
    /// A name, an identity number (full or its last digits), or a 户编号.
    pub text: Option<String>,
}

/// A household in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HouseholdListItem {
    /// The row id.
    pub id: Uuid,
    /// 户编号.
    pub hubianhao: String,
    /// 户主.
    pub head_name: String,
    /// The head's identity number, masked.
    pub head_id_masked: String,
    /// Village code.
    pub village_code: String,
    /// The village's name, when the service has sent it.
    pub village_name: String,
    /// 组.
    pub group_name: String,
    /// Members.
    pub member_count: u32,
    /// Screened in this campaign (this year).
    pub screened: bool,
    /// The suggested monitoring category, when a rule puts it at risk.
    pub category: Option<String>,
    /// Some field is in conflict.
    pub conflicted: bool,
}

/// A ledger status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StatusView {
    /// Round, from 1.
    pub round: u32,
    /// found, in_progress, rectified or closed.
    pub state: String,
}

/// One problem-ledger item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LedgerItemView {
    /// The row id.
    pub id: Uuid,
    /// The household.
    pub household_id: Option<Uuid>,
    /// The household head.
    pub head_name: String,
    /// Problem type.
    pub problem_type: String,
    /// What was found.
    pub description: String,
    /// The measure.
    pub measure: String,
    /// Unit responsible.
    pub responsible_unit: String,
    /// Person responsible.
    pub responsible_person: String,
    /// Deadline, YYYY-MM-DD.
    pub deadline: String,
    /// Status.
    pub status: Option<StatusView>,
    /// Past the deadline and not rectified.
    pub overdue: bool,
    /// Evidence: attachment hashes.
    pub evidence: Vec<String>,
    /// When it was closed (销号日期).
    pub closed_on: Option<String>,
    /// Who checked the rectification and closed it (验收人).
    pub checked_by: Option<String>,
    /// The moves the ledger's rules allow from the item's status, as the screen offers them.
    pub moves: Vec<MoveView>,
}

/// A move of a ledger item the screen offers: where it goes and what its button says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MoveView {
    /// The status moved to.
    pub to: StatusView,
    /// The button's label.
    pub label_zh: String,
}

/// A new problem for the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NewLedgerItem {
    /// Source: self_check, warning, inspection, audit, petition, assessment, acceptance, survey.
    pub source: String,
    /// Problem type.
    pub problem_type: String,
    /// What was found.
    pub description: String,
    /// The measure.
    pub measure: String,
    /// Unit responsible.
    pub responsible_unit: String,
    /// Person responsible.
    pub responsible_person: String,
    /// Deadline, YYYY-MM-DD.
    pub deadline: String,
}

/// One competing value of a conflict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HeadView {
    /// The value.
    pub value: Value,
    /// Who wrote it (user id).
    pub author: Uuid,
    /// Whether this device's user wrote it.
    pub mine: bool,
    /// Whether this very device wrote it.
    pub this_device: bool,
    /// When, by the writer's clock.
    pub at_ms: u64,
}

/// A conflict as the sync screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ConflictView {
    /// The row.
    pub table: String,
    /// The row id.
    pub row_id: Uuid,
    /// The household the row belongs to, when it is on the device.
    pub household_id: Option<Uuid>,
    /// The household as the screens name it (`张国华户`), or empty.
    pub household_zh: String,
    /// The field.
    pub field: String,
    /// The table's name in Chinese.
    pub table_zh: String,
    /// The field's name in Chinese.
    pub label_zh: String,
    /// value, status or edit_delete.
    pub kind: String,
    /// The competing values.
    pub heads: Vec<HeadView>,
    /// The value shown until it is resolved.
    pub winner: Value,
}

/// The household form as the screening form edits it: the household record of
/// docs/household-json.md, with the stored rows behind it (`row_ids`) and the versions of
/// every field it began from (`base`).
///
/// On the wire the form stays JSON (the commands take and give a `serde_json::Value`), so that
/// a form with a field of the wrong shape is reported field by field rather than refused
/// whole; this type is its shape for the UI (TypeScript only).
#[derive(Debug, Clone, TS)]
pub struct HouseholdForm {
    /// The record itself.
    #[ts(flatten)]
    pub record: HouseholdRecord,
    /// The stored rows behind the form; absent for a new household.
    #[ts(optional)]
    pub row_ids: Option<FormRowIds>,
    /// What the form began from, by `table/row id/field`: saving writes an edited field over
    /// these versions, so a value changed underneath becomes a conflict, never a silent revert.
    #[ts(optional)]
    pub base: Option<BTreeMap<String, BaseValue>>,
}

/// A screening form kept half-filled (a draft, `save_draft`): the form, what was typed into it,
/// the visit so far, and where the cadre was on it. The store keeps it as JSON; a draft read
/// back may come from an older app, so the UI reads it as a deep partial of this
/// (TypeScript only).
#[derive(Debug, Clone, TS)]
pub struct FormDraft {
    /// The form, with the versions it began from (`base`) and the rows behind it.
    pub form: HouseholdForm,
    /// What was typed into amount fields, by field path (kept even when not an amount).
    pub texts: BTreeMap<String, String>,
    /// The visit's photos (attachment hashes).
    pub photos: Vec<String>,
    /// The head's signature (an attachment hash).
    pub signature: Option<String>,
    /// The visit's note.
    pub note: String,
    /// The section of the form shown.
    pub section: String,
    /// When it was kept, ms since the epoch.
    pub saved_at: u64,
}

/// The stored rows behind a form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FormRowIds {
    /// The household row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub household: Option<Uuid>,
    /// The member rows, by position (a member added on the form has none yet).
    #[serde(default)]
    pub members: Vec<Option<Uuid>>,
    /// The income rows, by period (`current`, `previous`).
    #[serde(default)]
    pub income: BTreeMap<String, Uuid>,
}

/// One field as a form began: the versions then shown, and their value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct BaseValue {
    /// The versions; the UI carries them back unchanged.
    #[ts(as = "Vec<Value>")]
    pub versions: Vec<VersionId>,
    /// The value.
    pub value: Value,
}

/// One visit of a household, as its record lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VisitView {
    /// The visit's row id.
    pub id: Uuid,
    /// When, YYYY-MM-DD.
    pub visited_on: String,
    /// Who (user name).
    pub visitor: String,
    /// 走访情况.
    pub note: String,
    /// Photo attachments.
    pub photos: Vec<String>,
    /// The head's signature, a PNG attachment.
    pub signature: Option<String>,
}

/// One household with everything in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HouseholdView {
    /// The row id.
    pub id: Uuid,
    /// The household in its JSON form (docs/household-json.md) with `row_ids` and `base`.
    #[ts(as = "HouseholdForm")]
    pub form: Value,
    /// The assessment (`fangpin_domain::Assessment`), when the record is valid.
    #[ts(as = "Option<Assessment>")]
    pub assessment: Option<Value>,
    /// Why it could not be assessed.
    pub errors: Vec<FieldErrorView>,
    /// Ledger items.
    pub ledger: Vec<LedgerItemView>,
    /// Conflicts.
    pub conflicts: Vec<ConflictView>,
    /// Visits, oldest first.
    pub visits: Vec<VisitView>,
}

/// The live assessment of a form being filled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AssessOutcome {
    /// The assessment (`fangpin_domain::Assessment`), when every field is valid.
    #[ts(as = "Option<Assessment>")]
    pub assessment: Option<Value>,
    /// Every invalid field, with the reason.
    pub errors: Vec<FieldErrorView>,
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SaveOutcome {
    /// The household's row id.
    pub household_id: Option<Uuid>,
    /// Field changes written.
    pub saved_fields: u32,
    /// Invalid fields: nothing was written.
    pub errors: Vec<FieldErrorView>,
}

/// What a cadre records of a visit with the screening form: a note, photos and the head's
/// signature (attachment hashes from `add_attachment`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct VisitInput {
    /// 走访记录.
    pub note: String,
    /// Photo attachments.
    pub photos: Vec<String>,
    /// The head's signature, a PNG attachment.
    pub signature: Option<String>,
}

/// An attachment to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AttachmentView {
    /// SHA-256.
    pub sha256: String,
    /// Media type.
    pub mime: String,
    /// The bytes, base64.
    pub bytes_base64: String,
}

/// My tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Tasks {
    /// The current campaign this user's tasks follow, when the device holds an assignment.
    pub campaign: Option<CampaignTaskView>,
    /// Households not yet visited in the current campaign (its assignment's households, the
    /// focus groups' first), or, without a campaign, not yet screened this year; the first 50.
    pub to_visit: Vec<HouseholdListItem>,
    /// Ledger items due within 7 days or overdue.
    pub due_ledger: Vec<LedgerItemView>,
    /// Verification tasks from warnings.
    pub verification: Vec<Value>,
    /// Households not yet visited, in all.
    pub to_visit_count: u32,
    /// Procedures of the device's households still running and past their time limit or with
    /// a step past its own, the most overdue first.
    pub overdue_procedures: Vec<ProcedureView>,
    /// The head's name (户主) of each household in `overdue_procedures`, by household id.
    pub procedure_heads: BTreeMap<Uuid, String>,
}

/// What a sync did, for the sync screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncOutcome {
    /// Changes accepted by the service.
    pub pushed: u64,
    /// Changes pulled.
    pub pulled: u64,
    /// Changes refused (kept, with reasons).
    pub refused: u32,
    /// Open conflicts now.
    pub conflicts: u32,
    /// Changes sent again because the service had lost them (it was restored from a backup).
    pub resent: u64,
    /// Photos and signatures left for a later sync.
    pub attachments_waiting: u32,
    /// Pulled changes this device could not apply (kept, tried again at each sync).
    pub problems: u32,
    /// Whether the device's credential was renewed.
    pub renewed: bool,
    /// When it finished.
    pub finished_ms: u64,
}

/// A refusal as the sync screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RefusalView {
    /// Stable code.
    pub code: String,
    /// The reason in Chinese.
    pub reason_zh: String,
    /// The server's reason in English.
    pub reason: String,
    /// The table's name in Chinese.
    pub table_zh: String,
    /// The field's name in Chinese.
    pub label_zh: String,
    /// The table.
    pub table: String,
    /// The row.
    pub row_id: Uuid,
    /// The field.
    pub field: String,
}

/// What an identity number says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IdInfo {
    /// The normalised 18-digit number.
    pub normalized: String,
    /// male or female.
    pub sex: String,
    /// YYYY-MM-DD.
    pub birth_date: String,
    /// Age today.
    pub age: u32,
    /// Masked for publication.
    pub masked: String,
}

/// A field that changed on the device since a form began.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ChangedField {
    /// The table (to format the value; screens show `table_zh`).
    pub table: String,
    /// The field (to format the value; screens show `label_zh`).
    pub field: String,
    /// The table's name in Chinese.
    pub table_zh: String,
    /// The field's name in Chinese.
    pub label_zh: String,
    /// Its value now.
    pub value: Value,
    /// The draft changed this field too: it keeps the draft's value, and saving makes it a
    /// conflict to resolve. Otherwise the form took the value now.
    pub edited: bool,
}

/// A kept form brought up to date with what changed underneath it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RebasedForm {
    /// The form: untouched fields that changed underneath take their value now.
    #[ts(as = "HouseholdForm")]
    pub form: Value,
    /// Every field shown on the form that changed underneath since it began.
    pub changed: Vec<ChangedField>,
}

/// A procedure to start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NewProcedure {
    /// 纳入监测 or 风险消除.
    pub kind: fangpin_domain::procedure::ProcedureKind,
    /// How it was found.
    pub channel: fangpin_domain::procedure::Channel,
    /// The day of discovery or application, `YYYY-MM-DD`.
    pub started_on: String,
    /// The warning that raised it (部门筛查预警).
    pub warning_id: Option<String>,
}

/// One step of a procedure as its screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct StepView {
    /// The step.
    pub step: fangpin_domain::procedure::Step,
    /// Its Chinese name.
    pub label: String,
    /// Its record, once recorded.
    #[ts(type = "any")]
    pub recorded: Option<Value>,
    /// Whether this user's role may record it.
    pub may_record: bool,
    /// Who may record it, in Chinese.
    pub recorded_by_zh: String,
    /// Whether it may be recorded now (its earlier steps are done and passed).
    pub next: bool,
    /// Its own time limit's last day, when past.
    pub due: Option<String>,
    /// Not recorded and past its own limit.
    pub overdue: bool,
    /// Two devices recorded different values; a supervisor resolves it.
    pub conflict: bool,
}

/// A 纳入监测 or 风险消除 procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ProcedureView {
    /// Its row id.
    pub id: Uuid,
    /// The household.
    pub household_id: Uuid,
    /// Which procedure.
    pub kind: fangpin_domain::procedure::ProcedureKind,
    /// Its Chinese name.
    pub kind_label: String,
    /// How it was found.
    pub channel: Option<fangpin_domain::procedure::Channel>,
    /// The channel in Chinese.
    pub channel_label: String,
    /// The day of discovery.
    pub started_on: Option<String>,
    /// The warning that raised it.
    pub warning_id: Option<String>,
    /// 绿色通道, when help started early.
    pub green_channel: Option<fangpin_domain::procedure::GreenChannel>,
    /// Its steps in order.
    pub steps: Vec<StepView>,
    /// How it ended, in Chinese.
    pub outcome_zh: Option<String>,
    /// The last day for the county's decision.
    pub due: Option<String>,
    /// Past that day undecided, or decided late.
    pub overdue: bool,
}

/// The campaign (排查整改行动) that 我的任务 follows, as its header shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CampaignTaskView {
    /// The campaign's row id.
    pub campaign_id: Uuid,
    /// 行动名称.
    pub campaign_name: String,
    /// The phase today falls in, if any.
    pub phase: Option<fangpin_domain::campaign::Phase>,
    /// 当前阶段 in Chinese: the phase's name, the next phase's with （未开始）, or 行动已结束;
    /// empty when the campaign has no phases.
    pub phase_label: String,
    /// The first day of the phase shown (`YYYY-MM-DD`).
    pub phase_from: Option<String>,
    /// The last day of the phase shown.
    pub phase_to: Option<String>,
    /// The first day of 全面排查: a household screened on or after it counts as visited.
    pub screening_from: Option<String>,
    /// 我的职责 in Chinese (several joined with 、).
    pub duty_label: String,
    /// The names of the villages assigned (a code when its name has not arrived).
    pub villages: Vec<String>,
    /// 重点排查对象 in Chinese, visited first.
    pub focus_labels: Vec<String>,
}

/// A household drawn for the township's 回访核查.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RecheckView {
    /// The re-check row's id.
    pub id: Uuid,
    /// The household.
    pub household_id: Uuid,
    /// 户主.
    pub head_name: String,
    /// 户编号.
    pub hubianhao: String,
    /// The village's code.
    pub village_code: String,
    /// The village's name, when the service has sent it.
    pub village_name: String,
    /// 组.
    pub group_name: String,
    /// 抽样顺序: the place in the draw, the order to visit.
    pub rank: Option<u32>,
    /// The campaign's name, when the device knows it.
    pub campaign_name: Option<String>,
    /// What the re-check found, once recorded.
    pub result: Option<fangpin_domain::recheck::RecheckResult>,
    /// Whether this user's role may record the result.
    pub may_record: bool,
}

/// An assistance measure of a household (帮扶措施).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MeasureView {
    /// Its row id.
    pub id: Uuid,
    /// Its code (the catalogue's `measures`).
    pub kind: String,
    /// Its Chinese name.
    pub kind_label: String,
    /// planned, in_place or ended.
    pub status: String,
    /// 计划实施, 已落实 or 已结束.
    pub status_label: String,
    /// Remarks.
    pub note: String,
}
