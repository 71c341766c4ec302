//! `fangpin user …` and `fangpin device …`: accounts and devices, with the same checks as the
//! service's API (the functions are the API's own).

use std::io::Write;

use anyhow::{anyhow, bail, Result};
use clap::{Args, Subcommand};
use fangpin_server::http::{NewUser, UserUpdate};
use fangpin_server::model::DeviceKind;
use fangpin_server::{Role, Scope};

use crate::service::{now_ms, open, state, Db};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Adds an account.
    Add(UserAdd),
    /// Lists the accounts.
    List(Db),
    /// Disables an account: it cannot sign in or sync, and its devices are revoked.
    Disable(UserName),
    /// Enables a disabled account (its revoked devices stay revoked: it enrols again).
    Enable(UserName),
    /// Sets a new password.
    SetPassword(UserPassword),
    /// Replaces the area code prefixes the account may see.
    SetScope(UserScope),
    /// Changes the account's role.
    SetRole(UserRole),
}

#[derive(Debug, Args)]
pub struct UserAdd {
    #[command(flatten)]
    db: Db,
    /// Sign-in name.
    #[arg(long)]
    username: String,
    /// Password (at least 8 characters).
    #[arg(long, env = "FANGPIN_PASSWORD")]
    password: String,
    /// village_cadre, helper, office, township_supervisor, county_admin or system_admin.
    #[arg(long, value_parser = parse_role)]
    role: Role,
    /// Area code prefixes the user may see, comma-separated (villages, a township, a county).
    #[arg(long, value_delimiter = ',')]
    scope: Vec<String>,
    /// The name shown (defaults to the user name).
    #[arg(long)]
    display_name: Option<String>,
}

#[derive(Debug, Args)]
pub struct UserName {
    #[command(flatten)]
    db: Db,
    /// The sign-in name.
    username: String,
}

#[derive(Debug, Args)]
pub struct UserPassword {
    #[command(flatten)]
    db: Db,
    /// The sign-in name.
    username: String,
    /// The new password (at least 8 characters).
    #[arg(long, env = "FANGPIN_PASSWORD")]
    password: String,
}

#[derive(Debug, Args)]
pub struct UserScope {
    #[command(flatten)]
    db: Db,
    /// The sign-in name.
    username: String,
    /// Area code prefixes, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    scope: Vec<String>,
}

#[derive(Debug, Args)]
pub struct UserRole {
    #[command(flatten)]
    db: Db,
    /// The sign-in name.
    username: String,
    /// The new role.
    #[arg(long, value_parser = parse_role)]
    role: Role,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown role {s:?}; one of {}", names.join(", "))
    })
}

fn api(e: fangpin_server::error::ApiError) -> anyhow::Error {
    anyhow!("{}: {}", e.body.code, e.body.message)
}

/// Applies a change to a named account.
async fn change(db: &Db, username: &str, update: UserUpdate) -> Result<fangpin_server::User> {
    let backend = open(db).await?;
    let Some(u) = backend.user_by_name(username.to_owned()).await? else {
        bail!("no account named {username}");
    };
    let s = state(backend);
    fangpin_server::http::update_user(&s, u.user.id, update)
        .await
        .map_err(api)
}

/// `fangpin user …`.
pub async fn user(cmd: UserCommand) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match cmd {
        UserCommand::Add(a) => {
            let s = state(open(&a.db).await?);
            let req = NewUser {
                display_name: a.display_name.unwrap_or_else(|| a.username.clone()),
                username: a.username,
                password: a.password,
                role: a.role,
                scope: Scope::new(a.scope),
            };
            let u = fangpin_server::http::new_user(&s, req).await.map_err(api)?;
            writeln!(out, "added {} ({}) {}", u.username, u.role.as_str(), u.id)?;
        }
        UserCommand::List(db) => {
            for u in open(&db).await?.users().await? {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}",
                    u.id,
                    u.username,
                    u.role.as_str(),
                    u.scope.areas.join(","),
                    if u.disabled { "disabled" } else { "active" }
                )?;
            }
        }
        UserCommand::Disable(a) => {
            let disabled = UserUpdate {
                disabled: Some(true),
                ..UserUpdate::default()
            };
            let u = change(&a.db, &a.username, disabled).await?;
            writeln!(out, "disabled {} and revoked its devices", u.username)?;
        }
        UserCommand::Enable(a) => {
            let enabled = UserUpdate {
                disabled: Some(false),
                ..UserUpdate::default()
            };
            let u = change(&a.db, &a.username, enabled).await?;
            writeln!(out, "enabled {}", u.username)?;
        }
        UserCommand::SetPassword(a) => {
            let backend = open(&a.db).await?;
            let Some(u) = backend.user_by_name(a.username.clone()).await? else {
                bail!("no account named {}", a.username);
            };
            let s = state(backend);
            fangpin_server::http::set_password(&s, u.user.id, &a.password)
                .await
                .map_err(api)?;
            writeln!(out, "set a new password for {}", a.username)?;
        }
        UserCommand::SetScope(a) => {
            let update = UserUpdate {
                scope: Some(Scope::new(a.scope)),
                ..UserUpdate::default()
            };
            let u = change(&a.db, &a.username, update).await?;
            writeln!(out, "{} now sees {}", u.username, u.scope.areas.join(","))?;
        }
        UserCommand::SetRole(a) => {
            let update = UserUpdate {
                role: Some(a.role),
                ..UserUpdate::default()
            };
            let u = change(&a.db, &a.username, update).await?;
            writeln!(out, "{} is now {}", u.username, u.role.as_str())?;
        }
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Lists enrolled devices and console sessions.
    List(Db),
    /// Revokes a device: it is refused, and told to wipe its data on its next contact (it keeps
    /// changes it has not sent).
    Revoke(DeviceRevoke),
}

#[derive(Debug, Args)]
pub struct DeviceRevoke {
    #[command(flatten)]
    db: Db,
    /// The device id.
    id: uuid::Uuid,
}

/// `fangpin device …`.
pub async fn device(cmd: DeviceCommand) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match cmd {
        DeviceCommand::List(db) => {
            for d in open(&db).await?.devices(None).await? {
                let kind = match d.kind {
                    DeviceKind::Field => "field",
                    DeviceKind::Console => "console",
                };
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}",
                    d.id,
                    d.user_id,
                    kind,
                    d.name,
                    if d.revoked_ms.is_some() {
                        "revoked"
                    } else {
                        "active"
                    }
                )?;
            }
        }
        DeviceCommand::Revoke(r) => {
            if !open(&r.db).await?.revoke_device(r.id, now_ms()).await? {
                bail!("no device {}", r.id);
            }
            writeln!(out, "revoked {}", r.id)?;
        }
    }
    Ok(())
}
