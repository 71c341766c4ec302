//! The fangpin field app: a thin Tauri 2 shell over [`fangpin_app::field`].
//!
//! Every command parses its arguments, calls one method of [`FieldApp`], and returns its
//! [`AppError`] (a stable code, English for logs, Chinese for the screen, and the field) as is;
//! the logic lives in the crates. All commands are `async`, so they run off the main thread and
//! the window never freezes while the store works or a sync runs.

use std::path::PathBuf;

use fangpin_app::field::{
    AppError, AppStatus, AssessOutcome, AttachmentView, ConflictView, FieldApp, HouseholdListItem,
    HouseholdQuery, HouseholdView, IdInfo, LedgerItemView, NewLedgerItem, RefusalView, SaveOutcome,
    StatusView, SyncOutcome, Tasks, VisitInput,
};
use fangpin_client::{Phase, Progress};
use serde::Serialize;
use serde_json::Value;
use tauri::{Emitter, Manager, State};
use tokio::sync::Mutex;
use ts_rs::TS;
use uuid::Uuid;

/// The app's state: the use cases over the device's data folder.
type App = Mutex<FieldApp>;

/// Held while a sync runs, so two syncs never overlap; the app itself is not held.
struct Syncing(Mutex<()>);

/// The value of `--NAME VALUE` (or `--NAME=VALUE`) on the command line, else of the environment
/// variable `env`.
fn launch_arg(name: &str, env: &str) -> Option<String> {
    let flag = format!("--{name}");
    let inline = format!("{flag}=");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == flag {
            return args.next();
        }
        if let Some(v) = a.strip_prefix(&inline) {
            return Some(v.to_owned());
        }
    }
    std::env::var(env).ok().filter(|v| !v.is_empty())
}

/// What the app was started with, for the enrol screen: the service address to offer
/// (`--server-url` or `FANGPIN_FIELD_SERVER`; `scripts/run.sh` and the tests pass it).
#[derive(Debug, Clone, Serialize, TS)]
pub struct LaunchOptions {
    /// The service address to offer on the enrol screen.
    pub server_url: Option<String>,
}

/// The payload of the `sync-progress` event.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncProgressEvent {
    /// push, pull or attachments.
    pub phase: String,
    /// Items done in this phase.
    pub items_done: u64,
    /// Items in this phase, as far as known.
    pub items_total: u64,
    /// Bytes moved in this phase.
    pub bytes_done: u64,
    /// Bytes expected in this phase, as far as known.
    pub bytes_total: u64,
}

impl From<Progress> for SyncProgressEvent {
    fn from(p: Progress) -> Self {
        let phase = match p.phase {
            Phase::Push => "push",
            Phase::Pull => "pull",
            Phase::Attachments => "attachments",
        };
        Self {
            phase: phase.to_owned(),
            items_done: p.items_done,
            items_total: p.items_total,
            bytes_done: p.bytes_done,
            bytes_total: p.bytes_total,
        }
    }
}

#[tauri::command]
async fn launch_options(opts: State<'_, LaunchOptions>) -> Result<LaunchOptions, AppError> {
    Ok(opts.inner().clone())
}

#[tauri::command]
async fn status(app: State<'_, App>) -> Result<AppStatus, AppError> {
    Ok(app.lock().await.status())
}

#[tauri::command]
async fn enrol(
    app: State<'_, App>,
    server_url: String,
    username: String,
    password: String,
    passcode: String,
) -> Result<AppStatus, AppError> {
    app.lock()
        .await
        .enrol(&server_url, &username, &password, &passcode)
        .await
}

#[tauri::command]
async fn unlock(app: State<'_, App>, passcode: String) -> Result<AppStatus, AppError> {
    app.lock().await.unlock(&passcode)
}

#[tauri::command]
async fn lock(app: State<'_, App>) -> Result<AppStatus, AppError> {
    Ok(app.lock().await.lock())
}

#[tauri::command]
async fn change_passcode(app: State<'_, App>, old: String, new: String) -> Result<(), AppError> {
    app.lock().await.change_passcode(&old, &new)
}

#[tauri::command]
async fn sign_out(app: State<'_, App>, wipe: bool) -> Result<AppStatus, AppError> {
    app.lock().await.sign_out(wipe)
}

#[tauri::command]
async fn households(
    app: State<'_, App>,
    query: HouseholdQuery,
) -> Result<Vec<HouseholdListItem>, AppError> {
    app.lock().await.households(&query)
}

#[tauri::command]
async fn household(app: State<'_, App>, id: Uuid) -> Result<HouseholdView, AppError> {
    app.lock().await.household(id)
}

#[tauri::command]
async fn assess_form(app: State<'_, App>, form: Value) -> Result<AssessOutcome, AppError> {
    Ok(app.lock().await.assess_form(&form))
}

#[tauri::command]
async fn check_id_number(app: State<'_, App>, raw: String) -> Result<IdInfo, AppError> {
    app.lock()
        .await
        .check_id_number(&raw)
        .map_err(|e| AppError {
            code: e.code,
            message: "invalid identity number".into(),
            message_zh: e.message_zh,
            field: Some(e.field),
        })
}

#[tauri::command]
async fn save_form(
    app: State<'_, App>,
    household_id: Option<Uuid>,
    form: Value,
    visit: Option<VisitInput>,
) -> Result<SaveOutcome, AppError> {
    app.lock()
        .await
        .save_form(household_id, &form, visit.as_ref())
}

#[tauri::command]
async fn attachment(
    app: State<'_, App>,
    sha256: String,
) -> Result<Option<AttachmentView>, AppError> {
    app.lock().await.attachment(&sha256)
}

#[tauri::command]
async fn save_draft(app: State<'_, App>, form_id: String, body: Value) -> Result<(), AppError> {
    app.lock().await.save_draft(&form_id, &body)
}

#[tauri::command]
async fn load_draft(app: State<'_, App>, form_id: String) -> Result<Option<Value>, AppError> {
    app.lock().await.load_draft(&form_id)
}

#[tauri::command]
async fn discard_draft(app: State<'_, App>, form_id: String) -> Result<(), AppError> {
    app.lock().await.discard_draft(&form_id)
}

#[tauri::command]
async fn ledger(
    app: State<'_, App>,
    status: Option<String>,
) -> Result<Vec<LedgerItemView>, AppError> {
    app.lock().await.ledger(status.as_deref())
}

#[tauri::command]
async fn add_ledger_item(
    app: State<'_, App>,
    household_id: Uuid,
    item: NewLedgerItem,
) -> Result<LedgerItemView, AppError> {
    app.lock().await.add_ledger_item(household_id, &item)
}

#[tauri::command]
async fn move_ledger_item(
    app: State<'_, App>,
    id: Uuid,
    to: StatusView,
) -> Result<LedgerItemView, AppError> {
    app.lock().await.move_ledger_item(id, to)
}

#[tauri::command]
async fn add_evidence(
    app: State<'_, App>,
    ledger_id: Uuid,
    sha256: String,
) -> Result<LedgerItemView, AppError> {
    app.lock().await.add_evidence(ledger_id, &sha256)
}

#[tauri::command]
async fn tasks(app: State<'_, App>) -> Result<Tasks, AppError> {
    app.lock().await.tasks()
}

#[tauri::command]
async fn sync(
    app: State<'_, App>,
    syncing: State<'_, Syncing>,
    window: tauri::Window,
) -> Result<SyncOutcome, AppError> {
    let _one = syncing.0.lock().await;
    let mut progress = move |p: Progress| {
        // A progress event that cannot be shown is not a reason to stop syncing.
        let _ = window.emit("sync-progress", SyncProgressEvent::from(p));
    };
    // The app is locked only to take the job and to record its result: screens stay usable.
    let job = app.lock().await.sync_job()?;
    let result = job.run(&mut progress).await;
    app.lock().await.finish_sync(result)
}

#[tauri::command]
async fn conflicts(app: State<'_, App>) -> Result<Vec<ConflictView>, AppError> {
    app.lock().await.conflicts()
}

#[tauri::command]
async fn resolve_conflict(
    app: State<'_, App>,
    table: String,
    row_id: Uuid,
    field: String,
    value: Value,
) -> Result<(), AppError> {
    app.lock()
        .await
        .resolve_conflict(&table, row_id, &field, value)
}

#[tauri::command]
async fn refusals(app: State<'_, App>) -> Result<Vec<RefusalView>, AppError> {
    app.lock().await.refusals()
}

#[tauri::command]
async fn add_attachment(
    app: State<'_, App>,
    bytes_base64: String,
    mime: String,
) -> Result<String, AppError> {
    app.lock().await.add_attachment(&bytes_base64, &mime)
}

/// Starts the app; also the entry point of mobile builds (docs/android.md).
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let launch = LaunchOptions {
        server_url: launch_arg("server-url", "FANGPIN_FIELD_SERVER"),
    };
    tauri::Builder::default()
        .manage(launch)
        .manage(Syncing(Mutex::new(())))
        .setup(|app| {
            let dir = match launch_arg("data-dir", "FANGPIN_FIELD_DATA_DIR") {
                Some(d) => PathBuf::from(d),
                None => app.path().app_data_dir()?,
            };
            app.manage::<App>(Mutex::new(FieldApp::new(dir)));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            launch_options,
            status,
            enrol,
            unlock,
            lock,
            change_passcode,
            sign_out,
            households,
            household,
            assess_form,
            check_id_number,
            save_form,
            save_draft,
            load_draft,
            discard_draft,
            ledger,
            add_ledger_item,
            move_ledger_item,
            add_evidence,
            tasks,
            sync,
            conflicts,
            resolve_conflict,
            refusals,
            add_attachment,
            attachment,
        ])
        .run(tauri::generate_context!())
        .expect("the field app failed to start");
}
