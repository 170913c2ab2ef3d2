//! Makes a photo-like test JPEG of the given size (for `scripts/bench-uploads.sh`) and times the
//! steps the server runs on an uploaded image, with the same `image` calls and settings as
//! `uploads::images`: decode, orientation, re-encode, thumbnail.
//!
//! `cargo run -p chat-server --example bench_image -- 4000 3000 /tmp/photo.jpg`

use std::io::Cursor;
use std::time::Instant;

use image::{DynamicImage, ImageDecoder, ImageReader, RgbImage};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (width, height, out) = match args.as_slice() {
        [_, w, h, out] => (w.parse::<u32>()?, h.parse::<u32>()?, out.clone()),
        _ => return Err("usage: bench_image WIDTH HEIGHT OUT.jpg".into()),
    };
    // Smooth gradients with some texture: compresses like a photo, not like a flat colour.
    let photo = RgbImage::from_fn(width, height, |x, y| {
        let n = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729)) % 23;
        image::Rgb([
            ((x * 255 / width) as u8).saturating_add(n as u8),
            ((y * 255 / height) as u8).saturating_add(n as u8),
            (((x + y) / 16 % 256) as u8).saturating_add(n as u8),
        ])
    });
    let mut jpeg = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(photo).write_with_encoder(
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90),
    )?;
    let jpeg = jpeg.into_inner();
    std::fs::write(&out, &jpeg)?;
    println!("wrote {out}: {width}x{height}, {} bytes", jpeg.len());

    let started = Instant::now();
    let mut decoder = ImageReader::new(Cursor::new(&jpeg))
        .with_guessed_format()?
        .into_decoder()?;
    let orientation = decoder.orientation()?;
    let mut img = DynamicImage::from_decoder(decoder)?;
    img.apply_orientation(orientation);
    let decoded = started.elapsed();
    let mut served = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img.to_rgb8()).write_with_encoder(
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut served, 85),
    )?;
    let reencoded = started.elapsed() - decoded;
    let thumb_start = Instant::now();
    let small = img.thumbnail(320, 320);
    let mut thumb = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(small.to_rgb8()).write_with_encoder(
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut thumb, 85),
    )?;
    let thumbnailed = thumb_start.elapsed();
    println!(
        "decode {:.0} ms, re-encode {:.0} ms, thumbnail {:.0} ms ({}x{}, {} bytes)",
        decoded.as_secs_f64() * 1000.0,
        reencoded.as_secs_f64() * 1000.0,
        thumbnailed.as_secs_f64() * 1000.0,
        small.width(),
        small.height(),
        thumb.get_ref().len()
    );
    Ok(())
}
