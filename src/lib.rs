#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod blocker;
pub mod config;
pub mod core_settings;
pub mod first_paint;
pub mod i18n;
pub mod json;
pub mod model;
pub mod page;
pub mod storage;

/// The `canenrich:*` events and Consent Mode updates, for the full build and the lean core.
#[cfg(target_arch = "wasm32")]
pub mod signals;

// The full widget's runtime and exports: only in the build with the UI. Without `ui` the crate is
// the library the lean core (`core/`) and the tools use, and exports nothing to JS.
#[cfg(all(target_arch = "wasm32", feature = "ui"))]
mod api;
#[cfg(all(target_arch = "wasm32", feature = "ui"))]
mod boot;
#[cfg(all(target_arch = "wasm32", feature = "ui"))]
mod delivery;
#[cfg(all(target_arch = "wasm32", feature = "ui"))]
mod error;
#[cfg(all(target_arch = "wasm32", feature = "ui"))]
mod events;
// On the host only for `prerender`, where the UI names the icon and the bottom room and nothing
// else of it is used.
#[cfg(any(all(target_arch = "wasm32", feature = "ui"), feature = "prerender"))]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod host;
#[cfg(all(target_arch = "wasm32", feature = "ui"))]
mod runtime;
#[cfg(all(target_arch = "wasm32", feature = "ui"))]
mod ui;
// Public on the host: `cargo xtask dist` renders the first layer with it.
#[cfg(all(not(target_arch = "wasm32"), feature = "prerender"))]
pub mod ui;
