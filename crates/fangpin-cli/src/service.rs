//! `fangpin serve`, `fangpin user`, `fangpin device` and `fangpin demo`: the sync service and
//! its administration, over the database named by `--db` (a file path for the embedded SQLite
//! default, or a `postgres://` URL).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use fangpin_server::http::NewUser;
use fangpin_server::model::{Actor, Device, DeviceKind};
use fangpin_server::{AppState, Backend, Role, Scope, Settings};
use fangpin_server_postgres::PostgresBackend;
use fangpin_server_sqlite::SqliteBackend;

/// Where the service keeps its data.
#[derive(Debug, Clone, Args)]
pub struct Db {
    /// A SQLite file path (the embedded default) or a postgres:// URL.
    #[arg(long, env = "FANGPIN_DB", default_value = "fangpin-server.db")]
    pub db: String,
}

/// Opens the backend the setting names.
pub async fn open(db: &Db) -> Result<Arc<dyn Backend>> {
    if db.db.starts_with("postgres://") || db.db.starts_with("postgresql://") {
        let b = PostgresBackend::connect(&db.db, 16)
            .await
            .context("connecting to PostgreSQL")?;
        Ok(Arc::new(b))
    } else {
        let path = PathBuf::from(&db.db);
        let b =
            SqliteBackend::open(&path).with_context(|| format!("opening {}", path.display()))?;
        Ok(Arc::new(b))
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    db: Db,
    /// The address to listen on; port 0 picks a free port (the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:8750")]
    listen: SocketAddr,
    /// How long a console session lasts, in seconds.
    #[arg(long, default_value_t = 12 * 3600)]
    console_ttl_secs: i64,
    /// How long a field device's credential lasts, in days.
    #[arg(long, default_value_t = 365)]
    device_ttl_days: i64,
    /// The largest request body, in bytes.
    #[arg(long, default_value_t = 16 * 1024 * 1024)]
    max_body: usize,
    /// A PEM certificate chain: serve HTTPS (with --tls-key). Without it, plain HTTP, meant for
    /// loopback and development.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

/// Runs the service until interrupted.
pub async fn serve(args: ServeArgs) -> Result<()> {
    let backend = open(&args.db).await?;
    let settings = Settings {
        console_ttl_ms: args.console_ttl_secs * 1000,
        device_ttl_ms: args.device_ttl_days * 24 * 3600 * 1000,
        max_body: args.max_body,
        ..Settings::default()
    };
    let state = AppState::new(backend, settings);
    let app = fangpin_server::router(state);
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        // One crypto provider for the process: ring, the same one the sync client uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
            .await
            .with_context(|| format!("reading {} and {}", cert.display(), key.display()))?;
        let handle = axum_server::Handle::new();
        let server = axum_server::bind_rustls(args.listen, config)
            .handle(handle.clone())
            .serve(app.into_make_service());
        let shutdown = handle.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            shutdown.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        });
        let announce = async {
            let addr = handle
                .listening()
                .await
                .context("the TLS listener did not start")?;
            announce_addr("https", addr)
        };
        let (served, announced) = tokio::join!(server, announce);
        announced?;
        return served.context("serving HTTPS");
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    announce_addr("http", listener.local_addr()?)?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving")
}

/// Prints the address actually bound (port 0 picks one), for people and for tests.
fn announce_addr(scheme: &str, addr: SocketAddr) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "fangpin: listening on {scheme}://{addr}")?;
    out.flush()?;
    tracing::info!(%addr, scheme, "serving");
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Adds an account.
    Add(UserAdd),
    /// Lists the accounts.
    List(Db),
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

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown role {s:?}; one of {}", names.join(", "))
    })
}

fn state(backend: Arc<dyn Backend>) -> AppState {
    AppState::new(backend, Settings::default())
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
            let u = fangpin_server::http::new_user(&s, req)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {}", e.body.code, e.body.message))?;
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
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Lists enrolled devices and console sessions.
    List(Db),
    /// Revokes a device: it is refused, and told to wipe its data on its next contact.
    Revoke(DeviceRevoke),
}

#[derive(Debug, Args)]
pub struct DeviceRevoke {
    #[command(flatten)]
    db: Db,
    /// The device id.
    id: uuid::Uuid,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
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

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    db: Db,
    /// How many households.
    #[arg(long, default_value_t = 3000)]
    households: usize,
    /// The generator's seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The password of every demo account.
    #[arg(long, default_value = "fangpin-demo")]
    password: String,
}

/// `fangpin demo`: fills the service with a generated township.
pub async fn demo(args: DemoArgs) -> Result<()> {
    let backend = open(&args.db).await?;
    let s = state(backend.clone());
    let today = chrono::Local::now().date_naive();
    let town = fangpin_app::township::generate(args.seed, args.households, today);
    let mut accounts: Vec<(String, String, Role, Vec<String>)> = vec![
        (
            "admin".into(),
            "系统管理员".into(),
            Role::SystemAdmin,
            vec![],
        ),
        (
            "zhen".into(),
            "镇扶贫办".into(),
            Role::TownshipSupervisor,
            vec![fangpin_app::township::TOWNSHIP.into()],
        ),
    ];
    for (i, o) in town.offices.iter().enumerate() {
        accounts.push((
            format!("office{}", i + 1),
            o.name.clone(),
            Role::Office,
            o.villages.clone(),
        ));
    }
    for (i, v) in town.villages.iter().enumerate() {
        accounts.push((
            format!("cadre{:02}", i + 1),
            format!("{}村干部", v.name),
            Role::VillageCadre,
            vec![v.code.clone()],
        ));
    }
    let mut importer = None;
    for (username, display_name, role, scope) in accounts {
        let req = NewUser {
            username: username.clone(),
            display_name,
            password: args.password.clone(),
            role,
            scope: Scope::new(scope),
        };
        match fangpin_server::http::new_user(&s, req).await {
            Ok(u) if username == "zhen" => importer = Some(u),
            Ok(_) => {}
            Err(e) if e.body.code == "exists" => {
                bail!("{username} exists already: the demo needs an empty database")
            }
            Err(e) => bail!("{}: {}", e.body.code, e.body.message),
        }
    }
    let user = importer.context("the supervisor account")?;
    let device = Device {
        id: uuid::Uuid::now_v7(),
        user_id: user.id,
        name: "demo import".into(),
        kind: DeviceKind::Field,
        created_ms: now_ms(),
        expires_ms: now_ms(),
        revoked_ms: None,
    };
    backend.create_device(device.clone(), String::new()).await?;
    let actor = Actor { user, device };
    let changes =
        fangpin_app::township::changes(&town, actor.device.id, actor.user.id, now_ms() as u64);
    let mut pushed = 0usize;
    let mut refused = 0usize;
    for batch in changes {
        let resp = backend.push(actor.clone(), batch, now_ms()).await?;
        pushed += resp.accepted as usize;
        refused += resp.refusals.len();
    }
    if refused > 0 {
        bail!("{refused} demo changes were refused");
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "demo township: {} households in {} villages of {} offices; {pushed} changes",
        town.households.len(),
        town.villages.len(),
        town.offices.len()
    )?;
    writeln!(
        out,
        "accounts (password {:?}): admin, zhen (township supervisor), office1..{}, cadre01..{:02}",
        args.password,
        town.offices.len(),
        town.villages.len()
    )?;
    Ok(())
}
