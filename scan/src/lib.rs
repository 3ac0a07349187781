//! `canenrich-scan`: a consent audit of a whole site in headless Chromium.
//!
//! PURE modules (no browser, no clock, tested with plain `cargo test`): [`record`] (what was
//! seen), [`judge`] (leaks, unlisted names, dead tags, suggested config), [`trackers`] (the
//! built-in table of well-known trackers), [`crawl`] (links and robots.txt), [`site`],
//! [`report`] (report.json and the Markdown summary), [`html`] (report.html), [`cli`].
//! Adapters: [`browser`] (Chromium over the DevTools protocol) and [`scan`] (the crawl loop,
//! files and progress).
#![warn(missing_docs)]

pub mod browser;
pub mod cli;
pub mod crawl;
pub mod html;
pub mod judge;
pub mod record;
pub mod report;
pub mod scan;
pub mod site;
pub mod trackers;
