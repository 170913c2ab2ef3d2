//! What an upload's bytes are, and what is served of images: the type is judged from the bytes
//! (`infer`), never from the uploader's `Content-Type` alone. JPEG, PNG, WebP and GIF are
//! decoded (after their header's dimensions are checked against a pixel budget, so a tiny file
//! claiming 100,000 x 100,000 pixels is refused before anything is allocated), turned upright
//! by their EXIF orientation, and re-encoded (an upright JPEG only loses its metadata segments,
//! losslessly), so what is served carries no metadata (EXIF GPS positions, camera serials).
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
    // faster on a 12 MP photo: BENCHMARKS.md); a rotated one must be re-encoded upright.
    let stripped = (format == ImageFormat::Jpeg
        && orientation == image::metadata::Orientation::NoTransforms)
        .then(|| {
            std::fs::read(path)
                .ok()
                .and_then(|bytes| strip_jpeg(&bytes))
        })
        .flatten();
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

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

/// Re-encodes in the upload's own format, in a pixel layout that format's encoder takes.
/// GIF comes back as a single (first) frame: animation is lost, metadata with it.
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
