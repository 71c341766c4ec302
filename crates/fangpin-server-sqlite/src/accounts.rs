//! Accounts and devices.

use fangpin_server::model::{Device, DeviceKind, Role, StoredDevice, StoredUser, User};
use fangpin_server::BackendError;
use rusqlite::{params, Connection, OptionalExtension};
use uuid::Uuid;

use crate::{db, json};

const USER_COLS: &str = "id, username, display_name, role, scope, disabled, password_hash";
const DEVICE_COLS: &str =
    "id, user_id, name, kind, created_ms, expires_ms, revoked_ms, secret_hash";

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(User, String)> {
    let role: String = r.get(3)?;
    let scope: String = r.get(4)?;
    Ok((
        User {
            id: r.get(0)?,
            username: r.get(1)?,
            display_name: r.get(2)?,
            role: Role::parse(&role).unwrap_or(Role::VillageCadre),
            scope: serde_json::from_str(&scope).unwrap_or_default(),
            disabled: r.get(5)?,
        },
        r.get(6)?,
    ))
}

fn device_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredDevice> {
    let kind: String = r.get(3)?;
    Ok(StoredDevice {
        device: Device {
            id: r.get(0)?,
            user_id: r.get(1)?,
            name: r.get(2)?,
            kind: if kind == "console" {
                DeviceKind::Console
            } else {
                DeviceKind::Field
            },
            created_ms: r.get(4)?,
            expires_ms: r.get(5)?,
            revoked_ms: r.get(6)?,
        },
        secret_hash: r.get(7)?,
    })
}

pub(crate) fn create_user(
    c: &Connection,
    user: &User,
    password_hash: &str,
) -> Result<(), BackendError> {
    c.execute(
        &format!("INSERT INTO users({USER_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
        params![
            user.id,
            user.username,
            user.display_name,
            user.role.as_str(),
            json(&user.scope)?,
            user.disabled,
            password_hash
        ],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            BackendError::Exists(format!("user {}", user.username))
        }
        e => db(e),
    })?;
    Ok(())
}

pub(crate) fn user_by_name(
    c: &Connection,
    username: &str,
) -> Result<Option<StoredUser>, BackendError> {
    c.prepare_cached(&format!(
        "SELECT {USER_COLS} FROM users WHERE username = ?1"
    ))
    .map_err(db)?
    .query_row(params![username], user_from_row)
    .optional()
    .map_err(db)
    .map(|o| {
        o.map(|(user, password_hash)| StoredUser {
            user,
            password_hash,
        })
    })
}

pub(crate) fn user(c: &Connection, id: Uuid) -> Result<Option<User>, BackendError> {
    c.prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE id = ?1"))
        .map_err(db)?
        .query_row(params![id], user_from_row)
        .optional()
        .map_err(db)
        .map(|o| o.map(|(u, _)| u))
}

pub(crate) fn users(c: &Connection) -> Result<Vec<User>, BackendError> {
    let mut stmt = c
        .prepare(&format!("SELECT {USER_COLS} FROM users ORDER BY username"))
        .map_err(db)?;
    let rows = stmt.query_map([], user_from_row).map_err(db)?;
    rows.map(|r| r.map(|(u, _)| u).map_err(db)).collect()
}

pub(crate) fn update_user(c: &Connection, user: &User) -> Result<(), BackendError> {
    let n = c
        .execute(
            "UPDATE users SET display_name = ?2, role = ?3, scope = ?4, disabled = ?5 WHERE id = ?1",
            params![user.id, user.display_name, user.role.as_str(), json(&user.scope)?, user.disabled],
        )
        .map_err(db)?;
    if n == 0 {
        return Err(BackendError::NotFound(format!("user {}", user.id)));
    }
    Ok(())
}

pub(crate) fn set_password(c: &Connection, id: Uuid, hash: &str) -> Result<(), BackendError> {
    let n = c
        .execute(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![id, hash],
        )
        .map_err(db)?;
    if n == 0 {
        return Err(BackendError::NotFound(format!("user {id}")));
    }
    Ok(())
}

pub(crate) fn create_device(
    c: &Connection,
    device: &Device,
    secret_hash: &str,
) -> Result<(), BackendError> {
    let kind = match device.kind {
        DeviceKind::Field => "field",
        DeviceKind::Console => "console",
    };
    c.execute(
        &format!(
            "INSERT INTO devices({DEVICE_COLS}, seen_scope) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, (SELECT scope FROM users WHERE id = ?2))"
        ),
        params![
            device.id,
            device.user_id,
            device.name,
            kind,
            device.created_ms,
            device.expires_ms,
            device.revoked_ms,
            secret_hash
        ],
    )
    .map_err(db)?;
    Ok(())
}

pub(crate) fn device(c: &Connection, id: Uuid) -> Result<Option<StoredDevice>, BackendError> {
    c.prepare_cached(&format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1"))
        .map_err(db)?
        .query_row(params![id], device_from_row)
        .optional()
        .map_err(db)
}

pub(crate) fn devices(c: &Connection, user: Option<Uuid>) -> Result<Vec<Device>, BackendError> {
    let mut stmt = c
        .prepare(&format!(
            "SELECT {DEVICE_COLS} FROM devices WHERE ?1 IS NULL OR user_id = ?1 ORDER BY created_ms"
        ))
        .map_err(db)?;
    let rows = stmt.query_map(params![user], device_from_row).map_err(db)?;
    rows.map(|r| r.map(|d| d.device).map_err(db)).collect()
}

pub(crate) fn revoke_device(c: &Connection, id: Uuid, at_ms: i64) -> Result<bool, BackendError> {
    let n = c
        .execute(
            "UPDATE devices SET revoked_ms = COALESCE(revoked_ms, ?2) WHERE id = ?1",
            params![id, at_ms],
        )
        .map_err(db)?;
    Ok(n > 0)
}

pub(crate) fn renew_device(
    c: &Connection,
    id: Uuid,
    secret_hash: &str,
    expires_ms: i64,
) -> Result<bool, BackendError> {
    let n = c
        .execute(
            "UPDATE devices SET secret_hash = ?2, expires_ms = ?3 WHERE id = ?1 AND revoked_ms IS NULL",
            params![id, secret_hash, expires_ms],
        )
        .map_err(db)?;
    Ok(n > 0)
}

pub(crate) fn set_area_names(
    c: &mut Connection,
    names: &[(String, String)],
) -> Result<u64, BackendError> {
    let tx = c.transaction().map_err(db)?;
    {
        let mut stmt = tx
            .prepare_cached("INSERT OR REPLACE INTO areas(code, name) VALUES (?1, ?2)")
            .map_err(db)?;
        for (code, name) in names {
            stmt.execute(params![code, name]).map_err(db)?;
        }
    }
    tx.commit().map_err(db)?;
    Ok(names.len() as u64)
}

/// The names of the areas in a scope and of the areas above them.
pub(crate) fn area_names(
    c: &Connection,
    scope: &fangpin_server::Scope,
) -> Result<Vec<(String, String)>, BackendError> {
    let (sql, args) = crate::readmodel::scope_sql(scope, "code");
    let mut out = Vec::new();
    let mut stmt = c
        .prepare(&format!(
            "SELECT code, name FROM areas WHERE {sql} ORDER BY code"
        ))
        .map_err(db)?;
    for r in stmt
        .query_map(rusqlite::params_from_iter(args.iter()), |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .map_err(db)?
    {
        out.push(r.map_err(db)?);
    }
    let mut above = c
        .prepare_cached("SELECT code, name FROM areas WHERE code = ?1")
        .map_err(db)?;
    for prefix in scope.areas.iter().filter(|p| !p.is_empty()) {
        for len in [6usize, 9] {
            if prefix.len() > len {
                let code = format!("{:0<12}", &prefix[..len]);
                if let Some(row) = above
                    .query_row([&code], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                    })
                    .optional()
                    .map_err(db)?
                {
                    if !out.contains(&row) {
                        out.push(row);
                    }
                }
            }
        }
    }
    Ok(out)
}
