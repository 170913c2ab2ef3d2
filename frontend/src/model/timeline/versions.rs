//! Resuming a timeline by version. Every change to a chat's messages (sent, edited, deleted)
//! takes the chat's next `version`, gapless per chat. The timeline keeps the version up to which
//! every change to its loaded messages is reflected, and after a reconnect, a `resync` or a hole
//! asks the server for every message changed after it (`after_version`), in version order:
//! each one is new (inserted), edited (replaced) or deleted (a tombstone).
//!
//! The version only moves in steps that keep that promise: to the end of a page of changes, one
//! step at a time with live events, or to the newest version of the first page a chat shows (a
//! snapshot of its newest messages). A live event that skips versions means events were missed:
//! the caller catches up.

use chat_protocol::{Message, MessagePage};

use super::{Timeline, is_newer};

impl Timeline {
    /// The version every change to the loaded messages is reflected up to.
    #[cfg(test)]
    pub(crate) fn version(&self) -> i64 {
        self.version
    }

    /// Where to resume from: `None` when nothing was ever seen (load the latest page instead).
    pub(crate) fn resume_after(&self) -> Option<i64> {
        (self.version > 0 || !self.messages.is_empty()).then_some(self.version)
    }

    /// The first page of a chat: a snapshot of its newest messages, so every change to them up
    /// to their newest version is in it.
    pub(super) fn resume_after_snapshot(&mut self, messages: &[Message]) {
        let newest = messages.iter().map(|m| m.version).max().unwrap_or(0);
        self.version = self.version.max(newest);
    }

    /// A live event carrying `version` (a message sent, edited or deleted in this chat). True
    /// when versions were skipped, so changes were missed: catch up with
    /// [`resume_after`](Self::resume_after).
    pub(crate) fn saw_live_version(&mut self, version: i64) -> bool {
        if !self.loaded || version <= self.version {
            return false;
        }
        if version == self.version + 1 {
            self.version = version;
            return false;
        }
        true
    }

    /// A page of changes (`after_version`, in version order); returns whether more remain. A
    /// message newer than the oldest loaded one is inserted or replaced (if its version is
    /// higher); one older than everything loaded is left for scrolling back to bring.
    pub(crate) fn apply_changes(&mut self, page: MessagePage) -> bool {
        if !self.loaded {
            return false;
        }
        for m in page.messages {
            self.version = self.version.max(m.version);
            match self.messages.binary_search_by_key(&m.seq, |e| e.seq) {
                Ok(i) => {
                    if is_newer(&self.messages[i], &m) {
                        self.messages[i] = m;
                    }
                }
                Err(0) if !self.messages.is_empty() => {}
                Err(i) => self.messages.insert(i, m),
            }
        }
        page.has_more
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::msg;
    use crate::model::timeline::LiveInsert;
    use chrono::{TimeZone, Utc};

    /// Messages 1..=3 sent at versions 1..=3, loaded.
    fn loaded() -> Timeline {
        let mut t = Timeline::default();
        t.apply_latest(MessagePage {
            messages: (1..=3).map(|s| msg(s, "x")).collect(),
            has_more: false,
        });
        t
    }

    /// Message `seq` as changed at `version`.
    fn at(seq: i64, content: &str, version: i64) -> Message {
        Message {
            version,
            ..msg(seq, content)
        }
    }

    fn edited(seq: i64, content: &str, version: i64) -> Message {
        Message {
            edited_at: Some(Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()),
            ..at(seq, content, version)
        }
    }

    fn deleted(seq: i64, version: i64) -> Message {
        Message {
            deleted: true,
            ..at(seq, "", version)
        }
    }

    fn changes(messages: Vec<Message>, has_more: bool) -> MessagePage {
        MessagePage { messages, has_more }
    }

    fn texts(t: &Timeline) -> Vec<(i64, String, bool)> {
        t.messages()
            .iter()
            .map(|m| (m.seq, m.content.clone(), m.deleted))
            .collect()
    }

    #[test]
    fn nothing_seen_means_load_the_latest_page() {
        let mut t = Timeline::default();
        assert_eq!(t.resume_after(), None);
        t.apply_latest(changes(vec![], false));
        assert_eq!(t.resume_after(), None, "an empty chat");
        assert_eq!(loaded().resume_after(), Some(3));
        // The newest version of the first page, even when it is an older message's edit.
        let mut t = Timeline::default();
        t.apply_latest(changes(
            vec![at(1, "a", 1), edited(2, "b", 7), at(3, "c", 5)],
            true,
        ));
        assert_eq!(t.resume_after(), Some(7));
    }

    #[test]
    fn a_page_of_changes_inserts_edits_and_deletes() {
        let mut t = loaded();
        let more = t.apply_changes(changes(
            vec![edited(2, "fixed", 4), deleted(3, 5), at(4, "new", 6)],
            false,
        ));
        assert!(!more);
        assert_eq!(
            texts(&t),
            vec![
                (1, "x".into(), false),
                (2, "fixed".into(), false),
                (3, String::new(), true),
                (4, "new".into(), false),
            ]
        );
        assert!(t.messages()[1].edited_at.is_some());
        assert_eq!(t.version(), 6);
        assert_eq!(t.contiguous_end(), Some(4));
    }

    #[test]
    fn a_new_message_edited_or_deleted_while_away_arrives_as_it_is_now() {
        let mut t = loaded();
        // Sent at 4 then edited at 6, sent at 5 then deleted at 7: the page has their last state.
        t.apply_changes(changes(
            vec![edited(4, "second try", 6), deleted(5, 7)],
            false,
        ));
        assert_eq!(
            texts(&t)[3..],
            [(4, "second try".into(), false), (5, String::new(), true)]
        );
        assert_eq!(t.version(), 7);
    }

    #[test]
    fn an_edit_of_a_message_not_loaded_is_left_for_scrolling_back() {
        let mut t = Timeline::default();
        t.apply_latest(changes((11..=13).map(|s| at(s, "x", s)).collect(), true));
        t.apply_changes(changes(
            vec![edited(2, "old, fixed", 14), at(14, "new", 15)],
            false,
        ));
        assert_eq!(
            t.oldest_seq(),
            Some(11),
            "no message before the loaded ones"
        );
        assert_eq!(t.newest_seq(), Some(14));
        assert_eq!(t.version(), 15, "the edit counts as seen");
        assert!(t.has_more_before);
    }

    #[test]
    fn pages_follow_has_more_and_duplicates_change_nothing() {
        let mut t = loaded();
        assert!(t.apply_changes(changes(vec![at(4, "d", 4), edited(1, "one", 5)], true)));
        assert_eq!(t.resume_after(), Some(5));
        // The next page, and the same page again (a retry): nothing twice, nothing older wins.
        let next = changes(vec![at(5, "e", 6), deleted(4, 7)], false);
        assert!(!t.apply_changes(next.clone()));
        assert!(!t.apply_changes(next));
        t.apply_changes(changes(vec![at(4, "d", 4), at(1, "x", 1)], false));
        assert_eq!(
            texts(&t),
            vec![
                (1, "one".into(), false),
                (2, "x".into(), false),
                (3, "x".into(), false),
                (4, String::new(), true),
                (5, "e".into(), false),
            ]
        );
        assert_eq!(t.version(), 7, "never goes back");
        // A page for a timeline never loaded changes nothing.
        let mut empty = Timeline::default();
        assert!(!empty.apply_changes(changes(vec![at(1, "a", 1)], true)));
        assert!(empty.messages().is_empty());
    }

    #[test]
    fn live_events_move_the_version_one_step_at_a_time() {
        let mut t = loaded();
        assert_eq!(t.insert_live(at(4, "d", 4)), LiveInsert::Appended);
        assert!(!t.saw_live_version(4));
        assert!(!t.saw_live_version(4), "an echo");
        assert!(!t.saw_live_version(2), "old news");
        assert_eq!(t.version(), 4);
        // Version 5 (say, an edit) never arrived: a gap, and the version stays to resume from.
        assert!(t.saw_live_version(6));
        assert_eq!(t.resume_after(), Some(4));
        // Catching up covers 5 and 6; then live events go on from there.
        t.apply_changes(changes(vec![edited(2, "fixed", 5), deleted(4, 6)], false));
        assert!(!t.saw_live_version(7));
        assert_eq!(t.version(), 7);
        // Not loaded yet (the first page is on its way): nothing to track.
        let mut opening = Timeline::default();
        assert!(!opening.saw_live_version(9));
        assert_eq!(opening.version(), 0);
    }

    #[test]
    fn a_live_event_wins_over_an_older_copy_in_a_page() {
        let mut t = loaded();
        assert!(t.apply_update(edited(2, "latest", 5)));
        t.apply_changes(changes(vec![edited(2, "earlier", 4)], true));
        assert_eq!(t.messages()[1].content, "latest");
        assert!(t.apply_delete(t.messages()[0].id, 1, 6));
        t.apply_changes(changes(vec![edited(1, "too late", 5)], false));
        assert!(t.messages()[0].deleted);
    }
}
