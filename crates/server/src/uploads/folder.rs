//! Uploads in a folder (`UPLOAD_DIR`, default `<data>/uploads`): `<dir>/<id>/original`. Files
//! are staged in `<dir>/.staging` on the same file system, so storing one is a rename.

use std::io;
use std::path::{Path, PathBuf};

use super::storage::{ByteStream, Located, Storage, StorageFuture, prepare_staging};

pub(crate) struct FolderStorage {
    root: PathBuf,
    staging: PathBuf,
}

impl FolderStorage {
    /// Creates the folder (and its staging folder) if needed; see [`prepare_staging`] for what
    /// is left there by a crash.
    pub(crate) fn open(root: PathBuf) -> io::Result<Self> {
        let staging = root.join(".staging");
        prepare_staging(&staging)?;
        Ok(Self { root, staging })
    }

    fn path_of(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }
}

/// Runs a short file-system call off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    actix_web::rt::task::spawn_blocking(f)
        .await
        .map_err(io::Error::other)?
}

impl Storage for FolderStorage {
    fn put<'a>(&'a self, key: &'a str, staged: &'a Path) -> StorageFuture<'a, ()> {
        let target = self.path_of(key);
        let staged = staged.to_owned();
        Box::pin(blocking(move || {
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::rename(staged, target)
        }))
    }

    fn delete<'a>(&'a self, key: &'a str) -> StorageFuture<'a, ()> {
        let target = self.path_of(key);
        Box::pin(blocking(move || {
            match std::fs::remove_file(&target) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            // The upload's folder goes with its last file; not empty yet is fine.
            if let Some(parent) = target.parent() {
                let _ = std::fs::remove_dir(parent);
            }
            Ok(())
        }))
    }

    fn locate<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Option<Located>> {
        let target = self.path_of(key);
        Box::pin(blocking(move || {
            Ok(target.is_file().then_some(Located::File(target)))
        }))
    }

    fn read<'a>(
        &'a self,
        _key: &'a str,
        _range: Option<std::ops::Range<u64>>,
    ) -> StorageFuture<'a, ByteStream> {
        // Files are located as `Located::File` and served by actix-files, never read here.
        Box::pin(async { Err(io::Error::other("folder storage serves files directly")) })
    }

    fn staging_dir(&self) -> &Path {
        &self.staging
    }
}
