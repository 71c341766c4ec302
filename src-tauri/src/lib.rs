//! The fangpin field app: a thin Tauri 2 shell over [`fangpin_app::field`].
//!
//! Every command is declared once in [`commands`]: it parses its arguments, calls one method of
//! [`FieldApp`], and returns its `AppError` (a stable code, English for logs, Chinese for the
//! screen, and the field) as is; the logic lives in the crates. The same list gives the
//! handler the app registers and the UI's typed wrapper. All commands are `async`, so they
//! run off the main thread and the window never freezes while the store works or a sync runs.

use std::path::PathBuf;

pub mod commands;

use fangpin_app::field::FieldApp;
use fangpin_client::{Phase, Progress};
use serde::Serialize;
use tauri::Manager;
use tokio::sync::Mutex;
use ts_rs::TS;

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
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!())
        .expect("the field app failed to start");
}
