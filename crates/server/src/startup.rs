//! The server's life: open the database, start the real-time machinery, build the shared
//! state and the HTTP server, run until SIGTERM/SIGINT, then drain. Wiring only: behaviour
//! lives in the layers it assembles.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpServer, middleware, web};
use tokio::sync::watch;

use crate::auth::{JwtKeys, secret};
use crate::config::Config;
use crate::db::{self, DatabaseTarget};
use crate::http::headers::{self, ContentSecurityPolicy};
use crate::http::{self, assets, static_files};
use crate::metrics::Metrics;
use crate::realtime::{self, Realtime};
use crate::services::presence;
use crate::services::{retention, upload_sweep};
use crate::state::{AppState, Facilities, Guards, PushService, RefreshPolicy, Retention};
use crate::store::{self, sessions};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Secret(#[from] secret::SecretError),
    #[error(transparent)]
    Vapid(#[from] crate::push::VapidError),
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

/// The upload storage the settings name: an S3-compatible bucket, or the upload folder.
fn upload_storage(config: &Config) -> Result<Box<dyn crate::uploads::Storage>, StartError> {
    use crate::uploads::folder::FolderStorage;
    use crate::uploads::s3::{S3Settings, S3Storage};
    let dir = config.upload_dir();
    let failed = |e: std::io::Error| StartError::Config(format!("upload storage: {e}"));
    Ok(match &config.upload_s3_bucket {
        Some(bucket) => {
            let settings = S3Settings {
                bucket: bucket.clone(),
                endpoint: config.upload_s3_endpoint.clone(),
                region: config.upload_s3_region.clone(),
            };
            Box::new(S3Storage::open(&settings, dir.join(".staging")).map_err(failed)?)
        }
        None => Box::new(FolderStorage::open(dir).map_err(failed)?),
    })
}

/// Starts the server and runs it until SIGTERM/SIGINT, then drains: stop accepting, close
/// sockets with 1001, let in-flight requests and writes finish.
pub async fn run(config: Config) -> Result<(), StartError> {
    config.check().map_err(StartError::Config)?;
    let target = DatabaseTarget::parse(&config.database_url());
    // The secret may be generated and kept locally only for the embedded database, whatever
    // way its URL was spelled (or left out).
    let signing_secret = secret::load(
        config.jwt_secret.as_deref(),
        target.is_sqlite(),
        &config.data_dir,
    )?;
    let sqlite = target.is_sqlite();
    let pool = connect_patiently(
        &target,
        config.pool_size(sqlite),
        Duration::from_secs(config.database_wait_secs),
    )
    .await?;
    tracing::info!(database = %target.describe(), "database ready");
    if sqlite {
        db::spawn_checkpointer(pool.clone());
        crate::services::search_index::spawn(pool.clone());
    }

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let metrics = Arc::new(Metrics::default());
    let vapid = Arc::new(crate::push::Vapid::load(
        config.vapid_private_key.as_deref(),
        &signing_secret,
        config.vapid_subject.clone(),
    )?);
    let push_client = crate::push::PushClient::new(vapid.clone(), config.push_allow_private)
        .map_err(|e| StartError::Config(format!("web push client: {e}")))?;
    if config.push_allow_private {
        tracing::warn!(
            "PUSH_ALLOW_PRIVATE is on: push subscriptions may point into this network (tests only)"
        );
    }
    let (on_stored, push_jobs) = crate::push::queue(metrics.clone());
    let settings = realtime::Settings {
        redis: config
            .redis_url
            .clone()
            .map(|url| realtime::SharedSettings {
                url,
                prefix: config.redis_prefix.clone(),
                presence_ttl: config.presence_ttl(),
            }),
        writer_shards: config.writer_shards(sqlite),
        message_rate_limit: config.message_rate_limit,
        idle_timeout: config.ws_idle_timeout(),
        max_sockets_per_user: config.max_sockets_per_user.max(1),
        command_rate_limit: config.command_rate_limit,
        access_token_ttl: Duration::from_secs(
            u64::try_from(config.access_token_ttl_secs).unwrap_or(0),
        ),
        on_stored: Some(on_stored),
    };
    let realtime = Realtime::start(pool.clone(), settings, metrics.clone(), shutdown_rx)
        .map_err(|e| StartError::Config(e.to_string()))?;
    metrics.observe(realtime.readings());
    // Links to files are signed with a key derived from the JWT secret (shared by every
    // instance already), installed before anything renders a message.
    if !crate::uploads::signing::install(crate::uploads::signing::UrlSigner::new(
        &signing_secret,
        config.upload_url_ttl_secs,
    )) {
        tracing::warn!("a link signer was installed already; links use the first one");
    }
    let uploads = crate::uploads::Uploads::new(
        upload_storage(&config)?,
        config.max_upload_bytes,
        config.upload_max_pixels,
    );
    let state = web::Data::new(AppState::new(
        pool,
        JwtKeys::new(&signing_secret, config.access_token_ttl_secs),
        RefreshPolicy {
            ttl_secs: config.refresh_token_ttl_secs,
            reuse_grace_secs: config.refresh_grace_secs(),
        },
        Guards::from_config(&config),
        realtime,
        metrics,
        Facilities {
            retention: Retention::new(config.message_retention_days),
            uploads,
            push: PushService {
                vapid,
                client: push_client,
                allow_private: config.push_allow_private,
            },
        },
    ));

    spawn_maintenance(state.clone().into_inner());
    actix_web::rt::spawn(crate::push::deliver_forever(
        state.clone().into_inner(),
        push_jobs,
    ));
    // Always: groups may set a period of their own even when the server keeps everything.
    actix_web::rt::spawn(retention::sweep_forever(state.clone().into_inner()));
    actix_web::rt::spawn(upload_sweep::sweep_forever(
        state.clone().into_inner(),
        Duration::from_secs(config.upload_sweep_secs.max(1)),
        Duration::from_secs(config.upload_unattached_secs),
    ));

    let static_dir = config.static_dir.clone();
    let index = std::fs::read_to_string(static_dir.join("index.html")).ok();
    let serve_app = index.is_some();
    if !serve_app {
        tracing::warn!(dir = %static_dir.display(), "web app not built; serving the API and a page at / that says how to build it (scripts/build-web.sh)");
    }
    let csp = web::Data::new(ContentSecurityPolicy::for_index(
        index.as_deref().unwrap_or_default(),
    ));
    let assets = web::Data::new(assets::AssetDir(static_dir.clone()));
    let app_state = state.clone();
    let mut server = HttpServer::new(move || {
        let app = App::new()
            .app_data(app_state.clone())
            .app_data(csp.clone())
            .app_data(assets.clone())
            .wrap(middleware::from_fn(assets::serve))
            .wrap(middleware::from_fn(headers::security_headers))
            .wrap(middleware::from_fn(http::log::log_requests))
            .configure(http::routes);
        // Files answers GET and HEAD; everything else no route matched falls to the JSON 404/405.
        let app = app.default_service(web::to(static_files::no_route));
        if serve_app {
            app.service(static_files::web_app(&static_dir))
        } else {
            app.route("/", web::get().to(static_files::not_built))
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
    state.realtime().flush().await;
    tracing::info!("stopped");
    Ok(())
}

/// Opens the database, retrying with backoff for up to `wait` while it cannot be reached (a
/// database server still starting); migration errors and the like fail at once.
async fn connect_patiently(
    target: &DatabaseTarget,
    size: u32,
    wait: Duration,
) -> Result<db::Pool, StartError> {
    let started = std::time::Instant::now();
    let mut backoff = Duration::from_millis(500);
    loop {
        let attempt = {
            let target = target.clone();
            tokio::task::spawn_blocking(move || db::connect(&target, size))
                .await
                .map_err(|e| StartError::Config(e.to_string()))?
        };
        match attempt {
            Ok(pool) => return Ok(pool),
            Err(e) if e.is_unreachable() && started.elapsed() + backoff < wait => {
                let left = wait.saturating_sub(started.elapsed()).as_secs();
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, seconds_left = left, "database not reachable yet; waiting for it (DATABASE_WAIT_SECS)");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Background upkeep: flushing held-back out-of-order messages and, with Redis, the presence
/// heartbeat that keeps this instance's users online and expires crashed instances' users.
fn spawn_maintenance(state: Arc<AppState>) {
    let flusher = state.clone();
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        loop {
            tick.tick().await;
            for gap in flusher.realtime().flush_overdue() {
                let filler = flusher.clone();
                actix_web::rt::spawn(async move { filler.realtime().fill_gap(gap).await });
            }
            if flusher.realtime().take_possible_loss() {
                let sweeper = flusher.clone();
                actix_web::rt::spawn(async move { sweeper.realtime().fill_missed().await });
            }
        }
    });
    actix_web::rt::spawn(follow_session_revocations(state.clone()));
    actix_web::rt::spawn(purge_dead_sessions(state.clone()));
    if let Some(interval) = state.realtime().presence().heartbeat_interval() {
        actix_web::rt::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            loop {
                tick.tick().await;
                let offline = state.realtime().presence().heartbeat().await;
                if !offline.is_empty() {
                    // Users of an instance that stopped renewing: it may have died between a
                    // commit and its publish.
                    state.realtime().note_possible_loss();
                }
                for user in offline {
                    presence::announce(&state, user, false).await;
                }
            }
        });
    }
}

/// Every second, picks up sessions that ended on any instance (the database is the record) and
/// ends them here: their access tokens are refused and their sockets closed with 4001. Ending
/// one here is immediate; this bounds how late every other instance learns of it (about 1 s),
/// Redis or not, restarts included (it starts by reading every revocation that can matter).
async fn follow_session_revocations(state: Arc<AppState>) {
    let lookback = chrono::Duration::seconds(state.jwt().access_ttl_secs.max(0) + 60);
    let mut since = store::now() - lookback;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        // Overlapping windows: a revocation committed while the last poll ran, or stamped by
        // a slightly slower clock, is not missed; seeing one twice is harmless.
        let from = since - chrono::Duration::seconds(2);
        let started = store::now();
        match state.db(move |c| sessions::revoked_since(c, from)).await {
            Ok(ended) => {
                since = started;
                for session in ended {
                    state.realtime().end_session(session);
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot read session revocations"),
        }
    }
}

/// Hourly: deletes refresh tokens and sessions that can no longer be used, and forgets ended
/// sessions whose access tokens have all expired.
async fn purge_dead_sessions(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        state.realtime().prune_ended_sessions();
        let now = store::now();
        let ended_before = now - chrono::Duration::seconds(state.jwt().access_ttl_secs.max(0) + 60);
        let idle_since = now - chrono::Duration::seconds(state.refresh_policy().ttl_secs);
        match state
            .db(move |c| sessions::purge(c, ended_before, idle_since))
            .await
        {
            Ok((tokens, sessions)) if tokens + sessions > 0 => {
                tracing::info!(tokens, sessions, "purged expired and revoked sign-ins");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "purging sign-ins failed"),
        }
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
