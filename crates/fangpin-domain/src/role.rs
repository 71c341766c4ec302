//! Who a user is (村干部, 帮扶责任人, 办事处, 镇, 县, the system's administrator) and what each
//! role may do: work with household data, resolve conflicts, manage accounts. The service and
//! the device ask these, so the two never disagree on who resolves a conflict.

use serde::{Deserialize, Serialize};

/// What a user is, which decides what they may see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 村干部: the villages they serve.
    VillageCadre,
    /// 帮扶责任人: the villages of the households they help.
    Helper,
    /// 办事处 staff: a set of villages.
    Office,
    /// 镇扶贫办 supervisor: the township; resolves conflicts.
    TownshipSupervisor,
    /// 县 administrator: the county; resolves conflicts.
    CountyAdmin,
    /// System administrator: accounts and devices, no household data.
    SystemAdmin,
}

impl Role {
    /// Every role, for tests and menus.
    pub const ALL: [Role; 6] = [
        Role::VillageCadre,
        Role::Helper,
        Role::Office,
        Role::TownshipSupervisor,
        Role::CountyAdmin,
        Role::SystemAdmin,
    ];

    /// Whether the role works with household data (sync, attachments).
    pub fn syncs(self) -> bool {
        self != Role::SystemAdmin
    }

    /// Whether the role sees and resolves conflicts and reads the audit trail.
    pub fn supervises(self) -> bool {
        matches!(self, Role::TownshipSupervisor | Role::CountyAdmin)
    }

    /// Whether the role manages accounts and devices.
    pub fn administers(self) -> bool {
        self == Role::SystemAdmin
    }

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::VillageCadre => "village_cadre",
            Role::Helper => "helper",
            Role::Office => "office",
            Role::TownshipSupervisor => "township_supervisor",
            Role::CountyAdmin => "county_admin",
            Role::SystemAdmin => "system_admin",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The name users read.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::VillageCadre => "村干部",
            Role::Helper => "帮扶责任人",
            Role::Office => "办事处",
            Role::TownshipSupervisor => "镇扶贫办",
            Role::CountyAdmin => "县级管理员",
            Role::SystemAdmin => "系统管理员",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_only_supervisors_resolve() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::json!(r.as_str())
            );
        }
        let resolving: Vec<Role> = Role::ALL.into_iter().filter(|r| r.supervises()).collect();
        assert_eq!(resolving, [Role::TownshipSupervisor, Role::CountyAdmin]);
        assert!(!Role::SystemAdmin.syncs());
        assert_eq!(Role::parse("nobody"), None);
    }
}
