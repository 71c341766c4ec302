//! The device's session: enrolment, unlocking and locking the local data, the passcode,
//! signing out and wiping, and the enrolment's settings (`config.json`).

use std::path::PathBuf;

use fangpin_client::Client;
use fangpin_store::{DeviceIdentity, Store};
use fangpin_sync::{DeviceId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{now_ms, AppError, AppStatus, FieldApp, UserInfo};

/// The enrolment, kept in `config.json` beside the local data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Config {
    pub(super) server_url: String,
    pub(super) device_id: Uuid,
    pub(super) user_id: Uuid,
    pub(super) user: UserInfo,
    pub(super) last_sync_ms: Option<u64>,
    /// The service told this device it was revoked while unpushed changes were on it: they
    /// are kept (encrypted) and the device no longer syncs.
    #[serde(default)]
    pub(super) revoked: bool,
}

/// Whether a service address may be used: `https://` anywhere, `http://` only to this
/// device itself (a service on loopback, for development and the tests). Returns the address
/// without a trailing slash, or the error naming the field.
pub(super) fn check_server_url(raw: &str) -> Result<String, AppError> {
    let url = raw.trim().trim_end_matches('/').to_owned();
    let bad = |en: &str, zh: &str| {
        let mut e = AppError::new("bad_url", format!("server_url: {en}"), zh);
        e.field = Some("server_url".into());
        e
    };
    if let Some(rest) = url.strip_prefix("http://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let name = if host.starts_with('[') {
            host.split(']')
                .next()
                .map(|h| h.trim_start_matches('['))
                .unwrap_or_default()
        } else {
            host.rsplit_once(':').map_or(host, |(h, _)| h)
        };
        let loopback = name == "localhost"
            || name
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if !loopback {
            return Err(bad(
                "plain http:// is only for a service on this device; use https://",
                "服务器地址须以 https:// 开头（仅本机调试可用 http://）。",
            ));
        }
        return Ok(url);
    }
    if url.starts_with("https://") && url.len() > "https://".len() {
        return Ok(url);
    }
    Err(bad(
        "must start with https://",
        "服务器地址应以 https:// 开头。",
    ))
}

/// Whether a revocation answered by this address can be trusted: the service proved who it
/// is (TLS) or it runs on this device.
pub(super) fn trusted(url: &str) -> bool {
    url.starts_with("https://") || check_server_url(url).is_ok()
}

fn weak_passcode(field: &str) -> AppError {
    let mut e = AppError::new(
        "weak_passcode",
        "passcode: at least 6 characters",
        "本机密码至少6位。",
    );
    e.field = Some(field.into());
    e
}

/// The draft under which the device credential is kept.
pub(super) const CREDENTIAL_DRAFT: &str = "$device/credential";

impl FieldApp {
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
            may_resolve: self
                .config
                .as_ref()
                .is_some_and(|c| supervises(&c.user.role)),
            area_names: self
                .store
                .as_ref()
                .and_then(|s| s.area_names().ok())
                .unwrap_or_default(),
        }
    }

    pub(super) fn save_config(&self) -> Result<(), AppError> {
        let Some(c) = &self.config else { return Ok(()) };
        let tmp = self.dir.join("config.json.tmp");
        let bytes = serde_json::to_vec_pretty(c)
            .map_err(|e| AppError::new("io", e.to_string(), "无法保存设置。"))?;
        std::fs::write(&tmp, bytes)
            .and_then(|()| std::fs::rename(&tmp, self.dir.join("config.json")))
            .map_err(|e| AppError::new("io", e.to_string(), "无法保存设置。"))
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
            return Err(weak_passcode("passcode"));
        }
        let server_url = check_server_url(server_url)?;
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
        let mut store = store;
        store.set_may_resolve(supervises(&user.role));
        self.store = Some(store);
        self.passcode = Some(zeroize::Zeroizing::new(passcode.to_owned()));
        self.config = Some(Config {
            server_url,
            device_id: e.device_id,
            user_id,
            user,
            last_sync_ms: None,
            revoked: false,
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
            let mut store = Store::open(&self.db_path(), passcode, &self.opts, now_ms())?;
            store.set_may_resolve(
                self.config
                    .as_ref()
                    .is_some_and(|c| supervises(&c.user.role)),
            );
            self.store = Some(store);
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

    /// Changes the passcode; the data is not rewritten. The unlocked app goes on with the new
    /// one, so its next sync opens the store with it.
    pub fn change_passcode(&mut self, old: &str, new: &str) -> Result<(), AppError> {
        if new.chars().count() < 6 {
            return Err(weak_passcode("new_passcode"));
        }
        Store::change_passcode(&self.db_path(), old, new, &self.opts, now_ms())?;
        if self.passcode.is_some() {
            self.passcode = Some(zeroize::Zeroizing::new(new.to_owned()));
        }
        Ok(())
    }

    /// Changes the service's address (the office laptop got a new one) without signing out:
    /// the enrolment, the credential and every unpushed change stay.
    pub fn set_server_url(&mut self, server_url: &str) -> Result<AppStatus, AppError> {
        let url = check_server_url(server_url)?;
        let c = self.config.as_mut().ok_or_else(|| {
            AppError::new("not_enrolled", "enrol the device first", "请先登记设备。")
        })?;
        c.server_url = url;
        self.save_config()?;
        Ok(self.status())
    }

    /// Whether `server_url` may be used as the service's address (see [`check_server_url`]),
    /// as the enrol screen asks before the passcode step; the address as it would be kept.
    pub fn check_server_url(&self, server_url: &str) -> Result<String, AppError> {
        check_server_url(server_url)
    }

    /// Signs out: locks, and with `wipe` removes every local file and the enrolment.
    pub fn sign_out(&mut self, wipe: bool) -> Result<AppStatus, AppError> {
        self.lock();
        if wipe {
            self.wipe()?;
        }
        Ok(self.status())
    }

    pub(super) fn wipe(&mut self) -> Result<(), AppError> {
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
}

/// Whether a role, by its stable name, resolves conflicts (the domain's rule).
fn supervises(role: &str) -> bool {
    fangpin_domain::role::Role::parse(role).is_some_and(fangpin_domain::role::Role::supervises)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_only_for_this_device() {
        for ok in [
            "https://fangpin.example.cn",
            "https://192.168.1.10:8443/",
            "http://127.0.0.1:8080",
            "http://localhost:8080/",
            "http://[::1]:8080",
        ] {
            assert!(check_server_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://192.168.1.10:8080",
            "http://fangpin.example.cn",
            "http://127.0.0.1.evil.cn:8080",
            "http://user@10.0.0.1",
            "ftp://127.0.0.1",
            "https://",
            "127.0.0.1:8080",
        ] {
            let e = check_server_url(bad).unwrap_err();
            assert_eq!(
                (e.code.as_str(), e.field.as_deref()),
                ("bad_url", Some("server_url")),
                "{bad}"
            );
        }
        assert!(
            !trusted("http://10.0.0.1:8080")
                && trusted("http://127.0.0.1:1")
                && trusted("https://x")
        );
    }
}
