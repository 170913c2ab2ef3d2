//! What the binary does at start with the embedded database: an explicit `sqlite://` or
//! `sqlite:` URL without `JWT_SECRET` starts like the default (a secret is generated and kept
//! in the data folder), while PostgreSQL without `JWT_SECRET` is refused with a clear message.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

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
