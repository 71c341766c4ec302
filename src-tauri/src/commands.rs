//! Every command the UI may invoke, declared once. From this one list come the Tauri command
//! functions (each a line that calls one use case of [`FieldApp`]), the handler list the app
//! registers, and [`COMMANDS`], from which a test writes the UI's typed wrapper
//! (`ui/field/src/commands.generated.ts`) and checks the committed one: a command cannot exist
//! on one side only.

use fangpin_app::field::{
    AppError, AppStatus, AssessOutcome, AttachmentView, ConflictView, FieldApp, FormDraft,
    HouseholdForm, HouseholdListItem, HouseholdQuery, HouseholdView, IdInfo, LedgerItemView,
    MeasureView, NewLedgerItem, NewProcedure, ProcedureView, RebasedForm, RecheckView, RefusalView,
    SaveOutcome, StatusView, SyncOutcome, Tasks, VisitInput,
};
use fangpin_domain::elimination::EliminationCheck;
use fangpin_domain::procedure::{GreenChannel, Step};
use fangpin_domain::recheck::RecheckResult;
use serde_json::Value;
use tauri::{Emitter, State};
use ts_rs::TS;
use uuid::Uuid;

use crate::{App, LaunchOptions, SyncProgressEvent, Syncing};

/// The TypeScript type of a Rust type, by ts-rs.
pub type TsName = fn(&ts_rs::Config) -> String;

/// One command as the UI calls it.
pub struct Command {
    /// The command's name.
    pub name: &'static str,
    /// What it does, for the generated wrapper's comment.
    pub doc: &'static str,
    /// Its arguments: the Rust name and the TypeScript type.
    pub args: &'static [(&'static str, TsName)],
    /// The TypeScript type of its result.
    pub ret: TsName,
}

/// The TypeScript type of an argument: its own, or the one named after `as` (a form that
/// travels as JSON but has a generated shape, e.g. `form: Value as HouseholdForm`).
macro_rules! ts_name {
    ($ty:ty) => {
        <$ty as TS>::name
    };
    ($ty:ty, $ts:ty) => {
        <$ts as TS>::name
    };
}

/// Declares the commands: `app` ones lock the app and call one method; `raw` ones are written
/// out below and only listed.
macro_rules! commands {
    (
        app { $( #[doc = $doc:literal] fn $name:ident ( $( $arg:ident : $ty:ty $(as $ts:ty)? ),* ) -> $ret:ty = |$app:ident| $body:expr ; )* }
        raw { $( #[doc = $rdoc:literal] fn $rname:ident ( $( $rarg:ident : $rty:ty ),* ) -> $rret:ty ; )* }
    ) => {
        $(
            #[doc = $doc]
            #[tauri::command]
            async fn $name(app: State<'_, App>, $( $arg: $ty ),*) -> Result<$ret, AppError> {
                #[allow(unused_mut)]
                let mut guard = app.lock().await;
                let $app: &mut FieldApp = &mut guard;
                $body
            }
        )*

        /// The handler of every command, for the app's builder.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke<tauri::Wry>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name,)* $($rname,)*]
        }

        /// Every command, for the generated UI wrapper.
        pub const COMMANDS: &[Command] = &[
            $( Command {
                name: stringify!($name),
                doc: $doc,
                args: &[$( (stringify!($arg), ts_name!($ty $(, $ts)?)) ),*],
                ret: <$ret as TS>::name,
            }, )*
            $( Command {
                name: stringify!($rname),
                doc: $rdoc,
                args: &[$( (stringify!($rarg), <$rty as TS>::name) ),*],
                ret: <$rret as TS>::name,
            }, )*
        ];
    };
}

commands! {
    app {
        /// What the app shows first.
        fn status() -> AppStatus = |app| Ok(app.status());
        /// Enrols this device with the service.
        fn enrol(server_url: String, username: String, password: String, passcode: String) -> AppStatus
            = |app| app.enrol(&server_url, &username, &password, &passcode).await;
        /// Opens the local data.
        fn unlock(passcode: String) -> AppStatus = |app| app.unlock(&passcode);
        /// Closes the local data.
        fn lock() -> AppStatus = |app| Ok(app.lock());
        /// Changes the passcode.
        fn change_passcode(old: String, new: String) -> () = |app| app.change_passcode(&old, &new);
        /// Checks a service address (https://, or http:// to this device only).
        fn check_server_url(server_url: String) -> String = |app| app.check_server_url(&server_url);
        /// Changes the service's address, keeping everything on the device.
        fn set_server_url(server_url: String) -> AppStatus = |app| app.set_server_url(&server_url);
        /// Signs out, wiping the device's data when asked.
        fn sign_out(wipe: bool) -> AppStatus = |app| app.sign_out(wipe);
        /// Households on this device.
        fn households(query: HouseholdQuery) -> Vec<HouseholdListItem> = |app| app.households(&query);
        /// One household with everything in it.
        fn household(id: Uuid) -> HouseholdView = |app| app.household(id);
        /// The live assessment of a form.
        fn assess_form(form: Value as HouseholdForm) -> AssessOutcome = |app| Ok(app.assess_form(&form));
        /// Checks an identity number as it is typed.
        fn check_id_number(raw: String) -> IdInfo = |app| app.check_id_number(&raw).map_err(AppError::from);
        /// Saves a screening form with its visit.
        fn save_form(household_id: Option<Uuid>, form: Value as HouseholdForm, visit: Option<VisitInput>) -> SaveOutcome
            = |app| app.save_form(household_id, &form, visit.as_ref());
        /// Keeps a half-filled form.
        fn save_draft(form_id: String, body: Value as FormDraft) -> () = |app| app.save_draft(&form_id, &body);
        /// A kept form.
        fn load_draft(form_id: String) -> Option<Value> = |app| app.load_draft(&form_id);
        /// Forgets a kept form.
        fn discard_draft(form_id: String) -> () = |app| app.discard_draft(&form_id);
        /// A kept form brought up to date with what changed on the device since it began.
        fn rebase_form(form: Value as HouseholdForm) -> RebasedForm = |app| app.rebase_form(&form);
        /// The ledger, optionally in one state.
        fn ledger(status: Option<String>) -> Vec<LedgerItemView> = |app| app.ledger(status.as_deref());
        /// Adds a problem to the ledger.
        fn add_ledger_item(household_id: Uuid, item: NewLedgerItem) -> LedgerItemView
            = |app| app.add_ledger_item(household_id, &item);
        /// Moves a ledger item; closing it names who checked it.
        fn move_ledger_item(id: Uuid, to: StatusView, checked_by: Option<String>) -> LedgerItemView
            = |app| app.move_ledger_item(id, to, checked_by);
        /// Attaches a photo or signature to a ledger item.
        fn add_evidence(ledger_id: Uuid, sha256: String) -> LedgerItemView = |app| app.add_evidence(ledger_id, &sha256);
        /// The household's 纳入监测 and 风险消除 procedures.
        fn procedures(household_id: Uuid) -> Vec<ProcedureView> = |app| app.procedures(household_id);
        /// Starts a procedure.
        fn start_procedure(household_id: Uuid, input: NewProcedure) -> ProcedureView
            = |app| app.start_procedure(household_id, &input);
        /// Records a step after the same check the service runs.
        fn record_step(procedure_id: Uuid, step: Step, value: Value) -> ProcedureView
            = |app| app.record_step(procedure_id, step, value);
        /// Records the 绿色通道.
        fn set_green_channel(procedure_id: Uuid, channel: GreenChannel) -> ProcedureView
            = |app| app.set_green_channel(procedure_id, &channel);
        /// The household's assistance measures.
        fn measures(household_id: Uuid) -> Vec<MeasureView> = |app| app.measures(household_id);
        /// Adds an assistance measure.
        fn add_measure(household_id: Uuid, kind: String, status: String, note: String) -> MeasureView
            = |app| app.add_measure(household_id, &kind, &status, &note);
        /// Marks a measure 计划实施, 已落实 or 已结束.
        fn set_measure_status(id: Uuid, status: String) -> MeasureView
            = |app| app.set_measure_status(id, &status);
        /// The elimination criteria checked from the household's data.
        fn elimination_check(household_id: Uuid) -> EliminationCheck = |app| app.elimination_check(household_id);
        /// My tasks: the current campaign's households to visit, overdue procedures, ledger items due.
        fn tasks() -> Tasks = |app| app.tasks();
        /// The households drawn for 回访核查, in the order of the draw.
        fn rechecks() -> Vec<RecheckView> = |app| app.rechecks();
        /// Records what a re-check found (the township and the 办事处 only).
        fn record_recheck(id: Uuid, result: RecheckResult) -> RecheckView
            = |app| app.record_recheck(id, result);
        /// Open conflicts on this device.
        fn conflicts() -> Vec<ConflictView> = |app| app.conflicts();
        /// Resolves a conflict (supervisors only).
        fn resolve_conflict(table: String, row_id: Uuid, field: String, value: Value) -> ()
            = |app| app.resolve_conflict(&table, row_id, &field, value);
        /// Changes the service refused, with the reasons.
        fn refusals() -> Vec<RefusalView> = |app| app.refusals();
        /// Keeps a photo or signature and returns its SHA-256.
        fn add_attachment(bytes_base64: String, mime: String) -> String = |app| app.add_attachment(&bytes_base64, &mime);
        /// A stored attachment, to show.
        fn attachment(sha256: String) -> Option<AttachmentView> = |app| app.attachment(&sha256);
    }
    raw {
        /// What the app was started with.
        fn launch_options() -> LaunchOptions;
        /// Syncs with the service, reporting progress as `sync-progress` events.
        fn sync() -> SyncOutcome;
    }
}

#[tauri::command]
async fn launch_options(opts: State<'_, LaunchOptions>) -> Result<LaunchOptions, AppError> {
    Ok(opts.inner().clone())
}

#[tauri::command]
async fn sync(
    app: State<'_, App>,
    syncing: State<'_, Syncing>,
    window: tauri::Window,
) -> Result<SyncOutcome, AppError> {
    let _one = syncing.0.lock().await;
    let mut progress = move |p: fangpin_client::Progress| {
        // A progress event that cannot be shown is not a reason to stop syncing.
        let _ = window.emit("sync-progress", SyncProgressEvent::from(p));
    };
    // The app is locked only to take the job and to record its result: screens stay usable.
    let job = app.lock().await.sync_job()?;
    let result = job.run(&mut progress).await;
    app.lock().await.finish_sync(result)
}

/// The UI's typed wrapper of every command, as `commands.generated.ts` holds it: argument
/// names in camelCase (as Tauri expects them), types from the Rust types.
pub fn typescript(known_types: &[String]) -> String {
    let cfg = ts_rs::Config::new().with_large_int("number");
    let mut used: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    let mut body = String::new();
    for c in COMMANDS {
        let args: Vec<(String, String)> = c.args.iter().map(|(n, t)| (camel(n), t(&cfg))).collect();
        let ret = (c.ret)(&cfg);
        for t in args.iter().map(|(_, t)| t).chain(std::iter::once(&ret)) {
            for word in t.split(|ch: char| !ch.is_alphanumeric() && ch != '_') {
                if known_types.iter().any(|k| k == word) {
                    used.insert(word.to_owned());
                }
            }
        }
        // A reserved word cannot name a parameter: `new` becomes `new_`, sent as `new`.
        let ident = |n: &str| {
            if ["new", "delete", "default", "function", "class", "in", "var"].contains(&n) {
                format!("{n}_")
            } else {
                n.to_owned()
            }
        };
        let params: Vec<String> = args
            .iter()
            .map(|(n, t)| format!("{}: {t}", ident(n)))
            .collect();
        let ret = if ret == "null" {
            "void".to_owned()
        } else {
            ret
        };
        let call_args = if args.is_empty() {
            String::new()
        } else {
            let fields: Vec<String> = args
                .iter()
                .map(|(n, _)| {
                    if ident(n) == *n {
                        n.clone()
                    } else {
                        format!("{n}: {}", ident(n))
                    }
                })
                .collect();
            format!(", {{ {} }}", fields.join(", "))
        };
        body.push_str(&format!(
            "  /** {} */\n  {}: ({}) => call<{}>('{}'{}),\n",
            c.doc.trim(),
            camel(c.name),
            params.join(", "),
            ret,
            c.name,
            call_args
        ));
    }
    let mut out = String::from(
        "// Generated from src-tauri/src/commands.rs; do not edit. A test fails when this file differs;\n// FANGPIN_UPDATE_BINDINGS=1 cargo test -p fangpin-field --test bindings rewrites it.\n\n",
    );
    if !used.is_empty() {
        out.push_str(&format!(
            "import type {{ {} }} from '@fangpin/shared/bindings';\n",
            used.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    out.push_str("import { call } from './ipc';\n\n/** Every command of the field app, typed. */\nexport const commands = {\n");
    out.push_str(&body);
    out.push_str("};\n");
    out
}

fn camel(s: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for ch in s.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}
