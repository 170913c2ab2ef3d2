//! Uploads and attachments (contract, round 2, "Attachments"), on both databases: uploading
//! (limits, sniffed types, images made safe, names), signed links (who gets one, expiry,
//! tampering, headers, ranges), attaching to messages (history, search, edits, export, the
//! refusals), and the sweep of files nobody needs any more. Every scenario runs on each
//! database with each upload storage: the folder, and an S3-compatible store (a private
//! `moto_server` per test; see `common/s3.rs`).

mod common;

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chat_protocol::{
    AccountExport, Attachment, ClientCommand, ErrorCode, MessagePage, SearchResults, UploadId,
};
use common::events::{error, message_updated, new_message};
use common::s3::TestS3;
use common::{Api, Backend, TestServer, assert_error};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

/// Where a test's server keeps uploads.
#[derive(Debug, Clone, Copy)]
enum Store {
    Folder,
    S3,
}

/// Generates a test per database and upload storage from one `fn(Backend, Store)` scenario.
macro_rules! on_every_store {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            use super::{Backend, Store};
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_folder() {
                super::$scenario(Backend::Sqlite, Store::Folder).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_folder() {
                super::$scenario(Backend::Postgres, Store::Folder).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite_s3() {
                super::$scenario(Backend::Sqlite, Store::S3).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres_s3() {
                super::$scenario(Backend::Postgres, Store::S3).await
            }
        }
    )*};
}

on_every_store!(
    images_are_sniffed_reencoded_and_served_by_signed_links,
    attachments_travel_with_messages_everywhere,
    attaching_only_own_unattached_uploads,
    size_limits_hold_while_streaming,
    dangerous_files_are_downloads_and_names_are_cleaned,
    links_expire_and_files_of_deleted_messages_go,
    large_files_arrive_whole_and_in_ranges,
    files_of_expired_messages_go,
);

/// A test server's upload storage, to look at what it holds.
struct Kept {
    /// `UPLOAD_DIR`: the files themselves (folder storage), or only staging (S3).
    dir: PathBuf,
    s3: Option<TestS3>,
}

impl Kept {
    /// What is stored (staging aside): file paths in the folder, or keys in the bucket.
    async fn files(&self) -> Vec<String> {
        match &self.s3 {
            Some(s3) => s3.keys().await,
            None => stored_files(&self.dir)
                .into_iter()
                .filter(|f| !f.starts_with(".staging"))
                .collect(),
        }
    }

    /// Files left in staging (there should be none between uploads).
    fn staged(&self) -> Vec<String> {
        stored_files(&self.dir.join(".staging"))
    }
}

/// Starts a server on `backend` keeping uploads in `store`, with `extra` settings.
async fn start(backend: Backend, store: Store, extra: &[(&str, &str)]) -> (TestServer, Kept) {
    let dir = upload_dir();
    let s3 = match store {
        Store::Folder => None,
        Store::S3 => Some(TestS3::start().await),
    };
    let mut env: Vec<(String, String)> =
        vec![("UPLOAD_DIR".into(), dir.to_str().expect("utf-8").to_owned())];
    env.extend(s3.iter().flat_map(TestS3::env));
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let server = TestServer::start_with(backend, &env).await;
    (server, Kept { dir, s3 })
}

/// A fresh folder for one server's uploads, so a test can look at what is stored.
fn upload_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chat-uploads-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("upload dir");
    dir
}

/// Files stored under `dir` (staging included), as relative paths.
fn stored_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(
                    path.strip_prefix(dir)
                        .unwrap_or(&path)
                        .display()
                        .to_string(),
                );
            }
        }
    }
    out.sort();
    out
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

/// A JPEG whose EXIF gives its `orientation` (6: "rotate 90°") and names a camera.
fn jpeg_with_exif(width: u32, height: u32, orientation: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, _| image::Rgb([(x * 5) as u8, 40, 90]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("jpeg");
    let plain = out.into_inner();
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x02".to_vec();
    // Orientation (0x0112), SHORT, 1, value 6.
    tiff.extend_from_slice(b"\x01\x12\x00\x03\x00\x00\x00\x01\x00");
    tiff.extend_from_slice(&[orientation, 0, 0]);
    // Make (0x010f), ASCII, 8 bytes at offset 38.
    tiff.extend_from_slice(b"\x01\x0f\x00\x02\x00\x00\x00\x08\x00\x00\x00\x26");
    tiff.extend_from_slice(b"\x00\x00\x00\x00");
    tiff.extend_from_slice(b"SpyCam1\x00");
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let len = u16::try_from(app1.len() + 2).expect("short segment");
    let mut jpeg = plain[..2].to_vec();
    jpeg.extend_from_slice(&[0xFF, 0xE1]);
    jpeg.extend_from_slice(&len.to_be_bytes());
    jpeg.extend_from_slice(&app1);
    jpeg.extend_from_slice(&plain[2..]);
    jpeg
}

/// A two-frame looping GIF (4 x 3) with a comment extension after its colour table.
fn animated_gif_with_comment() -> Vec<u8> {
    use image::codecs::gif::{GifEncoder, Repeat};
    use image::{Delay, Frame, Rgba, RgbaImage};
    let mut plain = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut plain);
        encoder.set_repeat(Repeat::Infinite).expect("repeat");
        for colour in [[255, 0, 0, 255], [0, 0, 255, 255]] {
            let picture = RgbaImage::from_pixel(4, 3, Rgba(colour));
            let delay = Delay::from_numer_denom_ms(100, 1);
            encoder
                .encode_frame(Frame::from_parts(picture, 0, 0, delay))
                .expect("frame");
        }
    }
    let table = if plain[10] & 0x80 == 0 {
        0
    } else {
        3 << ((plain[10] & 7) + 1)
    };
    let mut gif = plain[..13 + table].to_vec();
    gif.extend_from_slice(&[0x21, 0xFE, 14]);
    gif.extend_from_slice(b"GPS 48.85,2.35");
    gif.push(0);
    gif.extend_from_slice(&plain[13 + table..]);
    gif
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A tiny PNG whose header claims `width` x `height` pixels.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        c.extend_from_slice(&body);
        c.extend_from_slice(&crc32(&body).to_be_bytes());
        c
    };
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    out.extend(chunk(b"IEND", &[]));
    out
}

fn name_query(name: &str) -> String {
    serde_urlencoded::to_string([("name", name)]).expect("encode")
}

async fn upload(api: &Api, name: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let path = format!("/api/uploads?{}", name_query(name));
    api.raw(reqwest::Method::POST, &path, content_type, body)
        .await
}

async fn upload_ok(api: &Api, name: &str, content_type: &str, body: Vec<u8>) -> Attachment {
    let (status, body) = upload(api, name, content_type, body).await;
    assert_eq!(status, StatusCode::CREATED, "upload {name}: {body}");
    serde_json::from_value(body).expect("Attachment")
}

/// GET of a signed link (no Authorization: links work alone), with an optional Range.
async fn fetch(server: &TestServer, url: &str, range: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(format!("{}{url}", server.base));
    if let Some(range) = range {
        req = req.header("range", range);
    }
    req.send().await.expect("fetch")
}

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> &'a str {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn send_with(chat: chat_protocol::ChatId, content: &str, files: &[UploadId]) -> ClientCommand {
    ClientCommand::NewMessage {
        chat_id: chat,
        content: content.into(),
        client_id: Uuid::new_v4(),
        reply_to: None,
        attachments: files.to_vec(),
    }
}

async fn images_are_sniffed_reencoded_and_served_by_signed_links(backend: Backend, store: Store) {
    let (server, kept) = start(backend, store, &[]).await;
    let (alice, _a) = server.user("alice").await;

    // A PNG that says it is a JPEG is stored (and served) as what it is.
    let att = upload_ok(&alice, "photo.jpg", "image/jpeg", png(800, 600)).await;
    assert_eq!(att.content_type, "image/png");
    assert_eq!((att.width, att.height), (Some(800), Some(600)));
    assert_eq!(att.name, "photo.jpg");
    let resp = fetch(&server, &att.url, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, "content-type"), "image/png");
    assert!(header(&resp, "content-disposition").starts_with("inline"));
    assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
    assert!(header(&resp, "cache-control").starts_with("private"));
    let served = resp.bytes().await.expect("body");
    assert_eq!(served.len() as i64, att.size, "size is what is served");
    let decoded = image::load_from_memory(&served).expect("a PNG");
    assert_eq!((decoded.width(), decoded.height()), (800, 600));

    // The thumbnail: at most 320 px on the long side, aspect kept.
    let thumb_url = att.thumbnail_url.clone().expect("images get a thumbnail");
    let resp = fetch(&server, &thumb_url, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let thumb = image::load_from_memory(&resp.bytes().await.expect("body")).expect("image");
    assert_eq!((thumb.width(), thumb.height()), (320, 240));

    // A range of the original.
    let resp = fetch(&server, &att.url, Some("bytes=0-9")).await;
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(&resp.bytes().await.expect("body")[..], &served[..10]);

    // EXIF orientation applied, EXIF gone from what is served.
    let rotated = jpeg_with_exif(40, 20, 6);
    assert!(rotated.windows(7).any(|w| w == b"SpyCam1"));
    let att = upload_ok(&alice, "cam.jpg", "image/jpeg", rotated).await;
    assert_eq!(att.content_type, "image/jpeg");
    assert_eq!((att.width, att.height), (Some(20), Some(40)), "upright");
    let served = fetch(&server, &att.url, None)
        .await
        .bytes()
        .await
        .expect("body");
    assert!(
        !served.windows(4).any(|w| w == b"Exif"),
        "metadata stripped"
    );
    assert!(!served.windows(7).any(|w| w == b"SpyCam1"));

    // An animated GIF stays animated (every frame served), its comment gone.
    let gif = upload_ok(&alice, "wave.gif", "image/gif", animated_gif_with_comment()).await;
    assert_eq!(
        (gif.content_type.as_str(), gif.width, gif.height),
        ("image/gif", Some(4), Some(3))
    );
    let gif_served = fetch(&server, &gif.url, None)
        .await
        .bytes()
        .await
        .expect("body");
    let frames = image::codecs::gif::GifDecoder::new(Cursor::new(&gif_served[..])).expect("a GIF");
    assert_eq!(image::AnimationDecoder::into_frames(frames).count(), 2);
    assert!(!gif_served.windows(10).any(|w| w == b"GPS 48.85,"));
    assert!(gif.thumbnail_url.is_some());
    let decoded = image::load_from_memory(&served).expect("a JPEG");
    assert_eq!((decoded.width(), decoded.height()), (20, 40));

    // Upright already: the metadata goes without a re-encode (the picture data is the same).
    let upright = jpeg_with_exif(40, 20, 1);
    let att = upload_ok(&alice, "up.jpg", "image/jpeg", upright.clone()).await;
    assert_eq!((att.width, att.height), (Some(40), Some(20)));
    let served = fetch(&server, &att.url, None)
        .await
        .bytes()
        .await
        .expect("body");
    assert!(
        !served.windows(4).any(|w| w == b"Exif"),
        "metadata stripped"
    );
    assert!(!served.windows(7).any(|w| w == b"SpyCam1"));
    assert!(served.len() < upright.len());
    assert!(
        upright.ends_with(&served[served.len() - 100..]),
        "the scan is untouched"
    );
    image::load_from_memory(&served).expect("still a JPEG");

    // A header claiming 100,000 x 100,000 pixels is refused, not expanded.
    let (status, body) = upload(
        &alice,
        "bomb.png",
        "image/png",
        png_claiming(100_000, 100_000),
    )
    .await;
    assert_error(status, &body, 422, "validation_failed");
    // Bytes that claim to be an image but are not one: stored as what they are, not served inline.
    let att = upload_ok(&alice, "fake.png", "image/png", b"just some text".to_vec()).await;
    assert_eq!(att.content_type, "application/octet-stream");
    assert!(att.thumbnail_url.is_none() && att.width.is_none());
    let resp = fetch(&server, &att.url, None).await;
    assert!(header(&resp, "content-disposition").starts_with("attachment"));

    // Without a token, no upload.
    let anonymous = alice.with_token(None);
    let (status, body) = upload(&anonymous, "x.txt", "text/plain", b"hi".to_vec()).await;
    assert_error(status, &body, 401, "unauthorized");
    // Nothing left in staging.
    assert!(kept.staged().is_empty(), "{:?}", kept.staged());
    assert!(!kept.files().await.is_empty());
}

async fn attachments_travel_with_messages_everywhere(backend: Backend, store: Store) {
    let (server, _kept) = start(backend, store, &[]).await;
    let (alice, _a, bob, _b, chat, mut sa, mut sb) = server.duo().await;
    let first = upload_ok(&alice, "one.png", "image/png", png(64, 48)).await;
    let second = upload_ok(&alice, "notes.txt", "text/plain", b"remember".to_vec()).await;

    // Files alone: the content may be empty.
    sa.send(&send_with(chat.id, "", &[second.id, first.id]))
        .await;
    let got = sb.wait_for(new_message).await;
    sa.wait_for(new_message).await;
    assert_eq!(got.content, "");
    let ids: Vec<UploadId> = got.attachments.iter().map(|a| a.id).collect();
    assert_eq!(ids, vec![second.id, first.id], "in the order given");
    let shown = &got.attachments[1];
    assert_eq!(shown.content_type, "image/png");
    assert_eq!((shown.width, shown.height), (Some(64), Some(48)));
    // Bob, a member, fetches with the link he was given.
    let resp = fetch(&server, &shown.url, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = fetch(&server, &got.attachments[0].url, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(header(&resp, "content-disposition").starts_with("attachment"));
    assert_eq!(resp.bytes().await.expect("body").as_ref(), b"remember");

    // With text too; history returns both with links that work.
    sa.send(&send_with(
        chat.id,
        "holiday pictures",
        &[upload_ok(&alice, "b.png", "image/png", png(10, 10))
            .await
            .id],
    ))
    .await;
    let with_text = sb.wait_for(new_message).await;
    let page: MessagePage = bob
        .get_ok(&format!("/api/chats/{}/messages", chat.id))
        .await;
    assert_eq!(page.messages.len(), 2);
    assert_eq!(page.messages[0].attachments.len(), 2);
    assert_eq!(page.messages[1].attachments.len(), 1);
    for message in &page.messages {
        for att in &message.attachments {
            assert_eq!(
                fetch(&server, &att.url, None).await.status(),
                StatusCode::OK
            );
        }
    }
    // Search results carry them.
    let found: SearchResults = bob
        .get_ok(&format!(
            "/api/search?{}",
            serde_urlencoded::to_string([("q", "holiday")]).expect("q")
        ))
        .await;
    assert_eq!(found.results.len(), 1);
    assert_eq!(found.results[0].attachments.len(), 1);
    // An edit keeps them.
    sa.send(&ClientCommand::EditMessage {
        message_id: with_text.id,
        content: "holiday pictures (2)".into(),
    })
    .await;
    let edited = sb.wait_for(message_updated).await;
    assert_eq!(edited.attachments.len(), 1);
    assert_eq!(edited.attachments[0].id, with_text.attachments[0].id);
    // The sender's export has them.
    let export: AccountExport = alice.get_ok("/api/me/export").await;
    assert_eq!(
        export
            .messages
            .iter()
            .map(|m| m.attachments.len())
            .sum::<usize>(),
        3
    );

    // A non-member never sees the messages, so never gets a link.
    let (carol, _c) = server.user("carol").await;
    let (status, body) = carol.get(&format!("/api/chats/{}/messages", chat.id)).await;
    assert_error(status, &body, 404, "not_found");
    let found: SearchResults = carol
        .get_ok(&format!(
            "/api/search?{}",
            serde_urlencoded::to_string([("q", "holiday")]).expect("q")
        ))
        .await;
    assert!(found.results.is_empty());
}

async fn attaching_only_own_unattached_uploads(backend: Backend, store: Store) {
    let (server, _kept) = start(backend, store, &[]).await;
    let (alice, _a, bob, _b, chat, mut sa, mut sb) = server.duo().await;
    let bobs = upload_ok(&bob, "bob.txt", "text/plain", b"bob's".to_vec()).await;
    let mine = upload_ok(&alice, "mine.txt", "text/plain", b"mine".to_vec()).await;

    // Someone else's upload, a made-up id: the same refusal, nothing stored.
    for bad in [bobs.id, UploadId::from(Uuid::new_v4())] {
        sa.send(&send_with(chat.id, "look", &[bad])).await;
        let (code, command) = sa.wait_for(error).await;
        assert_eq!(code, ErrorCode::ValidationFailed);
        assert_eq!(command.as_deref(), Some("new_message"));
    }
    // Twice in one message, more than ten, empty without files: refused before storing.
    sa.send(&send_with(chat.id, "twice", &[mine.id, mine.id]))
        .await;
    assert_eq!(sa.wait_for(error).await.0, ErrorCode::ValidationFailed);
    let many: Vec<UploadId> = (0..11).map(|_| UploadId::from(Uuid::new_v4())).collect();
    sa.send(&send_with(chat.id, "many", &many)).await;
    assert_eq!(sa.wait_for(error).await.0, ErrorCode::ValidationFailed);
    sa.send(&send_with(chat.id, "", &[])).await;
    assert_eq!(sa.wait_for(error).await.0, ErrorCode::ValidationFailed);

    // Attached once; a second message cannot take it; a retry of the first is a retry.
    let first = send_with(chat.id, "mine", &[mine.id]);
    sa.send(&first).await;
    let stored = sb.wait_for(new_message).await;
    sa.wait_for(new_message).await;
    assert_eq!(stored.seq, 1, "the refusals took no seq");
    sa.send(&send_with(chat.id, "again", &[mine.id])).await;
    assert_eq!(sa.wait_for(error).await.0, ErrorCode::ValidationFailed);
    sa.send(&first).await;
    let retried = sa.wait_for(new_message).await;
    assert_eq!(retried.id, stored.id);
    assert_eq!(retried.attachments.len(), 1);

    // Bob's upload works for Bob, in a chat he is in.
    sb.send(&send_with(chat.id, "", &[bobs.id])).await;
    let his = sa.wait_for(new_message).await;
    assert_eq!(his.seq, 2);
    assert_eq!(his.attachments[0].id, bobs.id);
    let page: MessagePage = alice
        .get_ok(&format!("/api/chats/{}/messages", chat.id))
        .await;
    assert_eq!(page.messages.len(), 2);
}

/// Sends a hand-made HTTP request and returns the status line's code (None: no answer).
fn raw_http(addr: &str, head: &str, body: &[u8], close_early: bool) -> Option<u16> {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream.write_all(head.as_bytes()).expect("head");
    stream.write_all(body).expect("body");
    if close_early {
        stream
            .shutdown(std::net::Shutdown::Write)
            .expect("shutdown");
    }
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                answer.extend_from_slice(&buf[..n]);
                if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
        }
    }
    let text = String::from_utf8_lossy(&answer);
    text.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
}

async fn size_limits_hold_while_streaming(backend: Backend, store: Store) {
    let (server, kept) = start(backend, store, &[("MAX_UPLOAD_BYTES", "1000")]).await;
    let (alice, a) = server.user("alice").await;
    upload_ok(
        &alice,
        "exact.bin",
        "application/octet-stream",
        vec![7; 1000],
    )
    .await;
    let (status, body) = upload(
        &alice,
        "over.bin",
        "application/octet-stream",
        vec![7; 1001],
    )
    .await;
    assert_error(status, &body, 413, "payload_too_large");

    // Chunked, so no Content-Length to judge by: counted while streaming.
    let token = &a.access_token;
    let addr = server.addr.clone();
    let head = format!(
        "POST /api/uploads?name=chunked.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut chunked = Vec::new();
    for _ in 0..3 {
        chunked.extend_from_slice(b"200\r\n");
        chunked.extend_from_slice(&[1u8; 0x200]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let (a1, h1) = (addr.clone(), head.clone());
    let code = tokio::task::spawn_blocking(move || raw_http(&a1, &h1, &chunked, false))
        .await
        .expect("raw");
    assert_eq!(code, Some(413));

    // A body shorter than its Content-Length: refused (or the connection simply ends);
    // nothing is stored either way.
    let head = format!(
        "POST /api/uploads?name=short.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: 500\r\n\r\n"
    );
    let code = tokio::task::spawn_blocking(move || raw_http(&addr, &head, &[2u8; 200], true))
        .await
        .expect("raw");
    assert!(code.is_none() || code == Some(400), "{code:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let files = kept.files().await;
    assert!(kept.staged().is_empty(), "{:?}", kept.staged());
    assert_eq!(files.len(), 1, "only the upload that fit: {files:?}");
}

async fn dangerous_files_are_downloads_and_names_are_cleaned(backend: Backend, store: Store) {
    let (server, _kept) = start(backend, store, &[]).await;
    let (alice, _a) = server.user("alice").await;
    let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec();
    let att = upload_ok(&alice, "page.html", "text/html", html).await;
    assert!(att.thumbnail_url.is_none());
    let resp = fetch(&server, &att.url, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(header(&resp, "content-disposition").starts_with("attachment"));
    assert_eq!(header(&resp, "x-content-type-options"), "nosniff");
    assert!(header(&resp, "content-security-policy").contains("sandbox"));

    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    let att = upload_ok(&alice, "logo.svg", "image/svg+xml", svg).await;
    assert_ne!(att.content_type, "image/svg+xml");
    assert!(att.thumbnail_url.is_none());
    let resp = fetch(&server, &att.url, None).await;
    assert!(header(&resp, "content-disposition").starts_with("attachment"));

    // Paths are cut to their last part; control characters and huge names are refused.
    let att = upload_ok(&alice, "../../etc/passwd", "text/plain", b"x".to_vec()).await;
    assert_eq!(att.name, "passwd");
    let resp = fetch(&server, &att.url, None).await;
    assert!(header(&resp, "content-disposition").contains("passwd"));
    for bad in ["bad\u{1}name.txt", "..", &"n".repeat(10_000)] {
        let (status, body) = upload(&alice, bad, "text/plain", b"x".to_vec()).await;
        assert_error(status, &body, 422, "validation_failed");
    }
    // No name at all: 400 or 422 (the query does not read).
    let (status, _) = alice
        .raw(
            reqwest::Method::POST,
            "/api/uploads",
            "text/plain",
            b"x".to_vec(),
        )
        .await;
    assert!(status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY);
}

async fn links_expire_and_files_of_deleted_messages_go(backend: Backend, store: Store) {
    let (server, storage) = start(
        backend,
        store,
        &[
            ("UPLOAD_URL_TTL_SECS", "2"),
            ("UPLOAD_UNATTACHED_SECS", "3"),
            ("UPLOAD_SWEEP_SECS", "1"),
        ],
    )
    .await;
    let (alice, _a, _bob, _b, chat, mut sa, mut sb) = server.duo().await;
    let att = upload_ok(&alice, "a.png", "image/png", png(30, 30)).await;
    assert_eq!(
        fetch(&server, &att.url, None).await.status(),
        StatusCode::OK
    );

    // Tampered: another signature, another expiry, another variant, another file: 404.
    let (path, query) = att.url.split_once('?').expect("query");
    let mut params: Vec<(String, String)> = serde_urlencoded::from_str(query).expect("exp and sig");
    let sig = params[1].1.clone();
    let flipped = format!(
        "{}{}",
        if sig.starts_with('0') { "1" } else { "0" },
        &sig[1..]
    );
    let later: i64 = params[0].1.parse::<i64>().expect("exp") + 100;
    let other = upload_ok(&alice, "b.png", "image/png", png(5, 5)).await;
    for bad in [
        format!("{path}?exp={}&sig={flipped}", params[0].1),
        format!("{path}?exp={later}&sig={sig}"),
        format!("{}?{query}", path.replace("original", "thumbnail")),
        format!(
            "{}?{query}",
            path.replace(&att.id.to_string(), &other.id.to_string())
        ),
        path.to_owned(),
        format!("/api/files/not-a-uuid/original?{query}"),
    ] {
        let resp = fetch(&server, &bad, None).await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{bad}");
    }
    // Expired.
    tokio::time::sleep(Duration::from_millis(3200)).await;
    assert_eq!(
        fetch(&server, &att.url, None).await.status(),
        StatusCode::NOT_FOUND
    );
    params.clear();

    // A message's files go when it is deleted; unattached ones after their time.
    let kept = upload_ok(&alice, "kept.png", "image/png", png(8, 8)).await;
    sa.send(&send_with(chat.id, "soon gone", &[kept.id])).await;
    let message = sb.wait_for(new_message).await;
    let fresh_link = message.attachments[0].url.clone();
    assert_eq!(
        fetch(&server, &fresh_link, None).await.status(),
        StatusCode::OK
    );
    sa.send(&ClientCommand::DeleteMessage {
        message_id: message.id,
    })
    .await;
    sb.wait_for(common::events::deleted).await;
    assert_eq!(
        fetch(&server, &fresh_link, None).await.status(),
        StatusCode::NOT_FOUND,
        "a deleted message's files are not served"
    );
    let mut left = Vec::new();
    for _ in 0..50 {
        left = storage.files().await;
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(left.is_empty(), "swept: {left:?}");
}

/// Larger than one part of an S3 upload (8 MiB), so the multipart path is taken there.
async fn large_files_arrive_whole_and_in_ranges(backend: Backend, store: Store) {
    let (server, kept) = start(backend, store, &[]).await;
    let (alice, _a) = server.user("alice").await;
    let body: Vec<u8> = (0..20 * 1024 * 1024 + 123u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let att = upload_ok(&alice, "big.bin", "application/octet-stream", body.clone()).await;
    assert_eq!(att.size, body.len() as i64);
    let resp = fetch(&server, &att.url, None).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, "content-length"), body.len().to_string());
    let got = resp.bytes().await.expect("body");
    assert!(got[..] == body[..], "the same bytes back");
    for (range, want) in [
        ("bytes=-10", &body[body.len() - 10..]),
        ("bytes=9000000-9000099", &body[9_000_000..9_000_100]),
    ] {
        let resp = fetch(&server, &att.url, Some(range)).await;
        assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(&resp.bytes().await.expect("body")[..], want, "{range}");
    }
    let resp = fetch(&server, &att.url, Some(&format!("bytes={}-", body.len()))).await;
    assert_eq!(resp.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert!(kept.staged().is_empty(), "{:?}", kept.staged());
    assert_eq!(kept.files().await.len(), 1);
}

/// Retention erases files too: a message past its group's period becomes a tombstone, its
/// links die at once and the sweep removes the bytes from storage.
async fn files_of_expired_messages_go(backend: Backend, store: Store) {
    let (server, storage) = start(backend, store, &[("UPLOAD_SWEEP_SECS", "1")]).await;
    let (alice, a) = server.user("alice").await;
    let (_bob, b) = server.user("bob").await;
    let group = alice.create_chat(&[&b.user], Some("photos")).await;
    let mut sa = server.socket(&a.access_token).await;
    let mut sb = server.socket(&b.access_token).await;
    let old = upload_ok(&alice, "old.png", "image/png", png(8, 8)).await;
    sa.send(&send_with(group.id, "old news", &[old.id])).await;
    let message = sb.wait_for(new_message).await;
    let link = message.attachments[0].url.clone();
    assert_eq!(fetch(&server, &link, None).await.status(), StatusCode::OK);

    common::age_messages(&server.db.url, message.seq);
    let (status, body) = alice
        .call(
            reqwest::Method::PATCH,
            &format!("/api/chats/{}", group.id),
            Some(&serde_json::json!({"retention_days": 30})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, gone, _) = sb.wait_for(common::events::deleted).await;
    assert_eq!(gone, message.id);
    assert_eq!(
        fetch(&server, &link, None).await.status(),
        StatusCode::NOT_FOUND,
        "an expired message's files are not served"
    );
    let mut left = Vec::new();
    for _ in 0..50 {
        left = storage.files().await;
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(left.is_empty(), "swept: {left:?}");
}
