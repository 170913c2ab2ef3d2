//! Attachments in the web app (issue 14 item 4): a file dropped on the conversation, a file
//! pasted into the composer and one chosen with the attach button each upload at once as a chip
//! (progress, then ready; one removed before sending); the message goes with the rest, and the
//! other person sees the image at its real proportions (room kept before it loads) and the file
//! as a chip with name and size that downloads; the image opens in a lightbox that Escape closes,
//! focus going back to the image. A file over the server's limit shows the server's reason on
//! its chip and stops the send until removed. axe finds nothing with files and the lightbox.

use chat_e2e::flows::{Remember, add_contact, open_chat, open_direct, send, sign_up};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};
use serde_json::{Value, json};
use thirtyfour::By;

/// Makes files in the page and hands them to the app as a person would: dropped on the
/// conversation (`drop`) or pasted into the composer (`paste`). `arguments[0]`: {how, files:
/// [{name, type, png: [w, h]} | {name, type, text} | {name, type, bytes}]}.
const HAND_OVER: &str = "
  const { how, files } = arguments[0];
  const make = async (f) => {
    if (f.png) {
      const canvas = document.createElement('canvas');
      [canvas.width, canvas.height] = f.png;
      const g = canvas.getContext('2d');
      g.fillStyle = '#2f6fed'; g.fillRect(0, 0, canvas.width, canvas.height);
      g.fillStyle = '#ffffff'; g.fillRect(0, 0, canvas.width / 2, canvas.height / 2);
      const blob = await new Promise(done => canvas.toBlob(done, 'image/png'));
      return new File([blob], f.name, { type: f.type });
    }
    const body = f.text !== undefined ? f.text : new Uint8Array(f.bytes);
    return new File([body], f.name, { type: f.type });
  };
  const data = new DataTransfer();
  for (const f of files) data.items.add(await make(f));
  if (how === 'drop') {
    const target = document.querySelector('#conversation');
    target.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  } else {
    document.querySelector('#composer')
      .dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }
  return true;
";

/// (name, status) of each chip above the composer.
async fn chips(b: &Browser) -> Result<Vec<(String, String)>> {
    let v: Value = b
        .js(
            "return Array.from(document.querySelectorAll('.upload-chip')).map(c =>
               [c.querySelector('.upload-name').textContent,
                c.querySelector('.upload-status').textContent]);",
            json!(null),
        )
        .await?;
    Ok(serde_json::from_value(v)?)
}

async fn wait_chips(b: &Browser, want: &[(&str, &str)]) -> Result<()> {
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(n, s)| ((*n).to_owned(), (*s).to_owned()))
        .collect();
    b.wait_for(&format!("chips {want:?}"), || async {
        Ok((chips(b).await? == want).then_some(()))
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_attached_sent_shown_and_opened() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start_with_env(data.path(), 0, &[("MAX_UPLOAD_BYTES", "200000")]);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (kim, lou) = (format!("kim_{run}"), format!("lou_{run}"));
    let k = Browser::open(&chromedriver, "kim", 1100, 760).await?;
    let l = Browser::open(&chromedriver, "lou", 1100, 760).await?;
    sign_up(&k, &base, &kim, Remember::No).await?;
    sign_up(&l, &base, &lou, Remember::No).await?;
    add_contact(&l, &kim).await?;
    open_direct(&l, &kim).await?;

    // Dropped on the conversation: a 400 x 200 picture.
    l.js(
        HAND_OVER,
        json!({"how": "drop", "files": [{"name": "wide.png", "type": "image/png", "png": [400, 200]}]}),
    )
    .await?;
    wait_chips(&l, &[("wide.png", "Ready")]).await?;
    // Pasted into the composer: a text file.
    l.js(
        HAND_OVER,
        json!({"how": "paste", "files": [{"name": "notes.txt", "type": "text/plain", "text": "hello notes"}]}),
    )
    .await?;
    wait_chips(&l, &[("wide.png", "Ready"), ("notes.txt", "Ready")]).await?;
    // Chosen with the attach button's file input, then removed again.
    let files = TempDir::new("files");
    let extra = files.path().join("extra.csv");
    std::fs::write(&extra, "a,b\n1,2\n")?;
    let input = l.driver.find(By::Css("#attach-input")).await?;
    input.send_keys(extra.display().to_string()).await?;
    wait_chips(
        &l,
        &[
            ("wide.png", "Ready"),
            ("notes.txt", "Ready"),
            ("extra.csv", "Ready"),
        ],
    )
    .await?;
    l.click(".upload-chip[data-key='2'] .upload-remove").await?;
    wait_chips(&l, &[("wide.png", "Ready"), ("notes.txt", "Ready")]).await?;
    assert!(
        l.axe().await?.is_empty(),
        "axe on the chips: {:?}",
        l.axe().await?
    );

    send(&l, "here you go").await?;
    l.wait_gone("#upload-tray").await?;

    // Kim sees the picture at its proportions and the file with its name and size.
    open_chat(&k, &lou).await?;
    k.wait_present(".msg .file-image img").await?;
    let shape = k
        .js(
            "const r = document.querySelector('.msg .file-image').getBoundingClientRect();
             return [r.width, r.height];",
            json!(null),
        )
        .await?;
    let (w, h) = (
        shape[0].as_f64().unwrap_or(0.0),
        shape[1].as_f64().unwrap_or(1.0),
    );
    assert!(
        w > 0.0 && (w / h - 2.0).abs() < 0.05,
        "2:1 room, got {w} x {h}"
    );
    assert_eq!(k.texts(".msg .file-chip .file-name").await?, ["notes.txt"]);
    assert_eq!(k.texts(".msg .file-chip .file-size").await?, ["11 B"]);
    let href = k
        .js(
            "return fetch(document.querySelector('.msg .file-chip').href).then(r => r.text());",
            json!(null),
        )
        .await?;
    assert_eq!(href, json!("hello notes"), "the chip downloads the file");
    k.wait_text(".msg .msg-text", "here you go").await?;
    k.screenshot("attachments-received").await?;

    // The lightbox: opened by the picture, closed by Escape, focus back on the picture.
    k.click(".msg .file-image").await?;
    k.wait_present("#lightbox[role='dialog'] .lightbox-image")
        .await?;
    let focused = k
        .js("return document.activeElement.id;", json!(null))
        .await?;
    assert_eq!(focused, json!("lightbox-close"));
    let violations = k.axe().await?;
    assert!(
        violations.is_empty(),
        "axe with the lightbox open: {violations:?}"
    );
    k.driver
        .find(By::Css("#lightbox-close"))
        .await?
        .send_keys("\u{E00C}")
        .await?;
    k.wait_gone("#lightbox").await?;
    let focused = k
        .js(
            "return document.activeElement.classList.contains('file-image');",
            json!(null),
        )
        .await?;
    assert_eq!(focused, json!(true), "focus back on the picture");
    let violations = k.axe().await?;
    assert!(violations.is_empty(), "axe with files: {violations:?}");

    // Over the server's limit: its reason on the chip; nothing goes until it is removed.
    l.js(
        HAND_OVER,
        json!({"how": "drop", "files": [{"name": "big.bin", "type": "application/octet-stream", "bytes": vec![0u8; 1]}]}),
    )
    .await?;
    l.js(
        "const data = new DataTransfer();
         data.items.add(new File([new Uint8Array(300000)], 'huge.bin', { type: 'application/octet-stream' }));
         document.querySelector('#composer').dispatchEvent(
           new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));",
        json!(null),
    )
    .await?;
    wait_chips(&l, &[("big.bin", "Ready"), ("huge.bin", "Failed")]).await?;
    l.screenshot("attachments-failed-chip").await?;
    let why = l
        .text(".upload-chip.failed .upload-error")
        .await?
        .unwrap_or_default();
    assert!(!why.is_empty(), "the server's reason is shown");
    l.type_into("#composer", "with the big one").await?;
    l.click("#send").await?;
    l.wait_text(".composer-error", "could not be uploaded")
        .await?;
    assert_eq!(
        l.count(".upload-chip").await?,
        2,
        "nothing was sent while a file failed"
    );
    l.click(".upload-chip.failed .upload-remove").await?;
    l.click("#send").await?;
    l.wait_gone("#upload-tray").await?;
    k.wait_text(".msg .msg-text", "with the big one").await?;

    k.check_console().await?;
    l.check_console().await?;
    k.quit().await?;
    l.quit().await?;
    Ok(())
}
