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

pub(super) fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/uploads", web::post().to(upload))
        .route("/files/{id}/{variant}", web::get().to(serve));
}

#[derive(Debug, Deserialize)]
struct UploadQuery {
    name: String,
}

async fn upload(
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
struct Signed {
    exp: i64,
    sig: String,
}

/// Every way a link can fail is the same 404: nobody learns whether a file exists.
const NO_FILE: AppError = AppError::NotFound("no such file");

async fn serve(
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
    let Some(Located::File(file)) = located else {
        return Err(NO_FILE);
    };
    let mime: actix_web::mime::Mime = content_type
        .parse()
        .unwrap_or(actix_web::mime::APPLICATION_OCTET_STREAM);
    // Shown in the page only for the image types that were decoded and re-encoded here;
    // everything else (HTML, SVG, PDF, …) is a download, whatever it is.
    let disposition = if images::is_inline_image(&content_type) {
        DispositionType::Inline
    } else {
        DispositionType::Attachment
    };
    let file = NamedFile::open_async(file)
        .await
        .map_err(AppError::internal)?
        .set_content_type(mime)
        .set_content_disposition(ContentDisposition {
            disposition,
            parameters: vec![DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: row.name.clone().into_bytes(),
            })],
        });
    // NamedFile answers ranges, If-None-Match and If-Modified-Since itself.
    let mut response = file.into_response(&req);
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
