//! [`Client`]: push, pull and attachments over HTTP, with retry and resume.

use std::time::Duration;

use fangpin_store::Store;
use fangpin_sync::wire::{
    PullRequest, PullResponse, PushRequest, PushResponse, Refusal, SyncState, PROTOCOL_VERSION,
};
use fangpin_sync::{Change, DeviceId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::SyncError;

/// What enrolment returns: keep the credential (in the encrypted store), it is shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The device id, also the device's id in the sync protocol.
    pub device_id: Uuid,
    /// The credential for `Authorization: Bearer`.
    pub credential: String,
    /// When it expires, ms since the epoch.
    pub expires_ms: i64,
    /// The user, as the server describes them (role, scope).
    pub user: serde_json::Value,
}

/// A renewed device credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renewal {
    /// The new credential; the old one no longer works.
    pub credential: String,
    /// When the new one expires, ms since the epoch.
    pub expires_ms: i64,
}

/// A credential is renewed when it expires within this many ms: thirty days.
pub const RENEW_BEFORE_MS: i64 = 30 * 24 * 3600 * 1000;

#[derive(Debug, Deserialize)]
struct AreaName {
    code: String,
    name: String,
}

/// Which part of a sync is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Sending the device's changes.
    Push,
    /// Receiving what is new.
    Pull,
    /// Uploading photos and signatures.
    Attachments,
}

/// Progress the app can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The running phase.
    pub phase: Phase,
    /// Items done in this phase.
    pub items_done: u64,
    /// Items in this phase (as far as known).
    pub items_total: u64,
    /// Bytes moved in this phase.
    pub bytes_done: u64,
    /// Bytes expected in this phase (as far as known).
    pub bytes_total: u64,
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Changes the server accepted.
    pub pushed: u64,
    /// Changes the server refused, with the reasons (also kept in the store).
    pub refusals: Vec<Refusal>,
    /// Changes pulled that were new to this device.
    pub pulled: u64,
    /// Rows removed because they left the user's scope.
    pub removed: u64,
    /// Attachments uploaded.
    pub attachments: u64,
    /// Retries after transient failures.
    pub retries: u64,
    /// The pull cursor saved.
    pub cursor: u64,
    /// Changes sent again because the service lost them (a restored backup).
    pub resent: u64,
    /// Attachments left for a later sync, with the reason.
    pub attachments_waiting: Vec<(String, String)>,
}

/// How transient failures are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// The first wait; each next one doubles.
    pub first_wait: Duration,
    /// The longest wait.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 6,
            first_wait: Duration::from_millis(250),
            max_wait: Duration::from_secs(8),
        }
    }
}

/// The sync client of one enrolled device.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    credential: String,
    device: Uuid,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Changes per push and pull batch.
    pub batch: usize,
    /// Bytes per attachment chunk.
    pub chunk: usize,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
    #[serde(default)]
    wipe: bool,
    #[serde(default)]
    retry_after_ms: Option<i64>,
    #[serde(default)]
    stored_through: Option<u64>,
}

/// An HTTP client trusting the system's roots and, when given, one more PEM certificate (a
/// township's own service certificate).
fn http_client(extra_root_pem: Option<&[u8]>) -> Result<reqwest::Client, SyncError> {
    // A silent network is reported after the connect time-out, not after minutes; a transfer
    // under way may take longer.
    let mut b = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(120));
    if let Some(pem) = extra_root_pem {
        let cert = reqwest::Certificate::from_pem(pem)
            .map_err(|e| SyncError::Unreachable(format!("the service certificate: {e}")))?;
        b = b.add_root_certificate(cert);
    }
    b.build().map_err(|e| SyncError::Unreachable(e.to_string()))
}

fn network(e: reqwest::Error) -> SyncError {
    // reqwest's message omits the cause (refused, TLS, time-out); keep the whole chain.
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    if e.is_connect() || (e.is_timeout() && !e.is_body()) {
        SyncError::Unreachable(text)
    } else {
        SyncError::Network(text)
    }
}

async fn error_of(resp: reqwest::Response) -> SyncError {
    let status = resp.status().as_u16();
    let body: Option<ErrorBody> = resp.json().await.ok();
    let (code, message, wipe, retry_after_ms, stored_through) = body
        .map(|b| {
            (
                b.code,
                b.message,
                b.wipe,
                b.retry_after_ms,
                b.stored_through,
            )
        })
        .unwrap_or_else(|| {
            (
                "unknown".into(),
                format!("HTTP {status}"),
                false,
                None,
                None,
            )
        });
    match status {
        409 if code == "version_reused" => SyncError::VersionReused {
            stored_through: stored_through.unwrap_or(0),
            message,
        },
        401 => SyncError::Credential {
            code,
            message,
            wipe,
        },
        _ => SyncError::Server {
            status,
            code,
            message: retry_after_ms.map_or(message.clone(), |ms| {
                format!("{message} (retry after {ms} ms)")
            }),
        },
    }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Cuts a batch at a row boundary, so a row's creation (its existence, village or household)
/// never spans two batches; returns how many changes to send.
fn cut(changes: &[Change], limit: usize) -> usize {
    if changes.len() <= limit {
        return changes.len();
    }
    let mut end = limit;
    while end < changes.len() && changes[end].row == changes[end - 1].row {
        end += 1;
    }
    end
}

impl Client {
    /// Signs in and enrols this device: the one moment a signal is needed.
    pub async fn enrol(
        base: &str,
        username: &str,
        password: &str,
        device_name: &str,
    ) -> Result<Enrolment, SyncError> {
        Self::enrol_trusting(base, username, password, device_name, None).await
    }

    /// [`Client::enrol`], trusting one more root certificate (PEM).
    pub async fn enrol_trusting(
        base: &str,
        username: &str,
        password: &str,
        device_name: &str,
        extra_root_pem: Option<&[u8]>,
    ) -> Result<Enrolment, SyncError> {
        let http = http_client(extra_root_pem)?;
        let resp = http
            .post(format!("{}/api/v1/enrol", base.trim_end_matches('/')))
            .json(&serde_json::json!({"username": username, "password": password, "device_name": device_name}))
            .send()
            .await
            .map_err(network)?;
        if resp.status().is_success() {
            return resp.json().await.map_err(network);
        }
        let status = resp.status().as_u16();
        let body: Option<ErrorBody> = resp.json().await.ok();
        let (code, message, retry_after_ms) = body
            .map(|b| (b.code, b.message, b.retry_after_ms))
            .unwrap_or_else(|| ("unknown".into(), format!("HTTP {status}"), None));
        if status >= 500 {
            return Err(SyncError::Server {
                status,
                code,
                message,
            });
        }
        Err(SyncError::SignIn {
            code,
            message,
            retry_after_ms,
        })
    }

    /// A client for an enrolled device.
    pub fn new(base: &str, credential: &str, device: Uuid) -> Result<Self, SyncError> {
        Self::trusting(base, credential, device, None)
    }

    /// [`Client::new`], trusting one more root certificate (PEM).
    pub fn trusting(
        base: &str,
        credential: &str,
        device: Uuid,
        extra_root_pem: Option<&[u8]>,
    ) -> Result<Self, SyncError> {
        Ok(Self {
            http: http_client(extra_root_pem)?,
            base: base.trim_end_matches('/').to_owned(),
            credential: credential.to_owned(),
            device,
            retry: RetryPolicy::default(),
            batch: 1_000,
            chunk: 256 * 1024,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Runs `attempt` until it succeeds, fails for good, or the attempts run out.
    async fn retrying<T, F, Fut>(
        &self,
        report: &mut SyncReport,
        mut attempt: F,
    ) -> Result<T, SyncError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, SyncError>>,
    {
        let mut wait = self.retry.first_wait;
        let mut tries = 0;
        loop {
            tries += 1;
            match attempt().await {
                Ok(v) => return Ok(v),
                Err(e) if e.is_transient() && tries < self.retry.attempts => {
                    tracing::warn!(error = %e, tries, "transient sync failure, retrying");
                    report.retries += 1;
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(self.retry.max_wait);
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn post<Req: Serialize, Resp: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        body: &Req,
    ) -> Result<(Resp, u64), SyncError> {
        let resp = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.credential)
            .json(body)
            .send()
            .await
            .map_err(network)?;
        if !resp.status().is_success() {
            return Err(error_of(resp).await);
        }
        let bytes = resp.bytes().await.map_err(network)?;
        let value =
            serde_json::from_slice(&bytes).map_err(|e| SyncError::Corrupt(e.to_string()))?;
        Ok((value, bytes.len() as u64))
    }

    /// Where this device stands with the service (protocol 2); None from a service that does
    /// not know the question (version 1).
    pub async fn state(&self, report: &mut SyncReport) -> Result<Option<SyncState>, SyncError> {
        self.retrying(report, || async {
            let resp = self
                .http
                .get(self.url("/api/v1/sync/state"))
                .bearer_auth(&self.credential)
                .send()
                .await
                .map_err(network)?;
            match resp.status().as_u16() {
                404 => Ok(None),
                s if (200..300).contains(&s) => {
                    let bytes = resp.bytes().await.map_err(network)?;
                    serde_json::from_slice(&bytes)
                        .map(Some)
                        .map_err(|e| SyncError::Corrupt(e.to_string()))
                }
                _ => Err(error_of(resp).await),
            }
        })
        .await
    }

    /// Pushes every pending change, in batches; refusals are stored on the device.
    pub async fn push(
        &self,
        store: &mut Store,
        report: &mut SyncReport,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<(), SyncError> {
        let total = store.pending_count()?;
        let mut done = 0;
        let mut bytes = 0;
        loop {
            let pending = store.pending_changes(self.batch * 2)?;
            if pending.is_empty() {
                break;
            }
            let n = cut(&pending, self.batch);
            let req = PushRequest::new(DeviceId(self.device), pending[..n].to_vec());
            let size = serde_json::to_vec(&req)
                .map(|v| v.len() as u64)
                .unwrap_or(0);
            let (resp, _): (PushResponse, u64) = self
                .retrying(report, || self.post("/api/v1/sync/push", &req))
                .await?;
            store.record_push(&resp, now_ms())?;
            report.pushed += u64::from(resp.accepted);
            report.refusals.extend(resp.refusals.iter().cloned());
            done += n as u64;
            bytes += size;
            progress(Progress {
                phase: Phase::Push,
                items_done: done.min(total),
                items_total: total,
                bytes_done: bytes,
                bytes_total: bytes,
            });
            if resp.acknowledged_through < pending[n - 1].id.seq {
                // The server holds fewer than we sent: a gap it cannot close; stop rather than loop.
                return Err(SyncError::Server {
                    status: 200,
                    code: "ack_gap".into(),
                    message: format!(
                        "server acknowledged {} of {}",
                        resp.acknowledged_through,
                        pending[n - 1].id.seq
                    ),
                });
            }
        }
        Ok(())
    }

    /// Pulls what is new in scope into the store, batch by batch; a corrupted batch is fetched
    /// again and never applied.
    pub async fn pull(
        &self,
        store: &mut Store,
        report: &mut SyncReport,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<(), SyncError> {
        let mut done = 0u64;
        let mut bytes = 0u64;
        loop {
            let cursor = store.pull_cursor()?;
            let (scope, epoch) = store.pull_position()?;
            let req = PullRequest {
                protocol: PROTOCOL_VERSION,
                cursor,
                limit: self.batch as u32,
                epoch,
                scope,
            };
            let (resp, size): (PullResponse, u64) = self
                .retrying(report, || async {
                    let (resp, size): (PullResponse, u64) =
                        self.post("/api/v1/sync/pull", &req).await?;
                    resp.verify()
                        .map_err(|e| SyncError::Corrupt(e.to_string()))?;
                    Ok((resp, size))
                })
                .await?;
            let outcome = store.apply_pull_or_keep(&resp, now_ms())?;
            report.pulled += outcome.new as u64;
            report.removed += outcome.rows_removed as u64;
            report.cursor = outcome.cursor;
            done += resp.changes.len() as u64;
            bytes += size;
            let total = done + resp.remaining;
            let bytes_total = if done == 0 {
                bytes
            } else {
                bytes + bytes * resp.remaining / done.max(1)
            };
            progress(Progress {
                phase: Phase::Pull,
                items_done: done,
                items_total: total,
                bytes_done: bytes,
                bytes_total,
            });
            if !resp.more {
                break;
            }
        }
        Ok(())
    }

    /// Uploads every attachment the server lacks, in chunks that resume after a cut.
    pub async fn upload_attachments(
        &self,
        store: &mut Store,
        report: &mut SyncReport,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<(), SyncError> {
        let hashes = store.attachments_to_upload()?;
        let total = hashes.len() as u64;
        'files: for (i, hash) in hashes.iter().enumerate() {
            let mut stalled = 0;
            let Some(att) = store.attachment(hash)? else {
                continue;
            };
            let bytes = match (&att.bytes, &att.path) {
                (Some(b), _) => b.clone(),
                (None, Some(p)) => std::fs::read(p).map_err(|e| SyncError::Server {
                    status: 0,
                    code: "attachment_missing".into(),
                    message: format!("{p}: {e}"),
                })?,
                (None, None) => continue,
            };
            let size = bytes.len() as u64;
            let mut offset = self.uploaded(hash, size, report).await?;
            while offset < size {
                let end = (offset + self.chunk as u64).min(size);
                let chunk = bytes[offset as usize..end as usize].to_vec();
                let url = self.url(&format!(
                    "/api/v1/attachments/{hash}?size={size}&offset={offset}"
                ));
                let sent = self
                    .retrying(report, || async {
                        let resp = self
                            .http
                            .put(&url)
                            .bearer_auth(&self.credential)
                            .body(chunk.clone())
                            .send()
                            .await
                            .map_err(network)?;
                        if resp.status().is_success() {
                            resp.json::<serde_json::Value>().await.map_err(network)
                        } else {
                            Err(error_of(resp).await)
                        }
                    })
                    .await;
                offset = match sent {
                    Ok(st) => {
                        stalled = 0;
                        st["received"].as_u64().unwrap_or(end)
                    }
                    // The service holds more or less than this chunk's start: a chunk whose answer
                    // was lost was stored after all. Go on from what the service holds, a few
                    // times at most.
                    Err(SyncError::Server {
                        status: 409,
                        ref code,
                        ..
                    }) if code == "attachment_offset" && stalled < 3 => {
                        stalled += 1;
                        report.retries += 1;
                        self.uploaded(hash, size, report).await?
                    }
                    // Not this sync: no row names it yet, a quota is full, or the bytes do not
                    // hash to the name. The photo stays on the device, waiting.
                    Err(SyncError::Server { code, message, .. })
                        if code.starts_with("attachment_") || code == "chunk_past_end" =>
                    {
                        report
                            .attachments_waiting
                            .push((hash.clone(), format!("{code}: {message}")));
                        continue 'files;
                    }
                    Err(e) => return Err(e),
                };
                progress(Progress {
                    phase: Phase::Attachments,
                    items_done: i as u64,
                    items_total: total,
                    bytes_done: offset,
                    bytes_total: size,
                });
            }
            store.mark_uploaded(hash)?;
            report.attachments += 1;
        }
        Ok(())
    }

    /// How many bytes of an attachment the service holds (all of them when it is complete).
    async fn uploaded(
        &self,
        hash: &str,
        size: u64,
        report: &mut SyncReport,
    ) -> Result<u64, SyncError> {
        self.retrying(report, || async {
            let resp = self
                .http
                .get(self.url(&format!("/api/v1/attachments/{hash}/status")))
                .bearer_auth(&self.credential)
                .send()
                .await
                .map_err(network)?;
            match resp.status().as_u16() {
                404 => Ok(0u64),
                s if (200..300).contains(&s) => {
                    let st: serde_json::Value = resp.json().await.map_err(network)?;
                    Ok(if st["complete"] == true {
                        size
                    } else {
                        st["received"].as_u64().unwrap_or(0)
                    })
                }
                _ => Err(error_of(resp).await),
            }
        })
        .await
    }

    /// The names of the areas in the user's scope (villages, their township and county), for
    /// the screens; None from a service that does not serve them.
    pub async fn area_names(&self) -> Result<Option<Vec<(String, String)>>, SyncError> {
        let resp = self
            .http
            .get(self.url("/api/v1/areas"))
            .bearer_auth(&self.credential)
            .send()
            .await
            .map_err(network)?;
        match resp.status().as_u16() {
            404 => Ok(None),
            s if (200..300).contains(&s) => {
                let areas: Vec<AreaName> = resp.json().await.map_err(network)?;
                Ok(Some(areas.into_iter().map(|a| (a.code, a.name)).collect()))
            }
            _ => Err(error_of(resp).await),
        }
    }

    /// Renews the device's credential when it expires within [`RENEW_BEFORE_MS`] of
    /// `now_ms`: the service gives a new one and the old one stops working. The caller keeps
    /// the new credential; nothing on the device is touched.
    pub async fn renew_if_due(
        &self,
        expires_ms: i64,
        now_ms: u64,
    ) -> Result<Option<Renewal>, SyncError> {
        let now = i64::try_from(now_ms).unwrap_or(i64::MAX);
        if expires_ms.saturating_sub(now) > RENEW_BEFORE_MS {
            return Ok(None);
        }
        let resp = self
            .http
            .post(self.url("/api/v1/devices/renew"))
            .bearer_auth(&self.credential)
            .send()
            .await
            .map_err(network)?;
        match resp.status().as_u16() {
            404 => Ok(None),
            s if (200..300).contains(&s) => resp.json().await.map(Some).map_err(network),
            _ => Err(error_of(resp).await),
        }
    }

    /// A whole sync: push, pull, attachments.
    pub async fn sync(
        &self,
        store: &mut Store,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        if let Some(state) = self.state(&mut report).await? {
            report.resent = store.reconcile(&state)?;
        }
        store.retry_pull_problems(now_ms())?;
        self.push(store, &mut report, progress).await?;
        self.pull(store, &mut report, progress).await?;
        self.upload_attachments(store, &mut report, progress)
            .await?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fangpin_sync::{Replica, RowKey, UserId, Writer};
    use serde_json::json;

    /// A service that refuses the connection (down, or the wrong address) is reported at once
    /// as unreachable, not retried six times: the app says so and retries in the background.
    #[tokio::test]
    async fn a_refused_connection_is_reported_at_once_as_unreachable() {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        let mut c = Client::new(&format!("http://{addr}"), "x.y", Uuid::from_u128(1)).unwrap();
        // A retry would wait an hour: the guard below would fail the test instead.
        c.retry.first_wait = Duration::from_secs(3600);
        let mut report = SyncReport::default();
        let e = tokio::time::timeout(Duration::from_secs(60), c.state(&mut report))
            .await
            .expect("reported without waiting for a retry")
            .expect_err("nothing listens there");
        assert_eq!(e.code(), "no_network", "{e}");
        assert!(!e.is_transient());
        assert_eq!(report.retries, 0);
    }

    #[test]
    fn batches_are_cut_between_rows() {
        let mut r = Replica::new(fangpin_catalogue::schema().clone());
        let mut w = Writer::new(DeviceId(Uuid::from_u128(1)), UserId(Uuid::from_u128(2)));
        let a = RowKey::new("household", Uuid::from_u128(3));
        let b = RowKey::new("member", Uuid::from_u128(4));
        let mut cs = w.create(
            &mut r,
            &a,
            &[
                ("village_code", json!("530325101201")),
                ("phone", json!("1")),
            ],
            1,
        );
        cs.extend(w.create(&mut r, &b, &[("household_id", json!(a.id.to_string()))], 1));
        assert_eq!(cs.len(), 5);
        assert_eq!(
            cut(&cs, 2),
            3,
            "the household's three changes stay together"
        );
        assert_eq!(cut(&cs, 3), 3);
        assert_eq!(cut(&cs, 4), 5);
        assert_eq!(cut(&cs, 10), 5);
    }
}
