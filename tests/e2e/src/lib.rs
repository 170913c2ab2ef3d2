//! Harness for the browser end-to-end tests: a real `chat-server` process on a temporary data
//! folder, a `chromedriver`, and headless Chromium sessions with small helpers that poll for
//! conditions (never fixed sleeps as assertions). `server` runs the server, `browser` drives
//! Chromium, `flows` holds the person-level steps the tests share; this file has the paths and
//! the small shared pieces (temp dirs, unique names, child processes).
//!
//! Needs, before `cargo test -p chat-e2e`:
//! - the server binary: `$CHAT_SERVER_BIN`, else `$CARGO_TARGET_DIR/debug/chat-server`, else
//!   `<workspace>/target/debug/chat-server` (`cargo build -p chat-server`);
//! - the built web app: `$STATIC_DIR`, else `<workspace>/dist` (`scripts/build-web.sh`);
//! - Chromium and chromedriver: `$CHROME_BIN` / `$CHROMEDRIVER`, else `chromium` / `chromedriver`
//!   on PATH (Debian: `apt-get install chromium chromium-driver`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

mod browser;
pub mod flows;
mod server;

pub use browser::{Browser, ChromeDriver, keys};
pub use server::Server;
pub use thirtyfour;

/// How long any awaited condition may take.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);

pub type Result<T, E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// Where screenshots go: `<target dir>/e2e-screenshots/`.
pub(crate) fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let dir = target.join("e2e-screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// A folder under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "chat-e2e-{label}-{}-{n}-{}",
            std::process::id(),
            unique_suffix()
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Short, unique per run: for usernames.
pub fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{:x}",
        (nanos ^ u128::from(std::process::id())) & 0xff_ffff_ffff
    )
}

/// A child process killed when dropped.
struct Guarded(Child);

impl Drop for Guarded {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}
