//! Credentials, framework-free: argon2id password hashing, access JWTs, opaque refresh tokens
//! and their hashes, and the signing secret. No HTTP and no database here: `http::auth` and
//! `store::tokens` put these to use.

pub(crate) mod jwt;
pub(crate) mod password;
pub(crate) mod secret;
pub(crate) mod tokens;

pub(crate) use jwt::JwtKeys;
