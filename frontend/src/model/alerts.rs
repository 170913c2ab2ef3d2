//! Which new messages deserve a browser notification, and what it says: messages from others in
//! a chat that is not on screen, in direct chats and where I am mentioned, unless I turned
//! notifications off or muted the chat. Also the tab icon's unread badge. Pure: showing them is
//! the state's job.

use chat_protocol::{Chat, ChatId, ChatKind, Message, UserId};

use crate::text::format::snippet;

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Alert {
    pub(crate) chat: ChatId,
    pub(crate) title: String,
    pub(crate) body: String,
}

/// What the person chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Choice {
    /// Notifications are on (and the browser allows them).
    pub(crate) enabled: bool,
    /// This chat is muted.
    pub(crate) muted: bool,
}

/// The notification for `message` in `chat`, if it deserves one. `on_screen`: the chat is
/// open and the page visible and focused.
pub(crate) fn alert_for(
    message: &Message,
    chat: &Chat,
    me: UserId,
    choice: Choice,
    on_screen: bool,
) -> Option<Alert> {
    let mine = message.sender.id == me;
    let wanted = chat.kind == ChatKind::Direct || message.mentions.contains(&me);
    if mine
        || message.deleted
        || message.system.is_some()
        || on_screen
        || !choice.enabled
        || choice.muted
        || !wanted
    {
        return None;
    }
    let sender = &message.sender.username;
    let title = match (&chat.kind, &chat.name) {
        (ChatKind::Group, Some(name)) => format!("{sender} in {name}"),
        _ => sender.clone(),
    };
    Some(Alert {
        chat: chat.id,
        title,
        body: snippet(&message.content, 140),
    })
}

/// The tab icon with an unread badge: the app's speech bubble and a red disc with the count
/// ("99+" beyond 99), as an SVG data address. `None` with nothing unread (the plain icon).
pub(crate) fn badge_icon(unread: i64) -> Option<String> {
    if unread <= 0 {
        return None;
    }
    let count = if unread > 99 {
        "99+".to_owned()
    } else {
        unread.to_string()
    };
    let size = if count.len() > 2 { 26 } else { 34 };
    let svg = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 64 64'>\
         <rect x='4' y='8' width='44' height='34' rx='8' fill='%232f6fed'/>\
         <circle cx='44' cy='40' r='20' fill='%23c62f3a'/>\
         <text x='44' y='52' font-family='Arial,sans-serif' font-size='{size}' font-weight='700' \
         text-anchor='middle' fill='white'>{count}</text></svg>"
    );
    Some(format!(
        "data:image/svg+xml,{}",
        svg.replace('<', "%3C").replace('>', "%3E")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{chat, msg, user, user_id};

    const ON: Choice = Choice {
        enabled: true,
        muted: false,
    };

    fn from_bob(text: &str) -> Message {
        let mut m = msg(1, text);
        m.sender = user(2, "bob");
        m
    }

    #[test]
    fn direct_messages_from_others_alert_when_not_on_screen() {
        let direct = chat(0, ChatKind::Direct);
        let alert = alert_for(&from_bob("hello there"), &direct, user_id(1), ON, false);
        assert_eq!(
            alert,
            Some(Alert {
                chat: direct.id,
                title: "bob".into(),
                body: "hello there".into()
            })
        );
        assert_eq!(
            alert_for(&from_bob("hi"), &direct, user_id(1), ON, true),
            None
        );
        assert_eq!(
            alert_for(&from_bob("hi"), &direct, user_id(2), ON, false),
            None,
            "mine"
        );
        let mut gone = from_bob("hi");
        gone.deleted = true;
        assert_eq!(alert_for(&gone, &direct, user_id(1), ON, false), None);
    }

    #[test]
    fn groups_alert_only_for_mentions() {
        let mut group = chat(0, ChatKind::Group);
        group.name = Some("crew".into());
        assert_eq!(
            alert_for(&from_bob("all"), &group, user_id(1), ON, false),
            None
        );
        let mut mention = from_bob("@me look");
        mention.mentions = vec![user_id(1)];
        let alert = alert_for(&mention, &group, user_id(1), ON, false);
        assert_eq!(alert.map(|a| a.title), Some("bob in crew".to_owned()));
    }

    #[test]
    fn off_or_muted_means_silent() {
        let direct = chat(0, ChatKind::Direct);
        let off = Choice {
            enabled: false,
            muted: false,
        };
        let muted = Choice {
            enabled: true,
            muted: true,
        };
        assert_eq!(
            alert_for(&from_bob("x"), &direct, user_id(1), off, false),
            None
        );
        assert_eq!(
            alert_for(&from_bob("x"), &direct, user_id(1), muted, false),
            None
        );
    }

    #[test]
    fn long_texts_are_cut() {
        let direct = chat(0, ChatKind::Direct);
        let long = "word ".repeat(100);
        let body = alert_for(&from_bob(&long), &direct, user_id(1), ON, false)
            .map(|a| a.body)
            .unwrap_or_default();
        assert!(body.chars().count() <= 140 && body.ends_with('…'), "{body}");
    }

    #[test]
    fn the_badge_counts_up_to_99() {
        assert_eq!(badge_icon(0), None);
        let three = badge_icon(3).unwrap_or_default();
        assert!(three.starts_with("data:image/svg+xml,") && three.contains("%3E3%3C/text"));
        assert!(badge_icon(250).unwrap_or_default().contains("99+"));
        assert!(
            !three.contains('<') && !three.contains('#'),
            "escaped for a data address"
        );
    }
}
