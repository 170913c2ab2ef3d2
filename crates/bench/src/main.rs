//! `chat-bench`: drives a chat server (or `limit_server`, the no-database baseline) over real
//! loopback sockets and reports deliveries/s, latency percentiles and delivery errors.
//!
//! Every run is bounded in count and time and stops by itself; only loopback targets are
//! accepted. See BENCHMARKS.md for the commands and results.

mod client;
mod report;
mod scenarios;
mod setup;
mod stats;

use std::net::IpAddr;
use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "chat-bench", about = "Load generator for the chat server")]
struct Cli {
    /// Base URL of the server (loopback only).
    #[arg(long, default_value = "http://127.0.0.1:8080", global = true)]
    server: String,
    /// More instances of the same deployment: sockets are spread round-robin over all servers
    /// (REST setup goes to `--server`).
    #[arg(long, global = true)]
    also_server: Vec<String>,
    /// Print the final report as one JSON object on stdout.
    #[arg(long, global = true)]
    json: bool,
    /// A label for the report (e.g. "sqlite", "limit_server").
    #[arg(long, default_value = "", global = true)]
    label: String,
    /// File where registered bench users are kept between runs (so hashing is not measured).
    #[arg(long, default_value = "target/bench-users.json", global = true)]
    users_file: String,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// R rooms × M members; S senders per room send, everyone receives.
    Fanout(scenarios::fanout::Args),
    /// C idle authenticated sockets: connect rate, failures, server memory per socket.
    Connections(scenarios::connections::Args),
    /// fetch_messages round trips.
    History(scenarios::history::Args),
    /// Many idle users, a few active rooms, reconnect churn with after_seq resume.
    Mixed(scenarios::mixed::Args),
    /// `GET /api/chats` for a user in many chats, and adding members to a large group.
    Chats(scenarios::chats::Args),
    /// Message search latency over a large seeded history (see BENCHMARKS.md).
    Search(scenarios::search::Args),
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("refusing non-loopback server {0}: this tool only targets loopback")]
    NotLoopback(String),
    #[error("setup failed: {0}")]
    Setup(String),
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
    #[error("websocket: {0}")]
    Ws(#[from] Box<tokio_tungstenite::tungstenite::Error>),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the server is, checked to be loopback.
#[derive(Debug, Clone)]
pub struct Target {
    pub http: String,
    pub ws: String,
    pub host: IpAddr,
    pub port: u16,
}

impl Target {
    fn parse(url: &str) -> Result<Self, BenchError> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| BenchError::NotLoopback(url.into()))?
            .trim_end_matches('/');
        let (host, port) = rest
            .rsplit_once(':')
            .ok_or_else(|| BenchError::NotLoopback(url.into()))?;
        let host: IpAddr = if host == "localhost" {
            IpAddr::from([127, 0, 0, 1])
        } else {
            host.parse()
                .map_err(|_| BenchError::NotLoopback(url.into()))?
        };
        let port: u16 = port
            .parse()
            .map_err(|_| BenchError::NotLoopback(url.into()))?;
        if !host.is_loopback() {
            return Err(BenchError::NotLoopback(url.into()));
        }
        Ok(Self {
            http: format!("http://{host}:{port}"),
            ws: format!("ws://{host}:{port}/ws"),
            host,
            port,
        })
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Tens of thousands of sockets need as many descriptors.
    let _ = rlimit::increase_nofile_limit(1_000_000);
    let target = match Target::parse(&cli.server) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("chat-bench: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut sockets_to = vec![target.clone()];
    for extra in &cli.also_server {
        match Target::parse(extra) {
            Ok(t) => sockets_to.push(t),
            Err(e) => {
                eprintln!("chat-bench: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    let ctx = setup::Context {
        target,
        sockets_to,
        users_file: cli.users_file.clone(),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client"),
    };
    let result = match cli.scenario {
        Scenario::Fanout(args) => scenarios::fanout::run(&ctx, args).await,
        Scenario::Connections(args) => scenarios::connections::run(&ctx, args).await,
        Scenario::History(args) => scenarios::history::run(&ctx, args).await,
        Scenario::Mixed(args) => scenarios::mixed::run(&ctx, args).await,
        Scenario::Search(args) => scenarios::search::run(&ctx, args).await,
        Scenario::Chats(args) => scenarios::chats::run(&ctx, args).await,
    };
    match result {
        Ok(mut report) => {
            report.label = cli.label;
            report.print(cli.json);
            if report.errors_found() {
                eprintln!("chat-bench: lost, duplicated or out-of-order deliveries detected");
                return std::process::ExitCode::from(2);
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("chat-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_targets() {
        assert!(Target::parse("http://127.0.0.1:8080").is_ok());
        assert!(Target::parse("http://127.0.0.2:9").is_ok());
        assert!(Target::parse("http://localhost:8080/").is_ok());
        assert!(
            Target::parse("http://[::1]:8080").is_err(),
            "brackets are not parsed"
        );
        assert!(Target::parse("http://10.0.0.1:8080").is_err());
        assert!(Target::parse("http://example.com:80").is_err());
        assert!(Target::parse("https://127.0.0.1:8080").is_err());
    }
}
