//! Files being attached to the next message: each a chip with its name and size that is
//! uploading (with progress), uploaded (the server's `Attachment`), or failed (why, and it can
//! be retried). The message can go once every chip is uploaded. Keys tell chips apart while the
//! same file may be chosen twice.

use chat_protocol::Attachment;
use chat_protocol::limits::ATTACHMENTS_MAX;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ChipState {
    /// Bytes sent so far, of `total`.
    Uploading {
        sent: f64,
        total: f64,
    },
    Uploaded(Attachment),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Chip {
    pub(crate) key: u32,
    pub(crate) name: String,
    pub(crate) size: f64,
    pub(crate) state: ChipState,
}

impl Chip {
    /// Uploaded share, 0 to 1.
    pub(crate) fn progress(&self) -> f64 {
        match &self.state {
            ChipState::Uploading { sent, total } if *total > 0.0 => (sent / total).clamp(0.0, 1.0),
            ChipState::Uploading { .. } | ChipState::Failed(_) => 0.0,
            ChipState::Uploaded(_) => 1.0,
        }
    }
}

/// The chips above the composer.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Tray {
    chips: Vec<Chip>,
    next_key: u32,
}

impl Tray {
    pub(crate) fn chips(&self) -> &[Chip] {
        &self.chips
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.chips.is_empty()
    }

    /// Adds a file about to be uploaded; `None` when the message is full already.
    pub(crate) fn add(&mut self, name: &str, size: f64) -> Option<u32> {
        if self.chips.len() >= ATTACHMENTS_MAX {
            return None;
        }
        let key = self.next_key;
        self.next_key += 1;
        self.chips.push(Chip {
            key,
            name: name.to_owned(),
            size,
            state: ChipState::Uploading {
                sent: 0.0,
                total: size,
            },
        });
        Some(key)
    }

    fn chip(&mut self, key: u32) -> Option<&mut Chip> {
        self.chips.iter_mut().find(|c| c.key == key)
    }

    pub(crate) fn progress(&mut self, key: u32, sent: f64, total: f64) {
        if let Some(chip) = self.chip(key)
            && matches!(chip.state, ChipState::Uploading { .. })
        {
            chip.state = ChipState::Uploading { sent, total };
        }
    }

    /// Starting again after a failure.
    pub(crate) fn restart(&mut self, key: u32) {
        if let Some(chip) = self.chip(key) {
            chip.state = ChipState::Uploading {
                sent: 0.0,
                total: chip.size,
            };
        }
    }

    pub(crate) fn uploaded(&mut self, key: u32, attachment: Attachment) {
        if let Some(chip) = self.chip(key) {
            chip.state = ChipState::Uploaded(attachment);
        }
    }

    pub(crate) fn failed(&mut self, key: u32, why: String) {
        if let Some(chip) = self.chip(key) {
            chip.state = ChipState::Failed(why);
        }
    }

    pub(crate) fn remove(&mut self, key: u32) {
        self.chips.retain(|c| c.key != key);
    }

    /// What the message carries, in the order chosen, once every chip is uploaded; `Err` says
    /// why it cannot go yet.
    pub(crate) fn ready(&self) -> Result<Vec<Attachment>, &'static str> {
        self.chips
            .iter()
            .map(|c| match &c.state {
                ChipState::Uploaded(a) => Ok(a.clone()),
                ChipState::Uploading { .. } => Err("Wait until the files are uploaded."),
                ChipState::Failed(_) => Err("A file could not be uploaded: retry or remove it."),
            })
            .collect()
    }

    pub(crate) fn clear(&mut self) {
        self.chips.clear();
    }
}

/// A file size as people read it: "812 B", "14 KB", "3.2 MB". Integer arithmetic only: float
/// formatting would add its whole machinery to the web app.
pub(crate) fn human_size(bytes: f64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = KB * 1024;
    let bytes = bytes.max(0.0) as u64;
    // One decimal below ten units, none above, as file managers show sizes.
    let scaled = |unit: u64, name: &str| {
        let tenths = (bytes * 10 + unit / 2) / unit;
        if tenths < 100 {
            format!("{}.{} {name}", tenths / 10, tenths % 10)
        } else {
            format!("{} {name}", (tenths + 5) / 10)
        }
    };
    if bytes < KB {
        format!("{bytes} B")
    } else if bytes < MB {
        scaled(KB, "KB")
    } else {
        scaled(MB, "MB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat_protocol::UploadId;

    fn attachment(name: &str) -> Attachment {
        Attachment {
            id: UploadId::from(uuid::Uuid::new_v4()),
            name: name.into(),
            content_type: "text/plain".into(),
            size: 5,
            width: None,
            height: None,
            url: "/api/files/x/original".into(),
            thumbnail_url: None,
        }
    }

    #[test]
    fn a_message_goes_once_every_file_is_uploaded() {
        let mut tray = Tray::default();
        assert_eq!(tray.ready(), Ok(Vec::new()));
        let a = tray.add("a.txt", 100.0).expect("room");
        let b = tray.add("b.txt", 50.0).expect("room");
        assert_ne!(a, b);
        tray.progress(a, 50.0, 100.0);
        assert_eq!(tray.chips()[0].progress(), 0.5);
        assert!(tray.ready().is_err());
        tray.uploaded(a, attachment("a.txt"));
        tray.failed(b, "too large".into());
        assert_eq!(
            tray.ready(),
            Err("A file could not be uploaded: retry or remove it.")
        );
        // A late progress report does not undo a failure.
        tray.progress(b, 10.0, 50.0);
        assert!(matches!(tray.chips()[1].state, ChipState::Failed(_)));
        tray.restart(b);
        assert_eq!(tray.chips()[1].progress(), 0.0);
        tray.uploaded(b, attachment("b.txt"));
        let ready = tray.ready().expect("all uploaded");
        assert_eq!(
            ready.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
            ["a.txt", "b.txt"]
        );
        tray.remove(a);
        assert_eq!(tray.chips().len(), 1);
        tray.clear();
        assert!(tray.is_empty());
    }

    #[test]
    fn at_most_the_limit() {
        let mut tray = Tray::default();
        for _ in 0..ATTACHMENTS_MAX {
            assert!(tray.add("f", 1.0).is_some());
        }
        assert_eq!(tray.add("one too many", 1.0), None);
    }

    #[test]
    fn sizes() {
        assert_eq!(human_size(812.0), "812 B");
        assert_eq!(human_size(2048.0), "2.0 KB");
        assert_eq!(human_size(14.4 * 1024.0), "14 KB");
        assert_eq!(human_size(3.25 * 1024.0 * 1024.0), "3.3 MB");
        assert_eq!(human_size(25.0 * 1024.0 * 1024.0), "25 MB");
    }
}
