//! The faults the chaos run injects, each with its outage: how long the fault lasted until it
//! was healed.

use std::process::Command;
use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl};

use crate::common::redis::TestRedis;
use crate::common::{TestServer, pg_admin_url};

/// How long each fault lasts.
const OUTAGE: Duration = Duration::from_secs(1);
const FREEZE: Duration = Duration::from_secs(2);

pub(crate) struct Servers {
    pub(crate) one: TestServer,
    pub(crate) two: TestServer,
    /// Rounds alternate which instance is killed (and which frozen), so the clients that
    /// moved away from the first one killed are hit by the next kill.
    pub(crate) round: usize,
}

impl Servers {
    fn killed(&mut self) -> &mut TestServer {
        if self.round.is_multiple_of(2) {
            &mut self.one
        } else {
            &mut self.two
        }
    }

    fn frozen(&mut self) -> &mut TestServer {
        if self.round.is_multiple_of(2) {
            &mut self.two
        } else {
            &mut self.one
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Fault {
    /// SIGKILL an instance (mid-stream: commits may be unpublished), start it again.
    KillInstance,
    /// Redis gone (every subscriber and publisher cut, presence keys lost), then back empty.
    RestartRedis,
    /// Every connection to the database terminated for a second (or `CHAOS_PG_RESTART`, a
    /// shell command that restarts the PostgreSQL server itself, e.g.
    /// `pg_ctlcluster 16 main restart`).
    CutPostgres,
    /// The other instance stops (SIGSTOP) with its sockets and transactions open, then goes
    /// on.
    FreezeInstance,
}

impl Fault {
    pub(crate) const ALL: [Fault; 4] = [
        Fault::KillInstance,
        Fault::RestartRedis,
        Fault::CutPostgres,
        Fault::FreezeInstance,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Fault::KillInstance => "SIGKILL an instance, restart it",
            Fault::RestartRedis => "restart Redis",
            Fault::CutPostgres => "PostgreSQL connections cut / restart",
            Fault::FreezeInstance => "SIGSTOP the other instance for 2 s, SIGCONT",
        }
    }

    /// Injects the fault and heals it; returns how long it lasted.
    pub(crate) async fn inject(self, servers: &mut Servers, redis: &mut TestRedis) -> Duration {
        let start = Instant::now();
        match self {
            Fault::KillInstance => {
                servers.killed().kill();
                tokio::time::sleep(OUTAGE).await;
                servers.killed().relaunch().await;
            }
            Fault::RestartRedis => {
                redis.stop();
                tokio::time::sleep(OUTAGE).await;
                redis.restart().await;
            }
            Fault::CutPostgres => match std::env::var("CHAOS_PG_RESTART") {
                Ok(command) if !command.is_empty() => {
                    let status = Command::new("sh")
                        .args(["-c", &command])
                        .status()
                        .expect("run CHAOS_PG_RESTART");
                    assert!(status.success(), "{command}: {status:?}");
                }
                _ => {
                    let name = servers
                        .one
                        .db
                        .pg_name()
                        .expect("a PostgreSQL database")
                        .to_owned();
                    let cut = tokio::task::spawn_blocking(move || cut_connections(&name, OUTAGE));
                    cut.await.expect("cut connections");
                }
            },
            Fault::FreezeInstance => {
                signal(servers.frozen(), "-STOP");
                tokio::time::sleep(FREEZE).await;
                signal(servers.frozen(), "-CONT");
            }
        }
        start.elapsed()
    }
}

fn signal(server: &TestServer, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &server.pid().to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "kill {signal}");
}

/// Terminates every connection to database `name`, again and again for `outage`, so the
/// instances' reconnections die too.
fn cut_connections(name: &str, outage: Duration) {
    let mut admin = diesel::PgConnection::establish(&pg_admin_url()).expect("admin connection");
    let start = Instant::now();
    while start.elapsed() < outage {
        diesel::sql_query(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .execute(&mut admin)
        .expect("terminate connections");
        std::thread::sleep(Duration::from_millis(50));
    }
}
