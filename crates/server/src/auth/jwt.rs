//! HS256 access tokens: `sub` = user id, `sid` = the session, `exp`, `iat`, plus the username
//! so sockets can announce the user without a database round trip.

use chat_protocol::{SessionId, User, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: UserId,
    /// Tokens from before sessions existed have none: they are refused, and clients renew.
    sid: SessionId,
    name: String,
    iat: i64,
    exp: i64,
}

/// What an access token proves: who, in which session, until when (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub(crate) user: User,
    pub(crate) session: SessionId,
    pub(crate) expires_at: i64,
}

pub(crate) struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl_secs: i64,
}

impl JwtKeys {
    pub(crate) fn new(secret: &[u8], access_ttl_secs: i64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expired means expired: the client refreshes ahead of time.
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl_secs,
        }
    }

    pub(crate) fn issue(&self, user: &User, session: SessionId) -> Result<String, AppError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user.id,
            sid: session,
            name: user.username.clone(),
            iat: now,
            exp: now + self.access_ttl_secs,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::internal(format!("signing token: {e}")))
    }

    /// What a token proves: only HS256 tokens signed with our secret and not yet expired.
    pub(crate) fn verify(&self, token: &str) -> Result<Caller, AppError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| AppError::Unauthorized("invalid or expired access token"))?;
        Ok(Caller {
            user: User {
                id: data.claims.sub,
                username: data.claims.name,
            },
            session: data.claims.sid,
            expires_at: data.claims.exp,
        })
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use uuid::Uuid;

    use super::*;

    fn alice() -> (User, SessionId) {
        let user = User {
            id: UserId::from(Uuid::new_v4()),
            username: "alice".into(),
        };
        (user, SessionId::from(Uuid::new_v4()))
    }

    fn keys() -> JwtKeys {
        JwtKeys::new(&[7u8; 32], 60)
    }

    #[test]
    fn issued_tokens_verify() {
        let (user, session) = alice();
        let token = keys().issue(&user, session).unwrap();
        let who = keys().verify(&token).unwrap();
        assert_eq!((who.user, who.session), (user, session));
        let lifetime = who.expires_at - chrono::Utc::now().timestamp();
        assert!((59..=60).contains(&lifetime), "{lifetime}");
    }

    #[test]
    fn refuses_other_secret_alg_none_tampering_and_expiry() {
        let (user, session) = alice();
        let token = keys().issue(&user, session).unwrap();
        assert!(JwtKeys::new(&[8u8; 32], 60).verify(&token).is_err());

        let parts: Vec<&str> = token.split('.').collect();
        let none_header = B64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        assert!(
            keys()
                .verify(&format!("{none_header}.{}.", parts[1]))
                .is_err()
        );

        let forged_payload = B64.encode(
            format!(
                r#"{{"sub":"{}","name":"mallory","iat":0,"exp":9999999999}}"#,
                Uuid::new_v4()
            )
            .as_bytes(),
        );
        let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert!(keys().verify(&tampered).is_err());

        let expired = JwtKeys::new(&[7u8; 32], -10).issue(&user, session).unwrap();
        assert!(keys().verify(&expired).is_err());
        assert!(keys().verify("garbage").is_err());
        let far = chrono::Utc::now().timestamp() + 600;
        let sessionless = encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({"sub": user.id, "name": "alice", "iat": 0, "exp": far}),
            &EncodingKey::from_secret(&[7u8; 32]),
        )
        .unwrap();
        assert!(
            keys().verify(&sessionless).is_err(),
            "a token that names no session is refused"
        );
    }
}
