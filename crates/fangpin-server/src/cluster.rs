//! A throwaway PostgreSQL cluster for tests: Debian's postgresql package, `initdb` into a
//! temporary folder as the non-root `postgres` user, started on a free loopback port, stopped
//! and removed on drop.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running throwaway cluster.
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

fn pg_bin() -> Result<PathBuf, String> {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| {
            format!(
                "{}: {e} (install Debian's postgresql package)",
                root.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .ok_or_else(|| "no PostgreSQL server binaries under /usr/lib/postgresql".into())
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

impl Cluster {
    /// Creates and starts a cluster.
    pub fn start() -> Result<Cluster, String> {
        Cluster::start_with(None)
    }

    /// Creates and starts a cluster that takes TCP connections only over TLS, with this
    /// certificate and key (PEM files).
    pub fn start_tls(cert: &Path, key: &Path) -> Result<Cluster, String> {
        Cluster::start_with(Some((cert, key)))
    }

    fn start_with(tls: Option<(&Path, &Path)>) -> Result<Cluster, String> {
        let bin = pg_bin()?;
        let as_postgres = is_root();
        let base = std::env::temp_dir().join(format!(
            "fangpin-pg-{}-{}",
            std::process::id(),
            uuid::Uuid::now_v7()
        ));
        std::fs::create_dir_all(&base).map_err(|e| e.to_string())?;
        let dir = base.join("data");
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&base)
                .status()
                .map_err(|e| e.to_string())?
                .success();
            if !ok {
                return Err("chown to postgres failed".into());
            }
        }
        let port = free_port()?;
        let cluster = Cluster {
            dir,
            bin,
            port,
            as_postgres,
        };
        cluster.pg(
            "initdb",
            &[
                "-D",
                &cluster.dir_str(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale",
                "C",
            ],
        )?;
        let mut opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            base.display()
        );
        if let Some((cert, key)) = tls {
            cluster.require_tls(cert, key)?;
            opts.push_str(" -c ssl=on");
        }
        let log = base.join("log");
        cluster.pg(
            "pg_ctl",
            &[
                "-D",
                &cluster.dir_str(),
                "-o",
                &opts,
                "-l",
                &log.display().to_string(),
                "-w",
                "start",
            ],
        )?;
        Ok(cluster)
    }

    /// Puts the certificate in the data folder and lets TCP clients in only over TLS.
    fn require_tls(&self, cert: &Path, key: &Path) -> Result<(), String> {
        let copy = |from: &Path, name: &str| -> Result<(), String> {
            let to = self.dir.join(name);
            std::fs::copy(from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| e.to_string())?;
            }
            if self.as_postgres {
                let ok = Command::new("chown")
                    .arg("postgres:postgres")
                    .arg(&to)
                    .status()
                    .map_err(|e| e.to_string())?
                    .success();
                if !ok {
                    return Err("chown to postgres failed".into());
                }
            }
            Ok(())
        };
        copy(cert, "server.crt")?;
        copy(key, "server.key")?;
        std::fs::write(
            self.dir.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
        )
        .map_err(|e| e.to_string())
    }

    fn dir_str(&self) -> String {
        self.dir.display().to_string()
    }

    fn pg(&self, tool: &str, args: &[&str]) -> Result<(), String> {
        let exe = self.bin.join(tool);
        let out = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(args)
                .output()
        } else {
            Command::new(&exe).args(args).output()
        }
        .map_err(|e| format!("{tool}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{tool} failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// The connection URL of the `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs one SQL statement on the `postgres` database (creating, copying or dropping
    /// databases, say).
    pub fn sql(&self, statement: &str) -> Result<(), String> {
        self.sql_in("postgres", statement)
    }

    /// Runs one SQL statement on database `database`.
    pub fn sql_in(&self, database: &str, statement: &str) -> Result<(), String> {
        let out = Command::new(self.bin.join("psql"))
            .env("PGSSLMODE", "prefer")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                statement,
            ])
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// Creates a fresh database and returns its URL.
    pub fn database(&self, name: &str) -> Result<String, String> {
        self.sql(&format!("CREATE DATABASE {name}"))?;
        Ok(self.url_of(name))
    }

    /// The connection URL of database `name`.
    pub fn url_of(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Cluster {
    /// A cluster shared by the tests of one process: started by the first that asks, stopped
    /// and removed when the last lease is dropped (a later test starts a fresh one).
    pub fn shared() -> Result<std::sync::Arc<Cluster>, String> {
        static SHARED: std::sync::Mutex<std::sync::Weak<Cluster>> =
            std::sync::Mutex::new(std::sync::Weak::new());
        let mut slot = SHARED.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = slot.upgrade() {
            return Ok(c);
        }
        let c = std::sync::Arc::new(Cluster::start()?);
        *slot = std::sync::Arc::downgrade(&c);
        Ok(c)
    }

    /// A fresh database with a unique name, and its URL.
    pub fn fresh_database(&self) -> Result<String, String> {
        self.database(&format!("t{}", uuid::Uuid::now_v7().simple()))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg(
            "pg_ctl",
            &["-D", &self.dir_str(), "-m", "immediate", "-w", "stop"],
        );
        if let Some(base) = self.dir.parent() {
            let _ = std::fs::remove_dir_all(base);
        }
    }
}

/// A township's certificate authority and the service certificate it signed, for 127.0.0.1 and
/// localhost, as an office would set them up (PEM files made with openssl).
pub struct Certificates {
    /// The authority's certificate: what clients trust.
    pub ca: PathBuf,
    /// The service's certificate.
    pub cert: PathBuf,
    /// The service's private key.
    pub key: PathBuf,
}

/// Makes [`Certificates`] in `dir` with the openssl command.
pub fn township_certificates(dir: &Path) -> Result<Certificates, String> {
    let p = |name: &str| dir.join(name);
    std::fs::write(
        p("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .map_err(|e| e.to_string())?;
    let s = |x: PathBuf| x.display().to_string();
    let openssl = |args: &[&str]| -> Result<(), String> {
        let out = Command::new("openssl")
            .args(args)
            .output()
            .map_err(|e| format!("openssl: {e} (install Debian's openssl package)"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    let (ca_key, ca, key, csr, cert, ext) = (
        s(p("ca.key")),
        s(p("ca.pem")),
        s(p("key.pem")),
        s(p("service.csr")),
        s(p("cert.pem")),
        s(p("ext.cnf")),
    );
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=fangpin test CA",
        "-keyout",
        &ca_key,
        "-out",
        &ca,
    ])?;
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        &key,
        "-out",
        &csr,
    ])?;
    openssl(&[
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        &ca,
        "-CAkey",
        &ca_key,
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &ext,
        "-out",
        &cert,
    ])?;
    Ok(Certificates {
        ca: p("ca.pem"),
        cert: p("cert.pem"),
        key: p("key.pem"),
    })
}
