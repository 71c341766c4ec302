//! The field app's use cases: what each screen of the tablet app does, over the encrypted store
//! and the sync client. The Tauri commands are thin wrappers over [`FieldApp`]'s methods.
//!
//! Every error that reaches the screen is an [`AppError`] with a stable code, an English message
//! for logs, a Chinese message for the cadre, and the field it concerns when there is one.
//! Nothing the user typed is lost: forms are kept as drafts until saved, and a save that finds
//! invalid values reports them field by field and writes nothing.

use std::path::{Path, PathBuf};

use base64::Engine;
use chrono::{Datelike, NaiveDate};
use fangpin_client::{Client, Progress, SyncError};
use fangpin_domain::{assess_valid, FieldErrors, HouseholdRecord, IdNumber, PolicyBook};
use fangpin_store::{DeviceIdentity, HouseholdSearch, RowView, Store, StoreError, StoreOptions};
use fangpin_sync::{Conflict, DeviceId, LedgerState, LedgerStatus, RowKey, UserId, ALIVE};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use ts_rs::TS;
use uuid::Uuid;

use crate::rows::{self, RecordIds, HOUSEHOLD, LEDGER_ITEM};

/// An error shown to the user: a stable code, English for logs, Chinese for the screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    /// Stable code; the UI matches on it, never on the text.
    pub code: String,
    /// English, for logs.
    pub message: String,
    /// Chinese, for the user.
    pub message_zh: String,
    /// The field concerned, as a path like `members[1].id_number`.
    pub field: Option<String>,
}

impl AppError {
    fn new(code: &str, message: impl Into<String>, message_zh: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            message_zh: message_zh.into(),
            field: None,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let zh = match &e {
            StoreError::WrongPasscode { .. } => "本机密码错误。".to_owned(),
            StoreError::RetryLater { wait_ms, .. } => {
                format!("密码错误次数过多，请 {} 秒后再试。", wait_ms.div_ceil(1000))
            }
            StoreError::NotFound(_) => "本机尚未登记，请先登记设备。".to_owned(),
            StoreError::Write(w) if w.code() == "row_deleted" => {
                "该记录已被删除，请先恢复。".to_owned()
            }
            StoreError::Write(w) if w.code() == "invalid_transition" => {
                "台账状态不能这样变更。".to_owned()
            }
            _ => "本机数据出错，请联系管理员。".to_owned(),
        };
        AppError::new(e.code(), e.to_string(), zh)
    }
}

impl From<SyncError> for AppError {
    fn from(e: SyncError) -> Self {
        let zh = match &e {
            SyncError::Network(_) => "无法连接服务器，请在有信号时再同步；数据已保存在本机。",
            SyncError::Credential { wipe: true, .. } => "本设备已被停用，本机数据已清除。",
            SyncError::Credential { .. } => "设备凭证无效或已过期，请重新登记。",
            SyncError::SignIn { .. } => "用户名或密码错误。",
            SyncError::Server { .. } => "服务器出错，请稍后再试。",
            SyncError::Corrupt(_) => "数据传输出错，请稍后再试。",
            SyncError::Store(_) => "本机数据出错，请联系管理员。",
        };
        let code = match &e {
            SyncError::SignIn { code, .. } if code == "too_many_attempts" => "too_many_attempts",
            _ => e.code(),
        };
        AppError::new(code, e.to_string(), zh)
    }
}

/// A field error as the form shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct FieldErrorView {
    /// The field's path, like `members[1].id_number`.
    pub field: String,
    /// Stable code.
    pub code: String,
    /// Chinese reason, shown beside the field.
    pub message_zh: String,
}

fn field_errors(errors: &FieldErrors) -> Vec<FieldErrorView> {
    errors
        .iter()
        .map(|e| FieldErrorView {
            field: e.field.clone(),
            code: e.code.as_str().to_owned(),
            message_zh: e.message_zh.clone(),
        })
        .collect()
}

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
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Config {
    server_url: String,
    device_id: Uuid,
    user_id: Uuid,
    user: UserInfo,
    last_sync_ms: Option<u64>,
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
    /// The field.
    pub field: String,
    /// The field's name in Chinese.
    pub label_zh: String,
    /// value, status or edit_delete.
    pub kind: String,
    /// The competing values.
    pub heads: Vec<HeadView>,
    /// The value shown until it is resolved.
    pub winner: Value,
}

/// One household with everything in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HouseholdView {
    /// The row id.
    pub id: Uuid,
    /// The household in its JSON form (docs/household-json.md) with `row_ids`.
    pub form: Value,
    /// The assessment, when the record is valid.
    pub assessment: Option<Value>,
    /// Why it could not be assessed.
    pub errors: Vec<FieldErrorView>,
    /// Ledger items.
    pub ledger: Vec<LedgerItemView>,
    /// Conflicts.
    pub conflicts: Vec<ConflictView>,
    /// Visits, oldest first.
    pub visits: Vec<Value>,
}

/// The live assessment of a form being filled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AssessOutcome {
    /// The assessment, when every field is valid.
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
    /// Households not yet screened this campaign.
    pub to_visit: Vec<HouseholdListItem>,
    /// Ledger items due within 7 days or overdue.
    pub due_ledger: Vec<LedgerItemView>,
    /// Verification tasks from warnings.
    pub verification: Vec<Value>,
    /// Households not yet screened, in all.
    pub to_visit_count: u32,
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

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

const CREDENTIAL_DRAFT: &str = "$device/credential";

fn str_of(m: &Map<String, Value>, k: &str) -> String {
    m.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn label_zh(field: &str) -> String {
    let known = [
        ("phone", "联系电话"),
        ("head_name", "户主姓名"),
        ("address", "住址"),
        ("group", "组"),
        ("house_safety", "住房安全等级"),
        ("drinking_water", "饮水安全"),
        ("household_type", "户类型"),
        ("monitoring_type", "监测对象类型"),
        ("name", "姓名"),
        ("id_number", "身份证号"),
        ("health", "健康状况"),
        ("wage_fen", "工资性收入"),
        ("business_fen", "生产经营性收入"),
        ("property_fen", "财产性收入"),
        ("transfer_fen", "转移性收入"),
        ("business_spending_fen", "生产经营性支出"),
        ("medical_out_of_pocket_fen", "合规自付医疗支出"),
        ("status", "整改状态"),
        ("$alive", "记录是否保留"),
    ];
    known
        .iter()
        .find(|(k, _)| *k == field)
        .map_or_else(|| field.to_owned(), |(_, v)| (*v).to_owned())
}

fn refusal_zh(code: &str) -> &'static str {
    match code {
        "out_of_scope" => "该记录不在您的负责范围内，服务器未接受。",
        "invalid_transition" => "台账状态变更不符合流程。",
        "stale_transition" => "台账状态已被他人更新，请同步后重试。",
        "wrong_op" | "malformed" => "数据格式有误，服务器未接受。",
        _ => "服务器未接受该修改。",
    }
}

/// A sync ready to run on its own connection to the store (see [`FieldApp::sync_job`]).
pub struct SyncJob {
    config: Config,
    credential: String,
    passcode: zeroize::Zeroizing<String>,
    path: PathBuf,
    opts: StoreOptions,
}

impl SyncJob {
    /// Pushes, pulls and uploads attachments; the caller hands the result to
    /// [`FieldApp::finish_sync`].
    pub async fn run(
        self,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<SyncOutcome, SyncError> {
        let mut store = Store::open(&self.path, &self.passcode, &self.opts, now_ms())?;
        let client = Client::new(
            &self.config.server_url,
            &self.credential,
            self.config.device_id,
        )?;
        let report = client.sync(&mut store, progress).await?;
        let conflicts = store.conflicts(10_000)?.len() as u32;
        let _ = store.lock();
        Ok(SyncOutcome {
            pushed: report.pushed,
            pulled: report.pulled,
            refused: report.refusals.len() as u32,
            conflicts,
            finished_ms: now_ms(),
        })
    }
}

/// The field app over its data folder.
pub struct FieldApp {
    dir: PathBuf,
    opts: StoreOptions,
    store: Option<Store>,
    /// The passcode while unlocked, so a sync can open its own connection.
    passcode: Option<zeroize::Zeroizing<String>>,
    config: Option<Config>,
    policy: PolicyBook,
}

impl FieldApp {
    /// The app over `dir` (created when missing), with production key-derivation settings.
    pub fn new(dir: PathBuf) -> Self {
        Self::with_options(dir, StoreOptions::default())
    }

    /// The app with explicit store options (tests use cheap key derivation).
    pub fn with_options(dir: PathBuf, opts: StoreOptions) -> Self {
        let config = std::fs::read(dir.join("config.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let policy = std::fs::read(dir.join("policy.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<PolicyBook>(&b).ok())
            .filter(|p| p.validate().is_ok())
            .unwrap_or_else(PolicyBook::seed);
        Self {
            dir,
            opts,
            store: None,
            passcode: None,
            config,
            policy,
        }
    }

    fn db_path(&self) -> PathBuf {
        self.dir.join("field.db")
    }

    fn save_config(&self) -> Result<(), AppError> {
        let Some(c) = &self.config else { return Ok(()) };
        let tmp = self.dir.join("config.json.tmp");
        let bytes = serde_json::to_vec_pretty(c)
            .map_err(|e| AppError::new("io", e.to_string(), "无法保存设置。"))?;
        std::fs::write(&tmp, bytes)
            .and_then(|()| std::fs::rename(&tmp, self.dir.join("config.json")))
            .map_err(|e| AppError::new("io", e.to_string(), "无法保存设置。"))
    }

    fn store(&self) -> Result<&Store, AppError> {
        self.store.as_ref().ok_or_else(|| {
            AppError::new(
                "locked",
                "the local data is locked",
                "本机数据已锁定，请输入密码解锁。",
            )
        })
    }

    fn store_mut(&mut self) -> Result<&mut Store, AppError> {
        self.store.as_mut().ok_or_else(|| {
            AppError::new(
                "locked",
                "the local data is locked",
                "本机数据已锁定，请输入密码解锁。",
            )
        })
    }

    /// What the app shows first.
    pub fn status(&self) -> AppStatus {
        AppStatus {
            enrolled: self.config.is_some(),
            unlocked: self.store.is_some(),
            server_url: self.config.as_ref().map(|c| c.server_url.clone()),
            user: self.config.as_ref().map(|c| c.user.clone()),
            device_id: self.config.as_ref().map(|c| c.device_id),
            user_id: self.config.as_ref().map(|c| c.user_id),
            pending_changes: self
                .store
                .as_ref()
                .and_then(|s| s.pending_count().ok())
                .unwrap_or(0),
            last_sync_ms: self.config.as_ref().and_then(|c| c.last_sync_ms),
        }
    }

    /// Enrols this device with the service (the one moment a signal is needed) and creates the
    /// encrypted local data, protected by `passcode`.
    pub async fn enrol(
        &mut self,
        server_url: &str,
        username: &str,
        password: &str,
        passcode: &str,
    ) -> Result<AppStatus, AppError> {
        if self.config.is_some() {
            return Err(AppError::new(
                "already_enrolled",
                "this device is enrolled already",
                "本设备已登记。",
            ));
        }
        if passcode.chars().count() < 6 {
            let mut e = AppError::new(
                "weak_passcode",
                "passcode: at least 6 characters",
                "本机密码至少6位。",
            );
            e.field = Some("passcode".into());
            return Err(e);
        }
        let server_url = server_url.trim().trim_end_matches('/').to_owned();
        if !(server_url.starts_with("http://") || server_url.starts_with("https://")) {
            let mut e = AppError::new(
                "bad_url",
                "server_url: must start with http:// or https://",
                "服务器地址应以 http:// 或 https:// 开头。",
            );
            e.field = Some("server_url".into());
            return Err(e);
        }
        let e = Client::enrol(&server_url, username, password, "平板").await?;
        let user_id: Uuid = e.user["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or_default();
        let user = UserInfo {
            username: e.user["username"].as_str().unwrap_or(username).to_owned(),
            display_name: e.user["display_name"]
                .as_str()
                .unwrap_or(username)
                .to_owned(),
            role: e.user["role"].as_str().unwrap_or_default().to_owned(),
            villages: e.user["scope"]["areas"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        };
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| AppError::new("io", e.to_string(), "无法创建本机数据目录。"))?;
        let identity = DeviceIdentity {
            device: DeviceId(e.device_id),
            user: UserId(user_id),
        };
        let store = Store::init(&self.db_path(), passcode, identity, &self.opts)?;
        store.save_draft(
            CREDENTIAL_DRAFT,
            &json!({"credential": e.credential, "expires_ms": e.expires_ms}),
            now_ms(),
        )?;
        self.store = Some(store);
        self.passcode = Some(zeroize::Zeroizing::new(passcode.to_owned()));
        self.config = Some(Config {
            server_url,
            device_id: e.device_id,
            user_id,
            user,
            last_sync_ms: None,
        });
        self.save_config()?;
        Ok(self.status())
    }

    /// Opens the local data with the passcode.
    pub fn unlock(&mut self, passcode: &str) -> Result<AppStatus, AppError> {
        if self.config.is_none() {
            return Err(AppError::new(
                "not_enrolled",
                "enrol the device first",
                "请先登记设备。",
            ));
        }
        if self.store.is_none() {
            self.store = Some(Store::open(
                &self.db_path(),
                passcode,
                &self.opts,
                now_ms(),
            )?);
            self.passcode = Some(zeroize::Zeroizing::new(passcode.to_owned()));
        }
        Ok(self.status())
    }

    /// Closes the local data (after idle, or on request).
    pub fn lock(&mut self) -> AppStatus {
        if let Some(s) = self.store.take() {
            let _ = s.lock();
        }
        self.passcode = None;
        self.status()
    }

    /// Changes the passcode; the data is not rewritten.
    pub fn change_passcode(&mut self, old: &str, new: &str) -> Result<(), AppError> {
        if new.chars().count() < 6 {
            let mut e = AppError::new(
                "weak_passcode",
                "passcode: at least 6 characters",
                "本机密码至少6位。",
            );
            e.field = Some("new_passcode".into());
            return Err(e);
        }
        Store::change_passcode(&self.db_path(), old, new, &self.opts, now_ms())?;
        Ok(())
    }

    /// Signs out: locks, and with `wipe` removes every local file and the enrolment.
    pub fn sign_out(&mut self, wipe: bool) -> Result<AppStatus, AppError> {
        self.lock();
        if wipe {
            self.wipe()?;
        }
        Ok(self.status())
    }

    fn wipe(&mut self) -> Result<(), AppError> {
        self.store = None;
        self.config = None;
        let db = self.db_path();
        let mut paths = vec![
            db.clone(),
            fangpin_store::key_path(&db),
            self.dir.join("config.json"),
        ];
        for suffix in ["-wal", "-shm"] {
            paths.push(PathBuf::from(format!("{}{suffix}", db.display())));
        }
        for p in paths {
            if p.exists() {
                std::fs::remove_file(&p)
                    .map_err(|e| AppError::new("io", e.to_string(), "无法清除本机数据。"))?;
            }
        }
        Ok(())
    }

    fn villages(&self) -> Vec<String> {
        // The store holds only rows in scope; an empty list means every village on the device.
        Vec::new()
    }

    /// Households on this device, by village and group, with search.
    pub fn households(&self, q: &HouseholdQuery) -> Result<Vec<HouseholdListItem>, AppError> {
        let store = self.store()?;
        let mut out = Vec::new();
        for s in self.summaries(q, 200)? {
            out.push(self.list_item(store, s)?);
        }
        Ok(out)
    }

    /// The store's search, filtered by group.
    fn summaries(
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
    fn list_item(
        &self,
        store: &Store,
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
            village_code: s.village_code.unwrap_or_default(),
            group_name: s.group.unwrap_or_default(),
            member_count: members,
            screened,
            category,
            conflicted: s.conflicted,
        })
    }

    fn assess_record(&self, record: &HouseholdRecord) -> Result<Value, Vec<FieldErrorView>> {
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

    /// One household with everything in it, and its assessment.
    pub fn household(&self, id: Uuid) -> Result<HouseholdView, AppError> {
        let store = self.store()?;
        let d = store.household(id)?.ok_or_else(|| {
            AppError::new("not_found", format!("household {id}"), "未找到该农户。")
        })?;
        let form = form_of(&d);
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
                .map(|c| conflict_view(c, self.me()))
                .collect(),
            visits: d
                .visits
                .iter()
                .map(|v| Value::Object(v.data.clone()))
                .collect(),
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
        let removed: Vec<RowKey> = existing
            .iter()
            .flat_map(|d| d.members.iter().chain(d.income_years.iter()))
            .filter(|r| r.alive && !row_sets.iter().any(|(k, _)| *k == r.key))
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
                    e.save(&key, &fields)?;
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

    /// The ledger, optionally in one state.
    pub fn ledger(&self, state: Option<&str>) -> Result<Vec<LedgerItemView>, AppError> {
        let state: Option<LedgerState> = match state {
            Some(s) => Some(serde_json::from_value(json!(s)).map_err(|_| {
                AppError::new(
                    "bad_state",
                    format!("unknown state {s}"),
                    "未知的台账状态。",
                )
            })?),
            None => None,
        };
        let store = self.store()?;
        let rows = store.ledger(&self.villages(), state)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let head = match r.household_id {
                Some(h) => store
                    .row(&RowKey::new(HOUSEHOLD, h))?
                    .map(|v| str_of(&v.data, "head_name"))
                    .unwrap_or_default(),
                None => String::new(),
            };
            out.push(ledger_view(r, &head));
        }
        Ok(out)
    }

    /// Adds a problem to the ledger for a household, as found (发现).
    pub fn add_ledger_item(
        &mut self,
        household_id: Uuid,
        item: &NewLedgerItem,
    ) -> Result<LedgerItemView, AppError> {
        for (field, value, zh) in [
            ("description", &item.description, "问题描述"),
            ("measure", &item.measure, "整改措施"),
            ("deadline", &item.deadline, "整改时限"),
        ] {
            if value.trim().is_empty() {
                let mut e = AppError::new(
                    "required",
                    format!("{field}: required"),
                    format!("请填写{zh}。"),
                );
                e.field = Some(field.into());
                return Err(e);
            }
        }
        if NaiveDate::parse_from_str(&item.deadline, "%Y-%m-%d").is_err() {
            let mut e = AppError::new(
                "bad_date",
                "deadline: expected YYYY-MM-DD",
                "整改时限应为日期（年-月-日）。",
            );
            e.field = Some("deadline".into());
            return Err(e);
        }
        let store = self.store_mut()?;
        let household = store
            .row(&RowKey::new(HOUSEHOLD, household_id))?
            .ok_or_else(|| {
                AppError::new(
                    "not_found",
                    format!("household {household_id}"),
                    "未找到该农户。",
                )
            })?;
        let key = RowKey::new(LEDGER_ITEM, Uuid::now_v7());
        let fields = [
            ("household_id", json!(household_id.to_string())),
            (
                "village_code",
                household
                    .data
                    .get("village_code")
                    .cloned()
                    .unwrap_or(Value::Null),
            ),
            ("source", json!(item.source)),
            ("problem_type", json!(item.problem_type)),
            ("description", json!(item.description)),
            ("measure", json!(item.measure)),
            ("responsible_unit", json!(item.responsible_unit)),
            ("responsible_person", json!(item.responsible_person)),
            ("deadline", json!(item.deadline)),
            ("evidence", json!([])),
        ];
        store.edit(now_ms(), |e| {
            e.create(&key, &fields)?;
            e.transition(&key, "status", LedgerStatus::NEW)
        })?;
        let view = store
            .row(&key)?
            .ok_or_else(|| AppError::new("not_found", "the new item", "未找到台账。"))?;
        Ok(ledger_view(&view, &str_of(&household.data, "head_name")))
    }

    /// Moves a ledger item along its lifecycle.
    pub fn move_ledger_item(
        &mut self,
        id: Uuid,
        to: StatusView,
    ) -> Result<LedgerItemView, AppError> {
        let state: LedgerState = serde_json::from_value(json!(to.state)).map_err(|_| {
            AppError::new(
                "bad_state",
                format!("unknown state {}", to.state),
                "未知的台账状态。",
            )
        })?;
        let key = RowKey::new(LEDGER_ITEM, id);
        let store = self.store_mut()?;
        store.transition(&key, "status", LedgerStatus::new(to.round, state), now_ms())?;
        let view = store.row(&key)?.ok_or_else(|| {
            AppError::new("not_found", format!("ledger item {id}"), "未找到台账。")
        })?;
        Ok(ledger_view(&view, ""))
    }

    /// Attaches evidence (photo or signature) to a ledger item.
    pub fn add_evidence(
        &mut self,
        ledger_id: Uuid,
        sha256: &str,
    ) -> Result<LedgerItemView, AppError> {
        let key = RowKey::new(LEDGER_ITEM, ledger_id);
        let store = self.store_mut()?;
        let row = store.row(&key)?.ok_or_else(|| {
            AppError::new(
                "not_found",
                format!("ledger item {ledger_id}"),
                "未找到台账。",
            )
        })?;
        let mut evidence: Vec<Value> = row
            .data
            .get("evidence")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if !evidence.iter().any(|v| v == sha256) {
            evidence.push(json!(sha256));
        }
        store.save(&key, &[("evidence", Value::Array(evidence))], now_ms())?;
        let view = store
            .row(&key)?
            .ok_or_else(|| AppError::new("not_found", "ledger item", "未找到台账。"))?;
        Ok(ledger_view(&view, ""))
    }

    /// My tasks: households to visit, ledger items due, verification tasks.
    pub fn tasks(&self) -> Result<Tasks, AppError> {
        let store = self.store()?;
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
                to_visit.push(self.list_item(store, s)?);
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

    /// Open conflicts on this device.
    pub fn conflicts(&self) -> Result<Vec<ConflictView>, AppError> {
        Ok(self
            .store()?
            .conflicts(500)?
            .iter()
            .map(|c| conflict_view(c, self.me()))
            .collect())
    }

    /// Resolves a conflict by keeping `value` (for a ledger status, a status object; for a
    /// deleted row, `true` keeps it and `false` confirms the deletion).
    pub fn resolve_conflict(
        &mut self,
        table: &str,
        row_id: Uuid,
        field: &str,
        value: Value,
    ) -> Result<(), AppError> {
        let key = RowKey::new(table, row_id);
        let store = self.store_mut()?;
        let now = now_ms();
        if field == ALIVE {
            match value.as_bool() {
                Some(true) => store.restore(&key, now).map(drop)?,
                Some(false) => store.delete(&key, now).map(drop)?,
                None => {
                    return Err(AppError::new(
                        "bad_value",
                        "$alive takes true or false",
                        "请选择保留或删除。",
                    ))
                }
            }
        } else if field == "status" {
            let s: LedgerStatus = serde_json::from_value(value)
                .map_err(|e| AppError::new("bad_value", e.to_string(), "状态无效。"))?;
            store.resolve_status(&key, field, s, now)?;
        } else {
            store.save(&key, &[(field, value)], now)?;
        }
        Ok(())
    }

    /// Changes the service refused, with the reasons.
    pub fn refusals(&self) -> Result<Vec<RefusalView>, AppError> {
        Ok(self
            .store()?
            .refusals()?
            .into_iter()
            .map(|r| {
                let code = serde_json::to_value(r.refusal.code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                RefusalView {
                    reason_zh: refusal_zh(&code).to_owned(),
                    code,
                    reason: r.refusal.reason,
                    table: r.refusal.row.table,
                    row_id: r.refusal.row.id,
                    field: r.refusal.field,
                }
            })
            .collect())
    }

    /// Keeps a photo or a signature (base64) and returns its SHA-256.
    pub fn add_attachment(&self, bytes_base64: &str, mime: &str) -> Result<String, AppError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(bytes_base64.trim())
            .map_err(|e| AppError::new("bad_attachment", e.to_string(), "附件数据无效。"))?;
        if bytes.len() > 20 * 1024 * 1024 {
            return Err(AppError::new(
                "attachment_too_large",
                "attachments are at most 20 MiB",
                "附件不能超过20MB。",
            ));
        }
        Ok(self.store()?.put_attachment(&bytes, mime, now_ms())?)
    }

    /// Syncs with the service: push, pull, attachments. A revoked device's data is wiped.
    /// The sync runs on its own connection to the store: see [`FieldApp::sync_job`].
    pub async fn sync(
        &mut self,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<SyncOutcome, AppError> {
        let job = self.sync_job()?;
        let result = job.run(progress).await;
        self.finish_sync(result)
    }

    /// What a sync needs, taken from the unlocked app in a moment: the sync then runs on its
    /// own connection to the store, so the screens keep reading and saving while it runs
    /// (each transaction waits for the other's).
    pub fn sync_job(&self) -> Result<SyncJob, AppError> {
        let config = self.config.clone().ok_or_else(|| {
            AppError::new("not_enrolled", "enrol the device first", "请先登记设备。")
        })?;
        let credential = self
            .store()?
            .draft(CREDENTIAL_DRAFT)?
            .and_then(|d| d.body["credential"].as_str().map(str::to_owned))
            .ok_or_else(|| {
                AppError::new(
                    "no_credential",
                    "the device credential is missing",
                    "设备凭证丢失，请重新登记。",
                )
            })?;
        let passcode = self.passcode.clone().ok_or_else(|| {
            AppError::new(
                "locked",
                "the local data is locked",
                "本机数据已锁定，请输入密码解锁。",
            )
        })?;
        Ok(SyncJob {
            config,
            credential,
            passcode,
            path: self.db_path(),
            opts: self.opts.clone(),
        })
    }

    /// Takes a finished sync's result: records when it finished, and wipes a revoked device.
    pub fn finish_sync(
        &mut self,
        result: Result<SyncOutcome, SyncError>,
    ) -> Result<SyncOutcome, AppError> {
        match result {
            Err(SyncError::Credential {
                wipe: true,
                code,
                message,
            }) => {
                self.wipe()?;
                Err(SyncError::Credential {
                    wipe: true,
                    code,
                    message,
                }
                .into())
            }
            Err(e) => Err(e.into()),
            Ok(outcome) => {
                if let Some(c) = self.config.as_mut() {
                    c.last_sync_ms = Some(outcome.finished_ms);
                }
                self.save_config()?;
                Ok(outcome)
            }
        }
    }

    /// The signed-in user's id and this device's.
    fn me(&self) -> Option<(Uuid, Uuid)> {
        self.config.as_ref().map(|c| (c.user_id, c.device_id))
    }

    /// A stored attachment, to show.
    pub fn attachment(&self, sha256: &str) -> Result<Option<AttachmentView>, AppError> {
        let Some(a) = self.store()?.attachment(sha256)? else {
            return Ok(None);
        };
        let bytes = match (a.bytes, &a.path) {
            (Some(b), _) => b,
            (None, Some(p)) => std::fs::read(p)
                .map_err(|e| AppError::new("io", e.to_string(), "无法读取附件。"))?,
            (None, None) => return Ok(None),
        };
        Ok(Some(AttachmentView {
            sha256: a.hash,
            mime: a.mime,
            bytes_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        }))
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn screened_this_year(h: &RowView) -> bool {
    h.data
        .get("screened_on")
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .is_some_and(|d| d.year() == today().year())
}

fn maps(rows: &[RowView]) -> Vec<Map<String, Value>> {
    rows.iter()
        .filter(|r| r.alive)
        .map(|r| r.data.clone())
        .collect()
}

fn record_of(d: &fangpin_store::HouseholdDetail) -> Result<HouseholdRecord, rows::RowsError> {
    rows::record_from_rows(&d.household.data, &maps(&d.members), &maps(&d.income_years))
}

/// The form of a stored household, with the row ids the save needs.
fn form_of(d: &fangpin_store::HouseholdDetail) -> Value {
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
    let income_ids: Map<String, Value> = incomes
        .iter()
        .filter_map(|r| Some((r.data.get("period")?.as_str()?.to_owned(), json!(r.key.id))))
        .collect();
    if let Some(o) = form.as_object_mut() {
        o.insert(
            "row_ids".into(),
            json!({"household": d.household.key.id, "members": members.iter().map(|m| m.key.id).collect::<Vec<_>>(), "income": income_ids}),
        );
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

fn ledger_view(r: &RowView, head: &str) -> LedgerItemView {
    let d = &r.data;
    let status: Option<StatusView> = d.get("status").and_then(|v| {
        Some(StatusView {
            round: v.get("round")?.as_u64()? as u32,
            state: v.get("state")?.as_str()?.to_owned(),
        })
    });
    let deadline = str_of(d, "deadline");
    let open = status
        .as_ref()
        .is_none_or(|s| s.state == "found" || s.state == "in_progress");
    let overdue =
        open && NaiveDate::parse_from_str(&deadline, "%Y-%m-%d").is_ok_and(|dl| dl < today());
    LedgerItemView {
        id: r.key.id,
        household_id: r.household_id,
        head_name: head.to_owned(),
        problem_type: str_of(d, "problem_type"),
        description: str_of(d, "description"),
        measure: str_of(d, "measure"),
        responsible_unit: str_of(d, "responsible_unit"),
        responsible_person: str_of(d, "responsible_person"),
        deadline,
        status,
        overdue,
        evidence: d
            .get("evidence")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

fn conflict_view(c: &Conflict, me: Option<(Uuid, Uuid)>) -> ConflictView {
    let winner = c
        .heads
        .iter()
        .find(|h| h.version == c.winner)
        .map(|h| h.value.clone())
        .unwrap_or(Value::Null);
    ConflictView {
        table: c.row.table.clone(),
        row_id: c.row.id,
        field: c.field.clone(),
        label_zh: label_zh(&c.field),
        kind: serde_json::to_value(c.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        heads: c
            .heads
            .iter()
            .map(|h| HeadView {
                value: h.value.clone(),
                author: h.author.0,
                mine: me.is_some_and(|(user, _)| user == h.author.0),
                this_device: me.is_some_and(|(_, device)| device == h.version.device.0),
                at_ms: h.hlc.wall_ms,
            })
            .collect(),
        winner,
    }
}
