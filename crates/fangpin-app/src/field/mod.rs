//! The field app's use cases: what each screen of the tablet app does, over the encrypted store
//! and the sync client. The Tauri commands are thin wrappers over [`FieldApp`]'s methods.
//!
//! Every error that reaches the screen is an [`AppError`] with a stable code, an English message
//! for logs, a Chinese message for the cadre, and the field it concerns when there is one.
//! Nothing the user typed is lost: forms are kept as drafts until saved, and a save that finds
//! invalid values reports them field by field and writes nothing.
//!
//! One module per use-case area, each adding its own `impl FieldApp` block: `session`
//! (enrolment, unlock, lock, passcode, sign-out), `households`, `screening` (forms and
//! drafts), `ledger`, `procedures`, `tasks` (following the campaign's assignment), `rechecks`
//! (回访核查), `sync`, `conflicts` and `attachments`; `errors` and
//! `views` hold the types that reach the screen, re-exported here.

mod attachments;
mod conflicts;
mod errors;
mod households;
mod ledger;
mod measures;
mod procedures;
mod rechecks;
mod screening;
mod session;
mod sync;
mod tasks;
mod views;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use fangpin_domain::PolicyBook;
use fangpin_store::{Store, StoreOptions};
use serde_json::{Map, Value};
use uuid::Uuid;

pub use errors::{AppError, FieldErrorView};
pub use sync::SyncJob;
pub use views::{
    AppStatus, AssessOutcome, AttachmentView, BaseValue, CampaignTaskView, ChangedField,
    ConflictView, FormDraft, FormRowIds, HeadView, HouseholdForm, HouseholdListItem,
    HouseholdQuery, HouseholdView, IdInfo, LedgerItemView, MeasureView, MoveView, NewLedgerItem,
    NewProcedure, ProcedureView, RebasedForm, RecheckView, RefusalView, SaveOutcome, StatusView,
    StepView, SyncOutcome, Tasks, UserInfo, VisitInput, VisitView,
};

use session::Config;

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
    /// The app over `dir` (created when missing), with production key-derivation settings and
    /// the database key bound to the platform's key store where there is one.
    pub fn new(dir: PathBuf) -> Self {
        Self::with_options(dir, StoreOptions::with_platform_key_store())
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

    fn villages(&self) -> Vec<String> {
        // The store holds only rows in scope; an empty list means every village on the device.
        Vec::new()
    }

    /// The signed-in user's id and this device's.
    fn me(&self) -> Option<(Uuid, Uuid)> {
        self.config.as_ref().map(|c| (c.user_id, c.device_id))
    }

    /// The data folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn str_of(m: &Map<String, Value>, k: &str) -> String {
    m.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}
