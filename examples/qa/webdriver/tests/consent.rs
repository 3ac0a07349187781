//! The four checks every site with CanEnrich Consent should pass, over WebDriver:
//!
//! 1. a first visit shows the banner with Accept all, Reject all and Manage preferences;
//! 2. after Reject all, no tracker is requested and no non-essential cookie is set;
//! 3. after Accept all, every gated tag is released and the choice is recorded;
//! 4. after Reject all, signing in still works (the session cookie is set and HttpOnly).
//!
//! Each test gets its own chromedriver and a fresh browser profile. Run them one at a time:
//! `SITE_URL=https://staging.example cargo test -- --test-threads=1`.

use std::time::Duration;

use canenrich_qa_webdriver::{
    click_widget, consent, cookies, loaded_urls, open, state, wait_until, widget_ready,
    widget_shows, with_browser, Result,
};
use fantoccini::Locator;
use serde_json::Value;

/// How long to keep watching for late tags (SPAs and tag managers insert them after `load`).
const SETTLE: Duration = Duration::from_millis(1500);

#[tokio::test]
async fn first_visit_shows_the_banner_with_three_buttons() -> Result<()> {
    with_browser(|client, settings| async move {
        open(&client, &settings, &settings.start_path).await?;
        wait_until("the banner", || async {
            Ok(widget_shows(&client, "banner").await?.then_some(()))
        })
        .await?;
        for button in ["accept-all", "reject-all", "manage"] {
            assert!(
                widget_shows(&client, button).await?,
                "the banner shows the `{button}` button"
            );
        }
        assert_eq!(
            consent(&client).await?,
            Value::Null,
            "no choice is recorded before the visitor makes one"
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn reject_all_requests_no_tracker_and_sets_no_optional_cookie() -> Result<()> {
    with_browser(|client, settings| async move {
        open(&client, &settings, &settings.start_path).await?;
        click_widget(&client, "reject-all").await?;
        wait_until("the banner to close", || async {
            Ok((!widget_shows(&client, "banner").await?).then_some(()))
        })
        .await?;
        let record = consent(&client).await?;
        assert_eq!(record["method"], "reject_all", "recorded: {record}");

        // The next page view reads the stored choice; nothing may leak there either.
        open(&client, &settings, &settings.start_path).await?;
        assert!(
            !widget_shows(&client, "banner").await?,
            "the banner stays closed on the next page"
        );
        tokio::time::sleep(SETTLE).await;

        let trackers: Vec<String> = loaded_urls(&client)
            .await?
            .into_iter()
            .filter(|url| settings.is_tracker(url))
            .collect();
        assert!(
            trackers.is_empty(),
            "trackers were requested after Reject all: {trackers:?}"
        );
        let optional: Vec<String> = cookies(&client)
            .await?
            .iter()
            .map(|cookie| cookie.name().to_owned())
            .filter(|name| !settings.is_essential(name))
            .collect();
        assert!(
            optional.is_empty(),
            "non-essential cookies after Reject all: {optional:?} (essential patterns: {:?})",
            settings.essential_cookies
        );
        Ok(())
    })
    .await
}

#[tokio::test]
async fn accept_all_releases_every_gated_tag_and_records_the_choice() -> Result<()> {
    with_browser(|client, settings| async move {
        open(&client, &settings, &settings.start_path).await?;
        let before = state(&client).await?;
        assert_eq!(
            before["bannerOpen"],
            Value::Bool(true),
            "getState() before a choice: {before}"
        );
        click_widget(&client, "accept-all").await?;
        let after = wait_until("getState().held to reach 0", || async {
            let now = state(&client).await?;
            Ok((now["held"] == 0).then_some(now))
        })
        .await?;
        assert_eq!(
            after["bannerOpen"],
            Value::Bool(false),
            "getState(): {after}"
        );

        let record = consent(&client).await?;
        assert_eq!(record["method"], "accept_all", "recorded: {record}");
        assert_eq!(
            record["rejected"].as_array().map(Vec::len),
            Some(0),
            "nothing is rejected: {record}"
        );
        let stored = cookies(&client).await?;
        assert!(
            stored.iter().any(|c| c.name() == "canenrich_consent"),
            "the choice is stored in the canenrich_consent cookie"
        );

        // Remembered: the next page view releases everything without a banner.
        open(&client, &settings, &settings.start_path).await?;
        assert!(
            !widget_shows(&client, "banner").await?,
            "no banner on reload"
        );
        wait_until("getState().held to reach 0 after a reload", || async {
            Ok((state(&client).await?["held"] == 0).then_some(()))
        })
        .await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn login_works_after_reject_all() -> Result<()> {
    with_browser(|client, settings| async move {
        if settings.login_path.is_empty() {
            eprintln!("LOGIN_PATH is empty: skipping the login check");
            return Ok(());
        }
        open(&client, &settings, &settings.start_path).await?;
        click_widget(&client, "reject-all").await?;
        wait_until("the choice to be recorded", || async {
            Ok((consent(&client).await?["method"] == "reject_all").then_some(()))
        })
        .await?;

        client.goto(&settings.url(&settings.login_path)).await?;
        widget_ready(&client).await?;
        client
            .find(Locator::Css(&settings.user_selector))
            .await?
            .send_keys(&settings.login_user)
            .await?;
        client
            .find(Locator::Css(&settings.password_selector))
            .await?
            .send_keys(&settings.login_password)
            .await?;
        client
            .find(Locator::Css(&settings.submit_selector))
            .await?
            .click()
            .await?;

        let session = wait_until("the session cookie", || async {
            Ok(cookies(&client)
                .await?
                .into_iter()
                .find(|c| c.name() == settings.session_cookie))
        })
        .await?;
        assert_eq!(
            session.http_only(),
            Some(true),
            "the session cookie {} is HttpOnly",
            settings.session_cookie
        );
        // Signing in did not change the choice.
        open(&client, &settings, &settings.start_path).await?;
        let record = consent(&client).await?;
        assert_eq!(record["method"], "reject_all", "recorded: {record}");
        Ok(())
    })
    .await
}
