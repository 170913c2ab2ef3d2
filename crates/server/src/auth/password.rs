//! argon2id password hashing. Slow by design (tens of ms), so callers run it on the blocking pool.

use std::sync::LazyLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use crate::error::AppError;

pub fn hash(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("hashing password: {e}")))
}

/// Verifies `password` against a stored PHC string; a malformed stored hash counts as a mismatch.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the same time as a real verification, so a login for an unknown user cannot be told
/// apart from a wrong password by its latency.
pub fn verify_dummy(password: &str) {
    static DUMMY: LazyLock<String> =
        LazyLock::new(|| hash("dummy-password-for-timing").unwrap_or_default());
    let _ = verify(password, &DUMMY);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse", &h));
        assert!(!verify("wrong horse", &h));
        assert!(!verify("correct horse", "not-a-hash"));
        assert_ne!(h, hash("correct horse").unwrap(), "salted");
    }
}
