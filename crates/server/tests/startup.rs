//! What the binary does at start with the embedded database: an explicit `sqlite://` or
//! `sqlite:` URL without `JWT_SECRET` starts like the default (a secret is generated and kept
//! in the data folder), while PostgreSQL without `JWT_SECRET` is refused with a clear message;
//! a PostgreSQL that is not reachable yet is waited for (`DATABASE_WAIT_SECS`).

mod common;

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Backend, TestDatabase};

fn chat_server(data: &Path, database_url: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chat-server"));
    command
        .env_clear()
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("DATA_DIR", data)
        .env("STATIC_DIR", data.join("no-web-app"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = database_url {
        command.env("DATABASE_URL", url);
    }
    command
}

/// Starts the server, waits for its "listening" line, stops it; the first stdout line.
fn first_line(mut command: Command) -> (String, String) {
    let mut child = command.spawn().expect("start chat-server");
    let stdout = child.stdout.take().expect("stdout");
    let line = BufReader::new(stdout)
        .lines()
        .next()
        .and_then(Result::ok)
        .unwrap_or_default();
    let _ = child.kill();
    let output = child.wait_with_output().expect("wait");
    (line, String::from_utf8_lossy(&output.stderr).into_owned())
}

fn scratch() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chat-startup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn explicit_sqlite_urls_need_no_jwt_secret() {
    for spelling in ["sqlite://", "sqlite:"] {
        let dir = scratch();
        let url = format!("{spelling}{}", dir.join("chat.db").display());
        let (line, stderr) = first_line(chat_server(&dir, Some(&url)));
        assert!(
            line.starts_with("chat-server listening on http://"),
            "{spelling}: did not start: {line:?} {stderr}"
        );
        assert!(
            dir.join("jwt_secret").is_file(),
            "{spelling}: the generated secret is kept in the data folder"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn postgres_without_jwt_secret_is_refused() {
    let dir = scratch();
    let output = chat_server(&dir, Some("postgres://nobody@127.0.0.1:1/none"))
        .output()
        .expect("run chat-server");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("JWT_SECRET is required with PostgreSQL"),
        "{stderr}"
    );
    assert!(
        !dir.join("jwt_secret").exists(),
        "no secret is generated for PostgreSQL"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A loopback port that refuses connections until `after`, then forwards them to `upstream`:
/// a database server that is still starting.
fn late_proxy(upstream: String, after: Duration) -> u16 {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    std::thread::spawn(move || {
        std::thread::sleep(after);
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the proxy");
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(&upstream) else {
                continue;
            };
            for (mut from, mut to) in [
                (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                ),
                (server, client),
            ] {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(std::net::Shutdown::Both);
                });
            }
        }
    });
    port
}

/// `url` with its `host:port` replaced by `127.0.0.1:port`.
fn via_port(url: &str, port: u16) -> String {
    let at = url
        .find('@')
        .map_or(url.find("://").map_or(0, |i| i + 3), |i| i + 1);
    let end = url[at..].find('/').map_or(url.len(), |i| at + i);
    format!("{}127.0.0.1:{port}{}", &url[..at], &url[end..])
}

#[test]
fn a_database_still_starting_is_waited_for() {
    let db = TestDatabase::create(Backend::Postgres);
    let at = db.url.find('@').map_or(0, |i| i + 1);
    let end = db.url[at..].find('/').map_or(db.url.len(), |i| at + i);
    let upstream = db.url[at..end].to_owned();
    let port = late_proxy(upstream, Duration::from_secs(5));
    let dir = scratch();
    let mut command = chat_server(&dir, Some(&via_port(&db.url, port)));
    command.env("JWT_SECRET", common::JWT_SECRET);
    let started = Instant::now();
    let (line, stderr) = first_line(command);
    assert!(
        line.starts_with("chat-server listening on http://"),
        "did not start once the database answered: {line:?} {stderr}"
    );
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "it cannot have started earlier"
    );
    assert!(stderr.contains("waiting for it"), "says it waits: {stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_database_that_never_answers_fails_after_the_wait() {
    let closed = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let dir = scratch();
    let mut command = chat_server(
        &dir,
        Some(&format!("postgres://nobody:x@127.0.0.1:{closed}/none")),
    );
    command
        .env("JWT_SECRET", common::JWT_SECRET)
        .env("DATABASE_WAIT_SECS", "3");
    let started = Instant::now();
    let output = command.output().expect("run chat-server");
    assert!(!output.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "gave up after its wait"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot check out a connection"), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = scratch();
    let mut command = chat_server(&dir, None);
    command.env("LOG_FORMAT", "json").env("RUST_LOG", "info");
    let (line, stderr) = first_line(command);
    assert!(
        line.starts_with("chat-server listening on"),
        "{line} {stderr}"
    );
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines.iter().any(|l| l.contains("database ready")),
        "{stderr}"
    );
    for line in lines {
        let event: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(
            event["level"].is_string() && event["timestamp"].is_string(),
            "{line}"
        );
    }
    let output = chat_server(&dir, None)
        .env("LOG_FORMAT", "xml")
        .output()
        .expect("run");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("LOG_FORMAT") || stderr.contains("log-format"),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
