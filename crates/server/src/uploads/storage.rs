//! Where uploaded bytes live, behind one trait: each upload keeps `<id>/original` and, for
//! images, `<id>/thumbnail`. Keys are made from upload ids only, never from user input.

use std::future::Future;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use actix_web::web::Bytes;
use futures_util::stream::BoxStream;

use chat_protocol::UploadId;

use super::signing::Variant;

pub(crate) type StorageFuture<'a, T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send + 'a>>;

/// The storage key of one variant of an upload.
pub(crate) fn key(id: UploadId, variant: Variant) -> String {
    format!("{id}/{}", variant.as_str())
}

/// How a stored object can be served.
pub(crate) enum Located {
    /// A file on this machine (served with ranges by actix-files).
    File(PathBuf),
    /// An object elsewhere, of this many bytes, read with [`Storage::read`].
    Remote { size: u64 },
}

/// Bytes of an object as they arrive.
pub(crate) type ByteStream = BoxStream<'static, io::Result<Bytes>>;

pub(crate) trait Storage: Send + Sync {
    /// Stores the finished local file `staged` under `key`; the staged file is consumed.
    fn put<'a>(&'a self, key: &'a str, staged: &'a Path) -> StorageFuture<'a, ()>;

    /// Removes `key`; one that is already gone is no error (sweeps may run twice).
    fn delete<'a>(&'a self, key: &'a str) -> StorageFuture<'a, ()>;

    /// Where `key` can be read from, or `None` if it is not stored.
    fn locate<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Option<Located>>;

    /// Streams `range` of `key` (all of it for `None`); only for [`Located::Remote`] objects.
    fn read<'a>(&'a self, key: &'a str, range: Option<Range<u64>>)
    -> StorageFuture<'a, ByteStream>;

    /// A folder on this machine for files being received and processed before `put`.
    fn staging_dir(&self) -> &Path;
}

/// How old a staged file must be before start-up removes it as a crash's leftover. Several
/// instances may share one upload folder: a younger file may be another instance's upload in
/// progress (none takes this long).
const STAGED_LEFTOVER_AGE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Makes the staging folder `dir` and removes the leftovers of a crash in it: files no upload
/// refers to, older than a day.
pub(crate) fn prepare_staging(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let now = std::time::SystemTime::now();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let modified = entry.metadata()?.modified()?;
        let old = now
            .duration_since(modified)
            .is_ok_and(|age| age > STAGED_LEFTOVER_AGE);
        if old && entry.file_type()?.is_file() {
            // Another instance may remove the same leftover at the same time.
            match std::fs::remove_file(entry.path()) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staging_keeps_what_may_be_in_progress_and_clears_old_leftovers() {
        let dir = std::env::temp_dir().join(format!("staging-test-{}", uuid::Uuid::new_v4()));
        prepare_staging(&dir).expect("made");
        let (fresh, old) = (dir.join("fresh"), dir.join("old"));
        std::fs::write(&fresh, b"another instance's upload").expect("write");
        std::fs::write(&old, b"a crash's leftover").expect("write");
        let two_days_ago = std::time::SystemTime::now() - 2 * STAGED_LEFTOVER_AGE;
        std::fs::File::options()
            .write(true)
            .open(&old)
            .and_then(|f| f.set_modified(two_days_ago))
            .expect("age");
        prepare_staging(&dir).expect("prepared");
        assert!(fresh.exists(), "an upload in progress elsewhere survives");
        assert!(!old.exists(), "a leftover goes");
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
