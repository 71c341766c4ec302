//! Accounts and devices.

use deadpool_postgres::GenericClient;
use fangpin_server::model::{Device, DeviceKind, Role, Scope, StoredDevice, StoredUser, User};
use fangpin_server::BackendError;
use tokio_postgres::Row;
use uuid::Uuid;

use crate::{json, pg};

const USER_COLS: &str = "id, username, display_name, role, scope, disabled, password_hash";
const DEVICE_COLS: &str =
    "id, user_id, name, kind, created_ms, expires_ms, revoked_ms, secret_hash";

fn user_from(r: &Row) -> (User, String) {
    let role: String = r.get(3);
    let scope: String = r.get(4);
    (
        User {
            id: r.get(0),
            username: r.get(1),
            display_name: r.get(2),
            role: Role::parse(&role).unwrap_or(Role::VillageCadre),
            scope: serde_json::from_str(&scope).unwrap_or_default(),
            disabled: r.get(5),
        },
        r.get(6),
    )
}

fn device_from(r: &Row) -> StoredDevice {
    let kind: String = r.get(3);
    StoredDevice {
        device: Device {
            id: r.get(0),
            user_id: r.get(1),
            name: r.get(2),
            kind: if kind == "console" {
                DeviceKind::Console
            } else {
                DeviceKind::Field
            },
            created_ms: r.get(4),
            expires_ms: r.get(5),
            revoked_ms: r.get(6),
        },
        secret_hash: r.get(7),
    }
}

pub(crate) async fn create_user(
    c: &impl GenericClient,
    user: &User,
    hash: &str,
) -> Result<(), BackendError> {
    c.execute(
        &format!("INSERT INTO users({USER_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
        &[
            &user.id,
            &user.username,
            &user.display_name,
            &user.role.as_str(),
            &json(&user.scope)?,
            &user.disabled,
            &hash,
        ],
    )
    .await
    .map_err(|e| {
        if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
            BackendError::Exists(format!("user {}", user.username))
        } else {
            pg(e)
        }
    })?;
    Ok(())
}

pub(crate) async fn user_by_name(
    c: &impl GenericClient,
    username: &str,
) -> Result<Option<StoredUser>, BackendError> {
    let r = c
        .query_opt(
            &format!("SELECT {USER_COLS} FROM users WHERE username = $1"),
            &[&username],
        )
        .await
        .map_err(pg)?;
    Ok(r.map(|r| {
        let (user, password_hash) = user_from(&r);
        StoredUser {
            user,
            password_hash,
        }
    }))
}

pub(crate) async fn user(c: &impl GenericClient, id: Uuid) -> Result<Option<User>, BackendError> {
    let r = c
        .query_opt(
            &format!("SELECT {USER_COLS} FROM users WHERE id = $1"),
            &[&id],
        )
        .await
        .map_err(pg)?;
    Ok(r.map(|r| user_from(&r).0))
}

pub(crate) async fn users(c: &impl GenericClient) -> Result<Vec<User>, BackendError> {
    let rows = c
        .query(
            &format!("SELECT {USER_COLS} FROM users ORDER BY username"),
            &[],
        )
        .await
        .map_err(pg)?;
    Ok(rows.iter().map(|r| user_from(r).0).collect())
}

pub(crate) async fn update_user(c: &impl GenericClient, user: &User) -> Result<(), BackendError> {
    let n = c
        .execute(
            "UPDATE users SET display_name = $2, role = $3, scope = $4, disabled = $5 WHERE id = $1",
            &[&user.id, &user.display_name, &user.role.as_str(), &json(&user.scope)?, &user.disabled],
        )
        .await
        .map_err(pg)?;
    if n == 0 {
        return Err(BackendError::NotFound(format!("user {}", user.id)));
    }
    Ok(())
}

pub(crate) async fn set_password(
    c: &impl GenericClient,
    id: Uuid,
    hash: &str,
) -> Result<(), BackendError> {
    let n = c
        .execute(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            &[&id, &hash],
        )
        .await
        .map_err(pg)?;
    if n == 0 {
        return Err(BackendError::NotFound(format!("user {id}")));
    }
    Ok(())
}

pub(crate) async fn create_device(
    c: &impl GenericClient,
    device: &Device,
    hash: &str,
) -> Result<(), BackendError> {
    let kind = match device.kind {
        DeviceKind::Field => "field",
        DeviceKind::Console => "console",
    };
    c.execute(
        &format!(
            "INSERT INTO devices({DEVICE_COLS}, seen_scope) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT scope FROM users WHERE id = $2))"
        ),
        &[&device.id, &device.user_id, &device.name, &kind, &device.created_ms, &device.expires_ms, &device.revoked_ms, &hash],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

pub(crate) async fn device(
    c: &impl GenericClient,
    id: Uuid,
) -> Result<Option<StoredDevice>, BackendError> {
    let r = c
        .query_opt(
            &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = $1"),
            &[&id],
        )
        .await
        .map_err(pg)?;
    Ok(r.map(|r| device_from(&r)))
}

pub(crate) async fn devices(
    c: &impl GenericClient,
    user: Option<Uuid>,
) -> Result<Vec<Device>, BackendError> {
    let rows = c
        .query(
            &format!("SELECT {DEVICE_COLS} FROM devices WHERE $1::uuid IS NULL OR user_id = $1 ORDER BY created_ms"),
            &[&user],
        )
        .await
        .map_err(pg)?;
    Ok(rows.iter().map(|r| device_from(r).device).collect())
}

pub(crate) async fn revoke_device(
    c: &impl GenericClient,
    id: Uuid,
    at_ms: i64,
) -> Result<bool, BackendError> {
    let n = c
        .execute(
            "UPDATE devices SET revoked_ms = COALESCE(revoked_ms, $2) WHERE id = $1",
            &[&id, &at_ms],
        )
        .await
        .map_err(pg)?;
    Ok(n > 0)
}

pub(crate) async fn renew_device(
    c: &impl GenericClient,
    id: Uuid,
    hash: &str,
    expires_ms: i64,
) -> Result<bool, BackendError> {
    let n = c
        .execute(
            "UPDATE devices SET secret_hash = $2, expires_ms = $3 WHERE id = $1 AND revoked_ms IS NULL",
            &[&id, &hash, &expires_ms],
        )
        .await
        .map_err(pg)?;
    Ok(n > 0)
}

pub(crate) async fn record_scope(
    c: &impl GenericClient,
    device: Uuid,
    scope: &Scope,
) -> Result<(), BackendError> {
    c.execute(
        "UPDATE devices SET seen_scope = $2 WHERE id = $1",
        &[&device, &json(scope)?],
    )
    .await
    .map_err(pg)?;
    Ok(())
}

pub(crate) async fn set_area_names(
    c: &impl GenericClient,
    names: &[(String, String)],
) -> Result<u64, BackendError> {
    let codes: Vec<&str> = names.iter().map(|(c, _)| c.as_str()).collect();
    let texts: Vec<&str> = names.iter().map(|(_, n)| n.as_str()).collect();
    let n = c
        .execute(
            "INSERT INTO areas(code, name) SELECT * FROM UNNEST($1::text[], $2::text[]) \
             ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name",
            &[&codes, &texts],
        )
        .await
        .map_err(pg)?;
    Ok(n)
}

/// The names of the areas in a scope and of the areas above them.
pub(crate) async fn area_names(
    c: &impl GenericClient,
    scope: &Scope,
) -> Result<Vec<(String, String)>, BackendError> {
    let (sql, args) = crate::readmodel::scope_sql(scope, "code", 1);
    let mut out: Vec<(String, String)> = c
        .query(
            &format!("SELECT code, name FROM areas WHERE {sql} ORDER BY code"),
            &crate::readmodel::params(&[], &args),
        )
        .await
        .map_err(pg)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut above: Vec<String> = Vec::new();
    for prefix in scope.areas.iter().filter(|p| !p.is_empty()) {
        for len in [6usize, 9] {
            if prefix.len() > len {
                above.push(format!("{:0<12}", &prefix[..len]));
            }
        }
    }
    for r in c
        .query(
            "SELECT code, name FROM areas WHERE code = ANY($1)",
            &[&above],
        )
        .await
        .map_err(pg)?
    {
        let row: (String, String) = (r.get(0), r.get(1));
        if !out.contains(&row) {
            out.push(row);
        }
    }
    Ok(out)
}
