//! Entry point of the web app (built for wasm32 by trunk): mounts [`chat_web::App`] and nothing
//! else.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(chat_web::App);
}
