//! Sync: the [`SyncJob`] that runs on its own connection to the store, starting and finishing
//! a sync, and the changes the service refused.

use std::path::PathBuf;

use fangpin_client::{Client, Progress, SyncError};
use fangpin_store::{Store, StoreOptions};

use super::session::{Config, CREDENTIAL_DRAFT};
use super::{now_ms, AppError, FieldApp, RefusalView, SyncOutcome};

fn refusal_zh(code: &str) -> &'static str {
    match code {
        "out_of_scope" => "该记录不在您的负责范围内，服务器未接受；改正后再次保存即可重新上传。",
        "invalid_transition" => "台账状态变更不符合流程。",
        "stale_transition" => "台账状态已被他人更新，请同步后重试。",
        "invalid_value" => "填写的内容不符合要求（类型、范围或长度），服务器未接受。",
        "unknown_parent" => "修改记录的来历不完整，服务器未接受，请联系办事处。",
        "too_many_heads" => "该字段待处理的冲突过多，请先由审核人员处理冲突。",
        "wrong_author" => "修改记录的填写人与登录账号不符，服务器未接受。",
        "clock_ahead" => "本机时间超前，服务器未接受；请校正平板时间后再次保存。",
        "not_permitted" => "只有镇、县审核人员可以处理冲突，服务器未接受。",
        "wrong_op" | "malformed" => "数据格式有误，服务器未接受。",
        _ => "服务器未接受该修改。",
    }
}

/// A sync ready to run on its own connection to the store (see [`FieldApp::sync_job`]).
pub struct SyncJob {
    config: Config,
    credential: String,
    expires_ms: i64,
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
        if let Some(names) = client.area_names().await? {
            store.set_area_names(&names)?;
        }
        let renewed = match client.renew_if_due(self.expires_ms, now_ms()).await? {
            Some(r) => {
                store.save_draft(
                    CREDENTIAL_DRAFT,
                    &serde_json::json!({"credential": r.credential, "expires_ms": r.expires_ms}),
                    now_ms(),
                )?;
                true
            }
            None => false,
        };
        let conflicts = store.conflicts(10_000)?.len() as u32;
        let problems = store.pull_problems()?.len() as u32;
        let _ = store.lock();
        Ok(SyncOutcome {
            pushed: report.pushed,
            pulled: report.pulled,
            refused: report.refusals.len() as u32,
            conflicts,
            resent: report.resent,
            attachments_waiting: report.attachments_waiting.len() as u32,
            problems,
            renewed,
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
                    reason_zh: r
                        .refusal
                        .reason_zh
                        .clone()
                        .unwrap_or_else(|| refusal_zh(&code).to_owned()),
                    code,
                    reason: r.refusal.reason,
                    table_zh: fangpin_catalogue::table(&r.refusal.row.table)
                        .map_or("记录", |t| t.label_zh)
                        .to_owned(),
                    label_zh: fangpin_catalogue::label_zh(&r.refusal.row.table, &r.refusal.field)
                        .to_owned(),
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
        if config.revoked {
            return Err(AppError::new(
                "device_revoked",
                "this device was revoked; its unpushed changes are kept",
                "本设备已被停用，不能再同步；本机未上传的修改已加密保留，请联系办事处。",
            ));
        }
        let saved = self.store()?.draft(CREDENTIAL_DRAFT)?;
        let expires_ms = saved
            .as_ref()
            .and_then(|d| d.body["expires_ms"].as_i64())
            .unwrap_or(i64::MAX);
        let credential = saved
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
            expires_ms,
            passcode,
            path: self.db_path(),
            opts: self.opts.clone(),
        })
    }

    /// Takes a finished sync's result: records when it finished. A revocation wipes the
    /// device only when the service that said so proved who it is (TLS, or a service on this
    /// device) and nothing unpushed would be lost; otherwise the data stays, encrypted, and
    /// the device stops syncing.
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
                let url = self
                    .config
                    .as_ref()
                    .map(|c| c.server_url.clone())
                    .unwrap_or_default();
                if !super::session::trusted(&url) {
                    return Err(AppError::new(
                        "untrusted_revocation",
                        format!(
                            "a revocation from {url}, which did not prove who it is, was ignored"
                        ),
                        "收到停用通知，但服务器身份无法确认，本机数据未清除。",
                    ));
                }
                let pending = self.store()?.pending_count()?;
                if pending > 0 {
                    if let Some(c) = self.config.as_mut() {
                        c.revoked = true;
                    }
                    self.save_config()?;
                    return Err(AppError::new(
                        "device_revoked",
                        format!("this device was revoked ({code}: {message}); {pending} unpushed changes are kept"),
                        format!("本设备已被停用。本机尚有 {pending} 条未上传的修改，已加密保留，请联系办事处处理。"),
                    ));
                }
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
