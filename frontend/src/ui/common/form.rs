//! The one pattern for a form that does something: a busy flag (one submission at a time), an
//! error line, and the `<FormError>` paragraph that shows it. Holds no data of the app.

use std::future::Future;

use leptos::prelude::*;

/// A form's busy flag and error line. `Copy`, so handlers can capture it freely.
#[derive(Clone, Copy)]
pub(crate) struct FormStatus {
    busy: RwSignal<bool>,
    error: RwSignal<Option<String>>,
}

impl FormStatus {
    /// Errors show on the form's own line.
    pub(crate) fn new() -> Self {
        Self::reporting_to(RwSignal::new(None))
    }

    /// Errors go to `line` instead (e.g. the app-wide notice).
    pub(crate) fn reporting_to(line: RwSignal<Option<String>>) -> Self {
        Self {
            busy: RwSignal::new(false),
            error: line,
        }
    }

    /// Whether a run is going (tracked: for views).
    pub(crate) fn is_busy(&self) -> bool {
        self.busy.get()
    }

    /// Whether a run is going right now (untracked: for event handlers).
    pub(crate) fn is_busy_now(&self) -> bool {
        self.busy.get_untracked()
    }

    pub(crate) fn fail(&self, message: impl Into<String>) {
        self.error.set(Some(message.into()));
    }

    pub(crate) fn clear(&self) {
        self.error.set(None);
    }

    /// Runs `work` unless a run is still going; while it runs the form is busy, and its error
    /// (if any) is shown. A success leaves the error line as it is.
    pub(crate) fn run(&self, work: impl Future<Output = Result<(), String>> + 'static) {
        if self.is_busy_now() {
            return;
        }
        self.busy.set(true);
        let status = *self;
        leptos::task::spawn_local(async move {
            let result = work.await;
            status.busy.set(false);
            if let Err(message) = result {
                status.fail(message);
            }
        });
    }

    /// Shows the outcome of something done at once (no waiting).
    pub(crate) fn show(&self, result: Result<(), String>) {
        match result {
            Ok(()) => self.clear(),
            Err(message) => self.fail(message),
        }
    }
}

/// The error line of a form: `<p class="form-error" role="alert">`, empty when all is well.
#[component]
pub(crate) fn FormError(
    status: FormStatus,
    #[prop(optional)] id: Option<&'static str>,
    /// Extra classes after `form-error`.
    #[prop(optional)]
    class: Option<&'static str>,
) -> impl IntoView {
    let class = match class {
        Some(extra) => format!("form-error {extra}"),
        None => "form-error".to_owned(),
    };
    view! {
        <p id=id class=class role="alert">
            {move || status.error.get().unwrap_or_default()}
        </p>
    }
}
