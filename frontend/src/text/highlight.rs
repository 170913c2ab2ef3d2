//! Where a search query occurs in a text: the text split into runs that match (case-insensitively,
//! in any script) and runs that do not, for the view to wrap the matches in `<mark>`.

/// The byte length of the match of `query` (already lowercased, as chars) at the start of
/// `hay`, if there is one ending on a character boundary.
fn match_at(hay: &str, query: &[char]) -> Option<usize> {
    let mut lowered: Vec<char> = Vec::with_capacity(query.len());
    for (i, c) in hay.char_indices() {
        lowered.extend(c.to_lowercase());
        if lowered.len() >= query.len() {
            return (lowered == query).then_some(i + c.len_utf8());
        }
        if lowered[..] != query[..lowered.len()] {
            return None;
        }
    }
    None
}

/// `text` as (run, is_match) pairs, in order; joining the runs gives `text`.
pub(crate) fn split_matches(text: &str, query: &str) -> Vec<(String, bool)> {
    let query: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
    let mut out = Vec::new();
    if query.is_empty() {
        if !text.is_empty() {
            out.push((text.to_owned(), false));
        }
        return out;
    }
    let (mut i, mut plain_from) = (0, 0);
    while i < text.len() {
        if let Some(len) = match_at(&text[i..], &query) {
            if plain_from < i {
                out.push((text[plain_from..i].to_owned(), false));
            }
            out.push((text[i..i + len].to_owned(), true));
            i += len;
            plain_from = i;
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    if plain_from < text.len() {
        out.push((text[plain_from..].to_owned(), false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(v: &[(&str, bool)]) -> Vec<(String, bool)> {
        v.iter().map(|(s, m)| ((*s).to_owned(), *m)).collect()
    }

    #[test]
    fn matches_any_case_and_script() {
        assert_eq!(
            split_matches("Hello hello HELLO", "hello"),
            runs(&[
                ("Hello", true),
                (" ", false),
                ("hello", true),
                (" ", false),
                ("HELLO", true)
            ])
        );
        assert_eq!(
            split_matches("Привет, МИР", "мир"),
            runs(&[("Привет, ", false), ("МИР", true)])
        );
        assert_eq!(
            split_matches("東京と日本語", "日本"),
            runs(&[("東京と", false), ("日本", true), ("語", false)])
        );
        assert_eq!(
            split_matches("Crème BRÛLÉE", "brûlée"),
            runs(&[("Crème ", false), ("BRÛLÉE", true)])
        );
        assert_eq!(split_matches("abc", "x"), runs(&[("abc", false)]));
        assert_eq!(
            split_matches("<b>x</b>", "b"),
            runs(&[
                ("<", false),
                ("b", true),
                (">x</", false),
                ("b", true),
                (">", false)
            ])
        );
        assert_eq!(split_matches("", "x"), runs(&[]));
    }
}
