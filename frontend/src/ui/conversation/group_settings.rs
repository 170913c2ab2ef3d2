//! A group's own settings in its details panel: its name (any member may rename it) and how
//! long its messages are kept (its admins choose; everyone else is told). The calls are the
//! state's; the typed name is this form's own.

use chat_protocol::Chat;
use leptos::prelude::*;

use crate::state::ChatState;
use crate::ui::common::{FormError, FormStatus};

/// The periods offered, in days; the server takes any from 1 to 3650.
const PERIODS: [u32; 5] = [1, 7, 30, 90, 365];

/// "1 day", "30 days".
fn days(n: u32) -> String {
    if n == 1 {
        "1 day".to_owned()
    } else {
        format!("{n} days")
    }
}

#[component]
pub(super) fn GroupSettings(chat: Chat, admin: bool) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let chat_id = chat.id;
    let current = chat.name.clone().unwrap_or_default();
    let name = RwSignal::new(current.clone());
    let form = FormStatus::new();

    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = name.get_untracked();
        if wanted.trim() == current {
            return;
        }
        form.run(async move {
            state.rename_group(chat_id, wanted).await?;
            form.clear();
            Ok(())
        });
    };
    let kept = chat.retention_days;
    let choose_period = move |ev: leptos::ev::Event| {
        let picked = event_target_value(&ev).parse::<u32>().ok();
        form.run(async move {
            state.set_retention(chat_id, picked).await?;
            form.clear();
            Ok(())
        });
    };
    let mut offered: Vec<u32> = PERIODS.to_vec();
    if let Some(d) = kept.filter(|d| !PERIODS.contains(d)) {
        offered.push(d);
        offered.sort_unstable();
    }

    view! {
        <section class="group-settings stack" aria-labelledby="group-settings-heading">
            <h4 id="group-settings-heading">"Group"</h4>
            <form class="rename-form" on:submit=rename>
                <label for="group-rename">"Name"</label>
                <div class="inline-form">
                    <input id="group-rename" type="text" maxlength="100" bind:value=name />
                    <button type="submit" id="rename-group" disabled=move || form.is_busy()>
                        "Rename"
                    </button>
                </div>
            </form>
            {if admin {
                view! {
                    <label for="group-retention">"Keep messages"</label>
                    <select id="group-retention" on:change=choose_period>
                        <option value="" selected=kept.is_none()>
                            "As long as the server keeps them"
                        </option>
                        {offered
                            .into_iter()
                            .map(|d| {
                                view! {
                                    <option value=d.to_string() selected=kept == Some(d)>
                                        {format!("For {}", days(d))}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <p class="hint">"Older messages are erased for everyone in the group."</p>
                }
                    .into_any()
            } else {
                kept.map(|d| {
                        view! {
                            <p class="muted small" id="retention-note">
                                {format!("Messages are kept for {}.", days(d))}
                            </p>
                        }
                    })
                    .into_any()
            }}
            <FormError status=form id="group-settings-error" />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::days;

    #[test]
    fn periods_read_naturally() {
        assert_eq!(days(1), "1 day");
        assert_eq!(days(30), "30 days");
    }
}
