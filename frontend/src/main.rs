fn main() {
    leptos::mount::mount_to_body(chat_web::App);
}
