//! The one table of routes: the router is built from it, and a request whose path matches a
//! route but whose method does not gets 405 with an `Allow` header read from it, so the two can
//! never disagree. `tests/openapi.rs` checks the same list against `docs/openapi.json`.

use actix_web::http::Method;
use actix_web::web;

use super::{
    account, auth, blocks, chats, contacts, docs, ops, push, rooms, search, sessions, uploads,
    users,
};
use crate::ws;

/// Declares [`ROUTES`] and [`register`] from one list, so neither can gain a route the other
/// lacks.
macro_rules! route_table {
    ($($method:ident $path:literal => $handler:path),* $(,)?) => {
        /// Every route: method and path template (actix syntax, `{name}` for one segment).
        pub(super) const ROUTES: &[(Method, &str)] = &[$((Method::$method, $path)),*];

        /// Registers every route of [`ROUTES`] on the app.
        pub(super) fn register(cfg: &mut web::ServiceConfig) {
            $(cfg.route($path, web::method(Method::$method).to($handler));)*
        }
    };
}

route_table! {
    GET "/healthz" => ops::healthz,
    GET "/readyz" => ops::readyz,
    GET "/metrics" => ops::metrics,
    GET "/api/openapi.json" => ops::openapi,
    GET "/api/docs" => docs::page,
    GET "/api/docs/{file}" => docs::asset,
    POST "/api/auth/register" => auth::register,
    POST "/api/auth/login" => auth::login,
    POST "/api/auth/refresh" => auth::refresh,
    POST "/api/auth/logout" => auth::logout,
    GET "/api/me" => auth::me,
    DELETE "/api/me" => account::delete_account,
    POST "/api/me/password" => account::change_password,
    GET "/api/me/export" => account::export,
    GET "/api/users" => users::search,
    GET "/api/sessions" => sessions::list,
    DELETE "/api/sessions/{id}" => sessions::end,
    GET "/api/contacts" => contacts::list,
    POST "/api/contacts" => contacts::add,
    DELETE "/api/contacts/{user_id}" => contacts::remove,
    GET "/api/blocks" => blocks::list,
    POST "/api/blocks" => blocks::block,
    DELETE "/api/blocks/{user_id}" => blocks::unblock,
    GET "/api/chats" => chats::list,
    POST "/api/chats" => chats::create,
    GET "/api/chats/{id}" => chats::get,
    PATCH "/api/chats/{id}" => chats::update,
    POST "/api/chats/{id}/members" => chats::add_member,
    DELETE "/api/chats/{id}/members/{user_id}" => chats::remove_member,
    PATCH "/api/chats/{id}/members/{user_id}" => chats::update_member,
    GET "/api/chats/{id}/messages" => chats::history,
    GET "/api/rooms" => rooms::directory,
    POST "/api/chats/{id}/join" => rooms::join,
    POST "/api/chats/{id}/invites" => rooms::create_invite,
    GET "/api/chats/{id}/invites" => rooms::list_invites,
    DELETE "/api/chats/{id}/invites/{token}" => rooms::revoke_invite,
    POST "/api/invites/{token}/accept" => rooms::accept_invite,
    GET "/api/search" => search::find,
    POST "/api/uploads" => uploads::upload,
    GET "/api/files/{id}/{variant}" => uploads::serve,
    GET "/api/push/key" => push::key,
    POST "/api/push/subscriptions" => push::subscribe,
    DELETE "/api/push/subscriptions" => push::unsubscribe,
    GET "/ws" => ws::upgrade,
}

/// Whether `path` fits `template`: the same number of segments, each equal or a `{variable}`
/// (which, as in actix, matches any non-empty segment).
fn fits(template: &str, path: &str) -> bool {
    let mut want = template.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) => {
                let variable = w.starts_with('{') && w.ends_with('}');
                if !(variable && !g.is_empty() || w == g) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// The methods some route serves at `path`, in table order; empty when no route has this path.
pub(crate) fn allowed_methods(path: &str) -> Vec<Method> {
    let mut methods: Vec<Method> = Vec::new();
    for (method, template) in ROUTES {
        if fits(template, path) && !methods.contains(method) {
            methods.push(method.clone());
        }
    }
    methods
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_of_a_path() {
        assert_eq!(
            allowed_methods("/api/chats"),
            vec![Method::GET, Method::POST]
        );
        assert_eq!(
            allowed_methods("/api/chats/abc/members/def"),
            vec![Method::DELETE, Method::PATCH]
        );
        assert!(allowed_methods("/api/chats//members").is_empty());
        assert!(allowed_methods("/api/nope").is_empty());
        assert!(allowed_methods("/api/chats/abc/").is_empty());
    }

    #[test]
    fn no_route_twice() {
        for (i, (method, path)) in ROUTES.iter().enumerate() {
            assert!(
                !ROUTES[..i].iter().any(|(m, p)| m == method && p == path),
                "{method} {path} twice"
            );
        }
    }
}
