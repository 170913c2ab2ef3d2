//! Files being attached in one chat's composer: each chosen, pasted or dropped file is uploaded
//! at once (with progress, cancel and retry) and shown as a chip (`model::uploads`); the
//! message takes them once all are uploaded. An upload that never got an answer (offline)
//! starts again by itself when the connection is back.

use leptos::prelude::*;
use web_sys::File;

use super::ChatState;
use crate::model::uploads::Tray;
use crate::net::upload::{Upload, Uploaded};
use crate::text::error_text::{Attempt, explain};

const LOST: &str = "Not uploaded: no connection. It starts again when you are back online.";

/// One composer's attachments. Cheap to copy; lives as long as the composer.
#[derive(Clone, Copy)]
pub(crate) struct Attaching {
    pub(crate) tray: RwSignal<Tray>,
    // Vectors, not maps: a handful of entries, and each map type costs the web app code.
    files: StoredValue<Vec<(u32, File)>, LocalStorage>,
    uploads: StoredValue<Vec<(u32, Upload)>, LocalStorage>,
    /// Chips whose upload got no answer, to start again when the connection is back.
    lost: StoredValue<Vec<u32>>,
}

impl Attaching {
    pub(crate) fn new() -> Self {
        Self {
            tray: RwSignal::new(Tray::default()),
            files: StoredValue::new_local(Vec::new()),
            uploads: StoredValue::new_local(Vec::new()),
            lost: StoredValue::new(Vec::new()),
        }
    }

    /// Adds files and starts uploading them; past the per-message limit the rest are refused
    /// with a notice.
    pub(crate) fn add(&self, state: ChatState, files: Vec<File>) {
        for file in files {
            let added = self
                .tray
                .try_update(|t| t.add(&file.name(), file.size()))
                .flatten();
            let Some(key) = added else {
                state.notify(format!(
                    "A message can carry at most {} files.",
                    chat_protocol::limits::ATTACHMENTS_MAX
                ));
                return;
            };
            self.files.update_value(|f| f.push((key, file)));
            self.start(state, key);
        }
    }

    fn start(&self, state: ChatState, key: u32) {
        let this = *self;
        leptos::task::spawn_local(async move {
            let token = match state.session().fresh_access_token().await {
                Ok(token) => token,
                Err(e) => {
                    this.tray
                        .try_update(|t| t.failed(key, explain(&e, Attempt::Other)));
                    return;
                }
            };
            let Some(file) = this
                .files
                .try_with_value(|f| f.iter().find(|(k, _)| *k == key).map(|(_, f)| f.clone()))
                .flatten()
            else {
                return;
            };
            let tray = this.tray;
            let started = Upload::start(
                &file,
                &token,
                move |sent, total| {
                    tray.try_update(|t| t.progress(key, sent, total));
                },
                move |ended| {
                    // The composer may be gone (another chat opened): then nothing to show.
                    let _ = this
                        .uploads
                        .try_update_value(|u| u.retain(|(k, _)| *k != key));
                    match ended {
                        Uploaded::Done(attachment) => {
                            tray.try_update(|t| t.uploaded(key, attachment));
                        }
                        Uploaded::Refused(e) => {
                            tray.try_update(|t| t.failed(key, explain(&e, Attempt::Other)));
                        }
                        Uploaded::Lost => {
                            let _ = this.lost.try_update_value(|l| l.push(key));
                            tray.try_update(|t| t.failed(key, LOST.to_owned()));
                        }
                    }
                },
            );
            match started {
                Ok(upload) => {
                    let _ = this.uploads.try_update_value(|u| u.push((key, upload)));
                }
                Err(why) => {
                    this.tray.try_update(|t| t.failed(key, why));
                }
            }
        });
    }

    /// Stops an upload (or forgets a finished one) and removes its chip.
    pub(crate) fn remove(&self, key: u32) {
        let upload = self.uploads.try_update_value(|u| {
            let at = u.iter().position(|(k, _)| *k == key)?;
            Some(u.remove(at).1)
        });
        if let Some(upload) = upload.flatten() {
            upload.cancel();
        }
        self.files.update_value(|f| f.retain(|(k, _)| *k != key));
        self.lost.update_value(|l| l.retain(|k| *k != key));
        self.tray.update(|t| t.remove(key));
    }

    pub(crate) fn retry(&self, state: ChatState, key: u32) {
        self.lost.update_value(|l| l.retain(|k| *k != key));
        self.tray.update(|t| t.restart(key));
        self.start(state, key);
    }

    /// The connection is back: uploads that got no answer start again.
    pub(crate) fn resume(&self, state: ChatState) {
        let lost = self
            .lost
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        for key in lost {
            self.tray.update(|t| t.restart(key));
            self.start(state, key);
        }
    }

    /// The message went: the chips go with it.
    pub(crate) fn clear(&self) {
        self.files.update_value(Vec::clear);
        self.uploads.update_value(Vec::clear);
        self.lost.update_value(Vec::clear);
        self.tray.update(Tray::clear);
    }
}
