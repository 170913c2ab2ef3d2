//! `chat-server admin …`: operator commands on the configured database, run beside the
//! server (or without it). They change only the database; running instances follow: ended
//! sessions close their sockets within seconds (the instances poll revocations), a disabled
//! account cannot sign in or refresh.

use std::io::BufRead;
use std::path::Path;
use std::process::Command;

use chat_protocol::limits::{check_password, check_username};

use crate::auth::password;
use crate::config::{AdminCommand, Config};
use crate::db::{self, AnyConnection, DatabaseTarget};
use crate::error::AppError;
use crate::store::rows::UserRow;
use crate::store::{sessions, stats, users};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Database(#[from] db::SetupError),
    #[error("{0}")]
    Store(String),
    #[error("no user named {0:?}")]
    NoSuchUser(String),
    #[error("{0}")]
    Refused(String),
    #[error("cannot read the password from standard input: {0}")]
    Stdin(std::io::Error),
    #[error("backup failed: {0}")]
    Backup(String),
}

impl From<AppError> for AdminError {
    fn from(e: AppError) -> Self {
        Self::Store(e.to_string())
    }
}

/// Runs one admin command; what it prints on success.
pub fn run(config: &Config, command: AdminCommand) -> Result<String, AdminError> {
    let target = DatabaseTarget::parse(&config.database_url());
    let mut conn = db::connect_one(&target)?;
    let conn: &mut AnyConnection = &mut conn;
    match command {
        AdminCommand::CreateUser { username } => {
            check_username(&username).map_err(AdminError::Refused)?;
            let hash = new_password_hash()?;
            let user = users::create(conn, &username, &hash)?;
            Ok(format!("created {} ({})", user.username, user.id))
        }
        AdminCommand::ResetPassword { username } => {
            let user = find(conn, &username)?;
            let hash = new_password_hash()?;
            users::set_password(conn, user.id, &hash)?;
            let ended = sessions::revoke_all(conn, user.id, None)?.len();
            Ok(format!(
                "password of {} reset; {ended} session(s) ended",
                user.username
            ))
        }
        AdminCommand::DisableUser { username } => {
            let user = find(conn, &username)?;
            users::set_disabled(conn, user.id, true)?;
            let ended = sessions::revoke_all(conn, user.id, None)?.len();
            Ok(format!(
                "{} disabled; {ended} session(s) ended",
                user.username
            ))
        }
        AdminCommand::EnableUser { username } => {
            let user = find(conn, &username)?;
            users::set_disabled(conn, user.id, false)?;
            Ok(format!("{} enabled", user.username))
        }
        AdminCommand::DeleteUser { username, yes } => {
            if !yes {
                return Err(AdminError::Refused(
                    "deleting an account cannot be undone: add --yes".into(),
                ));
            }
            let user = find(conn, &username)?;
            let ended = sessions::revoke_all(conn, user.id, None)?.len();
            let (erased, placeholder) = users::erase_account(conn, user.id)?;
            Ok(format!(
                "{} deleted (now {placeholder}): {} message(s) erased, {ended} session(s) ended",
                user.username,
                erased.len()
            ))
        }
        AdminCommand::Sessions { username, revoke } => {
            let user = find(conn, &username)?;
            match revoke.as_deref() {
                None => {
                    let live = sessions::list_live(
                        conn,
                        user.id,
                        chrono::DateTime::UNIX_EPOCH.naive_utc(),
                    )?;
                    let mut out = format!("{} live session(s) of {}", live.len(), user.username);
                    for s in live {
                        out.push_str(&format!(
                            "\n{}  {}  last used {}",
                            s.id,
                            s.user_agent.as_deref().unwrap_or("-"),
                            s.last_used_at
                        ));
                    }
                    Ok(out)
                }
                Some("all") => {
                    let ended = sessions::revoke_all(conn, user.id, None)?.len();
                    Ok(format!("{ended} session(s) of {} ended", user.username))
                }
                Some(id) => {
                    let id = id.parse().map_err(|_| {
                        AdminError::Refused(format!("{id:?} is neither a session id nor \"all\""))
                    })?;
                    if sessions::revoke(conn, user.id, id)? {
                        Ok(format!("session {id} ended"))
                    } else {
                        Err(AdminError::Refused(format!(
                            "{} has no live session {id}",
                            user.username
                        )))
                    }
                }
            }
        }
        AdminCommand::Stats => {
            let totals = stats::totals(conn)?;
            Ok(format!(
                "users {}\nchats {}\nmessages {}\ndatabase_bytes {}",
                totals.users, totals.chats, totals.messages, totals.database_bytes
            ))
        }
        AdminCommand::Backup { file } => {
            backup(conn, &target, &file)?;
            Ok(format!("backup written to {}", file.display()))
        }
    }
}

fn find(conn: &mut AnyConnection, username: &str) -> Result<UserRow, AdminError> {
    users::find_by_name(conn, username)?.ok_or_else(|| AdminError::NoSuchUser(username.into()))
}

/// Reads the new password (first line of stdin), checks it like sign-up does, hashes it.
fn new_password_hash() -> Result<String, AdminError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(AdminError::Stdin)?;
    let password = line.trim_end_matches(['\r', '\n']);
    check_password(password).map_err(AdminError::Refused)?;
    Ok(password::hash(password)?)
}

fn backup(
    conn: &mut AnyConnection,
    target: &DatabaseTarget,
    file: &Path,
) -> Result<(), AdminError> {
    if file.exists() {
        return Err(AdminError::Refused(format!(
            "{} exists; a backup never overwrites a file",
            file.display()
        )));
    }
    match conn {
        AnyConnection::Sqlite(_) => {
            // VACUUM INTO writes a consistent, compacted copy inside one read transaction,
            // while writers go on.
            let path = file.to_string_lossy().replace('\'', "''");
            diesel::RunQueryDsl::execute(diesel::sql_query(format!("VACUUM INTO '{path}'")), conn)
                .map_err(|e| AdminError::Backup(e.to_string()))?;
            Ok(())
        }
        AnyConnection::Postgresql(_) => {
            let DatabaseTarget::Postgres(url) = target else {
                return Err(AdminError::Backup("not a PostgreSQL URL".into()));
            };
            // pg_dump takes its snapshot in one transaction: consistent while the server runs.
            let status = Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(file)
                .arg("--dbname")
                .arg(url)
                .status()
                .map_err(|e| {
                    AdminError::Backup(format!(
                        "cannot run pg_dump (install the PostgreSQL client tools, the same major version as the server): {e}"
                    ))
                })?;
            if status.success() {
                Ok(())
            } else {
                Err(AdminError::Backup(format!("pg_dump exited with {status}")))
            }
        }
    }
}
