//! `chat-server`: logging, the open-files limit, the allocator; then [`chat_server::run`].

use chat_server::{Command, Config, LogFormat, admin, run};

// glibc's allocator keeps the peak of every thread arena: payloads allocated on the publisher
// thread and freed on socket workers left RSS growing run after run (0.8 -> 1.8 GB in three
// benchmark runs). mimalloc returns that memory and is faster at these small allocations.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use tracing_subscriber::EnvFilter;

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    let mut config = Config::from_env_and_args();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    // Every socket is a descriptor; the default soft limit (often 1024) caps connections.
    if let Err(e) = rlimit::increase_nofile_limit(1_000_000) {
        tracing::warn!(error = %e, "could not raise the open-files limit");
    }
    if let Some(Command::Admin(command)) = config.command.take() {
        return match admin(&config, command) {
            Ok(report) => {
                println!("{report}");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("chat-server admin: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    match run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("chat-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
