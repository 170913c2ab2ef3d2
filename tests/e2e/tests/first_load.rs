//! First load: a cold Chromium gets the wasm, js and css compressed, hashed files cacheable for
//! a year and the page itself revalidated, a real favicon, under 445 KB on the wire in all; and
//! the access token never appears in a socket URL (Chromium prints those when a connection
//! fails, so a token there ends up in the console).

use chat_e2e::flows::{Remember, sign_up};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

/// The limit for a cold load, in bytes on the wire. It was 300,000 (the issue 12 target; the
/// app used 299,770 of it). Issue 13 (formatting, replies, reactions, mentions, search, rooms and
/// invites) made it 415,214 (measured 2026-12-02 at the end of branch web13: wasm 401,263 of
/// which about 52 KB brotli is pulldown-cmark with default features off, about 60 KB the new
/// screens; css 4,536; js 8,223; page 726; favicon 466). Raised to that plus a small margin; cutting it back needs the
/// dependency diet BENCHMARKS.md lists (chrono's formatting, serde_json, uuid) or a leaner
/// Markdown parser. Round 2's account panel, group settings, heartbeat, touch actions and
/// browser notifications made it 440,160 (measured 2026-12-03: wasm 425,302 brotli, 1,389,254
/// raw; css 4,408; js 8,357); raised to that plus a small margin, see BENCHMARKS.md. System
/// lines in groups and the Web Push subscription (service worker glue) made it 449,807, and
/// attachments (chips with progress, drop and paste, previews, lightbox) 470,533 (wasm 454,344
/// brotli: about 20 KB for those views).
const BUDGET: u64 = 473_000;

/// Records the URL and offered subprotocols of every WebSocket the page opens.
const SOCKET_WATCH: &str = "window.__sockets = [];
const Original = window.WebSocket;
window.WebSocket = function (url, protocols) {
  window.__sockets.push({ url: String(url), protocols: [].concat(protocols || []).map(String) });
  return protocols === undefined ? new Original(url) : new Original(url, protocols);
};
window.WebSocket.prototype = Original.prototype;
Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_load_is_compressed_cached_and_small() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let b = Browser::open(&chromedriver, "first-load", 1280, 800).await?;
    b.add_init_script(SOCKET_WATCH).await?;

    b.goto(&base).await?;
    b.wait_present("#auth-username").await?;
    let report = b
        .js(
            "const entries = performance.getEntriesByType('navigation')
               .concat(performance.getEntriesByType('resource'));
             const files = entries.map(e => ({
               name: e.name, transfer: e.transferSize,
               encoded: e.encodedBodySize, decoded: e.decodedBodySize }));
             const icon = document.querySelector('link[rel=icon]');
             const head = async url => {
               try {
                 const r = await fetch(url, { cache: 'no-store' });
                 return { url, cache: r.headers.get('cache-control'),
                          type: r.headers.get('content-type'), status: r.status };
               } catch (e) {
                 return { url, error: String(e) };
               }
             };
             const assets = files.map(f => f.name)
               .filter(n => /\\.(wasm|js|css)$/.test(n));
             return Promise.all([head(location.origin + '/'), head(location.origin + '/chats/x'),
                                 head(icon.href)].concat(assets.map(head)))
               .then(([page, route, favicon, ...heads]) =>
                 ({ files, page, route, favicon, heads, icon: icon.getAttribute('href') }));",
            serde_json::json!(null),
        )
        .await?;
    eprintln!("first load: {report:#}");

    let files = report["files"].as_array().cloned().unwrap_or_default();
    let total: u64 = files.iter().filter_map(|f| f["transfer"].as_u64()).sum();
    assert!(
        total < BUDGET,
        "a cold load took {total} bytes on the wire (budget {BUDGET}): {files:#?}"
    );
    for kind in [".wasm", ".js", ".css"] {
        let file = files
            .iter()
            .find(|f| f["name"].as_str().is_some_and(|n| n.ends_with(kind)))
            .ok_or_else(|| format!("no {kind} was loaded: {files:#?}"))?;
        let (encoded, decoded) = (file["encoded"].as_u64(), file["decoded"].as_u64());
        assert!(
            matches!((encoded, decoded), (Some(e), Some(d)) if e * 2 < d),
            "{kind} was not sent compressed: {file}"
        );
    }
    for head in report["heads"].as_array().cloned().unwrap_or_default() {
        assert_eq!(
            head["cache"], "public, max-age=31536000, immutable",
            "a hashed file: {head}"
        );
    }
    for page in [&report["page"], &report["route"]] {
        assert_eq!(page["cache"], "no-cache", "the page is revalidated: {page}");
    }
    let favicon = &report["favicon"];
    assert_ne!(report["icon"], "data:,", "a real favicon");
    assert_eq!(favicon["status"], 200, "{favicon}");
    assert!(
        favicon["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("image/")),
        "{favicon}"
    );

    // Signed in, the socket carries the token outside its URL.
    sign_up(
        &b,
        &base,
        &format!("load_{}", unique_suffix()),
        Remember::No,
    )
    .await?;
    let sockets = b
        .js("return window.__sockets;", serde_json::json!(null))
        .await?;
    let sockets = sockets.as_array().cloned().unwrap_or_default();
    assert!(!sockets.is_empty(), "the socket watch saw no socket");
    for socket in &sockets {
        let url = socket["url"].as_str().unwrap_or_default();
        assert!(
            !url.contains("token") && !url.contains("eyJ"),
            "a token in the socket URL: {url}"
        );
    }
    b.screenshot("first-load-signed-in").await?;
    b.quit().await?;
    drop(server);
    Ok(())
}
