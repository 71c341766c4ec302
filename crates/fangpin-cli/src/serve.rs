//! `fangpin serve`: the sync service and the console over the database named by `--db`.
//!
//! Plain HTTP is served only on a loopback address unless `--insecure-http` says otherwise;
//! SIGTERM and Ctrl-C stop taking requests, let those in flight finish (or roll back at their
//! time limit) and close the database. Unfinished uploads past their time are dropped every
//! hour. For the embedded database, the highest global sequence number held is kept beside the
//! file (`<db>.hwm`): a file found holding less than that at start (a restored backup, or a
//! disk that lost writes) starts a new epoch, so devices send again what it lost and pull again.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;
use fangpin_server::{AppState, Backend, Settings};

use crate::service::{now_ms, open_with_limit, Db};

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
    /// The longest a request may take, in milliseconds; past it the request is rolled back.
    #[arg(long, default_value_t = 60_000)]
    request_timeout_ms: u64,
    /// A PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve plain HTTP on an address other than loopback (a test network only: credentials
    /// and household data would cross the network unencrypted).
    #[arg(long)]
    insecure_http: bool,
    /// The built console (ui/console/dist), served under /console/.
    #[arg(long, env = "FANGPIN_CONSOLE_DIR")]
    console_dir: Option<PathBuf>,
    /// The policy settings (JSON, docs/household-json.md): the procedures' steps and limits,
    /// the re-check sample and the star rating; the built-in ones when not given.
    #[arg(long, env = "FANGPIN_POLICY")]
    policy: Option<PathBuf>,
}

/// The file beside an embedded database that remembers the highest sequence number held.
fn hwm_path(db: &Db) -> Option<PathBuf> {
    (!db.is_postgres()).then(|| PathBuf::from(format!("{}.hwm", db.db)))
}

/// Starts a new epoch when the database holds less than it once did.
async fn check_rollback(backend: &Arc<dyn Backend>, db: &Db) -> Result<()> {
    let Some(path) = hwm_path(db) else {
        return Ok(());
    };
    let recorded: Option<u64> = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| t.trim().parse().ok());
    let held = backend.high_water().await?;
    if let Some(was) = recorded {
        if held < was {
            let e = backend.new_epoch().await?;
            tracing::warn!(
                held,
                recorded = was,
                epoch = %e.id,
                "the database holds less than it did (a restored backup?): a new epoch begins"
            );
        }
    }
    write_hwm(&path, held)
}

fn write_hwm(path: &std::path::Path, seq: u64) -> Result<()> {
    let tmp = path.with_extension(format!("hwm.{}", std::process::id()));
    std::fs::write(&tmp, seq.to_string())
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("writing {}", path.display()))
}

/// Keeps the high-water mark file and drops expired uploads, until the service stops.
fn housekeeping(backend: Arc<dyn Backend>, db: Db, ttl_ms: i64) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut seconds = 0u64;
        loop {
            tick.tick().await;
            seconds += 1;
            if let Some(path) = hwm_path(&db) {
                if let Ok(held) = backend.high_water().await {
                    let _ = write_hwm(&path, held);
                }
            }
            if seconds % 3600 == 1 {
                match backend.expire_uploads(now_ms() - ttl_ms).await {
                    Ok(n) if n > 0 => tracing::info!(n, "unfinished uploads expired"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "expiring uploads failed"),
                }
            }
        }
    });
}

/// A future that resolves when the process is asked to stop (SIGTERM or Ctrl-C). The signals
/// are caught from the moment this is called, so it is called before the address is announced:
/// a SIGTERM right after the announcement still drains instead of killing the process.
fn stopping() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("catching SIGTERM")?;
    let ctrl_c = tokio::signal::ctrl_c();
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = term.recv() => {}
            _ = ctrl_c => {}
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("stopping: finishing the requests in flight");
    })
}

/// Runs the service until it is asked to stop.
pub async fn serve(args: ServeArgs) -> Result<()> {
    let tls = args.tls_cert.is_some();
    if !tls && !args.listen.ip().is_loopback() && !args.insecure_http {
        bail!(
            "{} is not a loopback address: serve HTTPS there (--tls-cert and --tls-key), or pass \
             --insecure-http for a test network",
            args.listen
        );
    }
    let stop = stopping()?;
    let backend = open_with_limit(&args.db, Some(args.request_timeout_ms)).await?;
    check_rollback(&backend, &args.db).await?;
    let settings = Settings {
        console_ttl_ms: args.console_ttl_secs * 1000,
        device_ttl_ms: args.device_ttl_days * 24 * 3600 * 1000,
        max_body: args.max_body,
        timeout: Duration::from_millis(args.request_timeout_ms.max(1)),
        console_dir: args.console_dir.clone(),
        policy: crate::policy_or_seed(args.policy.as_deref())?,
        ..Settings::default()
    };
    let ttl = settings.quota.unfinished_ttl_ms;
    let state = AppState::new(backend.clone(), settings);
    housekeeping(backend.clone(), args.db.clone(), ttl);
    let app = fangpin_server::router(state).into_make_service_with_connect_info::<SocketAddr>();
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        // One crypto provider for the process: ring, the same one the sync client uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
            .await
            .with_context(|| format!("reading {} and {}", cert.display(), key.display()))?;
        let handle = axum_server::Handle::new();
        let server = axum_server::bind_rustls(args.listen, config)
            .handle(handle.clone())
            .serve(app);
        let shutdown = handle.clone();
        tokio::spawn(async move {
            stop.await;
            shutdown.graceful_shutdown(Some(Duration::from_secs(70)));
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
        served.context("serving HTTPS")?;
    } else {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        announce_addr("http", listener.local_addr()?)?;
        axum::serve(listener, app)
            .with_graceful_shutdown(stop)
            .await
            .context("serving")?;
    }
    if let Some(path) = hwm_path(&args.db) {
        if let Ok(held) = backend.high_water().await {
            write_hwm(&path, held)?;
        }
    }
    drop(backend);
    tracing::info!("stopped");
    Ok(())
}

/// Prints the address actually bound (port 0 picks one), for people and for tests.
fn announce_addr(scheme: &str, addr: SocketAddr) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "fangpin: listening on {scheme}://{addr}")?;
    out.flush()?;
    tracing::info!(%addr, scheme, "serving");
    Ok(())
}
