//! Blocking: Ann blocks Ben from his contact row (asking first). Ben can no longer write in
//! their direct chat (a clear line instead of the composer), his group messages are collapsed
//! for Ann (and can be shown), Ann's own direct chat says she blocked him; she unblocks from
//! there, and they talk again; the chat's header blocks and unblocks too. Unknown presence (Ben
//! never added Ann) shows no dot at all.

use chat_e2e::flows::{Remember, add_contact, confirmed, open_chat, send, sign_up};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_closes_the_chat_collapses_group_messages_and_unblocking_reopens() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (ann, ben) = (format!("ann_{run}"), format!("ben_{run}"));

    let a = Browser::open(&chromedriver, "ann", 1100, 760).await?;
    let b = Browser::open(&chromedriver, "ben", 1100, 760).await?;
    sign_up(&a, &base, &ann, Remember::No).await?;
    sign_up(&b, &base, &ben, Remember::No).await?;

    // Ann adds Ben; Ben has not added Ann, so he shares no presence: no dot, not "offline".
    add_contact(&a, &ben).await?;
    let row = format!(".contact[data-username=\"{ben}\"]");
    a.wait_present(&format!("{row}.presence-unknown")).await?;
    assert_eq!(a.count(&format!("{row} .presence-dot")).await?, 0);

    // A direct chat and a group, both with a message from Ben.
    a.click(&format!("{row} .message-contact")).await?;
    send(&a, "hi ben").await?;
    a.wait_text("#messages .msg:not(.pending) .msg-text", "hi ben")
        .await?;
    assert_eq!(a.text("#conv-subtitle").await?.as_deref(), Some(""));
    a.click("#tab-new").await?;
    a.type_into("#group-name", "Crew").await?;
    a.click(".group-candidate input").await?;
    a.click("#create-group").await?;
    a.wait_text("#conv-title", "Crew").await?;
    open_chat(&b, "Crew").await?;
    send(&b, "group hello").await?;
    a.wait_text("#messages .msg:not(.pending) .msg-text", "group hello")
        .await?;

    // Ann blocks Ben from his contact row, after confirming.
    a.click("#tab-contacts").await?;
    a.click(&format!("{row} .block-contact")).await?;
    a.wait_text(&format!("{row} .confirm-question"), "Block")
        .await?;
    a.click(&format!("{row} .confirm-block")).await?;
    a.wait_present(&format!(".blocked-user[data-username=\"{ben}\"]"))
        .await?;
    a.wait_gone(&row).await?;
    a.screenshot("30-blocked-list").await?;

    // Ben can no longer write to Ann: the composer gives way to a clear line.
    open_chat(&b, &ann).await?;
    let _ = send(&b, "are you there?").await;
    b.wait_text("#composer-closed", "can't reply").await?;
    // A block hides presence both ways: Ann's dot is gone for Ben.
    b.wait_gone(".conv-head .presence-dot").await?;
    b.screenshot("31-cannot-reply").await?;

    // In the group, Ben's messages are collapsed for Ann, and can be shown.
    open_chat(&b, "Crew").await?;
    send(&b, "after the block").await?;
    b.wait_text("#messages .msg:not(.pending) .msg-text", "after the block")
        .await?;
    open_chat(&a, "Crew").await?;
    a.wait_for("two collapsed messages", || async {
        Ok((a.count(".msg-collapsed").await? == 2).then_some(()))
    })
    .await?;
    assert!(
        !confirmed(&a)
            .await?
            .iter()
            .any(|t| t.contains("after the block")),
        "a blocked user's message is collapsed"
    );
    a.wait_text(".msg-collapsed", "Message from a blocked user")
        .await?;
    a.screenshot("32-collapsed").await?;
    a.click(".msg-collapsed .show-blocked").await?;
    a.wait_text("#messages .msg-text", "group hello").await?;
    assert_eq!(a.count(".msg-collapsed").await?, 1);

    // Ann's direct chat with Ben says she blocked him; she unblocks from there.
    open_chat(&a, &ben).await?;
    a.wait_text("#composer-closed", &format!("You blocked {ben}"))
        .await?;
    a.screenshot("33-you-blocked").await?;
    a.click("#composer-closed .unblock-here").await?;
    a.wait_present("#composer").await?;
    a.wait_gone(".blocked-user").await?;

    // They talk again: Ann's message reopens the conversation for Ben.
    send(&a, "sorry, welcome back").await?;
    b.click("#tab-chats").await?;
    open_chat(&b, &ann).await?;
    b.wait_text("#messages .msg-text", "sorry, welcome back")
        .await?;
    b.wait_present("#composer").await?;
    send(&b, "thanks").await?;
    a.wait_text("#messages .msg:not(.pending) .msg-text", "thanks")
        .await?;
    // No error notice anywhere along the way.
    assert_eq!(a.count(".notice").await?, 0);

    // The direct chat's header blocks too (asking first), and unblocks.
    a.click(".conv-head .block-peer").await?;
    a.wait_text(".conv-head .confirm-question", "Neither of you")
        .await?;
    a.screenshot("34-block-from-header").await?;
    a.click(".conv-head .confirm-block").await?;
    a.wait_text("#composer-closed", &format!("You blocked {ben}"))
        .await?;
    a.click(".conv-head .unblock-peer").await?;
    a.wait_present("#composer").await?;
    a.wait_present(".conv-head .block-peer").await?;

    a.quit().await?;
    b.quit().await?;
    drop(server);
    Ok(())
}
