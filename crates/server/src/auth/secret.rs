//! Where the JWT signing secret comes from: `JWT_SECRET`, or (embedded SQLite only) a secret
//! generated on first start and kept in the data folder so restarts keep sessions valid.

use std::io::Write;
use std::path::Path;

use super::tokens::random_token;

pub(crate) const MIN_SECRET_BYTES: usize = 32;
const SECRET_FILE: &str = "jwt_secret";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (got {0})")]
    TooShort(usize),
    #[error(
        "JWT_SECRET is required with PostgreSQL: every instance must share it (e.g. `openssl rand -base64 48`)"
    )]
    Missing,
    #[error("cannot read or write the secret file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot generate a secret: {0}")]
    Random(String),
}

pub(crate) fn load(
    from_env: Option<&str>,
    embedded: bool,
    data_dir: &Path,
) -> Result<Vec<u8>, SecretError> {
    if let Some(secret) = from_env {
        return check(secret.as_bytes().to_vec());
    }
    if !embedded {
        return Err(SecretError::Missing);
    }
    let path = data_dir.join(SECRET_FILE);
    let file_err = |source| SecretError::File {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(existing) => check(existing.trim().as_bytes().to_vec()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(data_dir).map_err(file_err)?;
            let secret = format!(
                "{}{}",
                random_token().map_err(|e| SecretError::Random(e.to_string()))?,
                random_token().map_err(|e| SecretError::Random(e.to_string()))?
            );
            write_private(&path, &secret).map_err(file_err)?;
            tracing::info!(path = %path.display(), "generated a new JWT signing secret");
            Ok(secret.into_bytes())
        }
        Err(e) => Err(file_err(e)),
    }
}

fn check(secret: Vec<u8>) -> Result<Vec<u8>, SecretError> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(SecretError::TooShort(secret.len()));
    }
    Ok(secret)
}

/// Created with mode 0600 so other local users cannot mint tokens.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_secret_must_be_long_enough() {
        let dir = std::env::temp_dir();
        assert!(matches!(
            load(Some("short"), true, &dir),
            Err(SecretError::TooShort(5))
        ));
        let long = "x".repeat(32);
        assert_eq!(load(Some(&long), false, &dir).unwrap(), long.as_bytes());
        assert!(matches!(load(None, false, &dir), Err(SecretError::Missing)));
    }

    #[test]
    fn generated_secret_is_kept() {
        let dir = std::env::temp_dir().join(format!("chat-secret-{}", uuid::Uuid::new_v4()));
        let first = load(None, true, &dir).unwrap();
        assert!(first.len() >= 64);
        assert_eq!(load(None, true, &dir).unwrap(), first);
        let _ = std::fs::remove_dir_all(dir);
    }
}
