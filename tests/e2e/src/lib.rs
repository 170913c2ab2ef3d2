//! Harness for the browser end-to-end tests: a real `chat-server` process on a temporary data
//! folder, a `chromedriver`, and headless Chromium sessions with small helpers that poll for
//! conditions (never fixed sleeps as assertions).
//!
//! Needs, before `cargo test -p chat-e2e`:
//! - the server binary: `$CHAT_SERVER_BIN`, else `$CARGO_TARGET_DIR/debug/chat-server`, else
//!   `<workspace>/target/debug/chat-server` (`cargo build -p chat-server`);
//! - the built web app: `$STATIC_DIR`, else `<workspace>/dist` (`scripts/build-web.sh`);
//! - Chromium and chromedriver: `$CHROME_BIN` / `$CHROMEDRIVER`, else `chromium` / `chromedriver`
//!   on PATH (Debian: `apt-get install chromium chromium-driver`).

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub mod flows;

pub use thirtyfour;
use thirtyfour::prelude::*;

/// How long any awaited condition may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// A fixed signing secret, so access tokens survive a server restart.
const JWT_SECRET: &str = "e2e-secret-0123456789abcdef0123456789abcdef";

pub type Result<T, E = Box<dyn std::error::Error + Send + Sync>> = std::result::Result<T, E>;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// Where screenshots go: `<target dir>/e2e-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let dir = target.join("e2e-screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

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

/// A running `chat-server` on loopback.
pub struct Server {
    child: Option<Guarded>,
    pub addr: SocketAddr,
    log: PathBuf,
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
            log: log.to_owned(),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Kills the process (like a crash); the data folder stays.
    pub fn kill(&mut self) {
        self.child.take();
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A `chromedriver` on a free loopback port.
pub struct ChromeDriver {
    _child: Guarded,
    pub url: String,
}

impl ChromeDriver {
    pub fn start() -> Self {
        let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let port = free_port();
        let child = Command::new(&bin)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {bin} ({e}); install chromium-driver or set CHROMEDRIVER")
            });
        let child = Guarded(child);
        let deadline = Instant::now() + TIMEOUT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            _child: child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

/// A headless Chromium session with its own profile.
pub struct Browser {
    pub driver: WebDriver,
    _profile: TempDir,
    pub name: String,
}

impl Browser {
    pub async fn open(
        chromedriver: &ChromeDriver,
        name: &str,
        width: u32,
        height: u32,
    ) -> Result<Self> {
        Self::open_with(chromedriver, name, width, height, &[]).await
    }

    pub async fn open_with(
        chromedriver: &ChromeDriver,
        name: &str,
        width: u32,
        height: u32,
        extra_args: &[&str],
    ) -> Result<Self> {
        let profile = TempDir::new(&format!("profile-{name}"));
        let mut caps = DesiredCapabilities::chrome();
        let chrome = std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into());
        caps.set_binary(&chrome)?;
        for arg in [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--disable-features=Translate",
            "--lang=en-US",
        ] {
            caps.add_arg(arg)?;
        }
        for arg in extra_args {
            caps.add_arg(arg)?;
        }
        caps.add_arg(&format!("--window-size={width},{height}"))?;
        caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))?;
        let driver = WebDriver::new(&chromedriver.url, caps).await?;
        Ok(Self {
            driver,
            _profile: profile,
            name: name.to_owned(),
        })
    }

    pub async fn goto(&self, url: &str) -> Result<()> {
        self.driver.goto(url).await?;
        Ok(())
    }

    /// Runs `script` (with `arguments[0]` = `arg`) and returns its JSON result.
    pub async fn js(&self, script: &str, arg: serde_json::Value) -> Result<serde_json::Value> {
        let ret = self.driver.execute(script, vec![arg]).await?;
        Ok(ret.json().clone())
    }

    /// The text of every element matching `css`, in document order.
    pub async fn texts(&self, css: &str) -> Result<Vec<String>> {
        let v = self
            .js(
                "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent);",
                serde_json::json!(css),
            )
            .await?;
        Ok(serde_json::from_value(v)?)
    }

    pub async fn count(&self, css: &str) -> Result<usize> {
        Ok(self.texts(css).await?.len())
    }

    pub async fn text(&self, css: &str) -> Result<Option<String>> {
        Ok(self.texts(css).await?.into_iter().next())
    }

    /// Polls `check` until it yields `Some`, for up to [`TIMEOUT`].
    pub async fn wait_for<T, F, Fut>(&self, what: &str, mut check: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>>>,
    {
        let deadline = Instant::now() + TIMEOUT;
        let mut last_error = None;
        loop {
            match check().await {
                Ok(Some(v)) => return Ok(v),
                Ok(None) => {}
                Err(e) => last_error = Some(e.to_string()),
            }
            if Instant::now() > deadline {
                let shot = screenshot_dir().join(format!("FAILED-{}.png", self.name));
                let _ = self.driver.screenshot(&shot).await;
                return Err(format!(
                    "[{}] timed out waiting for {what} (last error: {last_error:?}; screenshot {})",
                    self.name,
                    shot.display()
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until an element matching `css` exists.
    pub async fn wait_present(&self, css: &str) -> Result<()> {
        self.wait_for(&format!("`{css}`"), || async {
            Ok((self.count(css).await? > 0).then_some(()))
        })
        .await
    }

    /// Waits until an element matching `css` has text containing `needle`.
    pub async fn wait_text(&self, css: &str, needle: &str) -> Result<()> {
        self.wait_for(&format!("`{css}` containing {needle:?}"), || async {
            Ok(self
                .texts(css)
                .await?
                .iter()
                .any(|t| t.contains(needle))
                .then_some(()))
        })
        .await
    }

    pub async fn wait_gone(&self, css: &str) -> Result<()> {
        self.wait_for(&format!("`{css}` to disappear"), || async {
            Ok((self.count(css).await? == 0).then_some(()))
        })
        .await
    }

    pub async fn click(&self, css: &str) -> Result<()> {
        self.wait_present(css).await?;
        let el = self.driver.find(By::Css(css)).await?;
        el.scroll_into_view().await?;
        el.click().await?;
        Ok(())
    }

    pub async fn type_into(&self, css: &str, keys: &str) -> Result<()> {
        self.wait_present(css).await?;
        let el = self.driver.find(By::Css(css)).await?;
        el.send_keys(keys).await?;
        Ok(())
    }

    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let path = screenshot_dir().join(format!("{name}.png"));
        self.driver.screenshot(&path).await?;
        Ok(path)
    }

    pub async fn quit(self) -> Result<()> {
        self.driver.quit().await?;
        Ok(())
    }
}

/// WebDriver key codes.
pub mod keys {
    pub const ENTER: char = '\u{E007}';
    pub const SHIFT: char = '\u{E008}';
    /// Releases held modifiers.
    pub const NULL: char = '\u{E000}';
    pub const ESCAPE: char = '\u{E00C}';

    pub fn shift_enter() -> String {
        format!("{SHIFT}{ENTER}{NULL}")
    }
}

impl Browser {
    /// Makes `prefers-color-scheme` answer `scheme` ("dark" or "light") in this session.
    pub async fn emulate_color_scheme(&self, scheme: &str) -> Result<()> {
        self.driver
            .cdp()
            .send_raw(
                "Emulation.setEmulatedMedia",
                serde_json::json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
            )
            .await?;
        Ok(())
    }
}
