//! A device: an encrypted store and its sync client.

use std::path::Path;

use fangpin_client::{Client, SyncReport};
use fangpin_store::{DeviceIdentity, Store, StoreOptions};
use fangpin_sync::{DeviceId, RowKey, UserId};
use serde_json::json;
use uuid::Uuid;

/// One enrolled device.
pub struct Device {
    /// Its store.
    pub store: Store,
    /// Its client.
    pub client: Client,
    credential: String,
    device_id: Uuid,
    /// When the credential expires, ms since the epoch.
    pub expires_ms: i64,
}

/// Text fields of a household the scenarios write.
const FIELDS: [&str; 7] = [
    "address",
    "natural_village",
    "group",
    "head_name",
    "screened_by",
    "hubianhao",
    "phone",
];

/// A folder `name` inside `root`, made if missing: one per device of a scenario.
pub fn subdir(root: &Path, name: &str) -> std::path::PathBuf {
    let d = root.join(name);
    std::fs::create_dir_all(&d).expect("a device's folder");
    d
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Device {
    /// Enrols `username` (password `password-123`) with the service and creates the store in `dir`.
    pub async fn enrol(base: &str, username: &str, dir: &Path) -> Device {
        Device::enrol_as(base, username, "password-123", dir).await
    }

    /// Enrols `username` with `password` and creates the store in `dir`.
    pub async fn enrol_as(base: &str, username: &str, password: &str, dir: &Path) -> Device {
        let e = Client::enrol(base, username, password, &format!("{username}'s tablet"))
            .await
            .expect("enrol");
        let user: Uuid = e.user["id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("user id");
        let identity = DeviceIdentity {
            device: DeviceId(e.device_id),
            user: UserId(user),
        };
        let store = Store::init(
            &dir.join(format!("{username}.db")),
            "123456",
            identity,
            &StoreOptions::insecure_for_tests(),
        )
        .expect("store");
        let mut client = Client::new(base, &e.credential, e.device_id).expect("client");
        client.retry.first_wait = std::time::Duration::from_millis(20);
        client.retry.attempts = 40;
        Device {
            store,
            client,
            credential: e.credential,
            device_id: e.device_id,
            expires_ms: e.expires_ms,
        }
    }

    /// Creates `n` households in `village`, each text field holding `tag`, the number and the
    /// field's place.
    pub fn households(&mut self, village: &str, n: usize, tag: &str) -> Vec<RowKey> {
        (0..n)
            .map(|i| {
                let h = RowKey::new("household", Uuid::now_v7());
                let mut all: Vec<(&str, serde_json::Value)> =
                    vec![("village_code", json!(village))];
                all.extend(
                    FIELDS
                        .iter()
                        .enumerate()
                        .map(|(f, name)| (*name, json!(format!("{tag}-{i}-{f}")))),
                );
                self.store.create(&h, &all, now_ms()).expect("create");
                h
            })
            .collect()
    }

    /// A full sync.
    pub async fn sync(&mut self) -> SyncReport {
        self.client
            .sync(&mut self.store, &mut |_| {})
            .await
            .expect("sync")
    }

    /// The bearer credential the service issued at enrolment.
    pub fn credential(&self) -> &str {
        &self.credential
    }

    /// The device id the service issued at enrolment.
    pub fn client_device(&self) -> Uuid {
        self.device_id
    }

    /// How many households the device holds (alive ones).
    pub fn household_count(&self) -> usize {
        self.store
            .replica()
            .expect("replica")
            .alive_rows("household")
            .len()
    }

    /// The state hash of everything on the device.
    pub fn state_hash(&self) -> String {
        self.store.replica().expect("replica").state_hash()
    }
}
