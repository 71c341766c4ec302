//! Accounts, roles and scope.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use fangpin_domain::role::Role;
pub use fangpin_domain::PolicyBook;

/// The areas a user may see and write: statistical area code prefixes (a 12-digit village code,
/// a 9-digit township prefix, a 6-digit county prefix). Every query is keyed by area code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Scope {
    /// The prefixes; empty means nothing.
    pub areas: Vec<String>,
}

impl Scope {
    /// A scope of the given prefixes.
    pub fn new(areas: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self {
            areas: areas.into_iter().map(Into::into).collect(),
        }
    }

    /// Whether two scopes share any area: one's prefix begins the other's.
    pub fn overlaps(&self, other: &Scope) -> bool {
        self.areas.iter().filter(|a| !a.is_empty()).any(|a| {
            other
                .areas
                .iter()
                .filter(|b| !b.is_empty())
                .any(|b| a.starts_with(b.as_str()) || b.starts_with(a.as_str()))
        })
    }

    /// Whether a village (12-digit code) is in scope.
    pub fn contains(&self, village: &str) -> bool {
        self.areas
            .iter()
            .any(|p| !p.is_empty() && village.starts_with(p.as_str()))
    }
}

/// A user account as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// The id.
    pub id: Uuid,
    /// The sign-in name.
    pub username: String,
    /// The name shown.
    pub display_name: String,
    /// The role.
    pub role: Role,
    /// What the user may see.
    pub scope: Scope,
    /// Disabled users cannot sign in or sync.
    pub disabled: bool,
}

/// A user with the password hash, as the backend keeps it.
#[derive(Debug, Clone)]
pub struct StoredUser {
    /// The account.
    pub user: User,
    /// Argon2id PHC string.
    pub password_hash: String,
}

/// What kind of credential a device holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// A tablet or laptop that syncs; its credential lasts until revoked or expired.
    Field,
    /// A browser session of the console; short-lived.
    Console,
}

/// An enrolled device or console session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Device {
    /// The id, also the sync protocol's device id.
    pub id: Uuid,
    /// Its user.
    pub user_id: Uuid,
    /// The name the user gave it.
    pub name: String,
    /// Field device or console session.
    pub kind: DeviceKind,
    /// When it was enrolled, ms since the epoch.
    pub created_ms: i64,
    /// When its credential stops working, ms since the epoch.
    pub expires_ms: i64,
    /// When it was revoked, if it was.
    pub revoked_ms: Option<i64>,
}

/// A device with its credential hash, as the backend keeps it.
#[derive(Debug, Clone)]
pub struct StoredDevice {
    /// The device.
    pub device: Device,
    /// SHA-256 of the secret, hex.
    pub secret_hash: String,
}

/// Who is calling: the authenticated device and its user.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user.
    pub user: User,
    /// The device.
    pub device: Device,
    /// The policy settings the service judges the device's changes under.
    pub policy: std::sync::Arc<fangpin_domain::PolicyBook>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_is_by_area_prefix() {
        let s = Scope::new(["530325101", "530325102201"]);
        assert!(s.contains("530325101201"));
        assert!(s.contains("530325102201"));
        assert!(!s.contains("530325102202"));
        assert!(
            !Scope::new([""]).contains("530325101201"),
            "an empty prefix is not everything"
        );
        assert!(!Scope::default().contains("530325101201"));
    }

    #[test]
    fn roles_round_trip_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert!(Role::TownshipSupervisor.supervises() && !Role::Office.supervises());
        assert!(!Role::SystemAdmin.syncs());
    }
}
