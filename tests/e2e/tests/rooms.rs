//! Public rooms and invite links: a public group is listed under Rooms (searchable by name) and
//! anyone can join it; a group's details make it private again and make invite links, which
//! open the group for whoever follows them, also after signing up first; a revoked link says so.

use chat_e2e::flows::{PASSWORD, Remember, add_contact, create_group, sign_up};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_can_be_found_and_joined_and_invites_open_groups() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob, carl, dora) = (
        format!("alice_{run}"),
        format!("bob_{run}"),
        format!("carl_{run}"),
        format!("dora_{run}"),
    );
    let a = Browser::open(&chromedriver, "rooms-alice", 1100, 760).await?;
    let c = Browser::open(&chromedriver, "rooms-carl", 390, 800).await?;
    sign_up(&a, &base, &alice, Remember::No).await?;
    let b = Browser::open(&chromedriver, "rooms-bob", 1100, 760).await?;
    sign_up(&b, &base, &bob, Remember::No).await?;
    b.quit().await?;
    sign_up(&c, &base, &carl, Remember::Yes).await?;
    add_contact(&a, &bob).await?;
    let room = format!("Lobby {run}");
    create_group(&a, &room, true).await?;

    // Carl (no contact of anyone) finds it by part of its name and joins.
    c.goto(&format!("{base}/rooms")).await?;
    c.wait_text("#conn-status", "online").await?;
    c.wait_present("#rooms-heading").await?;
    c.type_into("#room-search", &format!("lobby {run}")).await?;
    c.wait_for("the room listed", || async {
        Ok(c.texts("#room-list .room-name")
            .await?
            .contains(&room)
            .then_some(()))
    })
    .await?;
    assert!(
        c.texts("#room-list .room-count")
            .await?
            .contains(&"2 members".to_owned())
    );
    c.screenshot("rooms-phone").await?;
    c.click("#room-list .join-room").await?;
    c.wait_text("#conv-title", &room).await?;
    c.wait_text("#conv-subtitle", "3 members").await?;

    // Alice makes it private: no longer listed.
    a.click("#members-toggle").await?;
    a.wait_present("#chat-public").await?;
    a.click("#chat-public").await?;
    a.wait_for("private", || async {
        Ok((a
            .js(
                "return document.getElementById('chat-public')?.checked === false;",
                serde_json::json!(null),
            )
            .await?
            == serde_json::json!(true))
        .then_some(()))
    })
    .await?;

    // An invite link for one use.
    a.type_into("#invite-max-uses", "1").await?;
    a.click("#create-invite").await?;
    a.wait_present("#invite-list .invite").await?;
    let link = a
        .js(
            "return document.querySelector('#invite-list .invite-link').value;",
            serde_json::json!(null),
        )
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(link.starts_with(&format!("{base}/join/")), "{link}");
    assert!(a.texts("#invite-list .invite-facts").await?[0].contains("used 0 of 1 times"));
    a.screenshot("invite-panel").await?;

    // Dora follows it signed out: told what it is, signs up, lands in the group.
    let d = Browser::open(&chromedriver, "rooms-dora", 1100, 760).await?;
    d.goto(&link).await?;
    d.wait_present("#invite-note").await?;
    d.screenshot("invite-signed-out").await?;
    d.click("#auth-tab-signup").await?;
    d.type_into("#auth-username", &dora).await?;
    d.type_into("#auth-password", PASSWORD).await?;
    d.click("#auth-submit").await?;
    d.wait_text("#conv-title", &room).await?;

    // Used up: gone from the live links, and the next person is told so.
    a.wait_gone("#invite-list .invite").await?;
    let e = Browser::open(&chromedriver, "rooms-eve", 1100, 760).await?;
    sign_up(&e, &base, &format!("eve_{run}"), Remember::Yes).await?;
    e.goto(&link).await?;
    e.wait_text("#conn-status", "online").await?;
    e.wait_text(
        ".notice",
        "This invite link is expired, used up or revoked.",
    )
    .await?;
    e.screenshot("invite-gone").await?;

    // A revoked link is gone from the list and refused too.
    a.click("#create-invite").await?;
    a.wait_present("#invite-list .invite").await?;
    let revoked = a
        .js(
            "return document.querySelector('#invite-list .invite-link').value;",
            serde_json::json!(null),
        )
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned();
    a.click("#invite-list .revoke-invite").await?;
    a.wait_gone("#invite-list .invite").await?;
    e.goto(&base).await?;
    e.wait_text("#conn-status", "online").await?;
    assert_eq!(e.count(".notice").await?, 0);
    e.goto(&revoked).await?;
    e.wait_text(
        ".notice",
        "This invite link is expired, used up or revoked.",
    )
    .await?;
    assert_eq!(e.count(".chat-item").await?, 0, "eve joined nothing");
    for br in [a, c, d, e] {
        br.quit().await?;
    }
    drop(server);
    Ok(())
}
