//! The reducer's part for pages of history: the first (latest) page of a chat, older pages when
//! scrolling back, and pages of changes (`after_version`) when catching up, which also move the
//! chat list's preview and unread count. Pure like the rest of the reducer; the fetching is
//! `state`'s.

use chat_protocol::{ChatId, MessagePage};

use super::{ChatData, Moment};
use crate::model::chat_list;

impl ChatData {
    /// A chat is being opened for the first time: an empty timeline waits for its first page.
    pub(crate) fn timeline_requested(&mut self, chat: ChatId) {
        self.timelines.entry(chat).or_default();
        self.changed.timelines = true;
    }

    /// Opening a chat failed: forget the empty timeline so the next attempt loads again.
    pub(crate) fn timeline_failed(&mut self, chat: ChatId) {
        self.changed.timelines |= self.timelines.remove(&chat).is_some();
    }

    /// The newest page of a chat (opening it, or catching up from nothing).
    pub(crate) fn latest_page(&mut self, chat: ChatId, page: MessagePage) {
        if let Some(timeline) = self.timelines.get_mut(&chat) {
            timeline.apply_latest(page);
            self.changed.timelines = true;
        }
    }

    /// A page of changes after the version the timeline has seen (catching up): new messages,
    /// edits and deletions, in the timeline and in the chat list. True when more remain.
    pub(crate) fn changes_page(&mut self, chat: ChatId, page: MessagePage, now: &Moment) -> bool {
        let Some(timeline) = self.timelines.get_mut(&chat) else {
            return false;
        };
        self.changed.timelines = true;
        let viewing = now.viewing == Some(chat);
        for message in &page.messages {
            self.changed.chats |=
                chat_list::on_changed_message(&mut self.chats, message, now.me, viewing);
        }
        timeline.apply_changes(page)
    }

    /// A page before the oldest loaded message (scrolling up); how many messages were new.
    pub(crate) fn older_page(&mut self, chat: ChatId, page: MessagePage) -> usize {
        match self.timelines.get_mut(&chat) {
            Some(timeline) => {
                self.changed.timelines = true;
                timeline.apply_older(page)
            }
            None => 0,
        }
    }
}
