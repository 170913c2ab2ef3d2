//! Uploads in an S3-compatible store (`UPLOAD_S3_BUCKET`, `UPLOAD_S3_ENDPOINT`,
//! `UPLOAD_S3_REGION`; credentials from the usual `AWS_*` variables), through `object_store`.
//! Files are still received and processed in a local staging folder (images must be decoded
//! from a file); storing one streams it up in parts, never whole in memory.

use std::io::{self, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix_web::web::Bytes;
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, PutPayload, WriteMultipart};

use super::storage::{ByteStream, Located, Storage, StorageFuture, prepare_staging};

/// Part size of uploads to the store: S3's minimum for all parts but the last is 5 MiB.
const PART: usize = 8 * 1024 * 1024;

/// Where the S3-compatible store is.
#[derive(Debug, Clone)]
pub(crate) struct S3Settings {
    pub bucket: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
}

pub(crate) struct S3Storage {
    store: Arc<dyn ObjectStore>,
    staging: PathBuf,
}

fn io_error(e: object_store::Error) -> io::Error {
    match e {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, e),
        other => io::Error::other(other),
    }
}

impl S3Storage {
    /// Configures the client (nothing is contacted yet). `staging` is a local folder for files
    /// being received (see [`prepare_staging`]).
    pub(crate) fn open(settings: &S3Settings, staging: PathBuf) -> io::Result<Self> {
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&settings.bucket);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder
                .with_allow_http(endpoint.starts_with("http://"))
                .with_endpoint(endpoint);
        }
        if let Some(region) = &settings.region {
            builder = builder.with_region(region);
        }
        let store = builder.build().map_err(io::Error::other)?;
        prepare_staging(&staging)?;
        Ok(Self {
            store: Arc::new(store),
            staging,
        })
    }
}

/// Streams the file at `staged` into `writer` one part at a time (read off the async workers),
/// with at most two parts in flight: memory stays at a few parts whatever the file's size.
async fn send_parts(writer: &mut WriteMultipart, staged: &Path) -> io::Result<()> {
    let mut file = Some(std::fs::File::open(staged)?);
    while let Some(mut reading) = file.take() {
        let (reading, chunk) = actix_web::rt::task::spawn_blocking(move || {
            let mut chunk = vec![0u8; PART];
            let mut filled = 0;
            while filled < PART {
                match reading.read(&mut chunk[filled..])? {
                    0 => break,
                    n => filled += n,
                }
            }
            chunk.truncate(filled);
            Ok::<_, io::Error>((reading, chunk))
        })
        .await
        .map_err(io::Error::other)??;
        if chunk.is_empty() {
            break;
        }
        let full = chunk.len() == PART;
        writer.wait_for_capacity(2).await.map_err(io_error)?;
        writer.put(Bytes::from(chunk));
        if full {
            file = Some(reading);
        }
    }
    Ok(())
}

impl Storage for S3Storage {
    fn put<'a>(&'a self, key: &'a str, staged: &'a Path) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let location = ObjectPath::from(key);
            let size = std::fs::metadata(staged)?.len();
            if size <= PART as u64 {
                // One request for what fits in a part (most files, every thumbnail).
                let path = staged.to_owned();
                let bytes = actix_web::rt::task::spawn_blocking(move || std::fs::read(path))
                    .await
                    .map_err(io::Error::other)??;
                self.store
                    .put(&location, PutPayload::from(bytes))
                    .await
                    .map_err(io_error)?;
            } else {
                let upload = self
                    .store
                    .put_multipart(&location)
                    .await
                    .map_err(io_error)?;
                let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
                if let Err(e) = send_parts(&mut writer, staged).await {
                    // Leave no half-uploaded parts behind in the bucket.
                    let _ = writer.abort().await;
                    return Err(e);
                }
                writer.finish().await.map_err(io_error)?;
            }
            // The staged file is consumed, as the folder's rename consumes it.
            let _ = std::fs::remove_file(staged);
            Ok(())
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            match self.store.delete(&ObjectPath::from(key)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(io_error(e)),
            }
        })
    }

    fn locate<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Option<Located>> {
        Box::pin(async move {
            match self.store.head(&ObjectPath::from(key)).await {
                Ok(meta) => Ok(Some(Located::Remote { size: meta.size })),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(io_error(e)),
            }
        })
    }

    fn read<'a>(
        &'a self,
        key: &'a str,
        range: Option<Range<u64>>,
    ) -> StorageFuture<'a, ByteStream> {
        Box::pin(async move {
            let options = GetOptions {
                range: range.map(GetRange::Bounded),
                ..GetOptions::default()
            };
            let got = self
                .store
                .get_opts(&ObjectPath::from(key), options)
                .await
                .map_err(io_error)?;
            Ok(got.into_stream().map(|part| part.map_err(io_error)).boxed())
        })
    }

    fn staging_dir(&self) -> &Path {
        &self.staging
    }
}
