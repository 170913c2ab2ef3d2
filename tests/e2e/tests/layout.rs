//! Layout: the chat list and the conversation fit every width from a small phone up (320, 390,
//! 768 and 1280 px) with no horizontal scrolling, even with a long preview and an unbroken
//! word in the list; and Sign out stays on screen. So does a group's members panel, open beside
//! the conversation (or over it on a phone) with its admin controls.

use chat_e2e::flows::{
    Remember, add_contact, create_group, open_direct, send, sign_up, wait_message,
};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

/// Elements (page, layout boxes, chat items) whose content is wider than their box.
const OVERFLOWING: &str = "
  const boxes = [document.documentElement, document.body].concat(Array.from(
    document.querySelectorAll('.shell, .sidebar, .main, .conversation, #messages, .chat-item, .composer, #members-panel')));
  const name = e => e.id || e.className || e.tagName;
  // The deepest elements sticking out, to say what to fix.
  const culprits = box => {
    const edge = box.getBoundingClientRect().right + 1;
    return Array.from(box.querySelectorAll('*'))
      .filter(d => d.getBoundingClientRect().right > edge && d.children.length === 0)
      .slice(0, 3).map(d => d.tagName + '.' + d.className);
  };
  return boxes
    .filter(e => e.getClientRects().length > 0 && e.scrollWidth > e.clientWidth)
    .map(e => name(e) + ': ' + e.scrollWidth + ' > ' + e.clientWidth + ' ' + culprits(e).join(' '));";

async fn fits(b: &Browser, what: &str, width: u32) -> Result<()> {
    let over = b.js(OVERFLOWING, serde_json::json!(null)).await?;
    b.screenshot(&format!("layout-{what}-{width}")).await?;
    assert_eq!(
        over,
        serde_json::json!([]),
        "{what} at {width} px overflows"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_width_fits_without_horizontal_scroll() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));
    let b = Browser::open(&chromedriver, "layout-bob", 900, 700).await?;
    sign_up(&b, &base, &bob, Remember::No).await?;
    let a = Browser::open(&chromedriver, "layout-alice", 1280, 800).await?;
    sign_up(&a, &base, &alice, Remember::No).await?;
    add_contact(&a, &bob).await?;
    open_direct(&a, &bob).await?;
    let long = "A fairly long message from alice so the preview needs an ellipsis on phones";
    let word = "x".repeat(300);
    send(&a, &word).await?;
    send(&a, long).await?;
    wait_message(&a, long).await?;
    b.click("#tab-chats").await?;
    b.click(".chat-item").await?;
    wait_message(&b, long).await?;

    for width in [320, 390, 768, 1280] {
        b.driver.set_window_rect(0, 0, width, 800).await?;
        // The conversation (on a phone it is the whole screen).
        b.wait_present("#composer").await?;
        fits(&b, "conversation", width).await?;
        // The chat list (on a phone: back to it).
        if b.count(".back").await? > 0
            && b.js(
                "return document.querySelector('.back').getClientRects().length > 0;",
                serde_json::json!(null),
            )
            .await?
                == serde_json::json!(true)
        {
            b.click(".back").await?;
            b.wait_present(".chat-item").await?;
        }
        fits(&b, "chat-list", width).await?;
        let signout = b
            .js(
                "const r = document.getElementById('signout').getBoundingClientRect();
                 return r.width > 0 && r.left >= 0 && r.right <= innerWidth;",
                serde_json::json!(null),
            )
            .await?;
        assert_eq!(signout, true, "Sign out is off-screen at {width} px");
        b.click(".chat-item").await?;
    }

    // Alice's group, its members panel open with her admin controls.
    create_group(
        &a,
        "A group with a rather long name for a narrow panel",
        false,
    )
    .await?;
    a.click("#members-toggle").await?;
    a.wait_present(".remove-member").await?;
    for width in [390, 768, 1100, 1280] {
        a.driver.set_window_rect(0, 0, width, 800).await?;
        a.wait_present("#members-panel").await?;
        fits(&a, "members", width).await?;
    }

    a.quit().await?;
    b.quit().await?;
    drop(server);
    Ok(())
}
