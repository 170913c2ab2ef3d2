//! The `chat-server` under test: found on disk, started on a temporary data folder and a free
//! loopback port, waited for, and killed on drop. Knows nothing of browsers.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::{Guarded, Result, TIMEOUT, unique_suffix, workspace_root};

/// A fixed signing secret, so access tokens survive a server restart.
const JWT_SECRET: &str = "e2e-secret-0123456789abcdef0123456789abcdef";

fn server_binary() -> PathBuf {
    let mut candidates = Vec::new();
    if let Some(bin) = std::env::var_os("CHAT_SERVER_BIN") {
        candidates.push(PathBuf::from(bin));
    }
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        candidates.push(PathBuf::from(dir).join("debug/chat-server"));
    }
    candidates.push(workspace_root().join("target/debug/chat-server"));
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "chat-server binary not found (looked at {candidates:?}); run `cargo build -p chat-server` \
                 first or set CHAT_SERVER_BIN"
            )
        })
}

fn static_dir() -> PathBuf {
    let dir = std::env::var_os("STATIC_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist"));
    assert!(
        dir.join("index.html").is_file(),
        "the web app is not built ({} has no index.html); run `bash scripts/build-web.sh` first",
        dir.display()
    );
    dir
}

/// A running `chat-server` on loopback.
pub struct Server {
    child: Option<Guarded>,
    pub addr: SocketAddr,
}

impl Server {
    /// Starts a server on `data_dir`, on `port` (0 = any free port).
    pub fn start(data_dir: &Path, port: u16) -> Self {
        Self::start_with_env(data_dir, port, &[])
    }

    /// Like [`Server::start`], with extra environment variables (e.g. short token lifetimes).
    pub fn start_with_env(data_dir: &Path, port: u16, env: &[(&str, &str)]) -> Self {
        let bin = server_binary();
        let dist = static_dir();
        let log = data_dir.join(format!("server-{}.log", unique_suffix()));
        let deadline = Instant::now() + TIMEOUT;
        loop {
            match Self::try_start(&bin, &dist, data_dir, port, &log, env) {
                Ok(server) => return server,
                // The port of a just-killed server can take a moment to be free again.
                Err(e) if Instant::now() < deadline => {
                    eprintln!("server did not start yet ({e}); retrying");
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => panic!(
                    "chat-server did not start: {e}\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                ),
            }
        }
    }

    fn try_start(
        bin: &Path,
        dist: &Path,
        data: &Path,
        port: u16,
        log: &Path,
        env: &[(&str, &str)],
    ) -> Result<Self> {
        let stderr = std::fs::File::create(log)?;
        let mut child = Command::new(bin)
            .envs(env.iter().copied())
            .arg("--bind-addr")
            .arg(format!("127.0.0.1:{port}"))
            .env("STATIC_DIR", dist)
            .env("DATA_DIR", data)
            .env("JWT_SECRET", JWT_SECRET)
            .env("MESSAGE_RATE_LIMIT", "0")
            .env("RUST_LOG", "warn")
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .env_remove("BIND_ADDR")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let guarded = Guarded(child);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !sent && let Some(rest) = line.strip_prefix("chat-server listening on http://") {
                    let _ = tx.send(rest.trim().to_owned());
                    sent = true;
                }
            }
        });
        let addr = rx
            .recv_timeout(TIMEOUT)
            .map_err(|_| "no \"listening\" line within the timeout")?;
        Ok(Self {
            child: Some(guarded),
            addr: addr.parse()?,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Freezes the process (SIGSTOP): its sockets stay open and nothing answers, like a server
    /// stuck in a long pause. [`Server::thaw`] resumes it.
    pub fn freeze(&self) {
        self.signal("STOP");
    }

    pub fn thaw(&self) {
        self.signal("CONT");
    }

    fn signal(&self, name: &str) {
        let pid = self.child.as_ref().expect("the server is running").0.id();
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(pid.to_string())
            .status()
            .expect("kill(1) runs");
        assert!(status.success(), "kill -{name} {pid} failed");
    }

    /// Kills the process (like a crash); the data folder stays.
    pub fn kill(&mut self) {
        self.child.take();
    }
}
