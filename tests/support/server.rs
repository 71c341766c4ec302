//! A real `fangpin serve` process on a loopback port of its own.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The `fangpin` binary built next to the running test.
pub fn fangpin_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let dir = exe.parent().and_then(Path::parent).expect("target/debug");
    let bin = dir.join("fangpin");
    assert!(
        bin.exists(),
        "{} is missing: build the workspace first (cargo test --workspace builds it)",
        bin.display()
    );
    bin
}

/// Runs a `fangpin` subcommand to completion and returns its standard output.
pub fn fangpin(args: &[&str]) -> String {
    let out = Command::new(fangpin_bin())
        .args(args)
        .output()
        .expect("run fangpin");
    assert!(
        out.status.success(),
        "fangpin {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running service.
pub struct Server {
    child: Option<Child>,
    db: String,
    port: u16,
    extra: Vec<String>,
    tls: bool,
}

impl Server {
    /// Starts `fangpin serve` on `db` (a file path or a postgres:// URL) on a free port.
    pub fn start(db: &str, extra: &[&str]) -> Server {
        let mut s = Server {
            child: None,
            db: db.to_owned(),
            port: free_port(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
            tls: false,
        };
        s.restart();
        s
    }

    /// Starts `fangpin serve` with TLS on a free port.
    pub fn start_tls(db: &str, cert: &Path, key: &Path) -> Server {
        let extra = vec![
            "--tls-cert".to_owned(),
            cert.display().to_string(),
            "--tls-key".to_owned(),
            key.display().to_string(),
        ];
        let mut s = Server {
            child: None,
            db: db.to_owned(),
            port: free_port(),
            extra,
            tls: true,
        };
        s.restart();
        s
    }

    /// Starts the process again on the same port and waits until it listens.
    pub fn restart(&mut self) {
        let listen = format!("127.0.0.1:{}", self.port);
        let mut child = Command::new(fangpin_bin())
            .args(["serve", "--db", &self.db, "--listen", &listen])
            .args(&self.extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn fangpin serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the listening line");
        assert!(
            line.contains("listening on"),
            "unexpected first line: {line:?}"
        );
        self.child = Some(child);
    }

    /// Kills the process with SIGKILL and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Asks the process to stop with SIGTERM and waits for it; returns whether it exited
    /// cleanly.
    pub fn terminate(&mut self) -> bool {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        self.wait()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child
            .as_ref()
            .map(Child::id)
            .expect("a running service")
    }

    /// Waits for the process to end by itself; returns whether it exited cleanly.
    pub fn wait(&mut self) -> bool {
        match self.child.take() {
            Some(mut c) => c.wait().expect("wait for fangpin serve").success(),
            None => true,
        }
    }

    /// The base URL.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Adds a user to a service database with the command line.
pub fn add_user(db: &str, username: &str, role: &str, scope: &str) {
    fangpin(&[
        "user",
        "add",
        "--db",
        db,
        "--username",
        username,
        "--password",
        "password-123",
        "--role",
        role,
        "--scope",
        scope,
    ]);
}
