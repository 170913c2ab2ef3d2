//! The public rooms panel (`/rooms`): public groups by name, most active first, with how many
//! members they have; "Join" (or "Open" for one I am in) opens the room. Joining is the state's
//! job.

use chat_protocol::RoomSummary;
use chat_protocol::limits::ROOM_SEARCH_MAX;
use leptos::prelude::*;

use crate::state::ChatState;
use crate::ui::common::{FormError, FormStatus};

/// Quiet time after the last keystroke before asking the server (ms).
const DEBOUNCE_MS: u32 = 250;

#[component]
pub(super) fn RoomsPanel(
    /// A room was opened.
    #[prop(into)]
    on_chat_opened: Callback<()>,
) -> impl IntoView {
    let state = expect_context::<ChatState>();
    let search = RwSignal::new(String::new());
    let rooms = RwSignal::new(None::<Vec<RoomSummary>>);
    let form = FormStatus::new();
    let generation = StoredValue::new(0u64);

    Effect::new(move |first: Option<()>| {
        let q = search.get();
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        leptos::task::spawn_local(async move {
            if first.is_some() {
                gloo_timers::future::TimeoutFuture::new(DEBOUNCE_MS).await;
            }
            if generation.try_get_value() != Some(mine) {
                return;
            }
            let found = state.rooms(q.trim()).await;
            if generation.try_get_value() != Some(mine) {
                return;
            }
            match found {
                Ok(list) => {
                    form.clear();
                    rooms.set(Some(list));
                }
                Err(e) => form.fail(e),
            }
        });
    });

    let join = move |room: RoomSummary| {
        let member = state.chat(room.id).is_some();
        form.run(async move {
            if member {
                state.open_chat(room.id);
            } else {
                state.join_room(room.id).await?;
            }
            on_chat_opened.run(());
            Ok(())
        });
    };

    let list = move || {
        rooms.get().map(|list| {
            if list.is_empty() {
                return view! { <p class="muted">"No public rooms found."</p> }.into_any();
            }
            let items = list
                .into_iter()
                .map(|room| {
                    let member = state.chat(room.id).is_some();
                    let count = if room.member_count == 1 {
                        "1 member".to_owned()
                    } else {
                        format!("{} members", room.member_count)
                    };
                    let label = format!("{} {}", if member { "Open" } else { "Join" }, room.name);
                    let name = room.name.clone();
                    let room_id = room.id.to_string();
                    view! {
                        <li class="person room" data-room-id=room_id>
                            <span class="person-name">
                                <span class="room-name">{name}</span>
                                <span class="muted small room-count">{count}</span>
                            </span>
                            <button
                                type="button"
                                class="join-room"
                                aria-label=label
                                on:click=move |_| join(room.clone())
                            >
                                {if member { "Open" } else { "Join" }}
                            </button>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="people" id="room-list">{items}</ul> }.into_any()
        })
    };

    view! {
        <section class="panel" aria-labelledby="rooms-heading">
            <h2 id="rooms-heading" class="panel-title">"Public rooms"</h2>
            <label for="room-search" class="visually-hidden">"Search rooms"</label>
            <input
                id="room-search"
                type="search"
                placeholder="Search rooms…"
                maxlength=ROOM_SEARCH_MAX.to_string()
                autocomplete="off"
                bind:value=search
            />
            <FormError status=form />
            {move || match rooms.with(Option::is_none) {
                true => view! { <p class="muted">"Loading rooms…"</p> }.into_any(),
                false => list().into_any(),
            }}
        </section>
    }
}
