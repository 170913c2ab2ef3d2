//! The sentence a system line shows ("Ann added Ben", "You left", "Ben renamed the group to
//! “Trip”"): the same words in the timeline, the chat list's preview and for screen readers.

use chat_protocol::{Message, SystemEvent, User, UserId};

/// What `message`'s system line says, as `me` reads it; `None` for a message someone wrote.
pub(crate) fn describe(message: &Message, me: UserId) -> Option<String> {
    let line = message.system.as_ref()?;
    let actor = if message.sender.id == me {
        "You".to_owned()
    } else {
        message.sender.username.clone()
    };
    let other = |user: &Option<User>| match user {
        Some(u) if u.id == me => "you".to_owned(),
        Some(u) => u.username.clone(),
        None => "someone".to_owned(),
    };
    Some(match line.event {
        SystemEvent::Joined => format!("{actor} joined"),
        SystemEvent::Left => format!("{actor} left"),
        SystemEvent::Added => format!("{actor} added {}", other(&line.user)),
        SystemEvent::Removed => format!("{actor} removed {}", other(&line.user)),
        SystemEvent::Renamed => format!(
            "{actor} renamed the group to “{}”",
            line.name.as_deref().unwrap_or_default()
        ),
    })
}

/// Whether `message` is something `me` has to read: someone else's, not deleted, not a system
/// line (those count as nothing unread and never notify, as the server counts them).
pub(crate) fn to_read(message: &Message, me: UserId) -> bool {
    message.sender.id != me && !message.deleted && message.system.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{msg, user, user_id};
    use chat_protocol::SystemLine;

    fn line(event: SystemEvent, by: u128, user: Option<User>, name: Option<&str>) -> Message {
        let mut m = msg(3, "");
        m.sender = crate::model::fixtures::user(by, if by == 1 { "me" } else { "ann" });
        m.system = Some(SystemLine {
            event,
            user,
            name: name.map(str::to_owned),
        });
        m
    }

    #[test]
    fn each_event_reads_as_a_sentence() {
        let me = user_id(1);
        let ben = Some(user(2, "ben"));
        let you = Some(user(1, "me"));
        let said = |m: Message| describe(&m, me).expect("a system line");
        assert_eq!(
            said(line(SystemEvent::Added, 5, ben.clone(), None)),
            "ann added ben"
        );
        assert_eq!(
            said(line(SystemEvent::Added, 5, you.clone(), None)),
            "ann added you"
        );
        assert_eq!(
            said(line(SystemEvent::Removed, 1, ben, None)),
            "You removed ben"
        );
        assert_eq!(said(line(SystemEvent::Joined, 5, None, None)), "ann joined");
        assert_eq!(said(line(SystemEvent::Left, 1, None, None)), "You left");
        assert_eq!(
            said(line(SystemEvent::Renamed, 5, None, Some("Trip"))),
            "ann renamed the group to “Trip”"
        );
        assert_eq!(describe(&msg(1, "hi"), me), None);
    }

    #[test]
    fn system_lines_are_nothing_to_read() {
        let me = user_id(1);
        let mut from_ann = msg(1, "hi");
        from_ann.sender = user(5, "ann");
        assert!(to_read(&from_ann, me));
        assert!(!to_read(&line(SystemEvent::Joined, 5, None, None), me));
        assert!(!to_read(&msg(1, "mine"), user_id(0)));
    }
}
