//! Files in the conversation: the chips of files being attached (progress, cancel, retry), the
//! attach button, a message's files (images inline at their real proportions, other files as
//! chips with name and size that download), and the lightbox that shows an image whole.

use chat_protocol::Attachment;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::model::uploads::{ChipState, human_size};
use crate::state::{Attaching, ChatState};

/// The image shown whole, and the id of what opened it (focus goes back there on close).
#[derive(Clone, Copy)]
pub(super) struct Viewing(pub(super) RwSignal<Option<(Attachment, String)>>);

/// Files from a file list (input, drop, paste), in order.
pub(super) fn files_of(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// The paperclip button and its hidden file input.
#[component]
pub(super) fn AttachButton() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let attaching = expect_context::<Attaching>();
    let input = NodeRef::<html::Input>::new();
    view! {
        <input
            type="file"
            multiple
            id="attach-input"
            class="visually-hidden"
            tabindex="-1"
            aria-hidden="true"
            node_ref=input
            on:change=move |_| {
                if let Some(el) = input.get_untracked() {
                    attaching.add(state, files_of(el.files()));
                    // The same file can be chosen again.
                    el.set_value("");
                }
            }
        />
        <button
            type="button"
            id="attach"
            class="ghost attach"
            aria-label="Attach files"
            title="Attach files (or drop or paste them)"
            on:click=move |_| {
                if let Some(el) = input.get_untracked() {
                    el.click();
                }
            }
        >
            // Drawn, not an emoji: not every system has an emoji font.
            <svg class="attach-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                <path
                    d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5"
                    fill="none"
                    stroke="currentColor"
                    stroke-width="1.8"
                    stroke-linecap="round"
                ></path>
            </svg>
        </button>
    }
}

/// The files waiting to go with the next message.
#[component]
pub(super) fn AttachTray() -> impl IntoView {
    let state = expect_context::<ChatState>();
    let attaching = expect_context::<Attaching>();
    let chips = move || {
        attaching.tray.with(|t| {
            t.chips()
                .iter()
                .map(|chip| {
                    let key = chip.key;
                    let name = chip.name.clone();
                    let size = human_size(chip.size);
                    let percent = (chip.progress() * 100.0).round() as u32;
                    let (status, failed, uploading) = match &chip.state {
                        ChipState::Uploading { .. } => (format!("{percent}%"), None, true),
                        ChipState::Uploaded(_) => ("Ready".to_owned(), None, false),
                        ChipState::Failed(why) => ("Failed".to_owned(), Some(why.clone()), false),
                    };
                    let is_failed = failed.is_some();
                    let label = format!("Remove {name}");
                    let retry_label = format!("Retry {name}");
                    view! {
                        <li class="upload-chip" class:failed=is_failed data-key=key.to_string()>
                            <span class="upload-name" title=name.clone()>{name.clone()}</span>
                            <span class="upload-size">{size}</span>
                            {uploading
                                .then(|| {
                                    view! {
                                        <progress
                                            class="upload-progress"
                                            max="100"
                                            value=percent.to_string()
                                            aria-label=format!("Uploading {name}")
                                        ></progress>
                                    }
                                })}
                            <span class="upload-status">{status}</span>
                            {failed
                                .clone()
                                .map(|why| view! { <span class="upload-error" role="alert">{why}</span> })}
                            {failed
                                .map(|_| {
                                    view! {
                                        <button
                                            type="button"
                                            class="ghost small upload-retry"
                                            aria-label=retry_label
                                            on:click=move |_| attaching.retry(state, key)
                                        >
                                            "Retry"
                                        </button>
                                    }
                                })}
                            <button
                                type="button"
                                class="ghost small upload-remove"
                                aria-label=label
                                on:click=move |_| attaching.remove(key)
                            >
                                "✕"
                            </button>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <Show when=move || !attaching.tray.with(|t| t.is_empty())>
            <ul class="upload-tray" id="upload-tray" aria-label="Files to send">
                {chips}
            </ul>
        </Show>
    }
}

/// A message's files: images as previews that keep their proportions while loading, other
/// files as download chips.
#[component]
pub(super) fn MessageFiles(files: Vec<Attachment>, message_key: String) -> impl IntoView {
    let viewing = use_context::<Viewing>();
    let items = files
        .into_iter()
        .enumerate()
        .map(|(i, file)| {
            let is_image = file.content_type.starts_with("image/")
                && file.thumbnail_url.is_some()
                && file.width.is_some_and(|w| w > 0)
                && file.height.is_some_and(|h| h > 0);
            if is_image {
                let (w, h) = (file.width.unwrap_or(1), file.height.unwrap_or(1));
                let src = file.thumbnail_url.clone().unwrap_or_default();
                let id = format!("file-{message_key}-{i}");
                let alt = file.name.clone();
                let open_id = id.clone();
                view! {
                    <button
                        type="button"
                        class="file-image"
                        id=id
                        aria-label=format!("Open image {}", file.name)
                        style=format!("aspect-ratio: {w} / {h}; width: min(100%, {}px)", w.min(320))
                        on:click=move |ev| {
                            // Not the bubble's own tap (touch actions).
                            ev.stop_propagation();
                            if let Some(viewing) = viewing {
                                viewing.0.set(Some((file.clone(), open_id.clone())));
                            }
                        }
                    >
                        <img src=src alt=alt loading="lazy" width=w.to_string() height=h.to_string() />
                    </button>
                }
                .into_any()
            } else {
                let size = human_size(file.size as f64);
                let kind = extension(&file.name);
                view! {
                    <a
                        class="file-chip"
                        href=file.url.clone()
                        download=file.name.clone()
                        on:click=|ev| ev.stop_propagation()
                    >
                        <span class="file-kind" aria-hidden="true">{kind}</span>
                        <span class="file-name">{file.name.clone()}</span>
                        <span class="file-size">{size}</span>
                    </a>
                }
                .into_any()
            }
        })
        .collect_view();
    view! { <div class="msg-files">{items}</div> }
}

/// A file's kind as a short badge: its extension ("PDF"), or "FILE".
fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|ext| {
            (1..=4).contains(&ext.len()) && ext.chars().all(|c| c.is_ascii_alphanumeric())
        })
        .unwrap_or("file")
        .to_ascii_uppercase()
}

fn focus(id: &str) {
    if let Some(el) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// An image shown whole over the conversation; Escape, the close button or a click outside
/// close it, and focus goes back to the preview that opened it.
#[component]
pub(super) fn Lightbox() -> impl IntoView {
    let viewing = expect_context::<Viewing>().0;
    let close_button = NodeRef::<html::Button>::new();
    let close = move || {
        if let Some((_, opener)) = viewing.get_untracked() {
            viewing.set(None);
            focus(&opener);
        }
    };
    Effect::new(move |_| {
        if viewing.with(Option::is_some)
            && let Some(el) = close_button.get()
        {
            let _ = el.focus();
        }
    });
    move || {
        viewing.get().map(|(file, _)| {
            view! {
                <div
                    class="lightbox"
                    id="lightbox"
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby="lightbox-title"
                    on:click=move |_| close()
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Escape" {
                            ev.prevent_default();
                            ev.stop_propagation();
                            close();
                        }
                    }
                >
                    <div class="lightbox-bar" on:click=|ev| ev.stop_propagation()>
                        <h2 id="lightbox-title" class="lightbox-title">{file.name.clone()}</h2>
                        <a class="lightbox-download" href=file.url.clone() download=file.name.clone()>
                            "Download"
                        </a>
                        <button
                            type="button"
                            class="ghost"
                            id="lightbox-close"
                            node_ref=close_button
                            aria-label="Close the image"
                            on:click=move |_| close()
                        >
                            "✕"
                        </button>
                    </div>
                    <img
                        class="lightbox-image"
                        src=file.url.clone()
                        alt=file.name.clone()
                        on:click=|ev| ev.stop_propagation()
                    />
                </div>
            }
        })
    }
}
