//! Signed, expiring links to uploaded files. A link is the capability: whoever holds it may
//! fetch the file until it expires, which is what lets `<img src>` work without headers. Links
//! are handed only to those who may see the file (members of the chat that holds it, or its
//! uploader before it is attached), and signed afresh whenever a message is rendered, so a
//! leaked link dies within the lifetime.
//!
//! The signature is HMAC-SHA256 over (id, variant, expiry) with a key derived from the JWT
//! secret: every instance shares that secret already, so a link signed by one instance is
//! good on all of them, and no second secret has to be kept.

use std::sync::OnceLock;

use chat_protocol::UploadId;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Which bytes of an upload a link points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    Original,
    Thumbnail,
}

impl Variant {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Thumbnail => "thumbnail",
        }
    }

    pub(crate) fn parse(raw: &str) -> Option<Self> {
        match raw {
            "original" => Some(Self::Original),
            "thumbnail" => Some(Self::Thumbnail),
            _ => None,
        }
    }
}

pub(crate) struct UrlSigner {
    key: [u8; 32],
    ttl_secs: i64,
}

impl UrlSigner {
    /// `secret` is the server's JWT secret; the key is derived from it so that a link's
    /// signature can never be replayed as (or confused with) a token's.
    pub(crate) fn new(secret: &[u8], ttl_secs: i64) -> Self {
        let mut derive = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
        derive.update(b"chat-server upload links v1");
        Self {
            key: derive.finalize().into_bytes().into(),
            ttl_secs: ttl_secs.max(1),
        }
    }

    fn mac(&self, id: UploadId, variant: Variant, exp: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(format!("{id}\n{}\n{exp}", variant.as_str()).as_bytes());
        mac
    }

    /// When a link signed at `now` (unix seconds) expires. Rounded up to a tenth of the
    /// lifetime, so a page of messages rendered twice within that step carries the same links
    /// and the browser's cache keeps working; a link lives between 1 and 1.1 lifetimes.
    pub(crate) fn expiry(&self, now: i64) -> i64 {
        let step = (self.ttl_secs / 10).max(1);
        (now + self.ttl_secs + step - 1) / step * step
    }

    /// The path (with query) of a signed link, relative to the server.
    pub(crate) fn url(&self, id: UploadId, variant: Variant, now: i64) -> String {
        let exp = self.expiry(now);
        let sig = hex(&self.mac(id, variant, exp).finalize().into_bytes());
        format!("/api/files/{id}/{}?exp={exp}&sig={sig}", variant.as_str())
    }

    /// Whether `sig` is this server's signature of (id, variant, exp) and `exp` is still ahead.
    /// The comparison is constant-time.
    pub(crate) fn verify(
        &self,
        id: UploadId,
        variant: Variant,
        exp: i64,
        sig: &str,
        now: i64,
    ) -> bool {
        if exp <= now {
            return false;
        }
        let Some(sig) = unhex(sig) else {
            return false;
        };
        self.mac(id, variant, exp).verify_slice(&sig).is_ok()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

static SIGNER: OnceLock<UrlSigner> = OnceLock::new();

/// Installs the server's signer; called once at start, before any message is rendered.
/// Process-wide because messages are rendered in a dozen places (handlers, the message
/// writers' threads, fan-out gap filling) that hold no server state, and every rendering must
/// sign. Returns false if a signer was already in place (a second server in one process).
pub(crate) fn install(signer: UrlSigner) -> bool {
    SIGNER.set(signer).is_ok()
}

/// The installed signer. Without one (store-level unit tests) a random key is used, so links
/// are well-formed but good only within this process.
pub(crate) fn signer() -> &'static UrlSigner {
    SIGNER.get_or_init(|| {
        let mut key = [0u8; 32];
        // A failing OS random source leaves the zero key: only reachable in tests.
        let _ = getrandom::fill(&mut key);
        UrlSigner::new(&key, 3600)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_verify_until_they_expire_and_not_when_changed() {
        let signer = UrlSigner::new(b"0123456789abcdef0123456789abcdef", 3600);
        let id = UploadId::from(uuid::Uuid::from_u128(7));
        let url = signer.url(id, Variant::Original, 1_000_000);
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let params: Vec<(&str, &str)> = query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .collect();
        let exp: i64 = params[0].1.parse().unwrap();
        let sig = params[1].1;
        assert!((1_003_600..=1_003_600 + 360).contains(&exp));
        assert!(signer.verify(id, Variant::Original, exp, sig, 1_000_000));
        assert!(
            !signer.verify(id, Variant::Original, exp, sig, exp),
            "expired"
        );
        assert!(
            !signer.verify(id, Variant::Thumbnail, exp, sig, 1_000_000),
            "other variant"
        );
        assert!(
            !signer.verify(id, Variant::Original, exp + 1, sig, 1_000_000),
            "other expiry"
        );
        let other = UploadId::from(uuid::Uuid::from_u128(8));
        assert!(
            !signer.verify(other, Variant::Original, exp, sig, 1_000_000),
            "other file"
        );
        let mut tampered = sig.to_owned();
        tampered.replace_range(0..1, if sig.starts_with('0') { "1" } else { "0" });
        assert!(!signer.verify(id, Variant::Original, exp, &tampered, 1_000_000));
        assert!(!signer.verify(id, Variant::Original, exp, "zz", 1_000_000));
        let stranger = UrlSigner::new(b"another secret, also 32 bytes long", 3600);
        assert!(!stranger.verify(id, Variant::Original, exp, sig, 1_000_000));
    }
}
