//! The emoji picker's set: a small curated list compiled into the app (no download, works
//! offline), with a name each for screen readers and hover, and how the arrow keys move through
//! its grid. Pure; the view renders it.

/// (emoji, name), in the order shown.
pub(crate) const EMOJI: [(&str, &str); 48] = [
    ("👍", "thumbs up"),
    ("👎", "thumbs down"),
    ("❤️", "red heart"),
    ("😂", "tears of joy"),
    ("😮", "surprised"),
    ("😢", "crying"),
    ("🙏", "folded hands"),
    ("🎉", "party popper"),
    ("😀", "grinning"),
    ("😃", "big smile"),
    ("😄", "smiling eyes"),
    ("😁", "beaming"),
    ("😅", "sweat smile"),
    ("🤣", "rolling on the floor laughing"),
    ("😊", "blush"),
    ("😇", "halo"),
    ("🙂", "slight smile"),
    ("😉", "wink"),
    ("😍", "heart eyes"),
    ("😘", "kiss"),
    ("😎", "sunglasses"),
    ("🤔", "thinking"),
    ("🤨", "raised eyebrow"),
    ("😐", "neutral"),
    ("🙄", "eye roll"),
    ("😴", "sleeping"),
    ("😬", "grimace"),
    ("😱", "screaming"),
    ("😡", "angry"),
    ("🤯", "mind blown"),
    ("🥳", "partying"),
    ("🤗", "hug"),
    ("👏", "clapping"),
    ("🙌", "raised hands"),
    ("👋", "waving hand"),
    ("💪", "flexed biceps"),
    ("👀", "eyes"),
    ("🔥", "fire"),
    ("✨", "sparkles"),
    ("⭐", "star"),
    ("💯", "hundred points"),
    ("✅", "check mark"),
    ("❌", "cross mark"),
    ("⚠️", "warning"),
    ("🚀", "rocket"),
    ("☕", "coffee"),
    ("🍕", "pizza"),
    ("🤝", "handshake"),
];

/// Emoji per row of the picker's grid.
pub(crate) const COLUMNS: usize = 8;

/// Where the focus goes from `index` on `key` in a grid of `len` cells, `columns` wide; `None`
/// for keys that do not move it.
pub(crate) fn grid_move(index: usize, key: &str, columns: usize, len: usize) -> Option<usize> {
    if len == 0 || columns == 0 {
        return None;
    }
    let last = len - 1;
    let index = index.min(last);
    Some(match key {
        "ArrowRight" => (index + 1).min(last),
        "ArrowLeft" => index.saturating_sub(1),
        "ArrowDown" => (index + columns).min(last),
        "ArrowUp" => index.checked_sub(columns).unwrap_or(index),
        "Home" => 0,
        "End" => last,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_is_unique_and_fills_whole_rows() {
        let mut seen: Vec<&str> = EMOJI.iter().map(|(e, _)| *e).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), EMOJI.len());
        assert_eq!(EMOJI.len() % COLUMNS, 0);
    }

    #[test]
    fn arrows_move_in_the_grid_and_stop_at_its_edges() {
        assert_eq!(grid_move(0, "ArrowRight", 8, 48), Some(1));
        assert_eq!(grid_move(0, "ArrowLeft", 8, 48), Some(0));
        assert_eq!(grid_move(3, "ArrowDown", 8, 48), Some(11));
        assert_eq!(grid_move(3, "ArrowUp", 8, 48), Some(3));
        assert_eq!(grid_move(11, "ArrowUp", 8, 48), Some(3));
        assert_eq!(grid_move(45, "ArrowDown", 8, 48), Some(47));
        assert_eq!(grid_move(47, "ArrowRight", 8, 48), Some(47));
        assert_eq!(grid_move(20, "End", 8, 48), Some(47));
        assert_eq!(grid_move(20, "Home", 8, 48), Some(0));
        assert_eq!(grid_move(20, "a", 8, 48), None);
        assert_eq!(grid_move(0, "ArrowDown", 8, 0), None);
    }
}
