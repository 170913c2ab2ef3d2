//! A file the page made itself, offered for download: the text lives in a `blob:` address that
//! is released when the value is dropped (replaced by a newer file, or its view gone), so a
//! large export does not stay in memory for the life of the page.

/// A `blob:` address of some JSON text, and its size in bytes.
pub(crate) struct JsonFile {
    url: String,
    bytes: usize,
}

impl JsonFile {
    pub(crate) fn new(text: &str) -> Result<Self, String> {
        let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/json");
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
            .map_err(|_| "This browser could not hold the file.".to_owned())?;
        let url = web_sys::Url::create_object_url_with_blob(&blob)
            .map_err(|_| "This browser could not offer the file.".to_owned())?;
        Ok(Self {
            url,
            bytes: text.len(),
        })
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// "12 KB", "1.4 MB": what the person is about to download.
    pub(crate) fn size(&self) -> String {
        human_size(self.bytes)
    }
}

impl Drop for JsonFile {
    fn drop(&mut self) {
        let _ = web_sys::Url::revoke_object_url(&self.url);
    }
}

fn human_size(bytes: usize) -> String {
    const KB: usize = 1000;
    const MB: usize = 1000 * KB;
    match bytes {
        b if b < KB => format!("{b} bytes"),
        b if b < MB => format!("{} KB", b.div_ceil(KB)),
        b => format!("{}.{} MB", b / MB, (b % MB) / (MB / 10)),
    }
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(human_size(0), "0 bytes");
        assert_eq!(human_size(999), "999 bytes");
        assert_eq!(human_size(1000), "1 KB");
        assert_eq!(human_size(12_345), "13 KB");
        assert_eq!(human_size(1_450_000), "1.4 MB");
    }
}
