//! The REST edge (actix-web): one module per resource, plus the extractors, the request log
//! and the web app's files. Handlers extract and check input, call the store or a service,
//! and answer; they hold no state of their own.

mod account;
pub(crate) mod assets;
mod auth;
mod blocks;
mod chats;
mod contacts;
mod docs;
pub(crate) mod extract;
pub(crate) mod headers;
pub(crate) mod log;
mod ops;
mod push;
mod rooms;
mod search;
mod sessions;
pub(crate) mod static_files;
mod table;
mod uploads;
mod users;

use actix_web::web;

pub(crate) use table::allowed_methods;

/// Every route, registered from one table (see [`table`]), with the contract's error bodies for
/// unreadable bodies, queries and paths.
pub(crate) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(64 * 1024)
            .error_handler(extract::json_error),
    )
    .app_data(web::QueryConfig::default().error_handler(extract::query_error))
    .app_data(web::PathConfig::default().error_handler(extract::path_error))
    .configure(table::register);
}
