//! `chat-server admin …` against a running server's database, on both backends: what an
//! operator changes takes effect for users at once (sessions end, sockets close, sign-in is
//! refused), and a backup restores into a working server.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

use chat_protocol::{MessagePage, User};
use common::{Backend, TEST_PASSWORD, TestDatabase, TestServer, assert_error, server_binary};
use reqwest::StatusCode;

/// Runs `chat-server admin <args>` on the server's database, `stdin` as its input; exit status
/// and everything it printed.
fn admin(server: &TestServer, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(server_binary())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &server.db.url)
        .env("RUST_LOG", "error")
        .arg("admin")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run chat-server admin");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let output = child.wait_with_output().expect("wait");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

on_both_backends!(
    accounts_are_disabled_reset_and_deleted,
    a_backup_restores_into_a_working_server
);

async fn accounts_are_disabled_reset_and_deleted(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (alice, a, bob, b, chat, mut sa, mut sb) = server.duo().await;
    sb.send_message(chat.id, "from bob").await;
    sa.wait_for(common::events::new_message).await;
    let (ok, stats) = admin(&server, &["stats"], "");
    assert!(ok, "{stats}");
    assert!(stats.contains("users 2\nchats 1\nmessages 1\n"), "{stats}");

    // Disabled: the socket closes with 4001, sign-in and refresh are refused; enabled again,
    // sign-in works.
    let name = a.user.username.as_str();
    let group = alice.create_chat(&[&b.user], Some("ops")).await;
    assert_eq!(group.admins, vec![a.user.id]);
    let (ok, out) = admin(&server, &["disable-user", name], "");
    assert!(ok && out.contains("1 session(s) ended"), "{out}");
    // Her group is not left without a working admin.
    let seen: chat_protocol::Chat = bob.get_ok(&format!("/api/chats/{}", group.id)).await;
    assert!(seen.admins.contains(&b.user.id), "{:?}", seen.admins);
    let close = sa.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 4001);
    let (status, body) = server.client().login(name, TEST_PASSWORD).await;
    assert_error(status, &body, 403, "forbidden");
    let (status, _) = server.client().refresh(&a.refresh_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = alice.get("/api/chats").await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the access token died too"
    );
    assert!(admin(&server, &["enable-user", name], "").0);
    let (status, _) = server.client().login(name, TEST_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);

    // Sessions: listed, and all ended.
    let (ok, out) = admin(&server, &["sessions", name], "");
    assert!(ok && out.contains("1 live session(s)"), "{out}");
    let (ok, out) = admin(&server, &["sessions", name, "--revoke", "all"], "");
    assert!(ok && out.contains("1 session(s)"), "{out}");
    let (ok, out) = admin(&server, &["sessions", name, "--revoke", "nonsense"], "");
    assert!(!ok && out.contains("neither a session id"), "{out}");

    // A reset password: the old one and bob's sessions stop working, the new one works; a
    // password that sign-up would refuse is refused.
    let bob_name = b.user.username.as_str();
    let (ok, out) = admin(&server, &["reset-password", bob_name], "short\n");
    assert!(!ok && out.contains("password must be"), "{out}");
    let (ok, out) = admin(&server, &["reset-password", bob_name], "a new password\n");
    assert!(ok, "{out}");
    assert_eq!(sb.closed().await.map(|c| u16::from(c.code)), Some(4001));
    let (status, _) = server.client().login(bob_name, TEST_PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = server.client().login(bob_name, "a new password").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = bob.get("/api/chats").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Created by the operator: signs in; the same name twice is refused.
    let (ok, out) = admin(&server, &["create-user", "carol_ops"], "carol's password\n");
    assert!(ok, "{out}");
    let (status, _) = server.client().login("carol_ops", "carol's password").await;
    assert_eq!(status, StatusCode::OK);
    let (ok, out) = admin(&server, &["create-user", "carol_ops"], "carol's password\n");
    assert!(!ok && out.contains("taken"), "{out}");
    let (ok, out) = admin(&server, &["disable-user", "nobody_here"], "");
    assert!(!ok && out.contains("no user named"), "{out}");

    // Deleted: asks for --yes; then bob's message is a tombstone with its seq, his name is free
    // and nobody finds him.
    let (ok, out) = admin(&server, &["delete-user", bob_name], "");
    assert!(!ok && out.contains("--yes"), "{out}");
    let (ok, out) = admin(&server, &["delete-user", bob_name, "--yes"], "");
    assert!(ok && out.contains("1 message(s) erased"), "{out}");
    let (_, signed_in) = server.client().login(name, TEST_PASSWORD).await;
    let token = signed_in["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let alice = alice.with_token(Some(&token));
    let page: MessagePage = alice
        .get_ok(&format!("/api/chats/{}/messages", chat.id))
        .await;
    assert_eq!(page.messages.len(), 1);
    assert!(page.messages[0].deleted && page.messages[0].content.is_empty());
    assert_eq!(page.messages[0].seq, 1);
    let found: Vec<User> = alice
        .get_ok(&format!("/api/users?search={}", &bob_name[..3]))
        .await;
    assert!(found.iter().all(|u| u.id != b.user.id), "{found:?}");
    let (status, _) = server.client().register(bob_name, TEST_PASSWORD).await;
    assert_eq!(status, StatusCode::CREATED, "the name is free again");
}

async fn a_backup_restores_into_a_working_server(backend: Backend) {
    let server = TestServer::start(backend).await;
    let (_, a, _, _, chat, mut sa, _) = server.duo().await;
    sa.send_message(chat.id, "worth keeping").await;
    sa.wait_for(common::events::new_message).await;
    let dir = std::env::temp_dir().join(format!("chat-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("backup");
    let file_arg = file.to_string_lossy().into_owned();
    let (ok, out) = admin(&server, &["backup", &file_arg], "");
    assert!(ok, "{out}");
    let (ok, out) = admin(&server, &["backup", &file_arg], "");
    assert!(!ok && out.contains("never overwrites"), "{out}");
    // Written after the backup: not in it.
    sa.send_message(chat.id, "after the backup").await;
    sa.wait_for(common::events::new_message).await;

    // Restore as README says, into a fresh database, and start a server on it.
    let restored = TestDatabase::create(backend);
    match backend {
        Backend::Sqlite => {
            let path = restored.url.trim_start_matches("sqlite://");
            std::fs::copy(&file, path).expect("put the backup in place");
        }
        Backend::Postgres => {
            let status = Command::new("pg_restore")
                .args(["--no-owner", "--dbname", &restored.url])
                .arg(&file)
                .status()
                .expect("run pg_restore");
            assert!(status.success(), "pg_restore: {status:?}");
        }
    }
    let again = TestServer::start_on(Arc::new(restored), &[]).await;
    let (status, body) = again.client().login(&a.user.username, TEST_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["access_token"].as_str().expect("token");
    let page: MessagePage = again
        .client()
        .with_token(Some(token))
        .get_ok(&format!("/api/chats/{}/messages", chat.id))
        .await;
    let texts: Vec<&str> = page.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts, ["worth keeping"]);
    let _ = std::fs::remove_dir_all(dir);
}
