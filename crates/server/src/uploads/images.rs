//! What an upload's bytes are, and what is served of images: the type is judged from the bytes
//! (`infer`), never from the uploader's `Content-Type` alone. JPEG, PNG, WebP and GIF are
//! decoded (after their header's dimensions are checked against a pixel budget, so a tiny file
//! claiming 100,000 x 100,000 pixels is refused before anything is allocated), turned upright
//! by their EXIF orientation, and re-encoded (an upright JPEG only loses its metadata segments,
//! losslessly; a GIF only its comments and foreign extensions, so it keeps its animation), so
//! what is served carries no metadata (EXIF GPS positions, camera serials).
//! A thumbnail at most 320 px on the long side is made alongside.
//! Everything here blocks: callers run it on the blocking pool.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// The long side of a thumbnail, in pixels.
pub(crate) const THUMBNAIL_MAX: u32 = 320;

#[derive(Debug, thiserror::Error)]
pub(crate) enum ImageError {
    #[error("image is {width} x {height} pixels; at most {max} pixels are accepted")]
    TooManyPixels { width: u32, height: u32, max: u64 },
    #[error("the file says it is {0} but cannot be read as one")]
    Undecodable(&'static str),
    #[error("image processing: {0}")]
    Io(#[from] std::io::Error),
}

/// The type of a file judged by its leading bytes; `None` when `infer` does not know them.
pub(crate) fn sniff(head: &[u8]) -> Option<&'static str> {
    infer::get(head).map(|kind| kind.mime_type())
}

/// The image types decoded, re-encoded and served inline; anything else is only downloaded.
fn format_of(content_type: &str) -> Option<ImageFormat> {
    match content_type {
        "image/jpeg" => Some(ImageFormat::Jpeg),
        "image/png" => Some(ImageFormat::Png),
        "image/webp" => Some(ImageFormat::WebP),
        "image/gif" => Some(ImageFormat::Gif),
        _ => None,
    }
}

/// Whether files of this (sniffed) type may be shown in the browser rather than downloaded.
/// Not SVG (it runs scripts), not HTML, nothing the browser might interpret.
pub(crate) fn is_inline_image(content_type: &str) -> bool {
    format_of(content_type).is_some()
}

/// An image as it will be served.
#[derive(Debug)]
pub(crate) struct Processed {
    /// Upright width and height.
    pub width: u32,
    pub height: u32,
    /// The re-encoded original (same type as the upload), staged next to the upload.
    pub original: PathBuf,
    /// Bytes of the re-encoded original.
    pub size: u64,
    pub thumbnail: PathBuf,
    pub thumbnail_type: &'static str,
}

/// Removes metadata from a file's bytes without decoding it; `None` when it cannot.
type Stripper = fn(&[u8]) -> Option<Vec<u8>>;

fn reader(path: &Path, format: ImageFormat) -> std::io::Result<ImageReader<BufReader<File>>> {
    Ok(ImageReader::with_format(
        BufReader::new(File::open(path)?),
        format,
    ))
}

/// Decodes the staged image at `path` (of the sniffed `content_type`, which must be one
/// [`is_inline_image`] accepts) within `max_pixels`, and stages its served forms next to it.
pub(crate) fn process(
    path: &Path,
    content_type: &str,
    max_pixels: u64,
) -> Result<Processed, ImageError> {
    let format = format_of(content_type).ok_or(ImageError::Undecodable("an image"))?;
    let undecodable = |_| ImageError::Undecodable(format.to_mime_type());
    // The header alone first: dimensions cost nothing to read and bound everything after.
    let (width, height) = reader(path, format)?
        .into_dimensions()
        .map_err(undecodable)?;
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(ImageError::TooManyPixels {
            width,
            height,
            max: max_pixels,
        });
    }
    let mut decoding = reader(path, format)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    // The decoded picture (at most 16 bytes a pixel: 16-bit RGBA) and the decoder's own buffers.
    limits.max_alloc = Some(max_pixels.saturating_mul(16).saturating_add(64 << 20));
    decoding.limits(limits);
    let mut decoder = decoding.into_decoder().map_err(undecodable)?;
    let orientation = decoder.orientation().map_err(undecodable)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(undecodable)?;
    image.apply_orientation(orientation);

    let original = sibling(path, "served");
    // An upright JPEG loses its metadata without being re-encoded (no quality lost, and ~20x
    // faster on a 12 MP photo: BENCHMARKS.md); a rotated one must be re-encoded upright. A GIF
    // keeps every frame (re-encoding would keep only the first: no more animation).
    let strip: Option<Stripper> = match format {
        ImageFormat::Jpeg if orientation == image::metadata::Orientation::NoTransforms => {
            Some(strip_jpeg)
        }
        ImageFormat::Gif => Some(strip_gif),
        _ => None,
    };
    let stripped = strip.and_then(|strip| std::fs::read(path).ok().and_then(|bytes| strip(&bytes)));
    match stripped {
        Some(bytes) => std::fs::write(&original, bytes)?,
        None => encode_like(&image, format, &original)?,
    }
    let size = std::fs::metadata(&original)?.len();
    let thumbnail = sibling(path, "thumbnail");
    let small = if image.width().max(image.height()) > THUMBNAIL_MAX {
        image.thumbnail(THUMBNAIL_MAX, THUMBNAIL_MAX)
    } else {
        image.clone()
    };
    // JPEG is small for photos; transparency needs PNG.
    let thumbnail_type = if small.color().has_alpha() {
        encode(
            &DynamicImage::ImageRgba8(small.to_rgba8()),
            ImageFormat::Png,
            &thumbnail,
        )?;
        "image/png"
    } else {
        encode(
            &DynamicImage::ImageRgb8(small.to_rgb8()),
            ImageFormat::Jpeg,
            &thumbnail,
        )?;
        "image/jpeg"
    };
    Ok(Processed {
        width: image.width(),
        height: image.height(),
        original,
        size,
        thumbnail,
        thumbnail_type,
    })
}

/// The JPEG without its metadata segments: APP1-APP15 (EXIF, XMP, maker notes, IPTC...) and
/// comments go; what decoding needs stays (tables, frame, scan; APP0 JFIF, an APP2 ICC colour
/// profile, APP14 Adobe colour transform). `None` if the segment structure does not read,
/// and the caller re-encodes instead.
pub(crate) fn strip_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut pos = 2;
    loop {
        if *bytes.get(pos)? != 0xFF {
            return None;
        }
        // Fill bytes may pad a marker.
        while *bytes.get(pos + 1)? == 0xFF {
            pos += 1;
        }
        let marker = *bytes.get(pos + 1)?;
        match marker {
            // Start of scan: the entropy-coded data and everything after it, as they are.
            0xDA => {
                out.extend_from_slice(&bytes[pos..]);
                return Some(out);
            }
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&bytes[pos..pos + 2]);
                pos += 2;
            }
            _ => {
                let len = usize::from(u16::from_be_bytes([
                    *bytes.get(pos + 2)?,
                    *bytes.get(pos + 3)?,
                ]));
                let end = pos.checked_add(2)?.checked_add(len)?;
                let segment = bytes.get(pos..end)?;
                let payload = segment.get(4..)?;
                let keep = match marker {
                    0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
                    0xEE => payload.starts_with(b"Adobe"),
                    0xE1..=0xEF | 0xFE => false,
                    _ => true,
                };
                if keep {
                    out.extend_from_slice(segment);
                }
                pos = end;
            }
        }
    }
}

/// The GIF without what is not picture: comment extensions and application extensions other
/// than the looping ones (XMP metadata travels in one) go; the frames, their timing and the
/// loop count stay, byte for byte. Anything after the trailer goes too. `None` if the block
/// structure does not read (truncated, not a GIF), and the caller re-encodes instead.
pub(crate) fn strip_gif(bytes: &[u8]) -> Option<Vec<u8>> {
    if !(bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a")) {
        return None;
    }
    // Header and logical screen descriptor, then the global colour table if its flag is set.
    let screen_flags = *bytes.get(10)?;
    let mut pos = 13 + colour_table_len(screen_flags);
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes.get(..pos)?);
    loop {
        let start = pos;
        match *bytes.get(pos)? {
            // Trailer.
            0x3B => {
                out.push(0x3B);
                return Some(out);
            }
            // Image descriptor (10 bytes), local colour table, LZW code size, data sub-blocks.
            0x2C => {
                let flags = *bytes.get(pos + 9)?;
                pos = after_sub_blocks(bytes, pos + 10 + colour_table_len(flags) + 1)?;
                out.extend_from_slice(bytes.get(start..pos)?);
            }
            0x21 => {
                let label = *bytes.get(pos + 1)?;
                pos = after_sub_blocks(bytes, pos + 2)?;
                let keep = match label {
                    // Graphic control (frame delay, transparency) and plain text are picture.
                    0xF9 | 0x01 => true,
                    // Application: only the loop count (its first sub-block is the app's name).
                    0xFF => {
                        let name = bytes.get(start + 3..start + 14)?;
                        name == b"NETSCAPE2.0" || name == b"ANIMEXTS1.0"
                    }
                    // Comments, and anything unknown.
                    _ => false,
                };
                if keep {
                    out.extend_from_slice(bytes.get(start..pos)?);
                }
            }
            _ => return None,
        }
    }
}

/// Bytes of the colour table a GIF descriptor's packed `flags` announce.
fn colour_table_len(flags: u8) -> usize {
    if flags & 0x80 == 0 {
        0
    } else {
        3 << ((flags & 0x07) + 1)
    }
}

/// Where a run of GIF data sub-blocks starting at `pos` ends (after its zero-length block).
fn after_sub_blocks(bytes: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let len = usize::from(*bytes.get(pos)?);
        pos += 1;
        if len == 0 {
            return Some(pos);
        }
        pos = pos.checked_add(len)?;
    }
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

/// Re-encodes in the upload's own format, in a pixel layout that format's encoder takes.
/// A GIF whose blocks [`strip_gif`] cannot read comes back as its first frame only.
fn encode_like(image: &DynamicImage, format: ImageFormat, to: &Path) -> Result<(), ImageError> {
    let fitted = match format {
        ImageFormat::Jpeg => DynamicImage::ImageRgb8(image.to_rgb8()),
        _ => DynamicImage::ImageRgba8(image.to_rgba8()),
    };
    encode(&fitted, format, to)
}

fn encode(image: &DynamicImage, format: ImageFormat, to: &Path) -> Result<(), ImageError> {
    let mut out = BufWriter::new(File::create(to)?);
    let written = match format {
        ImageFormat::Jpeg => image.write_with_encoder(
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85),
        ),
        ImageFormat::WebP => {
            image.write_with_encoder(image::codecs::webp::WebPEncoder::new_lossless(&mut out))
        }
        other => image.write_to(&mut out, other),
    };
    written.map_err(|e| ImageError::Io(std::io::Error::other(e)))?;
    std::io::Write::flush(&mut out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::codecs::gif::{GifDecoder, GifEncoder, Repeat};
    use image::{AnimationDecoder, Delay, Frame, Rgba, RgbaImage};

    /// A two-frame looping GIF, with a comment and an XMP application extension spliced in
    /// after its global colour table (where cameras and editors put them).
    fn animated_gif_with_metadata() -> Vec<u8> {
        let mut plain = Vec::new();
        {
            let mut encoder = GifEncoder::new(&mut plain);
            encoder.set_repeat(Repeat::Infinite).expect("repeat");
            for colour in [[255, 0, 0, 255], [0, 0, 255, 255]] {
                let picture = RgbaImage::from_pixel(4, 3, Rgba(colour));
                encoder
                    .encode_frame(Frame::from_parts(
                        picture,
                        0,
                        0,
                        Delay::from_numer_denom_ms(100, 1),
                    ))
                    .expect("frame");
            }
        }
        let after_table = 13 + colour_table_len(plain[10]);
        let mut comment = vec![0x21, 0xFE, 14];
        comment.extend_from_slice(b"GPS 48.85,2.35");
        comment.push(0);
        let mut xmp = vec![0x21, 0xFF, 11];
        xmp.extend_from_slice(b"XMP DataXMP");
        xmp.extend_from_slice(&[6, b's', b'e', b'r', b'i', b'a', b'l', 0]);
        let mut with = plain[..after_table].to_vec();
        with.extend_from_slice(&comment);
        with.extend_from_slice(&xmp);
        with.extend_from_slice(&plain[after_table..]);
        with.extend_from_slice(b"trailing junk");
        with
    }

    fn frames(gif: &[u8]) -> usize {
        GifDecoder::new(std::io::Cursor::new(gif))
            .expect("decodes")
            .into_frames()
            .count()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_gif_keeps_its_frames_and_loop_and_loses_its_metadata() {
        let original = animated_gif_with_metadata();
        assert_eq!(frames(&original), 2);
        let stripped = strip_gif(&original).expect("reads");
        assert_eq!(frames(&stripped), 2, "still animated");
        assert!(contains(&stripped, b"NETSCAPE2.0"), "still loops");
        for gone in [
            &b"GPS 48.85"[..],
            b"XMP DataXMP",
            b"serial",
            b"trailing junk",
        ] {
            assert!(
                !contains(&stripped, gone),
                "{}",
                String::from_utf8_lossy(gone)
            );
        }
        assert_eq!(stripped.last(), Some(&0x3B));
    }

    #[test]
    fn unreadable_gifs_are_left_to_re_encoding() {
        let original = animated_gif_with_metadata();
        assert_eq!(
            strip_gif(&original[..original.len() / 2]),
            None,
            "truncated"
        );
        assert_eq!(strip_gif(b"GIF89a"), None);
        assert_eq!(strip_gif(b"\x89PNG\r\n\x1a\n"), None);
    }
}
