//! The room directory: public groups anyone signed in may find, without their members or
//! messages.

use chat_protocol::limits::ROOM_LIST_MAX;
use chat_protocol::{ChatId, ChatKind, RoomSummary};
use diesel::prelude::*;

use super::to_utc;
use crate::db::AnyConnection;
use crate::db::schema::{chat_members, chats};
use crate::error::AppResult;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// `text` as a LIKE pattern that matches it literally anywhere (escape character `\`).
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Public groups whose name contains `search` (case-insensitively), most active first.
pub(crate) fn directory(conn: &mut AnyConnection, search: &str) -> AppResult<Vec<RoomSummary>> {
    let pattern = contains_pattern(&search.trim().to_lowercase());
    let limit = i64::try_from(ROOM_LIST_MAX).unwrap_or(50);
    let rooms: Vec<(ChatId, Option<String>, chrono::NaiveDateTime)> = chats::table
        .filter(chats::public.eq(true))
        .filter(chats::kind.eq(ChatKind::Group))
        .filter(
            lower(chats::name.assume_not_null())
                .like(pattern)
                .escape('\\'),
        )
        .order((chats::last_activity_at.desc(), chats::id.asc()))
        .limit(limit)
        .select((chats::id, chats::name, chats::last_activity_at))
        .load(conn)?;
    let ids: Vec<ChatId> = rooms.iter().map(|(id, _, _)| *id).collect();
    let counts: Vec<(ChatId, i64)> = chat_members::table
        .filter(chat_members::chat_id.eq_any(&ids))
        .group_by(chat_members::chat_id)
        .select((chat_members::chat_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rooms
        .into_iter()
        .map(|(id, name, last_activity_at)| RoomSummary {
            id,
            name: name.unwrap_or_default(),
            member_count: counts
                .iter()
                .find(|(chat, _)| *chat == id)
                .map_or(0, |(_, n)| *n),
            last_activity_at: to_utc(last_activity_at),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn like_wildcards_are_matched_literally() {
        assert_eq!(contains_pattern("lobby"), "%lobby%");
        assert_eq!(contains_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }
}
