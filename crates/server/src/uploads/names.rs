//! The file name an uploader gives (`?name=`), made safe to store and to send back in
//! `Content-Disposition`. It is never used as a path: storage keys are the upload's id.

use chat_protocol::limits::FILE_NAME_MAX;

/// Keeps the last path component (a browser may send `C:\fakepath\x.png`, anyone may send
/// `../../etc/passwd`) without surrounding spaces or leading dots (no hidden or `..` names).
/// Refuses what cannot be fixed without guessing: control characters (newline and tab too,
/// unlike message text: a name is one line), names longer than [`FILE_NAME_MAX`] characters,
/// and names with nothing left.
pub(crate) fn clean(raw: &str) -> Result<String, String> {
    if raw.chars().any(char::is_control) {
        return Err("file name must not contain control characters".into());
    }
    if raw.chars().count() > FILE_NAME_MAX {
        return Err(format!(
            "file name must be at most {FILE_NAME_MAX} characters"
        ));
    }
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name = last.trim().trim_start_matches('.').trim();
    if name.is_empty() {
        return Err("file name must not be empty".into());
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn paths_controls_and_lengths() {
        assert_eq!(clean("photo.jpg").unwrap(), "photo.jpg");
        assert_eq!(clean("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(
            clean("C:\\fakepath\\ünïcode 名.png").unwrap(),
            "ünïcode 名.png"
        );
        assert_eq!(clean(".htaccess").unwrap(), "htaccess");
        assert!(clean("..").is_err());
        assert!(clean("a/").is_err());
        assert!(clean("").is_err());
        assert!(clean("bad\u{0}name").is_err());
        assert!(clean("new\nline").is_err());
        assert!(clean(&"a".repeat(10_000)).is_err());
        assert!(clean(&"é".repeat(255)).is_ok());
    }
}
