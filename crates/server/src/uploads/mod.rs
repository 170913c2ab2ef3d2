//! Uploaded files: a body streamed to a staging file under a size limit (`intake`), its type
//! judged from its bytes and images made safe to serve (`images`), the bytes kept in a
//! [`Storage`] (`folder`), and signed links to them (`signing`). The database side (who owns
//! an upload, which message holds it) is `store::uploads`; the HTTP side `http::uploads`.

pub(crate) mod folder;
pub(crate) mod images;
mod intake;
pub(crate) mod names;
pub(crate) mod s3;
pub(crate) mod signing;
pub(crate) mod storage;

pub(crate) use intake::Received;
pub(crate) use storage::{Located, Storage};

/// What can go wrong with an upload, mapped to the contract's errors in `error.rs`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UploadError {
    #[error("file is larger than the limit of {0} bytes")]
    TooLarge(u64),
    #[error("the body ended before its Content-Length: {0}")]
    Incomplete(String),
    #[error("{0}")]
    BadName(String),
    #[error(transparent)]
    Image(#[from] images::ImageError),
    #[error("upload storage: {0}")]
    Storage(#[from] std::io::Error),
}

/// The upload settings and storage an instance runs with.
pub(crate) struct Uploads {
    storage: Box<dyn Storage>,
    max_bytes: u64,
    max_pixels: u64,
    /// Asks the sweep to run now (a message was deleted: its files should go).
    wake: tokio::sync::Notify,
}

impl Uploads {
    pub(crate) fn new(storage: Box<dyn Storage>, max_bytes: u64, max_pixels: u64) -> Self {
        Self {
            storage,
            max_bytes,
            max_pixels,
            wake: tokio::sync::Notify::new(),
        }
    }

    /// Sweeps as soon as the current sweep (if any) ends; many wakes make one sweep.
    pub(crate) fn wake_sweep(&self) {
        self.wake.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.wake.notified().await;
    }

    pub(crate) fn storage(&self) -> &dyn Storage {
        self.storage.as_ref()
    }

    pub(crate) fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    pub(crate) fn max_pixels(&self) -> u64 {
        self.max_pixels
    }
}
