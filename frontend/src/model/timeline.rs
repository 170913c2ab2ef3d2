//! One chat's loaded messages: merging pages (`before_seq` going back, the latest page) and live
//! events into a list ordered by `seq`, without duplicates, and finding gaps. Says what is
//! missing; fetching it is the state's job. `versions` keeps the version to resume from and
//! applies pages of changes (`after_version`).

use chat_protocol::limits::REPLY_EXCERPT;
use chat_protocol::{Message, MessageId, MessagePage, Reaction, UserId};

mod versions;

/// What a live `new_message` did to the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LiveInsert {
    /// Appended right after what was loaded.
    Appended,
    /// Already there (an echo of a retry, or a page got it first).
    Duplicate,
    /// Stored, but the messages after `after_seq` and before it are missing: catch up.
    Gap { after_seq: i64 },
    /// The timeline was never loaded; nothing stored (the chat list still shows it).
    NotLoaded,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Timeline {
    /// Sorted by `seq`, unique.
    messages: Vec<Message>,
    /// Older messages exist before the first loaded one.
    pub(crate) has_more_before: bool,
    /// The latest page has been loaded, so live events extend this timeline.
    pub(crate) loaded: bool,
    /// Every change to the loaded messages up to this version is reflected here: the
    /// `after_version` to resume from (see `versions`).
    version: i64,
}

/// Whether `incoming` should replace `existing` (the same message seen twice, e.g. from a page
/// read before an edit and the edit's event): the higher version wins; with equal versions (never
/// from the server) a deletion wins, then the later edit.
fn is_newer(existing: &Message, incoming: &Message) -> bool {
    if existing.version != incoming.version {
        return incoming.version > existing.version;
    }
    if existing.deleted {
        return false;
    }
    if incoming.deleted {
        return true;
    }
    match (existing.edited_at, incoming.edited_at) {
        (None, Some(_)) => true,
        (Some(a), Some(b)) => b > a,
        _ => false,
    }
}

/// Adds or removes `user` on `emoji`: a new emoji goes last, an emoji nobody has any more goes.
pub(crate) fn toggle_reaction(reactions: &mut Vec<Reaction>, emoji: &str, user: UserId, on: bool) {
    match reactions.iter_mut().position(|r| r.emoji == emoji) {
        Some(i) => {
            let users = &mut reactions[i].user_ids;
            if on {
                if !users.contains(&user) {
                    users.push(user);
                }
            } else {
                users.retain(|u| *u != user);
                if users.is_empty() {
                    reactions.remove(i);
                }
            }
        }
        None if on => reactions.push(Reaction {
            emoji: emoji.to_owned(),
            user_ids: vec![user],
        }),
        None => {}
    }
}

impl Timeline {
    pub(crate) fn messages(&self) -> &[Message] {
        &self.messages
    }

    pub(crate) fn oldest_seq(&self) -> Option<i64> {
        self.messages.first().map(|m| m.seq)
    }

    pub(crate) fn newest_seq(&self) -> Option<i64> {
        self.messages.last().map(|m| m.seq)
    }

    /// The highest `seq` up to which the timeline has no holes (starting at the oldest loaded
    /// message), to tell a live message that leaves a hole. `None` when nothing is loaded.
    fn contiguous_end(&self) -> Option<i64> {
        let mut end = self.messages.first()?.seq;
        for m in &self.messages[1..] {
            if m.seq != end + 1 {
                break;
            }
            end = m.seq;
        }
        Some(end)
    }

    /// Merges messages in any order; returns how many were new.
    pub(crate) fn merge(&mut self, incoming: impl IntoIterator<Item = Message>) -> usize {
        let mut added = 0;
        for m in incoming {
            match self.messages.binary_search_by_key(&m.seq, |e| e.seq) {
                Ok(i) => {
                    if is_newer(&self.messages[i], &m) {
                        self.messages[i] = m;
                    }
                }
                Err(i) => {
                    self.messages.insert(i, m);
                    added += 1;
                }
            }
        }
        added
    }

    /// The latest page (no cursor), when the chat is opened.
    pub(crate) fn apply_latest(&mut self, page: MessagePage) {
        let was_loaded = self.loaded;
        if !was_loaded || self.messages.is_empty() {
            self.resume_after_snapshot(&page.messages);
        }
        let oldest_before = self.oldest_seq();
        let page_oldest = page.messages.first().map(|m| m.seq);
        self.merge(page.messages);
        // Keep an older "has more" answer if we already had earlier pages loaded.
        let extends_back = match (oldest_before, page_oldest) {
            (Some(a), Some(b)) => a < b,
            _ => false,
        };
        if !(was_loaded && extends_back) {
            self.has_more_before = page.has_more;
        }
        self.loaded = true;
    }

    /// An older page (`before_seq` = the oldest loaded seq).
    pub(crate) fn apply_older(&mut self, page: MessagePage) -> usize {
        self.has_more_before = page.has_more;
        self.merge(page.messages)
    }

    /// A `new_message` event.
    pub(crate) fn insert_live(&mut self, message: Message) -> LiveInsert {
        if !self.loaded {
            return LiveInsert::NotLoaded;
        }
        let before = self.contiguous_end();
        let seq = message.seq;
        if self.merge([message]) == 0 {
            return LiveInsert::Duplicate;
        }
        match before {
            Some(end) if seq > end + 1 => LiveInsert::Gap { after_seq: end },
            // The latest page was empty, so this chat's messages start at 1.
            None if seq > 1 => LiveInsert::Gap { after_seq: 0 },
            _ => LiveInsert::Appended,
        }
    }

    /// A `message_updated` event; true when the message (or a reply quoting it) is loaded
    /// here. Replies to it quote its new text.
    pub(crate) fn apply_update(&mut self, message: Message) -> bool {
        let requoted = self.requote(message.id, Some(&message.content));
        match self.messages.binary_search_by_key(&message.seq, |e| e.seq) {
            Ok(i) => {
                if is_newer(&self.messages[i], &message) {
                    self.messages[i] = message;
                }
                true
            }
            Err(_) => requoted,
        }
    }

    /// The quotes of loaded replies to `original`: its new text (the first characters the
    /// server would quote), or deleted (`None`). True when a quote changed.
    fn requote(&mut self, original: MessageId, content: Option<&str>) -> bool {
        let mut changed = false;
        for m in &mut self.messages {
            let Some(quote) = m.reply_to.as_mut().filter(|q| q.id == original) else {
                continue;
            };
            match content {
                Some(text) => {
                    let excerpt: String = text.chars().take(REPLY_EXCERPT).collect();
                    changed |= quote.excerpt != excerpt;
                    quote.excerpt = excerpt;
                }
                None => {
                    changed |= !quote.deleted;
                    quote.deleted = true;
                    quote.excerpt.clear();
                }
            }
        }
        changed
    }

    /// Whether the message with `seq` is loaded.
    pub(crate) fn has_seq(&self, seq: i64) -> bool {
        self.messages.binary_search_by_key(&seq, |e| e.seq).is_ok()
    }

    /// A `reaction` event: `user` added (`on`) or took back `emoji` on a loaded message, whose
    /// version becomes `version`. True when the message is loaded here. An event older than
    /// what the message already reflects changes nothing.
    pub(crate) fn apply_reaction(
        &mut self,
        message_id: MessageId,
        emoji: &str,
        user: UserId,
        on: bool,
        version: i64,
    ) -> bool {
        let Some(m) = self.messages.iter_mut().find(|m| m.id == message_id) else {
            return false;
        };
        if version <= m.version {
            return true;
        }
        m.version = version;
        toggle_reaction(&mut m.reactions, emoji, user, on);
        true
    }

    /// A `message_deleted` event (`version`: the deletion's).
    pub(crate) fn apply_delete(&mut self, message_id: MessageId, seq: i64, version: i64) -> bool {
        let requoted = self.requote(message_id, None);
        requoted
            | match self.messages.binary_search_by_key(&seq, |e| e.seq) {
                Ok(i) if self.messages[i].id == message_id => {
                    let m = &mut self.messages[i];
                    m.deleted = true;
                    m.content.clear();
                    m.version = m.version.max(version);
                    true
                }
                _ => false,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::msg;
    use chrono::{TimeZone, Utc};

    fn page(seqs: std::ops::RangeInclusive<i64>, has_more: bool) -> MessagePage {
        MessagePage {
            messages: seqs.map(|s| msg(s, "x")).collect(),
            has_more,
        }
    }

    fn seqs(t: &Timeline) -> Vec<i64> {
        t.messages().iter().map(|m| m.seq).collect()
    }

    #[test]
    fn latest_then_older_pages_merge_in_order() {
        let mut t = Timeline::default();
        t.apply_latest(page(16..=30, true));
        assert!(t.loaded && t.has_more_before);
        assert_eq!(t.oldest_seq(), Some(16));
        assert_eq!(t.apply_older(page(1..=15, false)), 15);
        assert!(!t.has_more_before);
        assert_eq!(seqs(&t), (1..=30).collect::<Vec<_>>());
        assert_eq!(t.contiguous_end(), Some(30));
    }

    #[test]
    fn overlapping_pages_do_not_duplicate() {
        let mut t = Timeline::default();
        t.apply_latest(page(10..=20, true));
        assert_eq!(t.apply_older(page(5..=12, true)), 5);
        assert_eq!(seqs(&t), (5..=20).collect::<Vec<_>>());
        // Reopening the chat loads the latest page again; older pages stay, and so does has_more.
        t.apply_latest(page(15..=21, true));
        assert_eq!(seqs(&t), (5..=21).collect::<Vec<_>>());
        assert!(t.has_more_before);
    }

    #[test]
    fn live_messages_append_and_detect_gaps() {
        let mut t = Timeline::default();
        assert_eq!(t.insert_live(msg(1, "a")), LiveInsert::NotLoaded);
        t.apply_latest(page(1..=3, false));
        assert_eq!(t.insert_live(msg(4, "d")), LiveInsert::Appended);
        assert_eq!(t.insert_live(msg(4, "d")), LiveInsert::Duplicate);
        assert_eq!(t.insert_live(msg(7, "g")), LiveInsert::Gap { after_seq: 4 });
        assert_eq!(t.contiguous_end(), Some(4));
        assert_eq!(t.merge([msg(5, "e")]), 1);
        assert_eq!(t.merge(page(6..=7, false).messages), 1);
        assert_eq!(t.contiguous_end(), Some(7));
        assert_eq!(seqs(&t), (1..=7).collect::<Vec<_>>());
    }

    #[test]
    fn empty_chat_accepts_first_message_and_sees_gap_from_zero() {
        let mut t = Timeline::default();
        t.apply_latest(MessagePage {
            messages: vec![],
            has_more: false,
        });
        assert_eq!(t.contiguous_end(), None);
        assert_eq!(t.insert_live(msg(1, "a")), LiveInsert::Appended);
        let mut t2 = Timeline::default();
        t2.apply_latest(MessagePage {
            messages: vec![],
            has_more: false,
        });
        assert_eq!(
            t2.insert_live(msg(3, "c")),
            LiveInsert::Gap { after_seq: 0 }
        );
    }

    #[test]
    fn replies_quote_the_original_as_it_is_now() {
        use chat_protocol::ReplyPreview;
        let mut t = Timeline::default();
        t.apply_latest(page(1..=3, false));
        let original = t.messages()[0].clone();
        let mut reply = msg(3, "answer");
        reply.version = 4;
        reply.reply_to = Some(ReplyPreview {
            id: original.id,
            seq: 1,
            sender: original.sender.clone(),
            excerpt: "x".into(),
            deleted: false,
        });
        t.merge([reply]);
        let mut edited = original.clone();
        edited.content = "é".repeat(150);
        edited.version = 10;
        assert!(t.apply_update(edited));
        let quote = |t: &Timeline| t.messages()[2].reply_to.clone().expect("a quote");
        assert_eq!(quote(&t).excerpt.chars().count(), 100);
        assert!(t.apply_delete(original.id, 1, 11));
        assert!(quote(&t).deleted && quote(&t).excerpt.is_empty());
    }

    #[test]
    fn reactions_toggle_and_move_the_version() {
        use crate::model::fixtures::user_id;
        let mut t = Timeline::default();
        t.apply_latest(page(1..=2, false));
        let id = MessageId::from(1002);
        assert!(t.apply_reaction(id, "👍", user_id(1), true, 3));
        assert!(t.apply_reaction(id, "👍", user_id(2), true, 4));
        assert!(t.apply_reaction(id, "🎉", user_id(2), true, 5));
        let m = &t.messages()[1];
        assert_eq!(m.version, 5);
        assert_eq!(m.reactions.len(), 2);
        assert_eq!(m.reactions[0].user_ids, [user_id(1), user_id(2)]);
        // A replayed (older) event changes nothing.
        assert!(t.apply_reaction(id, "👍", user_id(1), false, 4));
        assert_eq!(t.messages()[1].reactions[0].user_ids.len(), 2);
        assert!(t.apply_reaction(id, "👍", user_id(1), false, 6));
        assert!(t.apply_reaction(id, "👍", user_id(2), false, 7));
        let m = &t.messages()[1];
        assert_eq!(m.reactions.len(), 1);
        assert_eq!(m.reactions[0].emoji, "🎉");
        assert!(!t.apply_reaction(MessageId::from(9), "👍", user_id(1), true, 8));
        assert!(t.has_seq(2) && !t.has_seq(3));
    }

    #[test]
    fn edits_and_deletes_win_over_stale_copies() {
        let mut t = Timeline::default();
        t.apply_latest(page(1..=2, false));
        let mut edited = msg(2, "new text");
        edited.edited_at = Some(Utc.with_ymd_and_hms(2026, 11, 22, 11, 0, 0).unwrap());
        assert!(t.apply_update(edited.clone()));
        // A page read before the edit arrives late: the edit stays.
        t.merge([msg(2, "x")]);
        assert_eq!(t.messages()[1].content, "new text");
        assert!(t.apply_delete(MessageId::from(1002), 2, 3));
        assert!(t.messages()[1].deleted);
        assert_eq!(t.messages()[1].content, "");
        // Neither a late edit nor a stale page brings a deleted message back.
        t.apply_update(edited);
        t.merge([msg(2, "x")]);
        assert!(t.messages()[1].deleted);
        // Unknown ids change nothing.
        assert!(!t.apply_delete(MessageId::from(9999), 1, 4));
        assert!(!t.apply_update(msg(50, "?")));
    }
}
