//! Web Push in this browser: the app's service worker (`/sw.js`, which shows a pushed message as
//! a notification and opens its chat on a click) and the browser's push subscription, handed to
//! the server for the signed-in session. The server pushes only while no tab of the app is
//! connected, so a tab that is open never hears about its own messages twice.

use chat_protocol::{
    ChatId, PushSubscriptionKeys, PushSubscriptionRequest, PushUnsubscribeRequest,
};
use leptos::prelude::window;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    MessageEvent, PushManager, PushSubscription, PushSubscriptionOptionsInit,
    ServiceWorkerContainer, ServiceWorkerRegistration,
};

use super::api::Api;
use super::error::ApiError;

/// Why this browser is not subscribed.
pub(crate) enum PushFailure {
    /// The browser could not (no service workers or push service, refused, offline).
    Browser(String),
    /// The server refused or could not be reached.
    Server(ApiError),
}

impl From<String> for PushFailure {
    fn from(why: String) -> Self {
        Self::Browser(why)
    }
}

impl From<ApiError> for PushFailure {
    fn from(e: ApiError) -> Self {
        Self::Server(e)
    }
}

const WORKER: &str = "/sw.js";
/// A browser without a reachable push service may never settle `subscribe()`.
const STEP_TIMEOUT_MS: u32 = 10_000;

/// `promise`'s outcome, or `Err` naming `step` when it takes too long.
async fn settle(promise: js_sys::Promise, step: &str) -> Result<JsValue, String> {
    let outcome = JsFuture::from(promise);
    let timeout = gloo_timers::future::TimeoutFuture::new(STEP_TIMEOUT_MS);
    futures::pin_mut!(outcome);
    match futures::future::select(outcome, timeout).await {
        futures::future::Either::Left((result, _)) => result.map_err(said),
        futures::future::Either::Right(_) => Err(format!("{step} did not finish")),
    }
}

/// What the browser said, for a person to read (never a token: none is involved here).
fn said(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "the browser refused".to_owned())
}

/// The browser's service workers, where it has them (not on plain http other than localhost,
/// not in every browser).
fn container() -> Option<ServiceWorkerContainer> {
    let navigator = window().navigator();
    js_sys::Reflect::has(&navigator, &"serviceWorker".into())
        .unwrap_or(false)
        .then(|| navigator.service_worker())
}

async fn registration(
    container: &ServiceWorkerContainer,
) -> Result<ServiceWorkerRegistration, String> {
    JsFuture::from(container.register(WORKER))
        .await
        .map_err(said)?;
    let ready = container.ready().map_err(said)?;
    JsFuture::from(ready)
        .await
        .map_err(said)?
        .dyn_into()
        .map_err(|_| "no service worker".to_owned())
}

async fn current(manager: &PushManager) -> Option<PushSubscription> {
    let found = JsFuture::from(manager.get_subscription().ok()?)
        .await
        .ok()?;
    found.dyn_into().ok()
}

async fn subscribe_with(manager: &PushManager, key: &str) -> Result<PushSubscription, String> {
    let options = PushSubscriptionOptionsInit::new();
    options.set_user_visible_only(true);
    // Browsers take the key as base64url text, as the server gives it.
    options.set_application_server_key(&JsValue::from_str(key));
    let promise = manager.subscribe_with_options(&options).map_err(said)?;
    settle(promise, "the browser's push service")
        .await?
        .dyn_into()
        .map_err(|_| "no subscription".to_owned())
}

/// Subscribes this browser (again) and tells the server, for this session. A subscription made
/// with another server key (the operator changed it) is replaced.
pub(crate) async fn subscribe(api: &Api) -> Result<(), PushFailure> {
    let container = container().ok_or_else(|| "this browser has no service workers".to_owned())?;
    let registration = registration(&container).await?;
    let manager = registration.push_manager().map_err(said)?;
    let key = api.push_key().await?;
    let subscription = match subscribe_with(&manager, &key.public_key).await {
        Ok(s) => s,
        Err(_) => {
            if let Some(old) = current(&manager).await
                && let Ok(done) = old.unsubscribe()
            {
                let _ = JsFuture::from(done).await;
            }
            subscribe_with(&manager, &key.public_key).await?
        }
    };
    // Read from the browser's own JSON form (its keys already base64url).
    let json: JsValue = subscription.to_json().map_err(said)?.into();
    let text = |object: &JsValue, name: &str| {
        js_sys::Reflect::get(object, &name.into())
            .ok()
            .and_then(|v| v.as_string())
            .ok_or_else(|| "unreadable subscription".to_owned())
    };
    let keys = js_sys::Reflect::get(&json, &"keys".into()).map_err(said)?;
    let request = PushSubscriptionRequest {
        endpoint: subscription.endpoint(),
        keys: PushSubscriptionKeys {
            p256dh: text(&keys, "p256dh")?,
            auth: text(&keys, "auth")?,
        },
    };
    Ok(api.subscribe_push(&request).await?)
}

/// Ends this browser's subscription, here and on the server.
pub(crate) async fn unsubscribe(api: &Api) {
    let Some(container) = container() else {
        return;
    };
    let Ok(Some(registration)) = JsFuture::from(container.get_registration())
        .await
        .map(|r| r.dyn_into::<ServiceWorkerRegistration>().ok())
    else {
        return;
    };
    let Ok(manager) = registration.push_manager() else {
        return;
    };
    if let Some(subscription) = current(&manager).await {
        let request = PushUnsubscribeRequest {
            endpoint: subscription.endpoint(),
        };
        let _ = api.unsubscribe_push(&request).await;
        if let Ok(done) = subscription.unsubscribe() {
            let _ = JsFuture::from(done).await;
        }
    }
}

/// Calls `open` with the chat of a push notification the person clicked while a tab of the
/// app was open (the service worker focuses the tab and says which chat).
pub(crate) fn on_notification_click(open: impl Fn(ChatId) + 'static) {
    let Some(container) = container() else {
        return;
    };
    let listener = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let data = event.data();
        let kind = js_sys::Reflect::get(&data, &"type".into())
            .ok()
            .and_then(|v| v.as_string());
        let chat = js_sys::Reflect::get(&data, &"chat_id".into())
            .ok()
            .and_then(|v| v.as_string())
            .and_then(|id| id.parse::<ChatId>().ok());
        if let (Some("open_chat"), Some(chat)) = (kind.as_deref(), chat) {
            open(chat);
        }
    });
    container.set_onmessage(Some(listener.as_ref().unchecked_ref()));
    // Lives as long as the page.
    listener.forget();
}
