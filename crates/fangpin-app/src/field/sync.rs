//! Sync: the [`SyncJob`] that runs on its own connection to the store, starting and finishing
//! a sync, and the changes the service refused.

use std::path::PathBuf;

use fangpin_client::{Client, Progress, SyncError};
use fangpin_store::{Store, StoreOptions};

use super::session::{Config, CREDENTIAL_DRAFT};
use super::{now_ms, AppError, FieldApp, RefusalView, SyncOutcome};

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

impl FieldApp {
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
}
