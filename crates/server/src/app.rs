//! Wiring: shared state, routes, and the server's life from start to drained shutdown.

use std::sync::Arc;
use std::time::Duration;

use actix_files::{Files, NamedFile};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{App, HttpResponse, HttpServer, middleware, web};
use tokio::sync::watch;

use crate::auth::{JwtKeys, secret};
use crate::config::Config;
use crate::db::{self, DatabaseTarget, Pool};
use crate::error::{AppError, extractors};
use crate::metrics::Metrics;
use crate::realtime::limits::{RateLimiter, TypingThrottle};
use crate::realtime::redis::{RedisBroker, RedisLink, RedisPresence};
use crate::realtime::session::announce_presence;
use crate::realtime::writer::{MessageWriter, Publish};
use crate::realtime::{Broker, Hub, Presence, Realtime};
use crate::{api, http_log};

pub struct AppState {
    pub pool: Pool,
    pub jwt: JwtKeys,
    pub refresh_ttl_secs: i64,
    pub refresh_grace_secs: i64,
    pub auth_limiter: RateLimiter<std::net::IpAddr>,
    pub realtime: Realtime,
    pub metrics: Arc<Metrics>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Secret(#[from] secret::SecretError),
    #[error(transparent)]
    Database(#[from] db::SetupError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Server(std::io::Error),
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// Routes shared by the server and anything that wants to mount the API.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(64 * 1024)
            .error_handler(extractors::json),
    )
    .app_data(web::QueryConfig::default().error_handler(extractors::query))
    .app_data(web::PathConfig::default().error_handler(extractors::path))
    .configure(api::ops::routes)
    .service(web::scope("/api").configure(api::routes))
    .route("/ws", web::get().to(crate::realtime::session::route));
}

/// Serves the built web app; client routes fall back to `index.html`. `/api/*` and unknown
/// files get the contract's JSON 404.
fn web_app(static_dir: &std::path::Path) -> Files {
    let index = static_dir.join("index.html");
    Files::new("/", static_dir)
        .index_file("index.html")
        .default_handler(move |req: ServiceRequest| {
            let index = index.clone();
            async move {
                let (req, _) = req.into_parts();
                let wants_page = !req.path().starts_with("/api/")
                    && !req.path().rsplit('/').next().unwrap_or("").contains('.');
                let response = match NamedFile::open(&index) {
                    Ok(file) if wants_page => file.into_response(&req),
                    _ => not_found(),
                };
                Ok(ServiceResponse::new(req, response))
            }
        })
}

fn not_found() -> HttpResponse {
    actix_web::ResponseError::error_response(&AppError::NotFound("no such resource"))
}

async fn default_route(req: actix_web::HttpRequest) -> HttpResponse {
    if req.method() != actix_web::http::Method::GET && req.method() != actix_web::http::Method::HEAD
    {
        return actix_web::ResponseError::error_response(&AppError::MethodNotAllowed);
    }
    not_found()
}

/// Starts the server and runs it until SIGTERM/SIGINT, then drains: stop accepting, close
/// sockets with 1001, let in-flight requests and writes finish.
pub async fn run(config: Config) -> Result<(), StartError> {
    let url = config.database_url();
    let target = DatabaseTarget::parse(&url);
    let signing_secret = secret::load(
        config.jwt_secret.as_deref(),
        config.database_url.is_none(),
        &config.data_dir,
    )?;
    if config.access_token_ttl_secs <= 0 || config.refresh_token_ttl_secs <= 0 {
        return Err(StartError::Config(
            "token lifetimes must be positive".into(),
        ));
    }
    // SQLite has one writer at a time; PostgreSQL commits chats of different shards in parallel.
    let writer_shards = match (config.message_writers, target.is_sqlite()) {
        (Some(n), false) => n.clamp(1, 64),
        (_, true) => 1,
        (None, false) => 4,
    };
    // Each message writer keeps a connection of its own, on top of those for requests.
    let pool_size = config
        .db_pool_size
        .unwrap_or(if target.is_sqlite() { 4 } else { 16 })
        + writer_shards as u32;
    let pool = {
        let target = target.clone();
        tokio::task::spawn_blocking(move || db::connect(&target, pool_size))
            .await
            .map_err(|e| StartError::Config(e.to_string()))??
    };
    tracing::info!(database = %target.describe(), "database ready");
    if target.is_sqlite() {
        db::spawn_checkpointer(pool.clone());
    }

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let hub = Arc::new(Hub::new());
    let (broker, presence) = match &config.redis_url {
        None => (Broker::Local(hub.clone()), Presence::local()),
        Some(url) => {
            let link = RedisLink::new(url, &config.redis_prefix)
                .map_err(|e| StartError::Config(e.to_string()))?;
            tracing::info!(instance = %link.instance, "fan-out and presence through Redis");
            let ttl = Duration::from_secs(config.presence_ttl_secs.max(3));
            (
                Broker::Redis(Box::new(RedisBroker::start(link.clone(), hub.clone()))),
                Presence::shared(RedisPresence::new(link, ttl)),
            )
        }
    };
    let broker = Arc::new(broker);
    let metrics = Arc::new(Metrics::default());
    let writer = MessageWriter::start(
        pool.clone(),
        writer_shards,
        Publish {
            broker: broker.clone(),
            metrics: metrics.clone(),
        },
    );
    let state = web::Data::new(AppState {
        pool,
        jwt: JwtKeys::new(&signing_secret, config.access_token_ttl_secs),
        refresh_ttl_secs: config.refresh_token_ttl_secs,
        refresh_grace_secs: config.refresh_reuse_grace_secs.max(0),
        auth_limiter: RateLimiter::new(config.auth_rate_limit),
        realtime: Realtime {
            hub,
            broker,
            presence,
            rate_limiter: RateLimiter::new(config.message_rate_limit),
            typing: TypingThrottle::new(Duration::from_secs(1)),
            writer,
            idle_timeout: Duration::from_secs(config.ws_idle_timeout_secs.max(1)),
            shutdown: shutdown_rx,
        },
        metrics,
    });

    spawn_maintenance(state.clone().into_inner());

    let static_dir = config.static_dir.clone();
    let serve_app = static_dir.join("index.html").is_file();
    if !serve_app {
        tracing::warn!(dir = %static_dir.display(), "web app not built; serving the API only");
    }
    let app_state = state.clone();
    let mut server = HttpServer::new(move || {
        let app = App::new()
            .app_data(app_state.clone())
            .wrap(middleware::from_fn(http_log::log_requests))
            .configure(routes);
        // Files answers GET and HEAD; everything else it does not match falls to the JSON 404/405.
        let app = app.default_service(web::to(default_route));
        if serve_app {
            app.service(web_app(&static_dir))
        } else {
            app
        }
    })
    // Events are small frames written back to back: with Nagle's algorithm on, the second waits
    // for the peer's delayed ACK (up to 40 ms). That was every run's p99 before this.
    .on_connect(|connection, _| {
        if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
            let _ = tcp.set_nodelay(true);
        }
    })
    .disable_signals()
    .shutdown_timeout(10);
    if let Some(workers) = config.workers {
        server = server.workers(workers);
    }
    let server = server
        .bind(config.bind_addr)
        .map_err(|source| StartError::Bind {
            addr: config.bind_addr,
            source,
        })?;
    for addr in server.addrs() {
        // Scripts and tests read this line to find the port when binding port 0.
        println!("chat-server listening on http://{addr}");
    }
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down: closing sockets, finishing in-flight work");
        let _ = shutdown_tx.send(true);
        handle.stop(true).await;
    });
    server.await.map_err(StartError::Server)?;
    tracing::info!("stopped");
    Ok(())
}

/// Background upkeep: flushing held-back out-of-order messages and, with Redis, the presence
/// heartbeat that keeps this instance's users online and expires crashed instances' users.
fn spawn_maintenance(state: Arc<AppState>) {
    let flusher = state.clone();
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        loop {
            tick.tick().await;
            flusher.realtime.hub.flush_overdue();
        }
    });
    if let Some(interval) = state.realtime.presence.heartbeat_interval() {
        actix_web::rt::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            loop {
                tick.tick().await;
                for user in state.realtime.presence.heartbeat().await {
                    announce_presence(&state, user, false).await;
                }
            }
        });
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
