//! From request body to stored bytes: the body is streamed to a staging file (never whole in
//! memory) while its size is counted against the limit, then judged and, for images,
//! re-encoded on the blocking pool, then handed to the storage.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use actix_web::web::Bytes;
use chat_protocol::UploadId;
use futures_util::{Stream, StreamExt};

use super::images::{self, Processed};
use super::signing::Variant;
use super::storage::key;
use super::{UploadError, Uploads};

/// Bytes of the body kept for sniffing its type (more than any signature `infer` reads).
const HEAD: usize = 8 * 1024;

/// An upload whose bytes are stored, for its database row.
#[derive(Debug)]
pub(crate) struct Received {
    pub id: UploadId,
    pub content_type: String,
    /// Bytes of what is served (for images: the re-encoded file).
    pub size: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub thumbnail_type: Option<&'static str>,
}

/// Staged files, removed when this is dropped: whatever path an upload takes out of
/// `receive` (an error, a refusal, a dropped connection), no staged file is left behind. Files
/// handed to the storage are gone from staging already; removing them then is a no-op.
struct Staged(Vec<PathBuf>);

impl Drop for Staged {
    fn drop(&mut self) {
        for path in &self.0 {
            // Unlinking is quick; a file that is not there (moved, never made) is fine.
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The type an upload is stored and served with: what its bytes are when `infer` knows
/// them. Bytes it does not know (plain text and the like) keep the uploader's word only for a
/// few harmless types; anything else is `application/octet-stream`, so a file claiming to be
/// an image that is not one is never served as one.
fn judged_type(sniffed: Option<&'static str>, declared: Option<&str>) -> String {
    if let Some(sniffed) = sniffed {
        return sniffed.to_owned();
    }
    let declared = declared
        .and_then(|d| d.split(';').next())
        .map(|d| d.trim().to_ascii_lowercase());
    match declared.as_deref() {
        Some(harmless @ ("text/plain" | "text/csv" | "text/markdown" | "application/json")) => {
            harmless.to_owned()
        }
        _ => "application/octet-stream".to_owned(),
    }
}

impl Uploads {
    /// Streams `body` into storage as a new upload. `declared_length` (the request's
    /// Content-Length) over the limit is refused before reading; the count while streaming is
    /// what holds either way (chunked bodies, lying headers).
    pub(crate) async fn receive<S, E>(
        &self,
        body: S,
        declared_type: Option<String>,
        declared_length: Option<u64>,
    ) -> Result<Received, UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        if declared_length.is_some_and(|n| n > self.max_bytes()) {
            return Err(UploadError::TooLarge(self.max_bytes()));
        }
        let id = UploadId::from(uuid::Uuid::new_v4());
        let path = self.storage().staging_dir().join(id.to_string());
        let mut staged = Staged(vec![path.clone()]);

        // The file is written on the blocking pool, fed through a short queue: a slow disk
        // slows the upload (back-pressure), it never blocks an async worker.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(8);
        let file_path = path.clone();
        let writer = actix_web::rt::task::spawn_blocking(move || -> std::io::Result<()> {
            let mut file = BufWriter::new(std::fs::File::create(&file_path)?);
            while let Some(chunk) = rx.blocking_recv() {
                file.write_all(&chunk)?;
            }
            file.flush()
        });
        let mut head = Vec::with_capacity(HEAD);
        let streamed = stream_to(&tx, body, self.max_bytes(), &mut head).await;
        drop(tx);
        // Wait for the writer either way, so the file is closed before it is removed or used.
        let written = writer.await.map_err(std::io::Error::other)?;
        let mut size = streamed?;
        written?;

        let max_pixels = self.max_pixels();
        let sniffed = images::sniff(&head);
        let content_type = judged_type(sniffed, declared_type.as_deref());
        let processed: Option<Processed> = if images::is_inline_image(&content_type) {
            let (to_process, kind) = (path.clone(), content_type.clone());
            let processed = actix_web::rt::task::spawn_blocking(move || {
                images::process(&to_process, &kind, max_pixels)
            })
            .await
            .map_err(std::io::Error::other)??;
            staged.0.push(processed.original.clone());
            staged.0.push(processed.thumbnail.clone());
            Some(processed)
        } else {
            None
        };

        let served = processed.as_ref().map_or(&path, |p| &p.original);
        if let Some(processed) = &processed {
            size = processed.size;
        }
        let original_key = key(id, Variant::Original);
        self.storage().put(&original_key, served).await?;
        if let Some(processed) = &processed
            && let Err(e) = self
                .storage()
                .put(&key(id, Variant::Thumbnail), &processed.thumbnail)
                .await
        {
            let _ = self.storage().delete(&original_key).await;
            return Err(e.into());
        }
        Ok(Received {
            id,
            content_type,
            size,
            width: processed.as_ref().map(|p| p.width),
            height: processed.as_ref().map(|p| p.height),
            thumbnail_type: processed.as_ref().map(|p| p.thumbnail_type),
        })
    }

    /// Removes an upload's bytes (both variants); what is already gone is no error.
    pub(crate) async fn discard(&self, id: UploadId) -> std::io::Result<()> {
        self.storage().delete(&key(id, Variant::Thumbnail)).await?;
        self.storage().delete(&key(id, Variant::Original)).await
    }
}

/// Feeds the body to the writer, counting bytes and keeping the first [`HEAD`] of them.
async fn stream_to<S, E>(
    tx: &tokio::sync::mpsc::Sender<Bytes>,
    mut body: S,
    max: u64,
    head: &mut Vec<u8>,
) -> Result<u64, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut size: u64 = 0;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| UploadError::Incomplete(e.to_string()))?;
        size = size.saturating_add(chunk.len() as u64);
        if size > max {
            return Err(UploadError::TooLarge(max));
        }
        if head.len() < HEAD {
            let take = chunk.len().min(HEAD - head.len());
            head.extend_from_slice(&chunk[..take]);
        }
        if tx.send(chunk).await.is_err() {
            // The writer stopped (its error is reported by the caller).
            break;
        }
    }
    Ok(size)
}

#[cfg(test)]
mod tests {
    use super::judged_type;

    #[test]
    fn the_bytes_decide_and_unknown_claims_are_not_believed() {
        assert_eq!(
            judged_type(Some("image/png"), Some("image/jpeg")),
            "image/png"
        );
        assert_eq!(
            judged_type(None, Some("text/plain; charset=utf-8")),
            "text/plain"
        );
        assert_eq!(
            judged_type(None, Some("image/png")),
            "application/octet-stream"
        );
        assert_eq!(
            judged_type(None, Some("image/svg+xml")),
            "application/octet-stream"
        );
        assert_eq!(
            judged_type(None, Some("text/html")),
            "application/octet-stream"
        );
        assert_eq!(judged_type(None, None), "application/octet-stream");
    }
}
