//! REST handlers, one module per resource. Thin: extract, validate, call the store, publish.

pub mod auth;
pub mod chats;
pub mod contacts;
pub mod ops;
pub mod users;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.configure(auth::routes)
        .configure(users::routes)
        .configure(contacts::routes)
        .configure(chats::routes);
}
