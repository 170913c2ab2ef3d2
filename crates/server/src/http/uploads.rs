//! Files: `POST /api/uploads?name=` takes a file as the raw body and answers its `Attachment`;
//! `GET /api/files/{id}/{variant}?exp=&sig=` serves it to whoever holds a valid signed link
//! (no `Authorization`: an `<img src>` cannot send one; the link is the capability, and links
//! are only ever put in front of those who may see the file).

use actix_files::NamedFile;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, web};
use chat_protocol::UploadId;
use serde::Deserialize;

use super::extract::AuthUser;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::uploads;
use crate::uploads::signing::{Variant, signer};
use crate::uploads::storage::key;
use crate::uploads::{Located, UploadError, images, names};

#[derive(Debug, Deserialize)]
pub(super) struct UploadQuery {
    name: String,
}

pub(super) async fn upload(
    state: web::Data<AppState>,
    caller: AuthUser,
    query: web::Query<UploadQuery>,
    req: HttpRequest,
    body: web::Payload,
) -> AppResult<HttpResponse> {
    state.guards().check_write(caller.id)?;
    let name = names::clean(&query.name).map_err(UploadError::BadName)?;
    let declared_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let received = state
        .uploads()
        .receive(body, declared_type, declared_length)
        .await?;
    let owner = caller.id;
    let id = received.id;
    let stored = state
        .db(move |c| uploads::insert(c, owner, &name, &received))
        .await;
    match stored {
        Ok(row) => Ok(HttpResponse::Created().json(row.to_attachment())),
        Err(e) => {
            // No row, so nothing would ever sweep these bytes: remove them now.
            if let Err(gone) = state.uploads().discard(id).await {
                tracing::warn!(upload = %id, error = %gone, "an unrecorded upload's file was left behind");
            }
            Err(e)
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct Signed {
    exp: i64,
    sig: String,
}

/// An object of the remote store, whole or the one range asked for, streamed through.
async fn remote(
    state: &AppState,
    object: &str,
    size: u64,
    req: &HttpRequest,
    mime: actix_web::mime::Mime,
    disposition: ContentDisposition,
) -> AppResult<HttpResponse> {
    let asked = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    let range = match asked.map(|r| byte_range(r, size)) {
        None | Some(Ranged::Whole) => None,
        Some(Ranged::Part(range)) => Some(range),
        Some(Ranged::Unsatisfiable) => {
            return Ok(HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                .finish());
        }
    };
    let stream = state
        .uploads()
        .storage()
        .read(object, range.clone())
        .await
        .map_err(UploadError::from)?;
    let mut response = match &range {
        Some(r) => {
            let mut partial = HttpResponse::PartialContent();
            partial.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{size}", r.start, r.end - 1),
            ));
            partial
        }
        None => HttpResponse::Ok(),
    };
    let length = range.as_ref().map_or(size, |r| r.end - r.start);
    Ok(response
        .content_type(mime)
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .no_chunking(length)
        .streaming(stream))
}

/// What a `Range` header asks of an object of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Ranged {
    /// No usable range (several ranges, another unit, nonsense): the whole object, which
    /// RFC 9110 allows a server to send instead.
    Whole,
    Part(std::ops::Range<u64>),
    Unsatisfiable,
}

fn byte_range(header: &str, size: u64) -> Ranged {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Ranged::Whole;
    };
    if spec.contains(',') {
        return Ranged::Whole;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return Ranged::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let range = match (first.parse::<u64>(), last.parse::<u64>()) {
        // `bytes=a-b`, `bytes=a-`
        (Ok(a), Ok(b)) if a <= b => a..b.saturating_add(1).min(size),
        (Ok(a), Err(_)) if last.is_empty() => a..size,
        // `bytes=-n`: the last n bytes.
        (Err(_), Ok(n)) if first.is_empty() && n > 0 => size.saturating_sub(n)..size,
        _ => return Ranged::Whole,
    };
    if range.start >= size || range.is_empty() {
        Ranged::Unsatisfiable
    } else {
        Ranged::Part(range)
    }
}

/// Every way a link can fail is the same 404: nobody learns whether a file exists.
const NO_FILE: AppError = AppError::NotFound("no such file");

pub(super) async fn serve(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: Option<web::Query<Signed>>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let (id, variant) = path.into_inner();
    let (Ok(id), Some(variant), Some(signed)) = (
        id.parse::<UploadId>(),
        Variant::parse(&variant),
        query.map(web::Query::into_inner),
    ) else {
        return Err(NO_FILE);
    };
    let now = chrono::Utc::now().timestamp();
    if !signer().verify(id, variant, signed.exp, &signed.sig, now) {
        return Err(NO_FILE);
    }
    let row = state
        .db(move |c| uploads::servable(c, id))
        .await?
        .ok_or(NO_FILE)?;
    let content_type = match variant {
        Variant::Original => row.content_type.clone(),
        Variant::Thumbnail => row.thumbnail_type.clone().ok_or(NO_FILE)?,
    };
    let object = key(id, variant);
    let located = state
        .uploads()
        .storage()
        .locate(&object)
        .await
        .map_err(UploadError::from)?;
    let located = located.ok_or(NO_FILE)?;
    let mime: actix_web::mime::Mime = content_type
        .parse()
        .unwrap_or(actix_web::mime::APPLICATION_OCTET_STREAM);
    // Shown in the page only for the image types that were decoded and re-encoded here;
    // everything else (HTML, SVG, PDF, …) is a download, whatever it is.
    let disposition = ContentDisposition {
        disposition: if images::is_inline_image(&content_type) {
            DispositionType::Inline
        } else {
            DispositionType::Attachment
        },
        parameters: vec![DispositionParam::FilenameExt(header::ExtendedValue {
            charset: header::Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: row.name.clone().into_bytes(),
        })],
    };
    let mut response = match located {
        // NamedFile answers ranges, If-None-Match and If-Modified-Since itself.
        Located::File(file) => NamedFile::open_async(file)
            .await
            .map_err(AppError::internal)?
            .set_content_type(mime)
            .set_content_disposition(disposition)
            .into_response(&req),
        Located::Remote { size } => remote(&state, &object, size, &req, mime, disposition).await?,
    };
    let headers = response.headers_mut();
    let max_age = (signed.exp - now).max(0);
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_str(&format!("private, max-age={max_age}"))
            .map_err(AppError::internal)?,
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    // Should a browser render a downloaded file anyway, it gets no script and no origin.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::{Ranged, byte_range};

    #[test]
    fn ranges() {
        assert_eq!(byte_range("bytes=0-9", 100), Ranged::Part(0..10));
        assert_eq!(byte_range("bytes=90-200", 100), Ranged::Part(90..100));
        assert_eq!(byte_range("bytes=95-", 100), Ranged::Part(95..100));
        assert_eq!(byte_range("bytes=-5", 100), Ranged::Part(95..100));
        assert_eq!(byte_range("bytes=100-", 100), Ranged::Unsatisfiable);
        assert_eq!(byte_range("bytes=0-1,5-6", 100), Ranged::Whole);
        assert_eq!(byte_range("items=0-1", 100), Ranged::Whole);
        assert_eq!(byte_range("bytes=5-1", 100), Ranged::Whole);
    }
}
