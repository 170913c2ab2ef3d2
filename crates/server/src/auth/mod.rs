//! Authentication: password hashing, access JWTs, opaque refresh tokens, the signing secret, and
//! the extractor that turns `Authorization: Bearer` into the caller's identity.

pub mod extractor;
pub mod jwt;
pub mod password;
pub mod secret;
pub mod tokens;

pub use extractor::AuthUser;
pub use jwt::JwtKeys;
