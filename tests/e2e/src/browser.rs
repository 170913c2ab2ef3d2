//! Headless Chromium through `chromedriver`: starting the driver, opening sessions with their own
//! profile, and small polling helpers (never fixed sleeps as assertions). Every page is watched
//! for Content-Security-Policy violations from its first script on, and [`Browser::quit`] fails
//! the test if there was one (or if the page was not served under the CSP). The console is
//! watched the same way for Rust panics and WebAssembly traps ([`Browser::check_console`]): a
//! panic in the app fails whichever test caused it. Knows nothing of the app's screens;
//! person-level steps are `flows`.

use std::future::Future;
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use thirtyfour::prelude::*;

use crate::{Guarded, Result, TIMEOUT, TempDir, free_port, screenshot_dir};

/// Installed in every document before its scripts: records each CSP violation the page sees.
const CSP_WATCH: &str = "window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
    ' at ' + e.sourceFile + ':' + e.lineNumber);
});";

/// Installed in every document before its scripts: records console output and uncaught errors
/// that mean the WebAssembly app panicked or trapped. `console_error_panic_hook` reports a panic
/// with `console.error("panicked at …")`, and the trap that follows (`panic = "abort"`) surfaces
/// as an uncaught `RuntimeError: unreachable`. Kept in sessionStorage as well, so a panic just
/// before a reload or a navigation is not lost with the document.
const CONSOLE_WATCH: &str = "(() => {
  const KEY = '__e2eConsoleProblems';
  const bad = /panicked at|unreachable|RuntimeError|already been disposed|recursive use of an object/i;
  let kept = [];
  try { kept = JSON.parse(sessionStorage.getItem(KEY) || '[]'); } catch (e) {}
  window.__consoleProblems = kept;
  const record = (kind, text) => {
    text = String(text);
    if (!bad.test(text)) return;
    window.__consoleProblems.push(kind + ': ' + text.slice(0, 2000));
    try { sessionStorage.setItem(KEY, JSON.stringify(window.__consoleProblems)); } catch (e) {}
  };
  for (const level of ['error', 'warn', 'log', 'info', 'debug']) {
    const original = console[level].bind(console);
    console[level] = (...args) => {
      record('console.' + level, args.map(a => (a && a.stack) || a).join(' '));
      return original(...args);
    };
  }
  window.addEventListener('error', e =>
    record('uncaught', (e.error && (e.error.stack || e.error)) || e.message));
  window.addEventListener('unhandledrejection', e =>
    record('unhandled rejection', (e.reason && (e.reason.stack || e.reason)) || e.reason));
})();";

/// A `chromedriver` on a free loopback port.
pub struct ChromeDriver {
    _child: Guarded,
    url: String,
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
    name: String,
}

impl Browser {
    /// A fresh headless session named `name` (for screenshots) with a `width`×`height` window.
    pub async fn open(
        chromedriver: &ChromeDriver,
        name: &str,
        width: u32,
        height: u32,
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
        caps.add_arg(&format!("--window-size={width},{height}"))?;
        caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))?;
        let driver = WebDriver::new(&chromedriver.url, caps).await?;
        let browser = Self {
            driver,
            _profile: profile,
            name: name.to_owned(),
        };
        browser.add_init_script(CSP_WATCH).await?;
        browser.add_init_script(CONSOLE_WATCH).await?;
        Ok(browser)
    }

    /// Runs `source` in every document this session loads from now on, before the page's own
    /// scripts (Chrome DevTools `Page.addScriptToEvaluateOnNewDocument`).
    pub async fn add_init_script(&self, source: &str) -> Result<()> {
        self.driver
            .cdp()
            .send_raw(
                "Page.addScriptToEvaluateOnNewDocument",
                serde_json::json!({ "source": source }),
            )
            .await?;
        Ok(())
    }

    /// Reloads the page (the CSP watch is installed again with the new document).
    pub async fn reload(&self) -> Result<()> {
        self.driver.refresh().await?;
        Ok(())
    }

    /// Fails unless the page was served under the app's Content-Security-Policy, the app
    /// rendered, and no CSP violation was reported since the document loaded.
    pub async fn check_csp(&self) -> Result<()> {
        let report = self
            .js(
                "const head = async () => {
                   for (let attempt = 1; ; attempt++) {
                     try {
                       const r = await fetch(location.href, { cache: 'no-store' });
                       return r.headers.get('content-security-policy');
                     } catch (e) {
                       if (attempt >= 5) return 'fetch failed: ' + e;
                       await new Promise(ok => setTimeout(ok, 200));
                     }
                   }
                 };
                 return head().then(csp => ({
                   csp,
                   watched: Array.isArray(window.__cspViolations),
                   violations: window.__cspViolations || [],
                   rendered: !!document.querySelector('main'),
                 }));",
                serde_json::json!(null),
            )
            .await
            .map_err(|e| format!("[{}] checking the CSP: {e}", self.name))?;
        let csp = report["csp"].as_str().unwrap_or_default();
        if !csp.contains("default-src 'self'") || csp.contains("script-src 'self' 'unsafe-inline'")
        {
            return Err(format!(
                "[{}] the page is not served under the CSP: {csp:?}",
                self.name
            )
            .into());
        }
        if report["watched"] != serde_json::json!(true) {
            return Err(format!("[{}] the CSP watch was not installed", self.name).into());
        }
        if report["rendered"] != serde_json::json!(true) {
            return Err(format!("[{}] the app did not render", self.name).into());
        }
        let violations = report["violations"].as_array().cloned().unwrap_or_default();
        if !violations.is_empty() {
            return Err(format!("[{}] CSP violations: {violations:?}", self.name).into());
        }
        Ok(())
    }

    /// Fails if the app panicked or trapped since this session's first page on this origin
    /// (see `CONSOLE_WATCH`), or if the watch was not installed.
    pub async fn check_console(&self) -> Result<()> {
        let report = self
            .js(
                "let kept = [];
                 try { kept = JSON.parse(sessionStorage.getItem('__e2eConsoleProblems') || '[]'); }
                 catch (e) {}
                 const here = window.__consoleProblems;
                 return { watched: Array.isArray(here),
                          problems: Array.from(new Set(kept.concat(here || []))) };",
                serde_json::json!(null),
            )
            .await
            .map_err(|e| format!("[{}] reading the console watch: {e}", self.name))?;
        if report["watched"] != serde_json::json!(true) {
            return Err(format!("[{}] the console watch was not installed", self.name).into());
        }
        let problems = report["problems"].as_array().cloned().unwrap_or_default();
        if !problems.is_empty() {
            return Err(format!("[{}] the app panicked: {problems:#?}", self.name).into());
        }
        Ok(())
    }

    /// Runs axe-core (vendored from npm into `node_modules/`, no CDN) on the page as it is and
    /// returns its WCAG 2.x A/AA violations, one line each: rule, help and the first targets.
    pub async fn axe(&self) -> Result<Vec<String>> {
        let path = crate::workspace_root().join("node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&path)
            .map_err(|e| format!("{} ({e}); run `npm ci` in the workspace", path.display()))?;
        let script = format!(
            "{source}
             ;return axe.run(document, {{
               runOnly: {{ type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }},
               resultTypes: ['violations'],
             }}).then(r => r.violations.map(v => v.id + ': ' + v.help + ' [' +
               v.nodes.slice(0, 4).map(n => n.target.join(' ') +
                 (n.any[0] && n.any[0].data && n.any[0].data.contrastRatio
                   ? ' ' + n.any[0].data.contrastRatio + ':1' : '')).join(', ') + ']'));"
        );
        let v = self.js(&script, serde_json::json!(null)).await?;
        Ok(serde_json::from_value(v)?)
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

    /// Polls `check` until it yields `Some`, for up to the harness timeout (`TIMEOUT`).
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
                // A panic is the likeliest reason a condition never came; say so first.
                let panicked = self.check_console().await.err().map(|e| e.to_string());
                return Err(format!(
                    "[{}] timed out waiting for {what} (last error: {last_error:?}; screenshot {}){}",
                    self.name,
                    shot.display(),
                    panicked.map(|p| format!("\n{p}")).unwrap_or_default()
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

    /// Checks the page for CSP violations ([`Browser::check_csp`]) and for panics
    /// ([`Browser::check_console`]), then ends the session.
    pub async fn quit(self) -> Result<()> {
        let panics = self.check_console().await;
        let clean = self.check_csp().await;
        self.driver.quit().await?;
        panics.and(clean)
    }
}

/// WebDriver key codes.
pub mod keys {
    pub const ENTER: char = '\u{E007}';
    const SHIFT: char = '\u{E008}';
    /// Releases held modifiers.
    const NULL: char = '\u{E000}';

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

    /// Makes the page a touch screen's, as on a phone: touch input, and `(hover: none)` /
    /// `(pointer: coarse)` matching in media queries and `matchMedia`.
    pub async fn emulate_touch_screen(&self) -> Result<()> {
        let cdp = self.driver.cdp();
        cdp.send_raw(
            "Emulation.setTouchEmulationEnabled",
            serde_json::json!({ "enabled": true, "maxTouchPoints": 5 }),
        )
        .await?;
        cdp.send_raw(
            "Emulation.setEmulatedMedia",
            serde_json::json!({ "features": [
                { "name": "hover", "value": "none" },
                { "name": "any-hover", "value": "none" },
                { "name": "pointer", "value": "coarse" }
            ] }),
        )
        .await?;
        Ok(())
    }

    /// Lets the page download files, into `dir` (headless Chromium refuses downloads otherwise).
    pub async fn allow_downloads(&self, dir: &std::path::Path) -> Result<()> {
        self.driver
            .cdp()
            .send_raw(
                "Browser.setDownloadBehavior",
                serde_json::json!({ "behavior": "allow", "downloadPath": dir }),
            )
            .await?;
        Ok(())
    }
}
