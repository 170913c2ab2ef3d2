//! Per-chat drafts and reading position: what was typed and not sent stays with its chat
//! across chat switches and a reload; a chat reopened after scrolling back shows the same
//! messages as when it was left, and one left at the newest message reopens there, however
//! much history is loaded.

use chat_e2e::flows::{Remember, add_contact, confirmed, open_direct, send, sign_up};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

const HISTORY: usize = 40;

async fn composer(b: &Browser) -> Result<String> {
    let v = b
        .js(
            "return document.getElementById('composer').value;",
            serde_json::json!(null),
        )
        .await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// The first and last message texts whose boxes are inside the message list's visible area.
async fn on_screen(b: &Browser) -> Result<(String, String)> {
    let v = b
        .js(
            "const list = document.getElementById('messages').getBoundingClientRect();
             const shown = Array.from(document.querySelectorAll('#messages .msg[data-seq]'))
               .filter(m => { const r = m.getBoundingClientRect();
                              return r.bottom > list.top + 1 && r.top < list.bottom - 1; })
               .map(m => m.querySelector('.msg-text').textContent);
             return [shown[0] || '', shown[shown.length - 1] || ''];",
            serde_json::json!(null),
        )
        .await?;
    Ok(serde_json::from_value(v)?)
}

async fn open_chat(b: &Browser, title: &str) -> Result<()> {
    chat_e2e::flows::open_chat(b, title).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_and_reading_position_stay_with_their_chat() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob, carol) = (
        format!("alice_{run}"),
        format!("bob_{run}"),
        format!("carol_{run}"),
    );
    // Bob and Carol only need to exist.
    for name in [&bob, &carol] {
        let other = Browser::open(&chromedriver, &format!("drafts-{name}"), 900, 700).await?;
        sign_up(&other, &base, name, Remember::No).await?;
        other.quit().await?;
    }
    let a = Browser::open(&chromedriver, "drafts-alice", 1100, 700).await?;
    sign_up(&a, &base, &alice, Remember::Yes).await?;
    add_contact(&a, &bob).await?;
    add_contact(&a, &carol).await?;

    // A long history with Bob.
    open_direct(&a, &bob).await?;
    for i in 1..=HISTORY {
        send(&a, &format!("history {i:02}")).await?;
    }
    a.wait_for("every message confirmed", || async {
        Ok(
            (confirmed(&a).await?.len() == HISTORY && a.count(".msg.pending").await? == 0)
                .then_some(()),
        )
    })
    .await?;

    // Drafts: one per chat, kept across switches.
    a.type_into("#composer", "half-written for bob").await?;
    open_direct(&a, &carol).await?;
    assert_eq!(
        composer(&a).await?,
        "",
        "Bob's draft leaked into Carol's chat"
    );
    a.type_into("#composer", "a note for carol").await?;
    open_chat(&a, &bob).await?;
    assert_eq!(composer(&a).await?, "half-written for bob");
    open_chat(&a, &carol).await?;
    assert_eq!(composer(&a).await?, "a note for carol");

    // ... and across a reload of the tab.
    a.reload().await?;
    a.wait_text("#conn-status", "online").await?;
    open_chat(&a, &bob).await?;
    a.wait_for("Bob's draft after the reload", || async {
        Ok((composer(&a).await? == "half-written for bob").then_some(()))
    })
    .await?;
    a.wait_for("the newest page", || async {
        Ok(confirmed(&a)
            .await?
            .last()
            .is_some_and(|t| t == &format!("history {HISTORY:02}"))
            .then_some(()))
    })
    .await?;

    // Reading position: scroll back through all of it, stop in the middle, switch, return.
    a.wait_for("the beginning of the history", || async {
        a.js(
            "document.getElementById('messages').scrollTop = 0;",
            serde_json::json!(null),
        )
        .await?;
        Ok((a.count("#history-start").await? > 0).then_some(()))
    })
    .await?;
    a.js(
        "const m = Array.from(document.querySelectorAll('#messages .msg[data-seq]'))
           .find(m => m.querySelector('.msg-text').textContent === 'history 12');
         const list = document.getElementById('messages');
         list.scrollTop += m.getBoundingClientRect().top - list.getBoundingClientRect().top;",
        serde_json::json!(null),
    )
    .await?;
    let left = a
        .wait_for("the view to settle at history 12", || async {
            let view = on_screen(&a).await?;
            Ok((view.0 == "history 12").then_some(view))
        })
        .await?;
    open_chat(&a, &carol).await?;
    open_chat(&a, &bob).await?;
    let back = a
        .wait_for("the same view", || async {
            let view = on_screen(&a).await?;
            Ok((view == left).then_some(view))
        })
        .await;
    a.screenshot("drafts-reopened-middle").await?;
    back?;

    // Left at the newest (with all 40 loaded): reopens at the newest.
    a.click(".jump").await?;
    a.wait_gone(".jump").await?;
    open_chat(&a, &carol).await?;
    open_chat(&a, &bob).await?;
    a.wait_for("the newest message on screen", || async {
        let (_, last) = on_screen(&a).await?;
        Ok((last == format!("history {HISTORY:02}")).then_some(()))
    })
    .await?;
    a.screenshot("drafts-reopened-newest").await?;

    a.quit().await?;
    drop(server);
    Ok(())
}
