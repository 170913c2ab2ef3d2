//! Uploading one file (`POST /api/uploads?name=…`, the file as the body) with progress and a way
//! to cancel: `fetch` reports neither, so this uses `XMLHttpRequest`. Its callbacks report to
//! the caller; the request object is the handle that cancels.

use std::rc::Rc;

use chat_protocol::Attachment;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{File, ProgressEvent, XmlHttpRequest};

use super::error::ApiError;

/// How an upload ended.
pub(crate) enum Uploaded {
    Done(Attachment),
    Refused(ApiError),
    /// Never answered: offline, or the server went away.
    Lost,
}

/// A started upload; dropping it does not stop it, [`Upload::cancel`] does.
pub(crate) struct Upload {
    request: XmlHttpRequest,
}

impl Upload {
    /// Starts sending `file` with `token`. `progress` gets (bytes sent, total); `done` is called
    /// once, unless the upload is cancelled.
    pub(crate) fn start(
        file: &File,
        token: &str,
        progress: impl Fn(f64, f64) + 'static,
        done: impl FnOnce(Uploaded) + 'static,
    ) -> Result<Self, String> {
        let failed = |_| "The browser could not start the upload.".to_owned();
        let request = XmlHttpRequest::new().map_err(failed)?;
        let name = String::from(js_sys::encode_uri_component(&file.name()));
        request
            .open("POST", &format!("/api/uploads?name={name}"))
            .map_err(failed)?;
        request
            .set_request_header("Authorization", &format!("Bearer {token}"))
            .map_err(failed)?;
        let kind = file.type_();
        let kind = if kind.is_empty() {
            "application/octet-stream".to_owned()
        } else {
            kind
        };
        request
            .set_request_header("Content-Type", &kind)
            .map_err(failed)?;

        let on_progress = Closure::<dyn Fn(ProgressEvent)>::new(move |e: ProgressEvent| {
            if e.length_computable() {
                progress(e.loaded(), e.total());
            }
        });
        request
            .upload()
            .map_err(failed)?
            .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        on_progress.forget();

        // `loadend` comes once for success, error and timeout alike (not after `abort()`'s
        // reset below, which removes the handler first).
        let finished = Rc::new(std::cell::Cell::new(Some(done)));
        let seen = request.clone();
        let on_end = Closure::<dyn Fn()>::new(move || {
            let Some(done) = finished.take() else {
                return;
            };
            let status = seen.status().unwrap_or(0);
            let body = seen.response_text().ok().flatten().unwrap_or_default();
            done(match status {
                0 => Uploaded::Lost,
                201 => match serde_json::from_str::<Attachment>(&body) {
                    Ok(attachment) => Uploaded::Done(attachment),
                    Err(_) => Uploaded::Refused(ApiError::from_response(500, "")),
                },
                status => Uploaded::Refused(ApiError::from_response(status, &body)),
            });
        });
        request.set_onloadend(Some(on_end.as_ref().unchecked_ref()));
        on_end.forget();
        request.send_with_opt_blob(Some(file)).map_err(failed)?;
        Ok(Self { request })
    }

    pub(crate) fn cancel(&self) {
        self.request.set_onloadend(None);
        let _ = self.request.abort();
    }
}
