//! Formatted messages: bold, italic, strike, code, code blocks, quotes, lists and links render
//! as elements; raw HTML, images and links to other schemes stay the text that was typed.

use chat_e2e::flows::{Remember, add_contact, open_direct, sign_up};
use chat_e2e::keys::{ENTER, shift_enter};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markdown_subset_renders_as_elements_and_html_stays_text() -> Result<()> {
    let data = TempDir::new("data");
    let server = Server::start(data.path(), 0);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let run = unique_suffix();
    let (alice, bob) = (format!("alice_{run}"), format!("bob_{run}"));
    let a = Browser::open(&chromedriver, "fmt-alice", 1100, 760).await?;
    let b = Browser::open(&chromedriver, "fmt-bob", 390, 800).await?;
    sign_up(&a, &base, &alice, Remember::No).await?;
    sign_up(&b, &base, &bob, Remember::No).await?;
    add_contact(&a, &bob).await?;
    open_direct(&a, &bob).await?;

    let nl = shift_enter();
    let typed = [
        "**bold** _italic_ ~~gone~~ `a < b` [site](https://example.com) \
         [bad](javascript:alert(1)) ![img](https://example.com/x.png) <b>raw</b>"
            .to_owned(),
        format!("> quoted{nl}{nl}- one{nl}- two"),
        format!("```{nl}fn main() {{}}{nl}```"),
    ];
    for t in &typed {
        a.type_into("#composer", &format!("{t}{ENTER}")).await?;
    }
    b.click("#tab-chats").await?;
    b.click(".chat-item").await?;
    b.wait_present("#messages .msg-text pre code").await?;

    let seen = b
        .js(
            "const q = s => Array.from(document.querySelectorAll('#messages .msg-text ' + s));
             return {
               strong: q('strong').map(e => e.textContent),
               em: q('em').map(e => e.textContent),
               s: q('s').map(e => e.textContent),
               code: q('code.md-code').map(e => e.textContent),
               links: q('a').map(a => [a.textContent, a.getAttribute('href'),
                                       a.getAttribute('rel'), a.getAttribute('target')]),
               quote: q('blockquote').map(e => e.textContent.trim()),
               items: q('ul li').map(e => e.textContent),
               pre: q('pre code').map(e => e.textContent),
               html: q('b').length + q('img').length + q('script').length,
               first: document.querySelector('#messages .msg:not(.pending) .msg-text').textContent,
             };",
            serde_json::json!(null),
        )
        .await?;
    assert_eq!(seen["strong"], serde_json::json!(["bold"]));
    assert_eq!(seen["em"], serde_json::json!(["italic"]));
    assert_eq!(seen["s"], serde_json::json!(["gone"]));
    assert_eq!(seen["code"], serde_json::json!(["a < b"]));
    assert_eq!(
        seen["links"],
        serde_json::json!([[
            "site",
            "https://example.com",
            "noopener noreferrer",
            "_blank"
        ]]),
        "only the https link is a link"
    );
    assert_eq!(seen["quote"], serde_json::json!(["quoted"]));
    assert_eq!(seen["items"], serde_json::json!(["one", "two"]));
    assert_eq!(seen["pre"], serde_json::json!(["fn main() {}"]));
    assert_eq!(
        seen["html"],
        serde_json::json!(0),
        "no HTML element from the text"
    );
    let first = seen["first"].as_str().unwrap_or_default();
    for literal in [
        "[bad](javascript:alert(1))",
        "![img](https://example.com/x.png)",
        "<b>raw</b>",
    ] {
        assert!(
            first.contains(literal),
            "{literal:?} shown as typed in {first:?}"
        );
    }
    b.screenshot("formatting-phone").await?;
    a.screenshot("formatting-desktop").await?;
    a.quit().await?;
    b.quit().await?;
    drop(server);
    Ok(())
}
