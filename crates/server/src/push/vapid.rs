//! The server's VAPID identity (RFC 8292): one P-256 key that signs a short JWT on every push,
//! so push services know the pushes come from the server the browser subscribed with.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::SecretKey;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use reqwest::Url;
use serde::Serialize;
use sha2::Sha256;

/// A push's authorization stays valid this long (RFC 8292 allows up to 24 hours).
const TOKEN_LIFETIME_SECS: i64 = 12 * 3600;

/// Domain separation: the JWT secret signs sessions and file links under other labels.
const DERIVATION_LABEL: &[u8] = b"chat-server web push vapid key v1";

#[derive(Debug, thiserror::Error)]
pub enum VapidError {
    #[error("VAPID_PRIVATE_KEY must be a P-256 private key: 32 bytes in base64url ({0})")]
    BadKey(&'static str),
    #[error("cannot sign a VAPID token: {0}")]
    Sign(String),
}

pub(crate) struct Vapid {
    signing: EncodingKey,
    /// The uncompressed public point, unpadded base64url: what browsers get as
    /// `applicationServerKey` and push services in the `k=` parameter.
    public_key: String,
    subject: String,
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    exp: i64,
    sub: &'a str,
}

impl Vapid {
    /// The key from `VAPID_PRIVATE_KEY`, or else one derived from the JWT secret (which every
    /// instance shares already, so their pushes carry the same identity and subscriptions made
    /// through one instance work from all).
    pub(crate) fn load(
        from_env: Option<&str>,
        jwt_secret: &[u8],
        subject: String,
    ) -> Result<Self, VapidError> {
        let secret = match from_env {
            Some(encoded) => {
                let bytes = URL_SAFE_NO_PAD
                    .decode(encoded.trim().trim_end_matches('='))
                    .map_err(|_| VapidError::BadKey("not base64url"))?;
                // from_slice would also take a shorter slice, left-padded.
                if bytes.len() != 32 {
                    return Err(VapidError::BadKey("not 32 bytes"));
                }
                SecretKey::from_slice(&bytes).map_err(|_| VapidError::BadKey("not a P-256 key"))?
            }
            None => derive(jwt_secret)?,
        };
        let der = secret
            .to_pkcs8_der()
            .map_err(|e| VapidError::Sign(e.to_string()))?;
        let public = secret.public_key().to_encoded_point(false);
        Ok(Self {
            signing: EncodingKey::from_ec_der(der.as_bytes()),
            public_key: URL_SAFE_NO_PAD.encode(public.as_bytes()),
            subject,
        })
    }

    pub(crate) fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The `Authorization` header for a push to `endpoint`: a token for the endpoint's origin,
    /// and the public key that checks it.
    pub(crate) fn authorization(
        &self,
        endpoint: &Url,
        now_secs: i64,
    ) -> Result<String, VapidError> {
        let audience = endpoint.origin().ascii_serialization();
        let claims = Claims {
            aud: &audience,
            exp: now_secs + TOKEN_LIFETIME_SECS,
            sub: &self.subject,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.signing)
            .map_err(|e| VapidError::Sign(e.to_string()))?;
        Ok(format!("vapid t={token}, k={}", self.public_key))
    }
}

/// A P-256 scalar from the JWT secret by HKDF; the counter skips the (astronomically unlikely)
/// outputs that are not a valid scalar.
fn derive(jwt_secret: &[u8]) -> Result<SecretKey, VapidError> {
    let hkdf = Hkdf::<Sha256>::new(None, jwt_secret);
    for counter in 0u8..=255 {
        let mut okm = [0u8; 32];
        let mut info = DERIVATION_LABEL.to_vec();
        info.push(counter);
        hkdf.expand(&info, &mut okm)
            .map_err(|_| VapidError::BadKey("derivation failed"))?;
        if let Ok(key) = SecretKey::from_slice(&okm) {
            return Ok(key);
        }
    }
    Err(VapidError::BadKey("derivation failed"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation};

    #[test]
    fn derived_key_is_stable_and_signs_for_the_origin() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let a = Vapid::load(None, secret, "mailto:ops@example.com".into()).expect("derive");
        let b = Vapid::load(None, secret, "mailto:ops@example.com".into()).expect("derive");
        assert_eq!(a.public_key(), b.public_key());
        let other =
            Vapid::load(None, b"another secret of at least 32 bytes!", "x".into()).expect("derive");
        assert_ne!(a.public_key(), other.public_key());

        let endpoint = Url::parse("https://push.example.net:8443/send/abc").expect("url");
        let header = a.authorization(&endpoint, 1_000).expect("sign");
        let (token, key) = header
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split_once(", k="))
            .expect("vapid t=…, k=…");
        assert_eq!(key, a.public_key());
        let point = URL_SAFE_NO_PAD.decode(key).expect("base64url");
        assert_eq!(point.len(), 65, "uncompressed P-256 point");
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_audience(&["https://push.example.net:8443"]);
        validation.validate_exp = false;
        let claims = jsonwebtoken::decode::<serde_json::Value>(
            token,
            &DecodingKey::from_ec_der(&point),
            &validation,
        )
        .expect("a valid ES256 token for the endpoint's origin");
        assert_eq!(claims.claims["sub"], "mailto:ops@example.com");
        assert_eq!(claims.claims["exp"], 1_000 + TOKEN_LIFETIME_SECS);
    }

    #[test]
    fn key_from_the_environment() {
        let raw = [7u8; 32];
        let encoded = URL_SAFE_NO_PAD.encode(raw);
        let vapid = Vapid::load(Some(&encoded), b"unused", "mailto:a@b".into()).expect("key");
        let expected = SecretKey::from_slice(&raw).expect("scalar").public_key();
        assert_eq!(
            URL_SAFE_NO_PAD.decode(vapid.public_key()).expect("b64"),
            expected.to_encoded_point(false).as_bytes().to_vec()
        );
        assert!(Vapid::load(Some("not*base64"), b"", "x".into()).is_err());
        assert!(Vapid::load(Some(&URL_SAFE_NO_PAD.encode([0u8; 32])), b"", "x".into()).is_err());
        assert!(Vapid::load(Some(&URL_SAFE_NO_PAD.encode([1u8; 31])), b"", "x".into()).is_err());
    }
}
