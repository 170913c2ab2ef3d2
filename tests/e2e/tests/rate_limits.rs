//! Rate limits in words people understand: after ten failed logins the username is locked for a
//! while, and the sign-in page says so plainly (never a raw status or error code).

use chat_e2e::flows::{PASSWORD, Remember, sign_up};
use chat_e2e::{Browser, ChromeDriver, Result, Server, TempDir, unique_suffix};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_lockout_shows_a_human_message() -> Result<()> {
    let data = TempDir::new("data");
    // The per-address limit is lifted so the lock on the username is what answers.
    let server = Server::start_with_env(data.path(), 0, &[("AUTH_RATE_LIMIT", "1000")]);
    let base = server.url();
    let chromedriver = ChromeDriver::start();
    let kim = format!("kim_{}", unique_suffix());

    let k = Browser::open(&chromedriver, "kim", 1000, 700).await?;
    sign_up(&k, &base, &kim, Remember::No).await?;
    k.click("#signout").await?;
    k.wait_present("#auth-username").await?;

    // One wrong password through the page: the usual sentence.
    k.type_into("#auth-username", &kim).await?;
    k.type_into("#auth-password", "not the password").await?;
    k.click("#auth-submit").await?;
    k.wait_text("#auth-error", "Wrong username or password")
        .await?;

    // Nine more wrong guesses (from a script, quickly): the username is now locked.
    let statuses = k
        .js(
            "const guess = () => fetch('/api/auth/login', {
               method: 'POST',
               headers: { 'content-type': 'application/json' },
               body: JSON.stringify({ username: arguments[0], password: 'wrong password' }),
             }).then(r => r.status);
             return (async () => {
               const seen = [];
               for (let n = 0; n < 9; n++) seen.push(await guess());
               return seen;
             })();",
            serde_json::json!(kim),
        )
        .await?;
    let statuses: Vec<u16> = serde_json::from_value(statuses)?;
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );

    // Even the right password is refused for now, and the page says why in plain words.
    k.js(
        "document.getElementById('auth-password').value = '';",
        serde_json::json!(null),
    )
    .await?;
    k.click("#auth-password").await?;
    k.type_into("#auth-password", PASSWORD).await?;
    k.click("#auth-submit").await?;
    k.wait_text(
        "#auth-error",
        "Too many attempts — wait a minute and try again",
    )
    .await?;
    let shown = k.text("#auth-error").await?.unwrap_or_default();
    assert!(
        !shown.contains("429") && !shown.contains("rate_limited"),
        "{shown:?}"
    );
    k.screenshot("50-lockout").await?;

    k.quit().await?;
    drop(server);
    Ok(())
}
