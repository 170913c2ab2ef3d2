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
