//! Sending one encrypted push to a browser's push service (RFC 8030): the payload encrypted for
//! the subscription (RFC 8291, aes128gcm), the VAPID authorization (RFC 8292), and what the
//! service's answer means for the subscription.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, StatusCode, Url, redirect};

use super::endpoint::{self, PublicResolver};
use super::vapid::Vapid;
use crate::store::push_subscriptions::Subscription;

/// How long a push service may keep a push for an offline browser: a message older than this
/// is better read in the app than announced.
const TTL_SECS: u64 = 12 * 3600;

/// What became of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sent {
    Delivered,
    /// 404 or 410: the browser unsubscribed or the subscription expired; forget it.
    Gone,
    Failed(String),
}

pub(crate) struct PushClient {
    http: Client,
    vapid: Arc<Vapid>,
    allow_private: bool,
}

impl PushClient {
    pub(crate) fn new(vapid: Arc<Vapid>, allow_private: bool) -> Result<Self, reqwest::Error> {
        let mut builder = Client::builder()
            // A redirect could lead anywhere, including into the server's own network.
            .redirect(redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(PublicResolver));
        }
        Ok(Self {
            http: builder.build()?,
            vapid,
            allow_private,
        })
    }

    /// Encrypts `plaintext` for the subscription and posts it to its push service.
    pub(crate) async fn send(&self, subscription: &Subscription, plaintext: &[u8]) -> Sent {
        // Checked when stored; checked again in case the rules (or the setting) changed since.
        let url: Url = match endpoint::check(&subscription.endpoint, self.allow_private) {
            Ok(url) => url,
            Err(why) => return Sent::Failed(why),
        };
        let keys = match endpoint::keys(&subscription.p256dh, &subscription.auth) {
            Ok(keys) => keys,
            Err(why) => return Sent::Failed(why),
        };
        let body = match web_push_native::encrypt(plaintext.to_vec(), &keys.public, &keys.auth) {
            Ok(body) => body,
            Err(e) => return Sent::Failed(format!("encryption: {e}")),
        };
        let authorization = match self
            .vapid
            .authorization(&url, chrono::Utc::now().timestamp())
        {
            Ok(header) => header,
            Err(e) => return Sent::Failed(e.to_string()),
        };
        let answer = self
            .http
            .post(url)
            .header("TTL", TTL_SECS)
            .header("Urgency", "high")
            .header("Content-Encoding", "aes128gcm")
            .header("Content-Type", "application/octet-stream")
            .header("Authorization", authorization)
            .body(body)
            .send()
            .await;
        match answer {
            Ok(response) if response.status().is_success() => Sent::Delivered,
            Ok(response)
                if matches!(response.status(), StatusCode::NOT_FOUND | StatusCode::GONE) =>
            {
                Sent::Gone
            }
            Ok(response) => Sent::Failed(format!("push service answered {}", response.status())),
            // Without the URL: it is a capability (whoever has it can push to that browser).
            Err(e) => Sent::Failed(e.without_url().to_string()),
        }
    }
}
